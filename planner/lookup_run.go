package planner

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	pg "github.com/pganalyze/pg_query_go/v6"
	"go.uber.org/zap"

	"github.com/lakegate/lakegate/cache"
	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/engine"
	"github.com/lakegate/lakegate/pushdown"
	"github.com/lakegate/lakegate/wire"
)

// lookupMissesToLoad is how many lookups of one table snapshot by one key go to
// DuckDB before the lane loads it: a one-off query does not pay for a load.
const lookupMissesToLoad = 3

// lookupLane tracks which row sets are wanted and loads them in the background, one
// at a time. Loaded row sets live in cache.Rows.
type lookupLane struct {
	mu      sync.Mutex
	misses  map[string]int
	loading map[string]bool
	load    chan struct{} // one load at a time
}

func newLookupLane() *lookupLane {
	return &lookupLane{misses: map[string]int{}, loading: map[string]bool{}, load: make(chan struct{}, 1)}
}

// rowSetKey names one table snapshot, read with one schema, sorted by one column.
func rowSetKey(pin string, t *table.Table, v tableVersion, key string) string {
	return pin + "\x00" + t.Metadata().TableUUID().String() + "\x00" + strconv.FormatInt(v.snapshotID, 10) +
		"\x00" + strconv.Itoa(v.schema.ID) + "\x00" + key
}

// miss counts a lookup the lane could not answer and reports whether the row set
// should now be loaded (the caller then owns the load and must call loaded).
func (l *lookupLane) miss(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.loading[key] {
		return false
	}
	if len(l.misses) > 4096 {
		clear(l.misses)
	}
	l.misses[key]++
	if l.misses[key] < lookupMissesToLoad {
		return false
	}
	delete(l.misses, key)
	l.loading[key] = true
	return true
}

func (l *lookupLane) loaded(key string) {
	l.mu.Lock()
	delete(l.loading, key)
	l.mu.Unlock()
}

// estimateBytes guesses a snapshot's size in memory from its record count.
func estimateBytes(snap *table.Snapshot, schema *iceberg.Schema) (int64, bool) {
	if snap == nil || snap.Summary == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(snap.Summary.Properties["total-records"], 10, 64)
	if err != nil {
		return 0, false
	}
	var width int64
	for _, f := range schema.Fields() {
		switch f.Type.(type) {
		case iceberg.BooleanType:
			width++
		case iceberg.Int32Type, iceberg.Float32Type, iceberg.DateType:
			width += 4
		case iceberg.DecimalType, iceberg.UUIDType:
			width += 16
		case iceberg.StringType, iceberg.BinaryType:
			width += 24
		default:
			width += 8
		}
	}
	return n * width, true
}

