package demolake

import "errors"

// DefaultCatalogName is the catalog name used when Options.CatalogName is
// empty. The SQL catalog stores it in every row; another name sees no tables.
const DefaultCatalogName = "lake"

// Namespace is the namespace that holds the demo tables.
const Namespace = "shop"

// Table names inside Namespace.
const (
	TableProducts    = "products"
	TableStores      = "stores"
	TableSales       = "sales"
	TableProductKPIs = "product_kpis"
)

// TableNames lists the demo tables in build order.
var TableNames = []string{TableProducts, TableStores, TableSales, TableProductKPIs}

// ErrLakeExists is returned by Build when the directory already holds a
// catalog or a warehouse.
var ErrLakeExists = errors.New("demolake: directory already holds a lakehouse")

// ErrNoLake is returned by OpenCatalog when the directory has no catalog.db.
var ErrNoLake = errors.New("demolake: no lakehouse in directory")

// Options configures Build.
type Options struct {
	// Dir is the lakehouse root; catalog.db and warehouse/ go inside. It is
	// created if missing.
	Dir string
	// Scale multiplies the data volume: 1.0 is about 2,000,000 sales rows
	// and 2,000 products; tests use 0.005 or so. Must be >= MinScale.
	Scale float64
	// CatalogName is the Iceberg catalog name; "" means DefaultCatalogName.
	CatalogName string
	// CatalogURI, if set, is a postgres:// DSN: the SQL catalog then lives in
	// that PostgreSQL database instead of Dir/catalog.db (data stays under
	// Dir/warehouse). Exists and OpenCatalog know only the SQLite form.
	CatalogURI string
	// Progress, if set, is called as work advances, one call at a time
	// (possibly from a goroutine of iceberg-go's writer, never concurrently): stage is a table name or "<table>:<step>", done and total
	// count days (sales, product_kpis) or rows (products, stores).
	Progress func(stage string, done, total int64)
}

// Info describes what Build wrote, keyed by "shop.<table>".
type Info struct {
	Tables map[string]TableInfo
}

// TableInfo describes one table after Build, read back from its snapshot
// summaries.
type TableInfo struct {
	// SnapshotIDs lists the table's snapshots, oldest first.
	SnapshotIDs []int64
	// LiveRows holds, per snapshot, total-records minus total position and
	// equality deletes: the rows a reader sees at that snapshot.
	LiveRows []int64
	// DataFiles and DeleteFiles count the files live in the current snapshot.
	DataFiles   int64
	DeleteFiles int64
	// PositionDeletes counts deleted row positions in the current snapshot.
	PositionDeletes int64
}
