package pushdown

import (
	"context"
	"errors"
	"math"
	"runtime"
	"strconv"
	"sync/atomic"

	"github.com/apache/iceberg-go"
	icebergio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"
	"golang.org/x/sync/errgroup"

	"github.com/lakegate/lakegate/cache"
)

// errNeedsIcebergPlanner sends a snapshot to iceberg-go's scan planning, which pairs
// delete files with data files; lakegate's own planner handles append-only snapshots.
var errNeedsIcebergPlanner = errors.New("snapshot has delete manifests")

// planDataFiles prunes an append-only snapshot: manifests by their partition
// summaries, then data files by partition values and column bounds. Decoded manifest
// lists and manifests are cached by location (both are immutable), so a warm plan
// decodes nothing; manifests are evaluated in parallel.
func planDataFiles(ctx context.Context, t *table.Table, snap *table.Snapshot, schema *iceberg.Schema,
	filter iceberg.BooleanExpression, st *PruneStats) ([]table.FileScanTask, error) {
	fs, err := t.FS(ctx)
	if err != nil {
		return nil, err
	}
	manifests, err := manifestList(ctx, fs, snap)
	if err != nil {
		return nil, err
	}
	for _, m := range manifests {
		if m.ManifestContent() != iceberg.ManifestContentData {
			return nil, errNeedsIcebergPlanner
		}
	}
	st.ManifestsTotal = len(manifests)

	meta := t.Metadata()
	var bound iceberg.BooleanExpression = iceberg.AlwaysTrue{}
	if filter != nil {
		rewritten, err := iceberg.RewriteNotExpr(filter)
		if err != nil {
			return nil, err
		}
		if bound, err = iceberg.BindExpr(schema, rewritten, true); err != nil {
			return nil, err
		}
	}
	specs := map[int32]*specFilter{}
	for _, m := range manifests {
		id := m.PartitionSpecID()
		if _, ok := specs[id]; ok {
			continue
		}
		spec := meta.PartitionSpecByID(int(id))
		if spec == nil {
			return nil, errNeedsIcebergPlanner
		}
		sf, err := newSpecFilter(*spec, schema, bound)
		if err != nil {
			return nil, err
		}
		specs[id] = sf
	}

	results := make([][]table.FileScanTask, len(manifests))
	var skipped atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0) * 2)
	for i, m := range manifests {
		sf := specs[m.PartitionSpecID()]
		if !sf.manifestMightMatch(m) {
			skipped.Add(1)
			continue
		}
		g.Go(func() error {
			files, err := manifestFiles(gctx, fs, m)
			if err != nil {
				return err
			}
			var out []table.FileScanTask
			for i := range files {
				if fe := &files[i]; sf.fileMightMatch(fe, bound) {
					out = append(out, table.FileScanTask{File: fe.df, Start: 0, Length: fe.df.FileSizeBytes(),
						FirstRowID: fe.df.FirstRowID(), DataSequenceNumber: fe.dataSeq})
				}
			}
			results[i] = out
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	st.ManifestsSkipped = int(skipped.Load())
	var tasks []table.FileScanTask
	for _, r := range results {
		tasks = append(tasks, r...)
	}
	return tasks, nil
}

// specFilter is the filter projected onto one partition spec.
type specFilter struct {
	always    bool // nothing to evaluate: no filter
	partType  *iceberg.StructType
	projected iceberg.BooleanExpression // bound to the partition struct
	partEval  func(iceberg.StructLike) (bool, error)
	fieldPos  map[int]int // partition field id -> position in the summaries
}

func newSpecFilter(spec iceberg.PartitionSpec, schema *iceberg.Schema, bound iceberg.BooleanExpression) (*specFilter, error) {
	if bound.Op() == iceberg.OpTrue {
		return &specFilter{always: true}, nil
	}
	sf := &specFilter{partType: spec.PartitionType(schema), fieldPos: map[int]int{}}
	for i, f := range sf.partType.FieldList {
		sf.fieldPos[f.ID] = i
	}
	proj, err := iceberg.VisitExpr[iceberg.BooleanExpression](bound, &inclusiveProjection{spec: spec})
	if err != nil {
		return nil, err
	}
	partSchema := iceberg.NewSchema(0, sf.partType.FieldList...)
	if sf.projected, err = iceberg.BindExpr(partSchema, proj, true); err != nil {
		return nil, err
	}
	if sf.partEval, err = iceberg.ExpressionEvaluator(partSchema, proj, true); err != nil {
		return nil, err
	}
	return sf, nil
}

// manifestMightMatch evaluates the projected filter on a manifest's partition
// summaries (lower and upper bound and null flags of each partition field).
func (sf *specFilter) manifestMightMatch(m iceberg.ManifestFile) bool {
	if sf.always || sf.projected.Op() == iceberg.OpTrue {
		return true
	}
	sums := m.Partitions()
	if len(sums) == 0 {
		return true
	}
	return mightMatch(sf.projected, func(field iceberg.NestedField) *valueRange {
		i, ok := sf.fieldPos[field.ID]
		if !ok || i >= len(sums) {
			return nil
		}
		s := sums[i]
		r := &valueRange{noNull: !s.ContainsNull}
		if s.LowerBound == nil || s.UpperBound == nil {
			// no bounds: every value is null (or NaN), or the writer kept none
			r.allNull = s.ContainsNull && (s.ContainsNaN == nil || !*s.ContainsNaN) && s.LowerBound == nil && s.UpperBound == nil
			return r
		}
		r.min, r.max = boundLiterals(field.Type, *s.LowerBound, *s.UpperBound)
		return r
	})
}

// fileMightMatch evaluates the projected filter on a data file's partition values,
// then the filter on its column bounds, null and value counts.
func (sf *specFilter) fileMightMatch(fe *fileEntry, bound iceberg.BooleanExpression) bool {
	if sf.always {
		return true
	}
	if sf.projected.Op() != iceberg.OpTrue && len(sf.partType.FieldList) > 0 {
		rec := make(partitionRecord, len(sf.partType.FieldList))
		for i, f := range sf.partType.FieldList {
			rec[i] = fe.partition[f.ID]
		}
		ok, err := sf.partEval(rec)
		if err == nil && !ok {
			return false
		}
	}
	return mightMatch(bound, func(field iceberg.NestedField) *valueRange {
		fs, ok := fe.stats[field.ID]
		if !ok {
			return nil
		}
		r := &valueRange{
			noNull:  fs.hasNulls && fs.nulls == 0,
			allNull: fs.hasNulls && fs.hasValues && fs.values > 0 && fs.nulls == fs.values,
		}
		if fs.lower != nil && fs.upper != nil {
			r.min, r.max = boundLiterals(field.Type, fs.lower, fs.upper)
		}
		return r
	})
}

// partitionRecord is a data file's partition tuple in partition-type order.
type partitionRecord []any

func (p partitionRecord) Size() int        { return len(p) }
func (p partitionRecord) Get(i int) any    { return p[i] }
func (p partitionRecord) Set(i int, v any) { p[i] = v }

// fileEntry is a live data file of a manifest with its statistics unpacked once (the
// DataFile accessors copy their maps on every call).
type fileEntry struct {
	df        iceberg.DataFile
	dataSeq   *int64 // the entry's data sequence number (after inheritance); nil if unknown
	partition map[int]any
	stats     map[int]fieldStats
}

type fieldStats struct {
	lower, upper        []byte
	nulls, values       int64
	hasNulls, hasValues bool
}

func newFileEntry(df iceberg.DataFile) (fileEntry, int64) {
	fe := fileEntry{df: df, partition: df.Partition(), stats: map[int]fieldStats{}}
	size := int64(256)
	for id, b := range df.LowerBoundValues() {
		fs := fe.stats[id]
		fs.lower = b
		fe.stats[id] = fs
		size += int64(len(b))
	}
	for id, b := range df.UpperBoundValues() {
		fs := fe.stats[id]
		fs.upper = b
		fe.stats[id] = fs
		size += int64(len(b))
	}
	for id, n := range df.NullValueCounts() {
		fs := fe.stats[id]
		fs.nulls, fs.hasNulls = n, true
		fe.stats[id] = fs
	}
	for id, n := range df.ValueCounts() {
		fs := fe.stats[id]
		fs.values, fs.hasValues = n, true
		fe.stats[id] = fs
	}
	return fe, size + int64(len(fe.stats))*64
}

// boundLiterals decodes Iceberg's single-value serialization of a lower and upper
// bound; both are nil unless both decode to comparable values.
func boundLiterals(t iceberg.Type, lo, hi []byte) (iceberg.Literal, iceberg.Literal) {
	switch t.(type) {
	case iceberg.Int32Type, iceberg.Int64Type, iceberg.DateType, iceberg.TimestampType, iceberg.TimestampTzType,
		iceberg.StringType, iceberg.BooleanType, iceberg.DecimalType, iceberg.Float32Type, iceberg.Float64Type:
	default:
		return nil, nil
	}
	l, err1 := iceberg.LiteralFromBytes(t, lo)
	u, err2 := iceberg.LiteralFromBytes(t, hi)
	if err1 != nil || err2 != nil || isNaN(l) || isNaN(u) {
		return nil, nil
	}
	return l, u
}

func isNaN(l iceberg.Literal) bool {
	switch v := l.Any().(type) {
	case float32:
		return v != v
	case float64:
		return math.IsNaN(v)
	}
	return false
}

// inclusiveProjection turns a bound row filter into a filter on partition values
// that keeps every partition that can hold a matching row.
type inclusiveProjection struct{ spec iceberg.PartitionSpec }

func (p *inclusiveProjection) VisitTrue() iceberg.BooleanExpression  { return iceberg.AlwaysTrue{} }
func (p *inclusiveProjection) VisitFalse() iceberg.BooleanExpression { return iceberg.AlwaysFalse{} }
func (p *inclusiveProjection) VisitNot(iceberg.BooleanExpression) iceberg.BooleanExpression {
	return iceberg.AlwaysTrue{} // NOT was rewritten away; never narrow
}
func (p *inclusiveProjection) VisitAnd(l, r iceberg.BooleanExpression) iceberg.BooleanExpression {
	return iceberg.NewAnd(l, r)
}
func (p *inclusiveProjection) VisitOr(l, r iceberg.BooleanExpression) iceberg.BooleanExpression {
	return iceberg.NewOr(l, r)
}
func (p *inclusiveProjection) VisitUnbound(iceberg.UnboundPredicate) iceberg.BooleanExpression {
	return iceberg.AlwaysTrue{}
}

// VisitBound ANDs the projections of every partition field of the column: each must
// hold for a matching row.
func (p *inclusiveProjection) VisitBound(pred iceberg.BoundPredicate) iceberg.BooleanExpression {
	var out iceberg.BooleanExpression = iceberg.AlwaysTrue{}
	for _, part := range p.spec.FieldsBySourceID(pred.Term().Ref().Field().ID) {
		proj, err := part.Transform.Project(part.Name, pred)
		if err == nil && proj != nil {
			out = iceberg.NewAnd(out, proj)
		}
	}
	return out
}

// manifestList returns a snapshot's manifests, decoded once per manifest list.
func manifestList(ctx context.Context, fs icebergio.IO, snap *table.Snapshot) ([]iceberg.ManifestFile, error) {
	v, err := cache.Manifests.Get(ctx, "list:"+snap.ManifestList, func() (any, int64, error) {
		ms, err := snap.Manifests(fs) // shared by concurrent callers: reads to the end
		return ms, int64(len(ms))*600 + 64, err
	})
	if err != nil {
		return nil, err
	}
	return v.([]iceberg.ManifestFile), nil
}

// manifestFiles returns the live data files of a manifest, decoded once per manifest.
func manifestFiles(ctx context.Context, fs icebergio.IO, m iceberg.ManifestFile) ([]fileEntry, error) {
	key := m.FilePath()
	if id := m.FirstRowID(); id != nil {
		// Data files inherit first_row_id from the manifest list's entry, which a
		// table upgraded to v3 assigns to a manifest that an older list had without.
		key += "\x00first_row_id=" + strconv.FormatInt(*id, 10)
	}
	v, err := cache.Manifests.Get(ctx, key, func() (any, int64, error) {
		entries, err := m.FetchEntries(fs, true)
		if err != nil {
			return nil, 0, err
		}
		files := make([]fileEntry, 0, len(entries))
		size := m.Length() // the decoded DataFile itself
		for _, e := range entries {
			fe, n := newFileEntry(e.DataFile())
			if seq := e.SequenceNum(); seq >= 0 {
				fe.dataSeq = &seq
			}
			files = append(files, fe)
			size += n
		}
		return files, size, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]fileEntry), nil
}
