package planner

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	pg "github.com/pganalyze/pg_query_go/v6"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/engine"
	"github.com/lakegate/lakegate/pgerr"
	"github.com/lakegate/lakegate/pushdown"
	"github.com/lakegate/lakegate/wire"
)

// queryStmt is a read: a SELECT (with WITH, VALUES) over lake and catalog relations.
type queryStmt struct {
	s         *Session
	text      string // as the client sent it, for logs
	template  string // deparsed SQL with one placeholder per lake scan
	scans     []*scanRef
	clientOID []uint32
	arrays    arrayParams
	// ast and deparse rebuild the template where describing changes it (sums of
	// integers cast to bigint, see sumtypes.go); sums lists those result columns.
	ast     *pg.Node
	deparse func(*pg.Node) (string, error)
	sums    []int
	// lookup is set when the in-memory lookup lane may answer the statement.
	lookup *lookupShape

	fpOnce sync.Once
	fp     string // the statement's fingerprint, for logs

	once      sync.Once
	desc      *engine.Description
	fields    []wire.Field
	paramOIDs []uint32
	descErr   error
}

func (s *Session) newQuery(ctx context.Context, raw *pg.RawStmt, text string, paramOIDs []uint32, _ bool) (*queryStmt, error) {
	if err := checkReadOnly(raw.Stmt); err != nil {
		return nil, err
	}
	if err := s.rewriteFunctions(raw.Stmt); err != nil {
		return nil, err
	}
	scans, err := s.resolveTables(ctx, raw.Stmt)
	if err != nil {
		return nil, err
	}
	collectConjuncts(raw.Stmt, scans)
	for _, r := range scans {
		// Pruning reads the predicates as PostgreSQL wrote them; the rewrites below
		// change the tree in place for DuckDB.
		for i, c := range r.conjuncts {
			r.conjuncts[i] = proto.Clone(c).(*pg.Node)
		}
	}
	lookup := detectLookup(raw.Stmt, scans)
	nameResultColumns(raw.Stmt)
	rewriteTimeZones(raw.Stmt, scans)
	rewriteSemantics(raw.Stmt)
	rewriteCompat(raw.Stmt)
	deparse := func(stmt *pg.Node) (string, error) {
		return pg.Deparse(&pg.ParseResult{Version: s.parseVersion, Stmts: []*pg.RawStmt{{Stmt: stmt}}})
	}
	sql, err := deparse(raw.Stmt)
	if err != nil {
		return nil, pgerr.Wrap(err, pgerr.Internal, "could not deparse statement: %v", err)
	}
	q := &queryStmt{s: s, text: text, template: sql, scans: scans, clientOID: paramOIDs,
		arrays: findArrayParams(raw.Stmt, deparse), lookup: lookup}
	if q.sums = sumColumns(raw.Stmt); len(q.sums) > 0 {
		q.ast, q.deparse = raw.Stmt, deparse
	}
	return q, nil
}

// describe prepares the statement over empty scans to learn parameter and column types.
func (q *queryStmt) describe() {
	q.once.Do(func() {
		sql := q.template
		for _, r := range q.scans {
			sql = strings.ReplaceAll(sql, r.placeholder, r.emptySQL())
		}
		d, err := q.s.g.engine.Describe(context.Background(), sql)
		if err != nil {
			q.descErr = err
			return
		}
		if t := q.bigintSums(d.Schema); t != "" {
			if d2, err := q.s.g.engine.Describe(context.Background(), q.withEmptyScans(t)); err == nil {
				q.template, d = t, d2
			}
		}
		q.desc = d
		q.fields = q.withSources(fieldsFor(d.Schema))
		q.paramOIDs = make([]uint32, len(d.ParamOIDs))
		q.inferArrayParams(d.ParamOIDs)
		for i, oid := range d.ParamOIDs {
			if i < len(q.clientOID) && q.clientOID[i] != 0 {
				oid = q.clientOID[i]
			}
			q.paramOIDs[i] = oid
		}
	})
}

