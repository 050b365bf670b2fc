package demolake

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	_ "github.com/apache/iceberg-go/catalog/sql" // registers catalog type "sql"
	_ "github.com/jackc/pgx/v5/stdlib"           // registers driver "pgx"
	_ "modernc.org/sqlite"                       // registers driver "sqlite"
)

const (
	catalogFile  = "catalog.db"
	warehouseDir = "warehouse"
)

// sqliteURI is the database/sql DSN for DIR/catalog.db. The busy timeout lets
// a reader (the gateway) and a writer share the file without SQLITE_BUSY.
func sqliteURI(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	if readOnly {
		q.Set("mode", "ro")
	}

	return "file:" + path + "?" + q.Encode()
}

// catalogProps are the iceberg-go properties of the SQL catalog in dir.
func catalogProps(dir string, create bool) iceberg.Properties {
	props := iceberg.Properties{
		"type":        "sql",
		"uri":         sqliteURI(filepath.Join(dir, catalogFile), false),
		"sql.driver":  "sqlite",
		"sql.dialect": "sqlite",
		"warehouse":   "file://" + filepath.ToSlash(filepath.Join(dir, warehouseDir)),
	}
	if !create {
		// Opening an existing lakehouse must not write to catalog.db.
		props["init_catalog_tables"] = "false"
	}

	return props
}

// postgresCatalogProps are the properties of a SQL catalog in the PostgreSQL
// database at dsn, with its warehouse under dir.
func postgresCatalogProps(dir, dsn string) iceberg.Properties {
	return iceberg.Properties{
		"type":        "sql",
		"uri":         dsn,
		"sql.driver":  "pgx",
		"sql.dialect": "postgres",
		"warehouse":   "file://" + filepath.ToSlash(filepath.Join(dir, warehouseDir)),
	}
}

// OpenCatalog opens the iceberg-go SQL catalog over dir/catalog.db. An empty
// catalogName means DefaultCatalogName. It never creates a catalog: a missing
// catalog.db is ErrNoLake. Close the result through catalog.Closer.
func OpenCatalog(ctx context.Context, dir, catalogName string) (catalog.Catalog, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("demolake: resolve %q: %w", dir, err)
	}
	if _, err := os.Stat(filepath.Join(abs, catalogFile)); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s has no %s", ErrNoLake, abs, catalogFile)
		}

		return nil, fmt.Errorf("demolake: %w", err)
	}

	return loadCatalog(ctx, abs, catalogName, false)
}

func loadCatalog(ctx context.Context, absDir, catalogName string, create bool) (catalog.Catalog, error) {
	return loadCatalogProps(ctx, absDir, catalogName, catalogProps(absDir, create))
}

func loadCatalogProps(ctx context.Context, absDir, catalogName string, props iceberg.Properties) (catalog.Catalog, error) {
	if catalogName == "" {
		catalogName = DefaultCatalogName
	}
	cat, err := catalog.Load(ctx, catalogName, props)
	if err != nil {
		return nil, fmt.Errorf("demolake: open catalog %q in %s: %w", catalogName, absDir, err)
	}

	return cat, nil
}

func closeCatalog(cat catalog.Catalog) error {
	if c, ok := cat.(catalog.Closer); ok {
		return c.Close()
	}

	return nil
}

// Exists reports whether dir holds a built lakehouse: catalog.db is present
// and, under some catalog name, namespace shop holds all the demo tables. It
// opens catalog.db read-only and changes nothing.
func Exists(dir string) bool {
	path := filepath.Join(dir, catalogFile)
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return false
	}
	db, err := sql.Open("sqlite", sqliteURI(path, true))
	if err != nil {
		return false
	}
	defer db.Close()

	// The SQL catalog's own table; rows are keyed by catalog name.
	const q = `SELECT count(*) FROM iceberg_tables
		WHERE table_namespace = ? AND table_name IN (?, ?, ?, ?)
		GROUP BY catalog_name`
	rows, err := db.Query(q, Namespace, TableProducts, TableStores, TableSales, TableProductKPIs)
	if err != nil {
		return false
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		if rows.Scan(&n) == nil && n == len(TableNames) {
			return true
		}
	}

	return false
}
