package pushdown_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
	"github.com/parquet-go/parquet-go"

	"github.com/lakegate/lakegate/cache"
	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/pushdown"
)

// The test tables hold commits k = 0..7 (one manifest each) of 1000 rows i = 0..999,
// written with row groups of 100 rows. Every value is a function of (k, i):
//
//	id    = k*1000 + i                    (long, required)
//	ts    = base(k) + i seconds           (timestamp; base(k) differs in year, month, day and hour)
//	cat   = "a"+k, e.g. "c" for k = 2     (string)
//	n     = (i/100)*1000 + i%100, null when i%10 == 9   (int: row groups have gaps between them)
//	price = i cents                       (decimal(9,2))
//	score = i%100 + 0.5                   (double: every row group overlaps every other)
//	flag  = k is even                     (boolean)
//	d     = 2024-01-01 + k days           (date)
const (
	commits      = 8
	rowsPerFile  = 1000
	rowsPerGroup = 100
)

var testSchema = iceberg.NewSchema(0,
	iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
	iceberg.NestedField{ID: 2, Name: "ts", Type: iceberg.PrimitiveTypes.Timestamp},
	iceberg.NestedField{ID: 3, Name: "cat", Type: iceberg.PrimitiveTypes.String},
	iceberg.NestedField{ID: 4, Name: "n", Type: iceberg.PrimitiveTypes.Int32},
	iceberg.NestedField{ID: 5, Name: "price", Type: iceberg.DecimalTypeOf(9, 2)},
	iceberg.NestedField{ID: 6, Name: "score", Type: iceberg.PrimitiveTypes.Float64},
	iceberg.NestedField{ID: 7, Name: "flag", Type: iceberg.PrimitiveTypes.Bool},
	iceberg.NestedField{ID: 8, Name: "d", Type: iceberg.PrimitiveTypes.Date},
)

func base(k int) time.Time { return time.Date(2018+k, time.Month(1+k), 1+k, k, 0, 0, 0, time.UTC) }

// row is one generated row; nil pointers are nulls.
type row struct {
	id    int64
	ts    time.Time
	cat   string
	n     *int32
	price int64 // cents
	score float64
	flag  bool
	d     time.Time
}

func gen(id int64) row {
	k, i := int(id/rowsPerFile), int(id%rowsPerFile)
	r := row{id: id, ts: base(k).Add(time.Duration(i) * time.Second), cat: string(rune('a' + k)),
		price: int64(i), score: float64(i%100) + 0.5, flag: k%2 == 0,
		d: time.Date(2024, 1, 1+k, 0, 0, 0, 0, time.UTC)}
	if i%10 != 9 {
		n := int32((i/100)*1000 + i%100)
		r.n = &n
	}
	return r
}

func batch(t *testing.T, sc *arrow.Schema, k int) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for i := 0; i < rowsPerFile; i++ {
		r := gen(int64(k*rowsPerFile + i))
		b.Field(0).(*array.Int64Builder).Append(r.id)
		b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(r.ts.UnixMicro()))
		b.Field(2).(*array.StringBuilder).Append(r.cat)
		if r.n == nil {
			b.Field(3).AppendNull()
		} else {
			b.Field(3).(*array.Int32Builder).Append(*r.n)
		}
		b.Field(4).(*array.Decimal128Builder).Append(decimal128.FromI64(r.price))
		b.Field(5).(*array.Float64Builder).Append(r.score)
		b.Field(6).(*array.BooleanBuilder).Append(r.flag)
		b.Field(7).(*array.Date32Builder).Append(arrow.Date32FromTime(r.d))
	}
	return b.NewRecordBatch()
}

// lake writes one table per partition spec with iceberg-go into a SQLite SQL catalog
// and opens it through lakegate's catalog (read-only, cached IO).
type lake struct {
	dir string
	ice icecat.Catalog
	cat *catalog.Catalog
}