// inferArrayParams fills in the array types of parameters DuckDB left untyped:
// $n::T[] is T[], and x op ANY($n) is an array of the type DuckDB infers for $n in
// the probe statement x op $n.
func (q *queryStmt) inferArrayParams(oids []uint32) {
	var probe *engine.Description
	for i := range oids {
		if oid, ok := q.arrays.cast[i]; ok {
			oids[i] = oid
			continue
		}
		if !q.arrays.any[i] || q.arrays.probe == "" || (oids[i] != 0 && oids[i] != catalog.OIDText) {
			continue
		}
		if probe == nil {
			sql := q.arrays.probe
			for _, r := range q.scans {
				sql = strings.ReplaceAll(sql, r.placeholder, r.emptySQL())
			}
			d, err := q.s.g.engine.Describe(context.Background(), sql)
			if err != nil {
				return
			}
			probe = d
		}
		if i < len(probe.ParamOIDs) {
			if a := arrayOIDOf(probe.ParamOIDs[i]); a != 0 {
				oids[i] = a
			}
		}
	}
}

func fieldsFor(schema *arrow.Schema) []wire.Field {
	out := make([]wire.Field, schema.NumFields())
	for i, f := range schema.Fields() {
		out[i] = wire.FieldForArrow(clientName(f.Name), f.Type)
		markNumericText(&out[i], f.Name) // numeric_semantics.go
	}
	return out
}

// ParamOIDs implements wire.Statement.
func (q *queryStmt) ParamOIDs() []uint32 {
	q.describe()
	if q.descErr != nil {
		return q.clientOID
	}
	return q.paramOIDs
}

// Fields implements wire.Statement.
func (q *queryStmt) Fields() []wire.Field {
	q.describe()
	if q.descErr != nil {
		return nil
	}
	return q.fields
}

// DescribeErr returns the error preparing the statement met, if any.
func (q *queryStmt) DescribeErr() error {
	q.describe()
	return q.descErr
}

// Close implements wire.Statement.
func (q *queryStmt) Close() {}

// plan loads each table once, into loaded (the snapshot a repeatable transaction pinned, else its
// current metadata), picks the version each reference reads, prunes with the bound
// parameter values and returns the SQL that reads exactly the kept files.
//
// On success the caller must call the returned plan's done once the engine no longer
// reads it (it releases the in-memory copies of hot tables the SQL reads).
func (q *queryStmt) plan(ctx context.Context, params []any, loaded map[string]*table.Table, explain bool) (p *scanPlan, err error) {
	sql := q.s.zonedSQL(q.template) // the TimeZone in force now (tzrewrite.go)
	specs := make([]*pushdown.ScanSpec, len(q.scans))
	p = &scanPlan{specs: specs, keys: make([]string, len(q.scans))}
	defer func() {
		if err != nil {
			p.done()
		}
	}()
	for i, r := range q.scans {
		t, err := q.s.loadTable(ctx, loaded, r.cat, r.ref)
		if err != nil {
			return p, err
		}
		var v tableVersion
		if r.meta != "" && r.version == "" {
			// Metadata tables show the table as it is; lakegate.as_of does not apply.
			if cur := t.Metadata().CurrentSnapshot(); cur != nil {
				v.snapshotID = cur.SnapshotID
			}
		} else if v, err = q.s.resolveVersion(r, t); err != nil {
			return p, err
		}
		if r.meta != "" {
			rel, err := metaTableSQL(ctx, r, t, v)
			if err != nil {
				return p, err
			}
			specs[i] = &pushdown.ScanSpec{Table: r.ref.String() + "$" + r.meta, SnapshotID: v.snapshotID}
			sql = strings.ReplaceAll(sql, r.placeholder, rel)
			continue
		}
		key, tbl := hotKey(r, t, v)
		p.keys[i] = key
		hotRel, release, hot := q.s.g.hot.acquire(key)
		if hot {
			p.releases = append(p.releases, release)
			p.hot = append(p.hot, r.ref.String())
			if !explain {
				sql = strings.ReplaceAll(sql, r.placeholder, hotRel)
				continue
			}
		}
		req := pushdown.Request{
			Name: r.ref.String(), Table: t, SnapshotID: v.snapshotID, Filter: q.filterFor(r, params), Remap: r.cat.Remapper(),
		}
		spec, err := pushdown.Plan(ctx, req)
		if err != nil && pgerr.Code(err) == pgerr.IOError && req.Filter.Op() != iceberg.OpTrue && ctx.Err() == nil {
			// Pruning is an optimisation: a filter that does not bind to an older
			// schema must not fail the read.
			req.Filter = nil
			spec, err = pushdown.Plan(ctx, req)
		}
		if err != nil {
			return p, err
		}
		spec.Schema = v.schema
		specs[i] = spec
		if hot { // EXPLAIN shows what pruning would read; the statement reads the copy
			sql = strings.ReplaceAll(sql, r.placeholder, hotRel)
			continue
		}
		// A point lookup the lookup lane will answer does not make its table hot:
		// a copy would only compete with the lane's own load of the snapshot.
		if !explain && q.lookup == nil {
			q.s.g.hot.note(key, tbl, r.ref.String(), v.snapshotID, spec.Stats.BytesTotal, hotScanLoader(r, t, v))
		}
		rel, err := engine.TableScanSQL(spec, r.cat.Remapper(), scanOptions(t))
		if err != nil {
			if pgerr.Code(err) == pgerr.Internal {
				err = pgerr.Wrap(err, pgerr.IOError, "table %q: %v", r.ref.String(), err)
			}
			return p, err
		}
		sql = strings.ReplaceAll(sql, r.placeholder, rel)
	}
	p.sql = sql
	return p, nil
}

