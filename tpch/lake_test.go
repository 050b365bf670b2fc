package tpch

import (
	"context"
	"strconv"
	"testing"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
	"github.com/jackc/pgx/v5"

	"github.com/lakegate/lakegate/internal/pgserver"
)

const lakeSF = 0.01

// expectedRows counts each table's rows with the generators alone.
func expectedRows(t *testing.T, g *Gen) map[string]int64 {
	t.Helper()
	n := map[string]int64{"region": 5, "nation": 25, "supplier": int64(g.Suppliers()), "part": int64(g.Parts()),
		"partsupp": 4 * int64(g.Parts()), "customer": int64(g.Customers()), "orders": int64(g.Orders())}
	if err := g.OrderRows(func(_ *Order, ls []Lineitem) error { n["lineitem"] += int64(len(ls)); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWriteLake(t *testing.T) {
	ctx := context.Background()
	g, err := NewGen(lakeSF, 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := WriteLake(ctx, g, LakeOptions{Dir: dir, CatalogName: "tpch"}); err != nil {
		t.Fatal(err)
	}
	if err := WriteLake(ctx, g, LakeOptions{Dir: dir, CatalogName: "tpch"}); err == nil {
		t.Fatal("second WriteLake into the same directory succeeded")
	}
	cat, err := catalog.Load(ctx, "tpch", iceberg.Properties{"type": "sql", "uri": CatalogURI(dir),
		"sql.driver": "sqlite", "sql.dialect": "sqlite", "init_catalog_tables": "false"})
	if err != nil {
		t.Fatal(err)
	}
	want := expectedRows(t, g)
	for _, tb := range Tables {
		tbl, err := cat.LoadTable(ctx, table.Identifier{Namespace, tb.Name})
		if err != nil {
			t.Fatal(err)
		}
		snap := tbl.CurrentSnapshot()
		got, _ := strconv.ParseInt(snap.Summary.Properties["total-records"], 10, 64)
		if got != want[tb.Name] {
			t.Errorf("%s: %d records, generators say %d", tb.Name, got, want[tb.Name])
		}
		if tb.PartitionColumn == "" {
			continue
		}
		if n := len(tbl.Metadata().Snapshots()); n != Loads {
			t.Errorf("%s: %d snapshots, want %d", tb.Name, n, Loads)
		}
		// Several files per partition: one per load that had rows in it.
		tasks, err := tbl.Scan().PlanFiles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		perPartition := map[string]int{}
		for _, task := range tasks {
			perPartition[partitionKey(task.File.Partition())]++
		}
		if len(tasks) < 2*len(perPartition) {
			t.Errorf("%s: %d files in %d partitions", tb.Name, len(tasks), len(perPartition))
		}
		// Months 1992-01..1998-12 (the last ones nearly empty), years 1992..1998.
		lo, hi := 83, 84
		if tb.Name == "orders" {
			lo, hi = 7, 7
		}
		if len(perPartition) < lo || len(perPartition) > hi {
			t.Errorf("%s: %d partitions, want %d..%d", tb.Name, len(perPartition), lo, hi)
		}
	}
}

func partitionKey(p map[int]any) string {
	s := ""
	for k, v := range p {
		s += strconv.Itoa(k) + "=" + toString(v) + ";"
	}
	return s
}

func toString(v any) string {
	switch x := v.(type) {
	case int32:
		return strconv.Itoa(int(x))
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	}
	return "?"
}

func TestLoadPostgres(t *testing.T) {
	ctx := context.Background()
	srv := pgserver.ForTest(t, pgserver.Options{})
	conn, err := pgx.Connect(ctx, srv.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	g, err := NewGen(lakeSF, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := LoadPostgres(ctx, conn, g); err != nil {
		t.Fatal(err)
	}
	want := expectedRows(t, g)
	for _, tb := range Tables {
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+tb.Name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want[tb.Name] {
			t.Errorf("%s: %d rows, want %d", tb.Name, n, want[tb.Name])
		}
	}
	var total int64
	_ = g.OrderRows(func(o *Order, _ []Lineitem) error { total += o.TotalPrice; return nil })
	var got string
	if err := conn.QueryRow(ctx, "SELECT (sum(o_totalprice) * 100)::bigint::text FROM orders").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != strconv.FormatInt(total, 10) {
		t.Errorf("sum(o_totalprice)*100 = %s, generators say %d", got, total)
	}
	var idx int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'").Scan(&idx); err != nil {
		t.Fatal(err)
	}
	if idx < len(Tables)+8 {
		t.Errorf("%d indexes", idx)
	}
	// Each query runs on the loaded data.
	for i, q := range Queries {
		rows, err := conn.Query(ctx, q)
		if err == nil {
			for rows.Next() {
			}
			rows.Close()
			err = rows.Err()
		}
		if err != nil {
			t.Errorf("Q%d: %v", i+1, err)
		}
	}
}
