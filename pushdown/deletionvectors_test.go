package pushdown_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	iceio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"
	"github.com/apache/iceberg-go/table/dv"
	"github.com/parquet-go/parquet-go"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/pgerr"
	"github.com/lakegate/lakegate/pushdown"
)

// The three format v3 fixtures with deletion vectors (see the fixtures' README):
// Trino's, a hand-made Puffin file with two blobs, and Spark's. The rows a snapshot
// holds are computed here without lakegate's engine: every row of its data files
// (read with parquet-go) minus the positions of the position delete files Plan
// handed out; they must match the counts and rows the fixtures' sources state.
var dvFixtures = []struct {
	dir, meta, from string
	key             string  // column compared with expected
	counts          []int64 // live rows per snapshot, in commit order
	expected        string  // expected/<name>.csv: the current snapshot's rows
}{
	{dir: "cxx_deletion_vectors", meta: "metadata/00004-ae0294d0-1de5-4fab-97f1-cd80e0078fa4.metadata.json",
		from: "s3a://warehouse/deletion_vectors", key: "c1", counts: []int64{0, 8, 5, 13, 8}, expected: "cxx_deletion_vectors"},
	{dir: "ddb_multi_blob_deletion_vectors", meta: "metadata/00003-multi-blob.metadata.json",
		from: "file:///Users/thijs/DuckDBLabs/duckdb_iceberg/data/persistent/multi_blob_deletion_vectors/warehouse/default/multi_blob_deletion_vectors",
		key:  "id", counts: []int64{3, 6, 3}, expected: "ddb_multi_blob_deletion_vectors"},
	{dir: "imp_v3_deletion_vectors", meta: "metadata/v3.metadata.json",
		from: "hdfs://localhost:20500/test-warehouse/iceberg_v3_deletion_vectors", key: "i", counts: []int64{5, 3},
		expected: "imp_v3_deletion_vectors"},
}

const fixturesDir = "../integration/testdata/iceberg-fixtures"

