package planner

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	pg "github.com/pganalyze/pg_query_go/v6"
	"go.uber.org/zap"

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
	nameResultColumns(raw.Stmt)
	rewriteCompat(raw.Stmt)
	sql, err := pg.Deparse(&pg.ParseResult{Version: s.parseVersion, Stmts: []*pg.RawStmt{{Stmt: raw.Stmt}}})
	if err != nil {
		return nil, pgerr.Wrap(err, pgerr.Internal, "could not deparse statement: %v", err)
	}
	return &queryStmt{s: s, text: text, template: sql, scans: scans, clientOID: paramOIDs}, nil
}

// describe prepares the statement over empty scans to learn parameter and column types.
func (q *queryStmt) describe() {
	q.once.Do(func() {
		sql := q.template
		for _, r := range q.scans {
			sql = strings.ReplaceAll(sql, r.placeholder, engine.EmptyScanSQL(r.table.Metadata().CurrentSchema()))
		}
		d, err := q.s.g.engine.Describe(context.Background(), sql)
		if err != nil {
			q.descErr = err
			return
		}
		q.desc = d
		q.fields = fieldsFor(d.Schema)
		q.paramOIDs = make([]uint32, len(d.ParamOIDs))
		for i, oid := range d.ParamOIDs {
			if i < len(q.clientOID) && q.clientOID[i] != 0 {
				oid = q.clientOID[i]
			}
			q.paramOIDs[i] = oid
		}
	})
}

func fieldsFor(schema *arrow.Schema) []wire.Field {
	out := make([]wire.Field, schema.NumFields())
	for i, f := range schema.Fields() {
		out[i] = wire.FieldForArrow(f.Name, f.Type)
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

// plan loads each table's current snapshot, prunes with the bound parameter values and
// returns the SQL that reads exactly the kept files.
func (q *queryStmt) plan(ctx context.Context, params []any) (string, []*pushdown.ScanSpec, error) {
	sql := q.template
	specs := make([]*pushdown.ScanSpec, len(q.scans))
	for i, r := range q.scans {
		t, err := r.cat.LoadTable(ctx, r.ref)
		if err != nil {
			return "", nil, err
		}
		spec, err := pushdown.Plan(ctx, pushdown.Request{
			Name: r.ref.String(), Table: t, Filter: filterFor(r, params), Remap: r.cat.Remapper(),
		})
		if err != nil {
			return "", nil, err
		}
		specs[i] = spec
		sql = strings.ReplaceAll(sql, r.placeholder, engine.ScanSQL(spec, r.cat.Remapper()))
	}
	return sql, specs, nil
}

// Run implements wire.Statement.
func (q *queryStmt) Run(ctx context.Context, params []any) (*wire.Result, error) {
	start := time.Now()
	id := q.s.g.queryID.Add(1)
	sql, specs, err := q.plan(ctx, params)
	planned := time.Since(start)
	if err != nil {
		q.log(id, specs, 0, planned, time.Since(start), err)
		return nil, err
	}
	rows, err := q.s.g.engine.Query(ctx, sql, params)
	if err != nil {
		q.log(id, specs, 0, planned, time.Since(start), err)
		return nil, err
	}
	return &wire.Result{
		Tag:    "SELECT",
		Fields: fieldsFor(rows.Schema()),
		Rows: &engineRows{rows: rows, onDone: func(n int64, err error) {
			q.log(id, specs, n, planned, time.Since(start), err)
		}},
	}, nil
}

// log writes the one structured record per query.
func (q *queryStmt) log(id int64, specs []*pushdown.ScanSpec, rows int64, planned, total time.Duration, err error) {
	fp, _ := pg.FingerprintToUInt64(q.text)
	fields := []zap.Field{
		zap.Int64("query_id", id), zap.String("user", q.s.user), zap.String("database", q.s.db.Database),
		zap.String("fingerprint", strings.ToLower(strconvHex(fp))), zap.Int64("rows", rows),
		zap.Duration("planning", planned), zap.Duration("duration", total),
	}
	for _, sp := range specs {
		if sp == nil {
			continue
		}
		fields = append(fields, zap.Dict(sp.Table,
			zap.Int64("snapshot_id", sp.SnapshotID),
			zap.Int("files_scanned", sp.Stats.DataFilesKept),
			zap.Int("files_skipped", sp.Stats.DataFilesTotal-sp.Stats.DataFilesKept),
			zap.Int("delete_files", sp.Stats.DeleteFiles),
		))
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