// scanPlan is the SQL a statement runs and what planning it found.
type scanPlan struct {
	sql      string
	specs    []*pushdown.ScanSpec // per scan; nil for one read from memory (but in EXPLAIN)
	keys     []string             // per lake scan, its hot table key
	hot      []string             // tables read from their in-memory copies
	releases []func()
}

// done releases the in-memory copies the plan reads.
func (p *scanPlan) done() {
	for _, r := range p.releases {
		r()
	}
	p.releases = nil
}

// scanOptions checks data files for missing Parquet field ids where they can occur:
// tables with a name mapping (Iceberg's migrate procedures set one) and format v1
// tables (Hive-migrated ones may have none). Other tables pay no footer reads.
func scanOptions(t *table.Table) engine.ScanOptions {
	meta := t.Metadata()
	mapping := meta.NameMapping()
	return engine.ScanOptions{CheckFieldIDs: mapping != nil || meta.Version() == 1, NameMapping: mapping}
}

// emptySQL is the relation a reference is described with: no rows, its columns.
func (r *scanRef) emptySQL() string {
	if r.meta != "" {
		return metaEmptySQL(r.meta)
	}
	return engine.EmptyScanSQL(r.schema)
}

// Run implements wire.Statement.
func (q *queryStmt) Run(ctx context.Context, params []any) (*wire.Result, error) {
	start := time.Now()
	id := q.s.g.queryID.Add(1)
	if len(q.sums) > 0 {
		q.describe() // may cast integer sums to bigint in the template
	}
	loaded := map[string]*table.Table{} // each table read once per statement
	if q.lookup != nil {
		if res := q.runLookup(ctx, params, loaded, func(n int64) {
			q.log(id, nil, n, time.Since(start), time.Since(start), nil, zap.String("lane", "memory"))
		}); res != nil {
			return res, nil
		}
	}
	p, err := q.plan(ctx, params, loaded, false)
	planned := time.Since(start)
	if err != nil {
		q.log(id, p.specs, 0, planned, time.Since(start), err)
		return nil, err
	}
	inMemory := zap.Strings("in_memory", p.hot)
	rows, err := q.s.g.engine.Query(ctx, p.sql, params)
	if err != nil {
		p.done()
		q.log(id, p.specs, 0, planned, time.Since(start), err, inMemory)
		return nil, err
	}
	return &wire.Result{
		Tag:    "SELECT",
		Fields: q.runFields(rows.Schema()),
		Rows: &engineRows{rows: rows, onDone: func(n int64, err error) {
			p.done()
			q.log(id, p.specs, n, planned, time.Since(start), err, inMemory)
		}},
	}, nil
}

// log writes the one structured record per query.
func (q *queryStmt) log(id int64, specs []*pushdown.ScanSpec, rows int64, planned, total time.Duration, err error, extra ...zap.Field) {
	q.fpOnce.Do(func() {
		fp, _ := pg.FingerprintToUInt64(q.text)
		q.fp = strconvHex(fp)
	})
	fields := []zap.Field{
		zap.Int64("query_id", id), zap.String("user", q.s.user), zap.String("database", q.s.db.Database),
		zap.String("fingerprint", q.fp), zap.Int64("rows", rows),
		zap.Duration("planning", planned), zap.Duration("duration", total),
	}
	fields = append(fields, extra...)
	for _, sp := range specs {
		if sp == nil {
			continue
		}
		fields = append(fields, zap.Dict(sp.Table, pruneLogFields(sp)...))
	}
	if err != nil {
		fields = append(fields, zap.String("error_code", pgerr.Code(err)), zap.Error(err))
		q.s.g.log.Info("query failed", fields...)
		return
	}
	q.s.g.log.Info("query", fields...)
}

func strconvHex(v uint64) string {
	const digits = "0123456789abcdef"
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = digits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}