func openFixture(t *testing.T, root, dir, meta, from string) (*catalog.Catalog, catalog.TableRef) {
	t.Helper()
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Open("fx", catalog.Config{Type: "static",
		Tables: map[string]string{"fx.t": "file://" + filepath.Join(abs, dir, meta)},
		Remap:  map[string]string{from: "file://" + filepath.Join(abs, dir)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	return cat, catalog.TableRef{Namespace: "fx", Name: "t"}
}

func TestDeletionVectorFixtures(t *testing.T) {
	pushdown.SetDeletionVectorDir(t.TempDir())
	t.Cleanup(func() { pushdown.SetDeletionVectorDir("") })
	ctx := context.Background()
	for _, fx := range dvFixtures {
		t.Run(fx.dir, func(t *testing.T) {
			cat, ref := openFixture(t, fixturesDir, fx.dir, fx.meta, fx.from)
			tbl, err := cat.LoadTable(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			snaps := tbl.Metadata().Snapshots()
			if len(snaps) != len(fx.counts) {
				t.Fatalf("%d snapshots, want %d", len(snaps), len(fx.counts))
			}
			var current []string
			for i, snap := range snaps {
				req := pushdown.Request{Name: fx.dir, Table: tbl, SnapshotID: snap.SnapshotID, Remap: cat.Remapper()}
				spec, err := pushdown.Plan(ctx, req)
				if err != nil {
					t.Fatalf("snapshot %d: %v", snap.SnapshotID, err)
				}
				live := liveValues(t, spec, fx.key)
				if int64(len(live)) != fx.counts[i] {
					t.Errorf("snapshot %d: %d live rows %v, want %d", snap.SnapshotID, len(live), live, fx.counts[i])
				}
				current = live

				// A second plan reuses the decoded files: same paths, not rewritten.
				again, err := pushdown.Plan(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				if a, b := deletePaths(spec), deletePaths(again); !slices.Equal(a, b) {
					t.Errorf("second plan has delete files %v, first %v", b, a)
				}
			}
			want := expectedColumn(t, filepath.Join(fixturesDir, "expected", fx.expected+".csv"), fx.key)
			slices.Sort(current)
			slices.Sort(want)
			if !slices.Equal(current, want) {
				t.Errorf("current snapshot: %s = %v, want %v", fx.key, current, want)
			}
		})
	}
}

// TestDeletionVectorCorrupt flips a byte of a deletion vector blob: its CRC no longer
// matches, and the plan fails with XX001 naming the table instead of reading rows.
func TestDeletionVectorCorrupt(t *testing.T) {
	pushdown.SetDeletionVectorDir(t.TempDir())
	t.Cleanup(func() { pushdown.SetDeletionVectorDir("") })
	fx := dvFixtures[1]
	root := t.TempDir()
	if err := os.CopyFS(filepath.Join(root, fx.dir), os.DirFS(filepath.Join(fixturesDir, fx.dir))); err != nil {
		t.Fatal(err)
	}
	puffins, _ := filepath.Glob(filepath.Join(root, fx.dir, "data", "*.puffin"))
	if len(puffins) != 1 {
		t.Fatalf("puffin files: %v", puffins)
	}
	b, err := os.ReadFile(puffins[0])
	if err != nil {
		t.Fatal(err)
	}
	// The first blob starts after the 4-byte magic; its bitmap after the blob's
	// length and magic (8 bytes).
	b[4+8+4] ^= 0x01
	if err := os.WriteFile(puffins[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	cat, ref := openFixture(t, root, fx.dir, fx.meta, fx.from)
	tbl, err := cat.LoadTable(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pushdown.Plan(context.Background(), pushdown.Request{Name: "fx.t", Table: tbl, Remap: cat.Remapper()})
	var pe *pgerr.Error
	if !errors.As(err, &pe) || pe.Code != pgerr.DataCorrupted || !strings.Contains(pe.Message, `"fx.t"`) {
		t.Fatalf("plan of a corrupt deletion vector: %v, want XX001 naming the table", err)
	}
	// The other blob of the file may have been decoded; nothing half-written stays.
	if files, _ := filepath.Glob(filepath.Join(pushdown.DeletionVectorDir(), ".*")); len(files) != 0 {
		t.Errorf("temporary files left behind: %v", files)
	}
}

func deletePaths(spec *pushdown.ScanSpec) []string {
	var out []string
	for _, g := range spec.Groups {
		for _, d := range g.PositionDeletes {
			out = append(out, d.Path)
		}
	}
	slices.Sort(out)
	return out
}

// liveValues reads column key of every row of the spec's data files that no position
// delete file of its group names.
func liveValues(t *testing.T, spec *pushdown.ScanSpec, key string) []string {
	t.Helper()
	var out []string
	for _, g := range spec.Groups {
		deleted := map[string]map[int64]bool{}
		for _, d := range g.PositionDeletes {
			for _, r := range readRows(t, d.Path, "file_path", "pos") {
				if deleted[r[0].String()] == nil {
					deleted[r[0].String()] = map[int64]bool{}
				}
				deleted[r[0].String()][r[1].Int64()] = true
			}
		}
		for _, f := range g.Files {
			for pos, r := range readRows(t, f.Path, key) {
				if !deleted[f.Location][int64(pos)] {
					out = append(out, r[0].String())
				}
			}
		}
	}
	return out
}

// readRows reads the named top-level columns of every row of a Parquet file.
func readRows(t *testing.T, path string, cols ...string) [][]parquet.Value {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf, err := parquet.OpenFile(f, mustSize(t, f))
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, len(cols))
	for i, c := range cols {
		leaf, ok := pf.Schema().Lookup(c)
		if !ok {
			t.Fatalf("%s has no column %s", path, c)
		}
		idx[i] = leaf.ColumnIndex
	}
	var out [][]parquet.Value
	for _, rg := range pf.RowGroups() {
		rows := rg.Rows()
		buf := make([]parquet.Row, 64)
		for {
			n, err := rows.ReadRows(buf)
			for _, r := range buf[:n] {
				vals := make([]parquet.Value, len(idx))
				for i, ci := range idx {
					for _, v := range r {
						if v.Column() == ci {
							vals[i] = v.Clone()
						}
					}
				}
				out = append(out, vals)
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		rows.Close()
	}
	return out
}

// expectedColumn reads one column of an expected/ CSV file.
func expectedColumn(t *testing.T, path, col string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.Index(recs[0], col)
	if i < 0 {
		t.Fatalf("%s has no column %s", path, col)
	}
	var out []string
	for _, r := range recs[1:] {
		out = append(out, r[i])
	}
	return out
}

// TestPruneDeletionVectorDir: files a plan used recently stay; stale ones (and stale
// temporary files) go, and the next plan decodes its deletion vectors again.
func TestPruneDeletionVectorDir(t *testing.T) {
	dir := t.TempDir()
	pushdown.SetDeletionVectorDir(dir)
	t.Cleanup(func() { pushdown.SetDeletionVectorDir("") })
	fx := dvFixtures[2]
	cat, ref := openFixture(t, fixturesDir, fx.dir, fx.meta, fx.from)
	tbl, err := cat.LoadTable(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	req := pushdown.Request{Name: "fx.t", Table: tbl, Remap: cat.Remapper()}
	spec, err := pushdown.Plan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	files := deletePaths(spec)
	if len(files) != 2 {
		t.Fatalf("delete files %v, want the table's 2 deletion vectors", files)
	}
	if err := os.WriteFile(filepath.Join(dir, ".dv-1.tmp"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if n, err := pushdown.PruneDeletionVectorDir(time.Hour); err != nil || n != 0 {
		t.Fatalf("prune of fresh files: %d removed, %v", n, err)
	}
	old := time.Now().Add(-48 * time.Hour)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if err := os.Chtimes(filepath.Join(dir, e.Name()), old, old); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := pushdown.PruneDeletionVectorDir(24 * time.Hour); err != nil || n != 3 {
		t.Fatalf("prune of stale files: %d removed, %v; want 3", n, err)
	}
	again, err := pushdown.Plan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got := deletePaths(again); !slices.Equal(got, files) {
		t.Fatalf("delete files after prune %v, want %v", got, files)
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("not decoded again: %v", err)
		}
	}
}

// TestDeletionVectorLarge writes a format v3 table with iceberg-go: one data file of
// ids 0..n-1 in order (so an id is its position), and a deletion vector holding every
// multiple of 3 and the range [n/2, n/2+n/4) (array and run containers). A second
// commit replaces it with one holding the range and the ids ending in 7: only that
// one applies (rows the first held come back).
func TestDeletionVectorLarge(t *testing.T) {
	const n = 200_000
	pushdown.SetDeletionVectorDir(t.TempDir())
	t.Cleanup(func() { pushdown.SetDeletionVectorDir("") })
	ctx := context.Background()
	l := newLake(t)
	schema := iceberg.NewSchema(0, iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64, Required: true})
	tbl, err := l.ice.CreateTable(ctx, table.Identifier{"ns", "dv"}, schema,
		icecat.WithProperties(iceberg.Properties{"format-version": "3"}))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := table.SchemaToArrowSchema(tbl.Schema(), nil, true, false)
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewInt64Builder(memory.DefaultAllocator)
	for i := range int64(n) {
		b.Append(i)
	}
	ids := b.NewArray()
	rec := array.NewRecordBatch(sc, []arrow.Array{ids}, n)
	ids.Release()
	defer rec.Release()
	rdr, err := array.NewRecordReader(sc, []arrow.RecordBatch{rec})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	tx := tbl.NewTransaction()
	if err := tx.Append(ctx, rdr, nil); err != nil {
		t.Fatal(err)
	}
	if tbl, err = tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	tasks, err := tbl.Scan().PlanFiles(ctx)
	if err != nil || len(tasks) != 1 {
		t.Fatalf("%d data files, %v; want 1", len(tasks), err)
	}

	deleted := []func(i int64) bool{
		func(i int64) bool { return i%3 == 0 || i >= n/2 && i < n/2+n/4 },
		func(i int64) bool { return i >= n/2 && i < n/2+n/4 || i%10 == 7 },
	}
	dataPath := tasks[0].File.FilePath()
	var previous []iceberg.DataFile
	for round, del := range deleted {
		var pos []int64
		for i := range int64(n) {
			if del(i) {
				pos = append(pos, i)
			}
		}
		part := tbl.Spec()
		w := dv.NewDVWriter(iceio.LocalFS{}, func(int32) *iceberg.PartitionSpec { return &part })
		if err := w.Add(dataPath, pos, 0, nil); err != nil {
			t.Fatal(err)
		}
		dvFiles, err := w.Flush(ctx, filepath.Join(l.dir, fmt.Sprintf("dv-%d.puffin", round)))
		if err != nil {
			t.Fatal(err)
		}
		tx := tbl.NewTransaction()
		if err := tx.NewRowDelta(nil).RemoveDeletes(previous...).AddDeletes(dvFiles...).Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if tbl, err = tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		previous = dvFiles

		lt, err := l.cat.LoadTable(ctx, catalog.TableRef{Namespace: "ns", Name: "dv"})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		spec, err := pushdown.Plan(ctx, pushdown.Request{Name: "ns.dv", Table: lt, Remap: l.cat.Remapper()})
		if err != nil {
			t.Fatal(err)
		}
		cold := time.Since(start)
		start = time.Now()
		if _, err := pushdown.Plan(ctx, pushdown.Request{Name: "ns.dv", Table: lt, Remap: l.cat.Remapper()}); err != nil {
			t.Fatal(err)
		}
		reuse := time.Since(start)
		var size int64
		if p := deletePaths(spec); len(p) == 1 {
			if st, err := os.Stat(p[0]); err == nil {
				size = st.Size()
			}
		}
		t.Logf("deletion vector of %d positions (%d bytes as Parquet): plan %v decoding it, %v reusing it", len(pos), size, cold, reuse)
		if got := deletePaths(spec); len(got) != 1 {
			t.Fatalf("round %d: delete files %v, want one deletion vector", round, got)
		}
		live := liveValues(t, spec, "id")
		want := 0
		for i := range int64(n) {
			if !del(i) {
				want++
			}
		}
		if len(live) != want {
			t.Fatalf("round %d: %d live rows, want %d", round, len(live), want)
		}
		for _, v := range live {
			if i, _ := strconv.ParseInt(v, 10, 64); del(i) {
				t.Fatalf("round %d: deleted id %d is live", round, i)
			}
		}
	}
}
