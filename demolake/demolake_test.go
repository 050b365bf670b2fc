package demolake_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"

	"github.com/lakegate/lakegate/demolake"
)

const testScale = 0.005

// TestLake builds one tiny lakehouse and checks it from the outside: the
// catalog, the schemas and specs, the snapshots, and every row against the
// generators.
func TestLake(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var stages []string
	info, err := demolake.Build(ctx, demolake.Options{
		Dir: dir, Scale: testScale, CatalogName: "testlake",
		Progress: func(stage string, done, total int64) {
			if len(stages) == 0 || stages[len(stages)-1] != stage {
				stages = append(stages, stage)
			}
			if done > total {
				t.Errorf("progress %s: done %d > total %d", stage, done, total)
			}
		},
	})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	wantStages := []string{"products", "stores", "sales", "sales:delete", "product_kpis"}
	if !slices.Equal(stages, wantStages) {
		t.Errorf("progress stages %v, want %v", stages, wantStages)
	}

	cat, err := demolake.OpenCatalog(ctx, dir, "testlake")
	if err != nil {
		t.Fatalf("OpenCatalog: %v", err)
	}
	t.Cleanup(func() {
		if c, ok := cat.(catalog.Closer); ok {
			c.Close()
		}
	})
	load := func(t *testing.T, name string) *table.Table {
		t.Helper()
		tbl, err := cat.LoadTable(ctx, table.Identifier{"shop", name})
		if err != nil {
			t.Fatalf("LoadTable %s: %v", name, err)
		}

		return tbl
	}

	t.Run("Exists", func(t *testing.T) {
		if !demolake.Exists(dir) {
			t.Error("Exists = false on a built lake")
		}
		if demolake.Exists(t.TempDir()) {
			t.Error("Exists = true on an empty directory")
		}
	})

	t.Run("BuildAgainFails", func(t *testing.T) {
		_, err := demolake.Build(ctx, demolake.Options{Dir: dir, Scale: testScale})
		if !errors.Is(err, demolake.ErrLakeExists) {
			t.Fatalf("second Build: err = %v, want ErrLakeExists", err)
		}
		if !strings.Contains(err.Error(), "catalog.db") {
			t.Errorf("error %q does not name catalog.db", err)
		}
		if !demolake.Exists(dir) {
			t.Error("lake gone after refused Build")
		}
	})

	t.Run("OtherCatalogNameSeesNothing", func(t *testing.T) {
		other, err := demolake.OpenCatalog(ctx, dir, "")
		if err != nil {
			t.Fatal(err)
		}
		defer other.(catalog.Closer).Close()
		ok, err := other.CheckTableExists(ctx, table.Identifier{"shop", "sales"})
		if err != nil || ok {
			t.Errorf("catalog %q sees shop.sales: %v %v", demolake.DefaultCatalogName, ok, err)
		}
	})

	t.Run("Schemas", func(t *testing.T) {
		for name, want := range wantSchemas {
			tbl := load(t, name)
			var got []string
			for _, f := range tbl.Schema().Fields() {
				req := "optional"
				if f.Required {
					req = "required"
				}
				if f.Doc == "" {
					t.Errorf("%s.%s has no doc", name, f.Name)
				}
				got = append(got, fmt.Sprintf("%d %s %s %s", f.ID, f.Name, f.Type, req))
			}
			if !slices.Equal(got, want.fields) {
				t.Errorf("%s schema:\n got %q\nwant %q", name, got, want.fields)
			}
			if ids := tbl.Schema().IdentifierFieldIDs; !slices.Equal(ids, want.identifiers) {
				t.Errorf("%s identifier fields %v, want %v", name, ids, want.identifiers)
			}
			spec := tbl.Spec()
			var parts []string
			for _, pf := range spec.Fields() {
				parts = append(parts, fmt.Sprintf("%d %s %s(%d)", pf.FieldID, pf.Name, pf.Transform, pf.SourceID()))
			}
			if !slices.Equal(parts, want.partition) {
				t.Errorf("%s partition spec %q, want %q", name, parts, want.partition)
			}
			if v := tbl.Metadata().Version(); v != 2 {
				t.Errorf("%s format version %d, want 2", name, v)
			}
			if tbl.Properties()["comment"] == "" {
				t.Errorf("%s has no comment property", name)
			}
		}
		if got := load(t, "sales").Properties()[table.WriteDeleteModeKey]; got != table.WriteModeMergeOnRead {
			t.Errorf("sales write.delete.mode = %q", got)
		}
	})

	t.Run("SalesSnapshots", func(t *testing.T) {
		tbl := load(t, "sales")
		snaps := tbl.Metadata().Snapshots()
		if len(snaps) < 3 {
			t.Fatalf("sales has %d snapshots, want >= 3", len(snaps))
		}
		last := tbl.CurrentSnapshot()
		if last.SnapshotID != snaps[len(snaps)-1].SnapshotID {
			t.Errorf("current snapshot %d is not the last one", last.SnapshotID)
		}
		p := last.Summary.Properties
		if last.Summary.Operation != table.OpDelete {
			t.Errorf("last operation %q, want delete", last.Summary.Operation)
		}
		if n := atoi(p["added-position-delete-files"]); n == 0 {
			t.Errorf("delete added no position delete files: %v", p)
		}
		if n := atoi(p["deleted-data-files"]) + atoi(p["added-data-files"]); n != 0 {
			t.Errorf("delete rewrote or dropped data files: %v", p)
		}
		if n := atoi(p["total-data-files"]); n < 365 {
			t.Errorf("sales has %d data files, want one or more per day", n)
		}

		// Live rows per snapshot match the generators, and so does Info.
		ti := info.Tables["shop.sales"]
		for i, snap := range []int{demolake.SalesSnapshotLoad, demolake.SalesSnapshotAppend, demolake.SalesSnapshotDelete} {
			var n int64
			if err := demolake.SalesRowsAsOf(testScale, snap, func(demolake.SaleRow) error { n++; return nil }); err != nil {
				t.Fatal(err)
			}
			sp := snaps[i].Summary.Properties
			live := atoi(sp["total-records"]) - atoi(sp["total-position-deletes"]) - atoi(sp["total-equality-deletes"])
			if live != n || ti.LiveRows[i] != n {
				t.Errorf("snapshot %d: live rows %d (Info %d), generator %d", snap, live, ti.LiveRows[i], n)
			}
			if ti.SnapshotIDs[i] != snaps[i].SnapshotID {
				t.Errorf("Info snapshot %d id %d, metadata %d", i, ti.SnapshotIDs[i], snaps[i].SnapshotID)
			}
		}
		if ti.DeleteFiles == 0 || ti.DataFiles != atoi(p["total-data-files"]) {
			t.Errorf("Info %+v disagrees with summary %v", ti, p)
		}
	})

	// Every table's rows, read back through iceberg-go's scan (deletes
	// applied), equal the generator's rows exactly.
	t.Run("RowsMatchGenerators", func(t *testing.T) {
		for name, gen := range generators {
			got := scanRows(t, load(t, name))
			want := gen(t)
			slices.Sort(got)
			slices.Sort(want)
			if len(got) != len(want) {
				t.Errorf("%s: %d rows, generator %d", name, len(got), len(want))
			}
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Errorf("%s: first difference at sorted row %d:\n lake %s\n  gen %s", name, i, got[i], want[i])

					break
				}
			}
		}
	})

	t.Run("SalesSums", func(t *testing.T) {
		var wantCents, wantQty int64
		if err := demolake.SalesRows(testScale, func(r demolake.SaleRow) error {
			wantCents += int64(math.Round(r.Amount * 100))
			wantQty += int64(r.Qty)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var gotCents, gotQty int64
		forEachRecord(t, load(t, "sales").Scan(table.WithSelectedFields("amount", "qty")), func(rec arrow.RecordBatch) {
			amt := column(rec, "amount").(*array.Float64)
			qty := column(rec, "qty").(*array.Int32)
			for i := range int(rec.NumRows()) {
				gotCents += int64(math.Round(amt.Value(i) * 100))
				gotQty += int64(qty.Value(i))
			}
		})
		if gotCents != wantCents || gotQty != wantQty {
			t.Errorf("sum(amount) = %d cents, sum(qty) = %d; generator %d cents, %d", gotCents, gotQty, wantCents, wantQty)
		}
	})

	t.Run("TimeTravelToLoad", func(t *testing.T) {
		tbl := load(t, "sales")
		first := tbl.Metadata().Snapshots()[0].SnapshotID
		got := scanRows(t, tbl, table.WithSnapshotID(first))
		var want []string
		if err := demolake.SalesRowsAsOf(testScale, demolake.SalesSnapshotLoad, func(r demolake.SaleRow) error {
			want = append(want, saleKey(r))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("snapshot 1: %d rows, generator %d (or contents differ)", len(got), len(want))
		}
	})

	t.Run("DeleteFilter", func(t *testing.T) {
		// No live row matches the delete; some rows matched before it.
		filter := iceberg.NewAnd(
			iceberg.EqualTo(iceberg.Reference("store_id"), int32(demolake.DeletedStoreID)),
			iceberg.GreaterThanEqual(iceberg.Reference("ts"), iceberg.Timestamp(demolake.DeleteFrom.UnixMicro())),
			iceberg.LessThan(iceberg.Reference("ts"), iceberg.Timestamp(demolake.DeleteTo.UnixMicro())))
		tbl := load(t, "sales")
		if n := len(scanRows(t, tbl, table.WithRowFilter(filter))); n != 0 {
			t.Errorf("%d live rows match the delete filter", n)
		}
		before := tbl.Metadata().Snapshots()[1].SnapshotID
		if n := len(scanRows(t, tbl, table.WithRowFilter(filter), table.WithSnapshotID(before))); n == 0 {
			t.Error("no rows matched the delete filter before the delete")
		}
	})
}

type schemaWant struct {
	fields      []string
	identifiers []int
	partition   []string
}

var wantSchemas = map[string]schemaWant{
	"products": {
		fields: []string{
			"1 product_id long required", "2 name string optional", "3 category string optional",
			"4 price decimal(10, 2) optional", "5 active boolean optional",
		},
		identifiers: []int{1},
	},
	"stores": {
		fields:      []string{"1 store_id int required", "2 city string optional", "3 opened date optional"},
		identifiers: []int{1},
	},
	"sales": {
		fields: []string{
			"1 sale_id long required", "2 product_id long optional", "3 store_id int optional",
			"4 ts timestamp optional", "5 qty int optional", "6 amount double optional",
		},
		identifiers: []int{1},
		partition:   []string{"1000 ts_day day(4)"},
	},
	"product_kpis": {
		fields: []string{
			"1 product_id long required", "2 day date required", "3 revenue double optional",
			"4 units long optional", "5 forecast double optional", "6 price_reco decimal(10, 2) optional",
		},
		identifiers: []int{1, 2},
		partition:   []string{"1000 day_month month(2)"},
	},
}

// Canonical row keys: integers, strings, booleans as text; decimals as
// unscaled integers; dates as days and timestamps as microseconds since the
// epoch; doubles as their bits. scanRows formats Arrow cells the same way.

func saleKey(r demolake.SaleRow) string {
	return fmt.Sprintf("%d|%d|%d|%d|%d|%x", r.SaleID, r.ProductID, r.StoreID, r.TS.UnixMicro(), r.Qty, math.Float64bits(r.Amount))
}

func days(t interface{ Unix() int64 }) int64 { return t.Unix() / 86400 }

var generators = map[string]func(t *testing.T) []string{
	"products": func(t *testing.T) []string {
		return collect(t, demolake.ProductRows, func(r demolake.ProductRow) string {
			return fmt.Sprintf("%d|%s|%s|%d|%t", r.ProductID, r.Name, r.Category, r.PriceCents, r.Active)
		})
	},
	"stores": func(t *testing.T) []string {
		return collect(t, demolake.StoreRows, func(r demolake.StoreRow) string {
			return fmt.Sprintf("%d|%s|%d", r.StoreID, r.City, days(r.Opened))
		})
	},
	"sales": func(t *testing.T) []string { return collect(t, demolake.SalesRows, saleKey) },
	"product_kpis": func(t *testing.T) []string {
		return collect(t, demolake.KPIRows, func(r demolake.KPIRow) string {
			return fmt.Sprintf("%d|%d|%x|%d|%x|%d", r.ProductID, days(r.Day), math.Float64bits(r.Revenue),
				r.Units, math.Float64bits(r.Forecast), r.PriceRecoCents)
		})
	},
}

func collect[R any](t *testing.T, gen func(float64, func(R) error) error, key func(R) string) []string {
	t.Helper()
	var out []string
	if err := gen(testScale, func(r R) error { out = append(out, key(r)); return nil }); err != nil {
		t.Fatal(err)
	}

	return out
}

func scanRows(t *testing.T, tbl *table.Table, opts ...table.ScanOption) []string {
	t.Helper()
	var out []string
	forEachRecord(t, tbl.Scan(opts...), func(rec arrow.RecordBatch) {
		for i := range int(rec.NumRows()) {
			var b strings.Builder
			for c := range int(rec.NumCols()) {
				if c > 0 {
					b.WriteByte('|')
				}
				b.WriteString(cell(t, rec.Column(c), i))
			}
			out = append(out, b.String())
		}
	})

	return out
}

func forEachRecord(t *testing.T, scan *table.Scan, fn func(arrow.RecordBatch)) {
	t.Helper()
	_, recs, err := scan.ToArrowRecords(context.Background())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	for rec, err := range recs {
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		fn(rec)
		rec.Release()
	}
}

func column(rec arrow.RecordBatch, name string) arrow.Array {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) != 1 {
		panic("no column " + name)
	}

	return rec.Column(idx[0])
}

func cell(t *testing.T, a arrow.Array, i int) string {
	if a.IsNull(i) {
		t.Fatalf("unexpected NULL in %s column", a.DataType())
	}
	switch a := a.(type) {
	case *array.Int64:
		return fmt.Sprint(a.Value(i))
	case *array.Int32:
		return fmt.Sprint(a.Value(i))
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Boolean:
		return fmt.Sprint(a.Value(i))
	case *array.Float64:
		return fmt.Sprintf("%x", math.Float64bits(a.Value(i)))
	case *array.Decimal128:
		return a.Value(i).BigInt().String()
	case *array.Date32:
		return fmt.Sprint(int64(a.Value(i)))
	case *array.Timestamp:
		if u := a.DataType().(*arrow.TimestampType).Unit; u != arrow.Microsecond {
			t.Fatalf("timestamp unit %v, want microseconds", u)
		}
		return fmt.Sprint(int64(a.Value(i)))
	default:
		t.Fatalf("unexpected Arrow type %s", a.DataType())
		return ""
	}
}

func atoi(s string) int64 {
	var n int64
	fmt.Sscan(s, &n)
	return n
}
