package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	_ "github.com/apache/iceberg-go/catalog/sql" // catalog type "sql"
	"github.com/apache/iceberg-go/table"
	"github.com/jackc/pgx/v5"

	"github.com/lakegate/lakegate/demolake"
	"github.com/lakegate/lakegate/internal/pgserver"
)

// pgCatalogScale keeps the second lake small: it exists to prove the catalog in
// PostgreSQL, not to test queries again.
const pgCatalogScale = 0.005

// TestPostgresCatalog serves a lake whose Iceberg SQL catalog lives in a real
// PostgreSQL server: the gateway lists and reads its tables, sees a commit made by
// another writer through the same catalog, and answers a clear 08006 once the
// catalog's server is gone, with the session still usable.
func TestPostgresCatalog(t *testing.T) {
	if _, err := pgserver.BinDir(""); err != nil {
		t.Fatalf("PostgreSQL server binaries are required (make test-deps): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	pg, err := pgserver.Start(ctx, pgserver.Options{Dir: filepath.Join(dir, "pg")})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Stop()
	if err := pg.CreateDatabase(ctx, "iceberg"); err != nil {
		t.Fatal(err)
	}
	dsn := pg.DSN("iceberg")
	lakeDir := filepath.Join(dir, "lake")
	if _, err := demolake.Build(ctx, demolake.Options{Dir: lakeDir, Scale: pgCatalogScale, CatalogURI: dsn}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(lakeDir, "catalog.db")); err == nil {
		t.Fatal("the lake was built with a SQLite catalog, not the PostgreSQL one")
	}
	want, err := loadLakeData(pgCatalogScale)
	if err != nil {
		t.Fatal(err)
	}

	cfgPath := filepath.Join(dir, "gateway.yaml")
	cfg := fmt.Sprintf(`listen: 127.0.0.1:0
auth: scram-sha-256
engine:
  threads: 1
catalogs:
  warehouse:
    type: sql
    name: %s
    uri: %s
    warehouse: file://%s
users:
  - name: %s
    password: %s
`, demolake.DefaultCatalogName, dsn, filepath.Join(lakeDir, "warehouse"), user, password)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	gw, err := startGateway(cfgPath, filepath.Join(dir, "gateway.log"), "warehouse")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := gw.stop(); err != nil {
			t.Error(err)
		}
	}()
	c, err := pgx.Connect(ctx, fmt.Sprintf("postgres://%s:%s@%s/warehouse?sslmode=disable", user, password, gw.addr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)

	// The catalog's tables, as a client lists them.
	rows, err := c.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'shop' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(names) != "[product_kpis products sales stores]" {
		t.Fatalf("tables in shop = %v", names)
	}

	// The data, against the generators.
	wantSales := want.salesWhere(nil)
	var n, qty int64
	if err := c.QueryRow(ctx, `SELECT count(*), sum(qty) FROM shop.sales`).Scan(&n, &qty); err != nil {
		t.Fatal(err)
	}
	if n != wantSales.count || qty != wantSales.qty {
		t.Fatalf("sales: count %d sum(qty) %d, want %d and %d", n, qty, wantSales.count, wantSales.qty)
	}
	// A point lookup through the extended protocol with a parameter.
	p := want.product(3)
	var name string
	if err := c.QueryRow(ctx, `SELECT name FROM shop.products WHERE product_id = $1`, int64(3)).Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != p.Name {
		t.Fatalf("product 3 name %q, want %q", name, p.Name)
	}

	// Another writer commits a new store through the same catalog; the next statement sees it.
	var stores int64
	if err := c.QueryRow(ctx, `SELECT count(*) FROM shop.stores`).Scan(&stores); err != nil {
		t.Fatal(err)
	}
	if stores != int64(len(want.stores)) {
		t.Fatalf("stores: %d, want %d", stores, len(want.stores))
	}
	newID := int32(len(want.stores) + 1000)
	appendStore(t, ctx, dsn, lakeDir, newID, "Lakeville", time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	var city string
	var opened time.Time
	if err := c.QueryRow(ctx, `SELECT city, opened FROM shop.stores WHERE store_id = $1`, newID).Scan(&city, &opened); err != nil {
		t.Fatalf("the store committed by another writer is not visible: %v", err)
	}
	if city != "Lakeville" || !opened.Equal(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("new store = %q %v", city, opened)
	}

	// The catalog's server goes away: a clear connection-failure error, and the
	// session survives for statements that need no catalog.
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	_, err = c.Exec(ctx, `SELECT count(*) FROM shop.sales`)
	if code := pgCode(err); code != "08006" {
		t.Fatalf("query with the catalog down: SQLSTATE %q (%v), want 08006", code, err)
	}
	var one int
	if err := c.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil || one != 1 {
		t.Fatalf("session unusable after a catalog failure: %v", err)
	}
}

// appendStore commits one row to shop.stores with iceberg-go through the SQL
// catalog in PostgreSQL, as an independent writer would.
func appendStore(t *testing.T, ctx context.Context, dsn, lakeDir string, id int32, city string, opened time.Time) {
	t.Helper()
	cat, err := icecat.Load(ctx, demolake.DefaultCatalogName, iceberg.Properties{
		"type": "sql", "uri": dsn, "sql.driver": "pgx", "sql.dialect": "postgres",
		"warehouse": "file://" + filepath.Join(lakeDir, "warehouse"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if cl, ok := cat.(icecat.Closer); ok {
		defer cl.Close()
	}
	tbl, err := cat.LoadTable(ctx, table.Identifier{demolake.Namespace, demolake.TableStores})
	if err != nil {
		t.Fatal(err)
	}
	appendJSON(t, tbl, fmt.Sprintf(`[{"store_id": %d, "city": %q, "opened": %q}]`, id, city, opened.Format("2006-01-02")))
}