// loadRowSet reads a table snapshot through the normal scan, sorted by key and then
// by the table's other identifier fields, and caches it.
func (g *Gateway) loadRowSet(r *scanRef, t *table.Table, v tableVersion, key, cacheKey string) {
	defer g.lane.loaded(cacheKey)
	g.lane.load <- struct{}{}
	defer func() { <-g.lane.load }()
	if _, ok := cache.Rows.Peek(cacheKey); ok {
		return
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	rs, err := g.readRowSet(ctx, r, t, v, key)
	if err != nil {
		g.log.Info("lookup lane: table not loaded", zap.String("table", r.ref.String()), zap.Error(err))
		return
	}
	cache.Rows.Add(cacheKey, rs, rs.bytes)
	g.log.Info("lookup lane: table loaded", zap.String("table", r.ref.String()), zap.Int64("snapshot", v.snapshotID),
		zap.String("key", key), zap.Int("rows", rs.cols[0].Len()), zap.Int64("bytes", rs.bytes),
		zap.Duration("duration", time.Since(start)))
}

func (g *Gateway) readRowSet(ctx context.Context, r *scanRef, t *table.Table, v tableVersion, key string) (*rowSet, error) {
	spec, err := pushdown.Plan(ctx, pushdown.Request{Name: r.ref.String(), Table: t, SnapshotID: v.snapshotID, Remap: r.cat.Remapper()})
	if err != nil {
		return nil, err
	}
	spec.Schema = v.schema
	rel, err := engine.TableScanSQL(spec, r.cat.Remapper(), scanOptions(t))
	if err != nil {
		return nil, err
	}
	order := []string{catalog.QuoteIdent(key) + " NULLS LAST"}
	then := ""
	for _, id := range v.schema.IdentifierFieldIDs {
		if f, ok := v.schema.FindFieldByID(id); ok && f.Name != key {
			if then == "" {
				then = f.Name
			}
			order = append(order, catalog.QuoteIdent(f.Name))
		}
	}
	rows, err := g.engine.Query(ctx, "SELECT * FROM "+rel+" AS t ORDER BY "+strings.Join(order, ", "), nil)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var batches []arrow.RecordBatch
	for {
		b, err := rows.Next(ctx)
		if err != nil {
			for _, b := range batches {
				b.Release()
			}
			return nil, err
		}
		if b == nil {
			break
		}
		batches = append(batches, b)
	}
	return newRowSet(rows.Schema(), batches, key, then)
}

// laneTarget is the row set a lookup statement reads now.
type laneTarget struct {
	ref      *scanRef
	table    *table.Table
	version  tableVersion
	key      string
	cacheKey string
}

// fits reports whether the snapshot's estimated size fits the cache.
func (lt laneTarget) fits() bool {
	est, known := estimateBytes(lt.table.Metadata().SnapshotByID(lt.version.snapshotID), lt.version.schema)
	return known && est <= cache.Rows.Stats().MaxBytes
}

// laneTarget picks the table version the statement reads and the key column its
// row set is sorted by; ok is false when the lane cannot serve the statement.
func (q *queryStmt) laneTarget(ctx context.Context, loaded map[string]*table.Table) (laneTarget, bool) {
	sh := q.lookup
	if q.describe(); q.descErr != nil || len(q.desc.Schema.Fields()) != len(sh.cols) {
		return laneTarget{}, false
	}
	r := sh.ref
	t, err := q.s.loadTable(ctx, loaded, r.cat, r.ref)
	if err != nil {
		return laneTarget{}, false
	}
	v, err := q.s.resolveVersion(r, t)
	if err != nil || v.schema == nil {
		return laneTarget{}, false
	}
	for _, k := range sh.keys {
		if f, ok := v.schema.FindFieldByName(k); ok && keyable(f.Type) {
			return laneTarget{ref: r, table: t, version: v, key: k, cacheKey: rowSetKey(pinKey(r.cat, r.ref), t, v, k)}, true
		}
	}
	return laneTarget{}, false
}

// laneExplain describes for EXPLAIN whether the lane answers the statement.
func (q *queryStmt) laneExplain(ctx context.Context, loaded map[string]*table.Table) string {
	if q.lookup == nil {
		return ""
	}
	lt, ok := q.laneTarget(ctx, loaded)
	switch {
	case !ok:
		return ""
	case func() bool { _, in := cache.Rows.Peek(lt.cacheKey); return in }():
		return fmt.Sprintf("Lookup lane: answered from memory, %s snapshot %d sorted by %s (when every value compares exactly)",
			lt.ref.ref.String(), lt.version.snapshotID, lt.key)
	case lt.fits():
		return fmt.Sprintf("Lookup lane: %s snapshot %d is loaded into memory, sorted by %s, after %d lookups",
			lt.ref.ref.String(), lt.version.snapshotID, lt.key, lookupMissesToLoad)
	}
	return fmt.Sprintf("Lookup lane: %s snapshot %d does not fit cache.rows_bytes", lt.ref.ref.String(), lt.version.snapshotID)
}

// runLookup answers the statement from a loaded row set, or returns nil when the
// lane cannot answer it exactly (the caller then runs it on DuckDB).
// done is called with the row count once the rows are sent.
func (q *queryStmt) runLookup(ctx context.Context, params []any, loaded map[string]*table.Table, done func(rows int64)) *wire.Result {
	lt, ok := q.laneTarget(ctx, loaded)
	if !ok {
		return nil
	}
	val, ok := cache.Rows.Peek(lt.cacheKey)
	if !ok {
		if lt.fits() && q.s.g.lane.miss(lt.cacheKey) {
			go q.s.g.loadRowSet(lt.ref, lt.table, lt.version, lt.key, lt.cacheKey)
		}
		return nil
	}
	rs := val.(*rowSet)
	batch, ok := q.evalLookup(rs, params)
	if !ok {
		return nil
	}
	q.s.g.engine.MarkInteractive() // heavy DuckDB work now yields to lookups (engine.nice)
	return &wire.Result{Tag: "SELECT", Fields: q.runFields(batch.Schema()), Rows: &batchRows{batch: batch, n: batch.NumRows(), done: done}}
}

// evalLookup selects, orders and projects the statement's rows from rs. It reports
// false, with no batch, when a value cannot be compared exactly.
func (q *queryStmt) evalLookup(rs *rowSet, params []any) (arrow.RecordBatch, bool) {
	sh := q.lookup
	out := q.desc.Schema
	cols := make([]arrow.Array, len(sh.cols))
	for i, c := range sh.cols {
		j, ok := rs.index[c]
		if !ok || !arrow.TypeEqual(rs.cols[j].DataType(), out.Field(i).Type) {
			return nil, false
		}
		cols[i] = rs.cols[j]
	}
	type bound struct {
		col arrow.Array
		op  string
		v   lval
		in  []lval // op "in"
	}
	var keys []lval // the key's values: one for =, any number for IN
	keyed := false
	preds := make([]bound, 0, len(sh.preds))
	for _, p := range sh.preds {
		j, ok := rs.index[p.col]
		if !ok || kindOf(rs.cols[j].DataType()) == kindNone {
			return nil, false
		}
		b := bound{col: rs.cols[j], op: p.op}
		if p.op == "in" {
			if b.in, ok = lookupValues(p.list, params, q.paramOIDs, rs.cols[j].DataType()); !ok {
				return nil, false
			}
		} else if b.v, ok = lookupValue(p.arg, params, q.paramOIDs, rs.cols[j].DataType()); !ok {
			return nil, false
		}
		if j == rs.key && !keyed && (p.op == "=" || p.op == "in") {
			keyed, keys = true, b.in
			if p.op == "=" {
				keys = []lval{b.v}
			}
			continue
		}
		preds = append(preds, b)
	}
	if !keyed {
		return nil, false
	}
	order := make([]arrow.Array, len(sh.order))
	for i, o := range sh.order {
		j, ok := rs.index[o.col]
		if !ok || kindOf(rs.cols[j].DataType()) == kindNone {
			return nil, false
		}
		order[i] = rs.cols[j]
	}
	limit, offset := int64(-1), int64(0)
	for _, x := range []struct {
		n   *pg.Node
		dst *int64
	}{{sh.limit, &limit}, {sh.offset, &offset}} {
		if x.n == nil {
			continue
		}
		if c := x.n.GetAConst(); c != nil && c.Isnull {
			continue // LIMIT ALL, LIMIT NULL
		}
		v, ok := constant(x.n, params)
		if !ok {
			return nil, false
		}
		n, ok := toInt(v)
		if !ok || n < 0 {
			return nil, false // DuckDB reports the error
		}
		*x.dst = n
	}

	kc := rs.cols[rs.key]
	type span struct{ lo, hi int }
	spans := make([]span, 0, len(keys))
	for _, key := range keys {
		first := searchRows(0, rs.nonNull, func(i int) bool { return cmpValue(kc, i, key) >= 0 })
		last := searchRows(first, rs.nonNull, func(i int) bool { return cmpValue(kc, i, key) > 0 })
		for _, p := range preds {
			if rs.then < 0 || p.col != rs.cols[rs.then] {
				continue
			}
			// Rows of one key are sorted by this column: narrow to the range.
			switch p.op {
			case "=", ">=":
				first = searchRows(first, last, func(i int) bool { return cmpValue(p.col, i, p.v) >= 0 })
			case ">":
				first = searchRows(first, last, func(i int) bool { return cmpValue(p.col, i, p.v) > 0 })
			}
			switch p.op {
			case "=", "<=":
				last = searchRows(first, last, func(i int) bool { return cmpValue(p.col, i, p.v) > 0 })
			case "<":
				last = searchRows(first, last, func(i int) bool { return cmpValue(p.col, i, p.v) >= 0 })
			}
		}
		if first < last {
			spans = append(spans, span{first, last})
		}
	}
	// Equal keys give the same span: keep each row once, in key order.
	slices.SortFunc(spans, func(a, b span) int { return a.lo - b.lo })
	spans = slices.CompactFunc(spans, func(a, b span) bool { return a.lo == b.lo })
	match := func(p bound, i int) bool {
		if p.col.IsNull(i) {
			return false
		}
		if p.op != "in" {
			return holds(p.op, cmpValue(p.col, i, p.v))
		}
		for _, v := range p.in {
			if cmpValue(p.col, i, v) == 0 {
				return true
			}
		}
		return false
	}
	var idx []int
	for _, sp := range spans {
	rows:
		for i := sp.lo; i < sp.hi; i++ {
			for _, p := range preds {
				if !match(p, i) {
					continue rows
				}
			}
			idx = append(idx, i)
		}
	}
	if len(order) > 0 {
		slices.SortStableFunc(idx, func(a, b int) int {
			for k, o := range sh.order {
				if r := cmpOrdered(order[k], o, a, b); r != 0 {
					return r
				}
			}
			return 0
		})
	}
	idx = idx[min(int64(len(idx)), offset):]
	if limit >= 0 && int64(len(idx)) > limit {
		idx = idx[:limit]
	}
	arrs := make([]arrow.Array, len(cols))
	defer func() {
		for _, a := range arrs {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, c := range cols {
		a, err := gather(c, idx)
		if err != nil {
			return nil, false
		}
		arrs[i] = a
	}
	return array.NewRecordBatch(out, arrs, int64(len(idx))), true
}

// cmpOrdered compares rows a and b of a column as ORDER BY o sorts them.
func cmpOrdered(c arrow.Array, o lookupOrder, a, b int) int {
	an, bn := c.IsNull(a), c.IsNull(b)
	switch {
	case an && bn:
		return 0
	case an != bn:
		if an == o.nullsFirst {
			return -1
		}
		return 1
	}
	r := cmpRows(c, a, b)
	if o.desc {
		return -r
	}
	return r
}

// searchRows is sort.Search over row numbers [lo, hi): the first row where f holds.
func searchRows(lo, hi int, f func(int) bool) int {
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if f(m) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// batchRows is a result of one batch (lookups, SHOW, EXPLAIN).
type batchRows struct {
	batch arrow.RecordBatch
	n     int64
	done  func(rows int64) // called once, at the end; may be nil
}

func (b *batchRows) Next(context.Context) (arrow.RecordBatch, error) {
	if b.batch == nil {
		b.finish()
		return nil, io.EOF
	}
	r := b.batch
	b.batch = nil
	return r, nil
}

func (b *batchRows) Close() error {
	if b.batch != nil {
		b.batch.Release()
		b.batch = nil
	}
	b.finish()
	return nil
}

func (b *batchRows) finish() {
	if b.done != nil {
		b.done(b.n)
		b.done = nil
	}
}