func newLake(t *testing.T) *lake {
	dir := t.TempDir()
	props := iceberg.Properties{
		"type": "sql", "uri": "file:" + filepath.Join(dir, "catalog.db"),
		"sql.driver": "sqlite", "sql.dialect": "sqlite", "warehouse": "file://" + filepath.Join(dir, "wh"),
	}
	ctx := context.Background()
	ice, err := icecat.Load(ctx, "test", props)
	if err != nil {
		t.Fatal(err)
	}
	if err := ice.CreateNamespace(ctx, table.Identifier{"ns"}, nil); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Open("lake", catalog.Config{Type: "sql", Name: "test", URI: props["uri"], Warehouse: props["warehouse"]})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	return &lake{dir: dir, ice: ice, cat: cat}
}

func (l *lake) create(t *testing.T, name string, fields ...iceberg.PartitionField) *table.Table {
	ctx := context.Background()
	spec := iceberg.NewPartitionSpec(fields...)
	tbl, err := l.ice.CreateTable(ctx, table.Identifier{"ns", name}, testSchema,
		icecat.WithPartitionSpec(&spec),
		icecat.WithProperties(iceberg.Properties{table.ParquetRowGroupLimitKey: fmt.Sprint(rowsPerGroup)}))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := table.SchemaToArrowSchema(tbl.Schema(), nil, true, false)
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; k < commits; k++ {
		rec := batch(t, sc, k)
		var files []iceberg.DataFile
		for df, err := range table.WriteRecords(ctx, tbl, sc, func(yield func(arrow.RecordBatch, error) bool) { yield(rec, nil) }) {
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, df)
		}
		tx := tbl.NewTransaction()
		if err := tx.AddDataFiles(ctx, files, nil); err != nil {
			t.Fatal(err)
		}
		if tbl, err = tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	lt, err := l.cat.LoadTable(ctx, catalog.TableRef{Namespace: "ns", Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return lt
}

func plan(t *testing.T, l *lake, tbl *table.Table, filter iceberg.BooleanExpression, noPruning bool) *pushdown.ScanSpec {
	return planWith(t, l, tbl, pushdown.Request{Filter: filter, NoPruning: noPruning})
}

func planWith(t *testing.T, l *lake, tbl *table.Table, req pushdown.Request) *pushdown.ScanSpec {
	t.Helper()
	req.Name, req.Table, req.Remap = "t", tbl, l.cat.Remapper()
	spec, err := pushdown.Plan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// fileIDs reads the id column of a data file with parquet-go.
func fileIDs(t *testing.T, path string) []int64 {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type idRow struct {
		ID int64 `parquet:"id"`
	}
	rows, err := parquet.Read[idRow](f, mustSize(t, f))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

func mustSize(t *testing.T, f *os.File) int64 {
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// checkSound asserts that every row the predicate matches lies in a kept file: the
// pruned read then returns what an unpruned read returns, since the engine applies
// the full predicate to what it reads.
func checkSound(t *testing.T, all, kept *pushdown.ScanSpec, match func(row) bool) (matching int) {
	t.Helper()
	keptFiles := map[string]bool{}
	for _, g := range kept.Groups {
		for _, f := range g.Files {
			keptFiles[f.Location] = true
		}
	}
	for _, g := range all.Groups {
		for _, f := range g.Files {
			for _, id := range fileIDs(t, f.Path) {
				if match(gen(id)) {
					matching++
					if !keptFiles[f.Location] {
						t.Fatalf("row %d matches but its file %s was pruned", id, f.Location)
					}
				}
			}
		}
	}
	return matching
}

func locations(s *pushdown.ScanSpec) []string {
	var out []string
	for _, g := range s.Groups {
		for _, f := range g.Files {
			out = append(out, f.Location)
		}
	}
	slices.Sort(out)
	return out
}

func ref(name string) iceberg.UnboundTerm { return iceberg.Reference(name) }

func tsLit(t time.Time) iceberg.Literal { return iceberg.NewLiteral(iceberg.Timestamp(t.UnixMicro())) }

func i32(p *int32) int64 {
	if p == nil {
		return -1
	}
	return int64(*p)
}

// counts are the expected figures of one plan.
type counts struct {
	manifestsSkipped int
	afterFiles       int // data files left by manifest and file pruning
	rowGroups        int // row groups in those files
	rowGroupsKept    int
	kept             int // data files handed to the engine
	matching         int // rows the predicate matches (checked against the generator)
}

type pruneCase struct {
	name   string
	filter iceberg.BooleanExpression
	match  func(row) bool
	want   counts
}

func runCases(t *testing.T, l *lake, tbl *table.Table, totalFiles, groupsPerFile int, cases []pruneCase) {
	t.Helper()
	all := plan(t, l, tbl, nil, false)
	if all.Stats.ManifestsTotal != commits || all.Stats.DataFilesKept != totalFiles {
		t.Fatalf("unpruned plan: %d manifests, %d files; want %d, %d", all.Stats.ManifestsTotal, all.Stats.DataFilesKept, commits, totalFiles)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sp := plan(t, l, tbl, c.filter, false)
			st := sp.Stats
			got := counts{st.ManifestsSkipped, st.DataFilesAfterFiles, st.RowGroupsTotal, st.RowGroupsKept, st.DataFilesKept,
				checkSound(t, all, sp, c.match)}
			want := c.want
			if want.rowGroups == 0 && want.afterFiles > 0 && groupsPerFile > 0 {
				want.rowGroups = want.afterFiles * groupsPerFile
			}
			if got != want {
				t.Errorf("got %+v, want %+v (%s)", got, want, sp)
			}
			// iceberg-go's scan planning must keep the same files and skip the same
			// manifests as lakegate's own planner.
			ice := planWith(t, l, tbl, pushdown.Request{Filter: c.filter, IcebergPlanner: true})
			if ice.Stats.ManifestsSkipped != st.ManifestsSkipped || ice.Stats.DataFilesAfterFiles != st.DataFilesAfterFiles ||
				!slices.Equal(locations(ice), locations(sp)) {
				t.Errorf("iceberg-go planner: %s\nlakegate planner: %s", ice, sp)
			}
			if st.ManifestsTotal != commits || st.DataFilesTotal != totalFiles {
				t.Errorf("totals: %d manifests, %d files", st.ManifestsTotal, st.DataFilesTotal)
			}
			var rows int64
			for _, g := range sp.Groups {
				for _, f := range g.Files {
					rows += f.Records
				}
			}
			if rows != st.RowsKept || st.RowsTotal != commits*rowsPerFile {
				t.Errorf("rows: kept %d (files say %d), total %d", st.RowsKept, rows, st.RowsTotal)
			}
		})
	}
}

func TestPruneUnpartitioned(t *testing.T) {
	l := newLake(t)
	tbl := l.create(t, "plain")
	b3 := base(3)
	cases := []pruneCase{
		{"id=5", iceberg.EqualTo(ref("id"), int64(5)), func(r row) bool { return r.id == 5 },
			counts{afterFiles: 1, rowGroupsKept: 1, kept: 1, matching: 1}},
		{"not id>=10", iceberg.NewNot(iceberg.GreaterThanEqual(ref("id"), int64(10))), func(r row) bool { return r.id < 10 },
			counts{afterFiles: 1, rowGroupsKept: 1, kept: 1, matching: 10}},
		// n's file bounds hold 500, no row group does: every file is dropped by its footer.
		{"n=500", iceberg.EqualTo(ref("n"), int32(500)), func(r row) bool { return i32(r.n) == 500 },
			counts{afterFiles: 8, rowGroupsKept: 0, kept: 0}},
		{"n=1050", iceberg.EqualTo(ref("n"), int32(1050)), func(r row) bool { return i32(r.n) == 1050 },
			counts{afterFiles: 8, rowGroupsKept: 8, kept: 8, matching: 8}},
		{"n is null", iceberg.IsNull(ref("n")), func(r row) bool { return r.n == nil },
			counts{afterFiles: 8, rowGroupsKept: 80, kept: 8, matching: 800}},
		{"cat=c", iceberg.EqualTo(ref("cat"), "c"), func(r row) bool { return r.cat == "c" },
			counts{afterFiles: 1, rowGroupsKept: 10, kept: 1, matching: 1000}},
		{"cat starts with e", iceberg.StartsWith(ref("cat"), "e"), func(r row) bool { return r.cat == "e" },
			counts{afterFiles: 1, rowGroupsKept: 10, kept: 1, matching: 1000}},
		{"ts range", iceberg.NewAnd(
			iceberg.LiteralPredicate(iceberg.OpGTEQ, ref("ts"), tsLit(b3.Add(150*time.Second))),
			iceberg.LiteralPredicate(iceberg.OpLT, ref("ts"), tsLit(b3.Add(250*time.Second)))),
			func(r row) bool { return !r.ts.Before(b3.Add(150*time.Second)) && r.ts.Before(b3.Add(250*time.Second)) },
			counts{afterFiles: 1, rowGroupsKept: 2, kept: 1, matching: 100}},
		{"price>9.95", iceberg.GreaterThan(ref("price"), iceberg.Decimal{Val: decimal128.FromI64(995), Scale: 2}),
			func(r row) bool { return r.price > 995 },
			counts{afterFiles: 8, rowGroupsKept: 8, kept: 8, matching: 32}},
		// overlapping bounds: every row group holds a score below 0.6
		{"score<0.6", iceberg.LessThan(ref("score"), 0.6), func(r row) bool { return r.score < 0.6 },
			counts{afterFiles: 8, rowGroupsKept: 80, kept: 8, matching: 80}},
		{"flag=false", iceberg.EqualTo(ref("flag"), false), func(r row) bool { return !r.flag },
			counts{afterFiles: 4, rowGroupsKept: 40, kept: 4, matching: 4000}},
		{"d=2024-01-05", iceberg.EqualTo(ref("d"), iceberg.Date(time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC).Unix()/86400)),
			func(r row) bool { return r.d.Day() == 5 },
			counts{afterFiles: 1, rowGroupsKept: 10, kept: 1, matching: 1000}},
		{"id in (5, 7005)", iceberg.IsIn(ref("id"), int64(5), int64(7005)), func(r row) bool { return r.id == 5 || r.id == 7005 },
			counts{afterFiles: 2, rowGroupsKept: 2, kept: 2, matching: 2}},
		{"id=5 or n=500", iceberg.NewOr(iceberg.EqualTo(ref("id"), int64(5)), iceberg.EqualTo(ref("n"), int32(500))),
			func(r row) bool { return r.id == 5 || i32(r.n) == 500 },
			counts{afterFiles: 8, rowGroupsKept: 1, kept: 1, matching: 1}},
		{"id=99999", iceberg.EqualTo(ref("id"), int64(99999)), func(r row) bool { return r.id == 99999 },
			counts{}},
	}
	runCases(t, l, tbl, commits, rowsPerFile/rowsPerGroup, cases)
}

// TestPruneTransforms checks manifest and file pruning under every partition
// transform; each commit's rows fall into one partition (except bucket), so a
// predicate selecting commit 3 skips the 7 other manifests by their partition summaries.
func TestPruneTransforms(t *testing.T) {
	l := newLake(t)
	b3 := base(3)
	tsRange := iceberg.NewAnd(
		iceberg.LiteralPredicate(iceberg.OpGTEQ, ref("ts"), tsLit(b3.Add(150*time.Second))),
		iceberg.LiteralPredicate(iceberg.OpLT, ref("ts"), tsLit(b3.Add(250*time.Second))))
	inRange := func(r row) bool { return !r.ts.Before(b3.Add(150*time.Second)) && r.ts.Before(b3.Add(250*time.Second)) }
	one := counts{manifestsSkipped: 7, afterFiles: 1, rowGroupsKept: 2, kept: 1, matching: 100}
	pf := func(src int, tr iceberg.Transform) iceberg.PartitionField {
		return iceberg.PartitionField{SourceIDs: []int{src}, FieldID: 1000, Name: "p", Transform: tr}
	}
	for _, tc := range []struct {
		name string
		tr   iceberg.PartitionField
		c    pruneCase
	}{
		{"identity", pf(3, iceberg.IdentityTransform{}), pruneCase{"cat=d", iceberg.EqualTo(ref("cat"), "d"),
			func(r row) bool { return r.cat == "d" }, counts{manifestsSkipped: 7, afterFiles: 1, rowGroupsKept: 10, kept: 1, matching: 1000}}},
		{"truncate", pf(1, iceberg.TruncateTransform{Width: 1000}), pruneCase{"id=3150", iceberg.EqualTo(ref("id"), int64(3150)),
			func(r row) bool { return r.id == 3150 }, counts{manifestsSkipped: 7, afterFiles: 1, rowGroupsKept: 1, kept: 1, matching: 1}}},
		{"year", pf(2, iceberg.YearTransform{}), pruneCase{"ts", tsRange, inRange, one}},
		{"month", pf(2, iceberg.MonthTransform{}), pruneCase{"ts", tsRange, inRange, one}},
		{"day", pf(2, iceberg.DayTransform{}), pruneCase{"ts", tsRange, inRange, one}},
		{"hour", pf(2, iceberg.HourTransform{}), pruneCase{"ts", tsRange, inRange, one}},
		{"void", pf(1, iceberg.VoidTransform{}), pruneCase{"id=3150", iceberg.EqualTo(ref("id"), int64(3150)),
			func(r row) bool { return r.id == 3150 }, counts{manifestsSkipped: 0, afterFiles: 1, rowGroupsKept: 1, kept: 1, matching: 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tbl := l.create(t, tc.name, tc.tr)
			runCases(t, l, tbl, commits, rowsPerFile/rowsPerGroup, []pruneCase{tc.c})
		})
	}
	t.Run("bucket", func(t *testing.T) {
		tbl := l.create(t, "bucket", pf(1, iceberg.BucketTransform{NumBuckets: 4}))
		all := plan(t, l, tbl, nil, false)
		// ids 0..7999 fill all four buckets in every commit; the bucket of 3150 selects one
		// file of commit 3, whose row groups are then pruned by id bounds.
		sp := plan(t, l, tbl, iceberg.EqualTo(ref("id"), int64(3150)), false)
		st := sp.Stats
		if all.Stats.DataFilesKept != 4*commits || st.ManifestsSkipped != 0 || st.DataFilesAfterFiles != 1 || st.DataFilesKept != 1 || st.RowGroupsKept != 1 {
			t.Errorf("bucket: %s (unpruned %d files)", sp, all.Stats.DataFilesKept)
		}
		if n := checkSound(t, all, sp, func(r row) bool { return r.id == 3150 }); n != 1 {
			t.Errorf("matching rows %d", n)
		}
	})
}

// TestFooterCache checks that a second plan reads no footer from storage and that
// NoPruning hands every file over.
func TestFooterCache(t *testing.T) {
	l := newLake(t)
	tbl := l.create(t, "cached")
	cache.Footers.Purge()
	f := iceberg.EqualTo(ref("n"), int32(500))
	first := plan(t, l, tbl, f, false)
	second := plan(t, l, tbl, f, false)
	if first.Stats.FootersRead != commits || second.Stats.FootersRead != 0 || second.Stats.RowGroupsTotal != first.Stats.RowGroupsTotal {
		t.Errorf("footers read: first %d, second %d", first.Stats.FootersRead, second.Stats.FootersRead)
	}
	off := plan(t, l, tbl, f, true)
	if off.Stats.DataFilesKept != commits || off.Filter != "" {
		t.Errorf("NoPruning kept %d files", off.Stats.DataFilesKept)
	}
	if st := cache.Metadata.Stats(); st.Hits == 0 || st.Bytes == 0 {
		t.Errorf("metadata cache unused: %+v", st)
	}
}
