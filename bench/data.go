package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/lakegate/lakegate/demolake"
	"github.com/lakegate/lakegate/internal/pgserver"
	"github.com/lakegate/lakegate/tpch"
)

// Catalog and database names the benchmark serves.
const (
	TPCHDatabase = "tpch" // gateway database and Iceberg catalog name of the TPC-H lake
	DemoDatabase = "lake" // gateway database of the demo lake (demolake.DefaultCatalogName)
)

// dataVersion changes whenever the generators change, invalidating caches.
const dataVersion = "tpch-gen-2"

// PrepareTPCH returns the directory of the TPC-H lake at sf, building it
// under root on first use. A directory without the completion marker (an
// interrupted build, an older generator) is rebuilt.
func PrepareTPCH(ctx context.Context, root string, sf float64, seed uint64, logf func(string, ...any)) (string, error) {
	dir := filepath.Join(root, fmt.Sprintf("tpch-sf%g-seed%d", sf, seed))
	marker := filepath.Join(dir, "complete")
	if b, err := os.ReadFile(marker); err == nil && strings.TrimSpace(string(b)) == dataVersion {
		logf("TPC-H SF %g: cached in %s", sf, dir)
		return dir, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	g, err := tpch.NewGen(sf, seed)
	if err != nil {
		return "", err
	}
	start := time.Now()
	logf("TPC-H SF %g: writing Iceberg tables into %s", sf, dir)
	err = tpch.WriteLake(ctx, g, tpch.LakeOptions{Dir: dir, CatalogName: TPCHDatabase,
		Progress: func(t string, rows int64) { logf("  %s: %d rows committed", t, rows) }})
	if err != nil {
		return "", err
	}
	logf("TPC-H SF %g: lake written in %s", sf, time.Since(start).Round(time.Millisecond))
	return dir, os.WriteFile(marker, []byte(dataVersion+"\n"), 0o644)
}

// PrepareDemo returns the demo lake at scale, building it under root on first use.
func PrepareDemo(ctx context.Context, root string, scale float64, logf func(string, ...any)) (string, error) {
	dir := filepath.Join(root, fmt.Sprintf("demo-scale%g", scale))
	if demolake.Exists(dir) {
		logf("demo lake scale %g: cached in %s", scale, dir)
		return dir, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	logf("demo lake scale %g: building in %s", scale, dir)
	if _, err := demolake.Build(ctx, demolake.Options{Dir: dir, Scale: scale}); err != nil {
		return "", err
	}
	return dir, nil
}

// PostgresSettings size PostgreSQL 15 for a 2-core, 24 GiB machine running
// analytical queries next to the gateway.
var PostgresSettings = map[string]string{
	"shared_buffers":                  "4GB",
	"work_mem":                        "512MB",
	"maintenance_work_mem":            "1GB",
	"effective_cache_size":            "16GB",
	"max_parallel_workers_per_gather": "2",
	"max_parallel_workers":            "2",
	"max_worker_processes":            "4",
	"random_page_cost":                "1.1",
	"effective_io_concurrency":        "200",
	"max_connections":                 "300",
	"max_wal_size":                    "8GB",
}

// StartPostgres starts PostgreSQL in a fresh directory under dir and loads
// TPC-H (database tpch) and the demo's product_kpis (database lake, schema
// shop, primary key (product_id, day)).
func StartPostgres(ctx context.Context, dir string, sf float64, seed uint64, demoScale float64, logf func(string, ...any)) (*pgserver.Server, error) {
	srv, err := pgserver.Start(ctx, pgserver.Options{Dir: dir, Settings: PostgresSettings})
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*pgserver.Server, error) { _ = srv.Stop(); return nil, err }
	for _, db := range []string{TPCHDatabase, DemoDatabase} {
		if err := srv.CreateDatabase(ctx, db); err != nil {
			return fail(err)
		}
	}
	start := time.Now()
	conn, err := pgx.Connect(ctx, srv.DSN(TPCHDatabase))
	if err != nil {
		return fail(err)
	}
	defer conn.Close(ctx)
	g, err := tpch.NewGen(sf, seed)
	if err != nil {
		return fail(err)
	}
	if err := tpch.LoadPostgres(ctx, conn, g); err != nil {
		return fail(err)
	}
	logf("PostgreSQL: TPC-H SF %g loaded, indexed and analyzed in %s", sf, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	if err := loadKPIs(ctx, srv.DSN(DemoDatabase), demoScale); err != nil {
		return fail(err)
	}
	logf("PostgreSQL: shop.product_kpis loaded in %s", time.Since(start).Round(time.Millisecond))
	return srv, nil
}

func loadKPIs(ctx context.Context, dsn string, scale float64) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA shop;
		CREATE TABLE shop.product_kpis (product_id bigint NOT NULL, day date NOT NULL,
			revenue double precision, units bigint, forecast double precision, price_reco numeric(10,2))`); err != nil {
		return err
	}
	var rows [][]any
	err = demolake.KPIRows(scale, func(r demolake.KPIRow) error {
		rows = append(rows, []any{r.ProductID, pgtype.Date{Time: r.Day, Valid: true}, r.Revenue, r.Units, r.Forecast,
			pgtype.Numeric{Int: bigInt(r.PriceRecoCents), Exp: -2, Valid: true}})
		return nil
	})
	if err != nil {
		return err
	}
	cols := []string{"product_id", "day", "revenue", "units", "forecast", "price_reco"}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"shop", "product_kpis"}, cols, pgx.CopyFromRows(rows)); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `ALTER TABLE shop.product_kpis ADD PRIMARY KEY (product_id, day); ANALYZE shop.product_kpis`)
	return err
}

// LakeFiles lists, per TPC-H table, the data files of its current snapshot
// (as iceberg-go plans a full scan), quoted as SQL string literals.
func LakeFiles(ctx context.Context, lakeDir string) (map[string][]string, error) {
	abs, err := filepath.Abs(lakeDir)
	if err != nil {
		return nil, err
	}
	cat, err := catalog.Load(ctx, TPCHDatabase, iceberg.Properties{"type": "sql", "uri": tpch.CatalogURI(abs),
		"sql.driver": "sqlite", "sql.dialect": "sqlite", "init_catalog_tables": "false"})
	if err != nil {
		return nil, err
	}
	defer func() {
		if c, ok := cat.(catalog.Closer); ok {
			_ = c.Close()
		}
	}()
	out := map[string][]string{}
	for _, t := range tpch.Tables {
		tbl, err := cat.LoadTable(ctx, table.Identifier{tpch.Namespace, t.Name})
		if err != nil {
			return nil, err
		}
		tasks, err := tbl.Scan().PlanFiles(ctx)
		if err != nil {
			return nil, err
		}
		for _, task := range tasks {
			out[t.Name] = append(out[t.Name],
				"'"+strings.ReplaceAll(strings.TrimPrefix(task.File.FilePath(), "file://"), "'", "''")+"'")
		}
	}
	return out, nil
}

// DirectViews returns CREATE VIEW statements that expose each TPC-H table to
// DuckDB as read_parquet over exactly its data files, for the no-gateway
// baseline.
func DirectViews(files map[string][]string) []string {
	var stmts []string
	for _, t := range tpch.Tables {
		stmts = append(stmts, fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM read_parquet([%s], hive_partitioning = false)",
			t.Name, strings.Join(files[t.Name], ", ")))
	}
	return stmts
}

// RowGroupsSQL counts the files and row groups of a table's data files.
func RowGroupsSQL(files []string) string {
	return fmt.Sprintf("SELECT count(DISTINCT file_name), count(DISTINCT (file_name, row_group_id)) FROM parquet_metadata([%s])",
		strings.Join(files, ", "))
}
