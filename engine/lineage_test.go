package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/iceberg-go"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/pushdown"
)

// TestRowLineageScan reads _row_id and _last_updated_sequence_number from two files
// of one group: "a" stores no lineage (every row inherits first_row_id + position and
// the data sequence number) and has a position delete; "b" stores both columns with
// some NULLs (stored values win, NULLs inherit). The schema's user columns are also
// read with names matching, which must not skip the field-id map lineage needs.
func TestRowLineageScan(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet")
	del := filepath.Join(dir, "del.parquet")
	e, err := Open(context.Background(), Config{AllowedDirs: []string{dir}, Connections: 1, Threads: 1, Setup: []string{
		"COPY (SELECT (10 + range)::BIGINT AS id FROM range(5)) TO '" + a + "' (FORMAT parquet, FIELD_IDS {id: 1})",
		"COPY (SELECT * FROM (VALUES (20::BIGINT, 7::BIGINT, 2::BIGINT), (21, NULL, NULL), (22, 3, NULL), (23, NULL, 1)) v(id, _row_id, _last_updated_sequence_number)) TO '" + b +
			"' (FORMAT parquet, FIELD_IDS {id: 1, _row_id: 2147483540, _last_updated_sequence_number: 2147483539})",
		"COPY (SELECT 'file://" + a + "' AS file_path, 1::BIGINT AS pos) TO '" + del + "' (FORMAT parquet)",
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ptr := func(v int64) *int64 { return &v }
	schema := iceberg.NewSchema(0, iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64},
		iceberg.RowID(), iceberg.LastUpdatedSequenceNumber())
	spec := &pushdown.ScanSpec{Table: "t.lineage", Schema: schema, NamesMatch: true, Groups: []pushdown.FileGroup{{
		Files: []pushdown.DataFile{
			{Location: "file://" + a, Path: a, Records: 5, FirstRowID: ptr(100), DataSequenceNumber: ptr(4)},
			{Location: "file://" + b, Path: b, Records: 4, FirstRowID: ptr(200), DataSequenceNumber: ptr(6)},
		},
		PositionDeletes: []pushdown.DeleteFile{{Location: "file://" + del, Path: del}},
	}}}
	// Independently: a's rows at positions 0..4 minus the deleted position 1; b's
	// stored values, NULLs replaced by 200 + position and 6.
	want := []string{"10|100|4", "12|102|4", "13|103|4", "14|104|4", "20|7|2", "21|201|6", "22|3|6", "23|203|1"}
	rel, err := TableScanSQL(spec, catalog.NewRemapper(nil), ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := lineageRows(t, e, rel); !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}

	// Without deletes the group takes the same path; a file without a first_row_id
	// (a snapshot from before the table was upgraded to v3) has no lineage but what
	// it stores.
	spec.Groups[0].PositionDeletes = nil
	spec.Groups[0].Files[0].FirstRowID = nil
	want = []string{"10|NULL|NULL", "11|NULL|NULL", "12|NULL|NULL", "13|NULL|NULL", "14|NULL|NULL", "20|7|2", "21|201|6", "22|3|6", "23|203|1"}
	if rel, err = TableScanSQL(spec, catalog.NewRemapper(nil), ScanOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := lineageRows(t, e, rel); !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}

	// Identity-partitioned files without the partition column take the partition
	// value through another wrapping of the scan, which must pass the positions on.
	part := iceberg.NestedField{ID: 3, Name: "part", Type: iceberg.PrimitiveTypes.String}
	spec.Schema = iceberg.NewSchema(0, iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64}, part,
		iceberg.RowID(), iceberg.LastUpdatedSequenceNumber())
	spec.Groups[0].Files[0].Identity = map[int]any{3: "x"}
	spec.Groups[0].Files[1].Identity = map[int]any{3: "y"}
	spec.Groups[0].PositionDeletes = []pushdown.DeleteFile{{Location: "file://" + del, Path: del}}
	if rel, err = TableScanSQL(spec, catalog.NewRemapper(nil), ScanOptions{}); err != nil {
		t.Fatal(err)
	}
	want = []string{"10|NULL|NULL", "12|NULL|NULL", "13|NULL|NULL", "14|NULL|NULL", "20|7|2", "21|201|6", "22|3|6", "23|203|1"}
	if got := lineageRows(t, e, rel); !slices.Equal(got, want) {
		t.Errorf("identity-partitioned: got %q\nwant %q", got, want)
	}

	// The empty relation has the columns too.
	r, err := e.Query(context.Background(), "SELECT id, _row_id, _last_updated_sequence_number FROM "+EmptyScanSQL(schema)+" t", nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(collectInt64(t, r)); n != 0 {
		t.Errorf("empty relation has %d rows", n)
	}
}

func lineageRows(t *testing.T, e *Engine, rel string) []string {
	t.Helper()
	r, err := e.Query(context.Background(), "SELECT id, _row_id, _last_updated_sequence_number FROM "+rel+" t ORDER BY id", nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, rel)
	}
	var out []string
	if err := r.Each(context.Background(), func(b arrow.RecordBatch) error {
		cell := func(c, i int) string {
			col := b.Column(c).(*array.Int64)
			if col.IsNull(i) {
				return "NULL"
			}
			return fmt.Sprint(col.Value(i))
		}
		for i := 0; i < int(b.NumRows()); i++ {
			out = append(out, cell(0, i)+"|"+cell(1, i)+"|"+cell(2, i))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
