package engine

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/iceberg-go"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/pgerr"
	"github.com/lakegate/lakegate/pushdown"
)

func collectStrings(t *testing.T, r *Rows) []string {
	t.Helper()
	var out []string
	if err := r.Each(context.Background(), func(b arrow.RecordBatch) error {
		for i := 0; i < int(b.NumRows()); i++ {
			cells := make([]string, b.NumCols())
			for j := range cells {
				if b.Column(j).IsNull(i) {
					cells[j] = "NULL"
				} else {
					// Value shares the batch's memory, released below.
					cells[j] = strings.Clone(b.Column(j).(*array.String).Value(i))
				}
			}
			out = append(out, strings.Join(cells, "|"))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestInitialDefaultsOfEveryType reads a file written before columns of many types
// were added with initial defaults, given as iceberg-go decodes the metadata's JSON
// (numbers as float64, dates, times, decimals and uuids as strings, binary as hex).
func TestInitialDefaultsOfEveryType(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "old.parquet")
	e, err := Open(context.Background(), Config{AllowedDirs: []string{dir}, Connections: 1, Threads: 1, Setup: []string{
		"COPY (SELECT 1::BIGINT AS id) TO '" + data + "' (FORMAT parquet, FIELD_IDS {id: 1})",
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	fields := []iceberg.NestedField{
		{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64},
		{ID: 2, Name: "b", Type: iceberg.PrimitiveTypes.Bool, InitialDefault: true},
		{ID: 3, Name: "i", Type: iceberg.PrimitiveTypes.Int32, InitialDefault: float64(342342)},
		{ID: 4, Name: "l", Type: iceberg.PrimitiveTypes.Int64, InitialDefault: float64(-9223372036854775808)},
		{ID: 5, Name: "f", Type: iceberg.PrimitiveTypes.Float32, InitialDefault: float64(0.5)},
		{ID: 6, Name: "dec", Type: iceberg.DecimalTypeOf(16, 2), InitialDefault: "12345.00"},
		{ID: 7, Name: "d", Type: iceberg.PrimitiveTypes.Date, InitialDefault: "2003-10-20"},
		{ID: 8, Name: "tm", Type: iceberg.PrimitiveTypes.Time, InitialDefault: "00:00:00.012345"},
		{ID: 9, Name: "ts", Type: iceberg.PrimitiveTypes.Timestamp, InitialDefault: "1970-01-01T00:00:00.012345"},
		{ID: 10, Name: "tz", Type: iceberg.PrimitiveTypes.TimestampTz, InitialDefault: "2017-11-16T22:31:08.123456+00:00"},
		{ID: 11, Name: "s", Type: iceberg.PrimitiveTypes.String, InitialDefault: "it's"},
		{ID: 12, Name: "u", Type: iceberg.PrimitiveTypes.UUID, InitialDefault: "f79c3e09-677c-4bbd-a479-3f349cb785e7"},
		{ID: 13, Name: "bin", Type: iceberg.PrimitiveTypes.Binary, InitialDefault: "0102ff"},
		{ID: 14, Name: "arr", Type: &iceberg.ListType{ElementID: 15, Element: iceberg.PrimitiveTypes.String}, InitialDefault: []any{"b", "fwl"}},
		{ID: 16, Name: "none", Type: iceberg.PrimitiveTypes.Int32},
	}
	sel := make([]string, len(fields))
	for i, f := range fields {
		sel[i] = "CAST(" + catalog.QuoteIdent(f.Name) + " AS VARCHAR)"
	}
	sel[12] = "hex(bin)"
	q := "SELECT " + strings.Join(sel, ", ") + " FROM read_parquet(['" + data + "'], schema=" + schemaMapSQL(fields) + ")"
	r, err := e.Query(context.Background(), q, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := collectStrings(t, r)
	want := "1|true|342342|-9223372036854775808|0.5|12345.00|2003-10-20|00:00:00.012345|1970-01-01 00:00:00.012345|" +
		"2017-11-16 22:31:08.123456+00|it's|f79c3e09-677c-4bbd-a479-3f349cb785e7|0102FF|[b, fwl]|NULL"
	if len(got) != 1 || got[0] != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestVariantColumnsAreRefused(t *testing.T) {
	schema := iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int32},
		iceberg.NestedField{ID: 2, Name: "v", Type: iceberg.VariantType{}})
	_, err := TableScanSQL(&pushdown.ScanSpec{Table: "ns.t", Schema: schema}, catalog.NewRemapper(nil), ScanOptions{})
	var pe *pgerr.Error
	if !errors.As(err, &pe) || pe.Code != pgerr.FeatureNotSupported || !strings.Contains(pe.Message, `"ns.t"`) {
		t.Fatalf("got %v, want 0A000 naming the table", err)
	}
}

// TestPositionDeletesNameQualifiedPaths applies a position delete file that names its
// data file hdfs://namenode:8020/wh/t/... while the table's rule remaps /wh/t.
func TestPositionDeletesNameQualifiedPaths(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.parquet")
	del := filepath.Join(dir, "del.parquet")
	e, err := Open(context.Background(), Config{AllowedDirs: []string{dir}, Connections: 1, Threads: 1, Setup: []string{
		"COPY (SELECT range::BIGINT AS id FROM range(5)) TO '" + data + "' (FORMAT parquet, FIELD_IDS {id: 1})",
		"COPY (SELECT 'hdfs://namenode:8020/wh/t/data.parquet' AS file_path, 1::BIGINT AS pos UNION ALL " +
			"SELECT '/wh/t/data.parquet', 3 UNION ALL SELECT 'hdfs://namenode:8020/other/data.parquet', 4) TO '" + del + "' (FORMAT parquet)",
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	remap := catalog.NewRemapper(map[string]string{"/wh/t": "file://" + dir})
	q := "SELECT d.id FROM read_parquet(['" + data + "'], filename='" + fileColumn + "', file_row_number=true) d " +
		"ANTI JOIN (SELECT " + localPathSQL("file_path", remap) + " AS path, pos FROM read_parquet(['" + del + "'])) pd " +
		"ON d." + fileColumn + " = pd.path AND d.file_row_number = pd.pos ORDER BY 1"
	r, err := e.Query(context.Background(), q, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := collectInt64(t, r)
	if want := []int64{0, 2, 4}; len(got) != len(want) || got[0] != 0 || got[1] != 2 || got[2] != 4 {
		t.Fatalf("got %v, want %v", got, want)
	}
}
