package tpch

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	_ "github.com/apache/iceberg-go/catalog/sql" // registers catalog type "sql"
	"github.com/apache/iceberg-go/table"
	_ "modernc.org/sqlite" // registers driver "sqlite"
)

// Namespace is the Iceberg namespace of the TPC-H tables.
const Namespace = "tpch"

// Lake file names inside LakeOptions.Dir.
const (
	CatalogFile  = "catalog.db"
	WarehouseDir = "warehouse"
)

// LakeOptions configures WriteLake.
type LakeOptions struct {
	// Dir receives catalog.db (an Iceberg SQL catalog in SQLite) and warehouse/.
	Dir string
	// CatalogName is stored in the catalog's rows; the gateway must use the same.
	CatalogName string
	// Progress, if set, is told about each load as it is committed.
	Progress func(table string, rows int64)
}

// CatalogURI is the SQLite DSN of the catalog in dir.
func CatalogURI(dir string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	return "file:" + filepath.Join(dir, CatalogFile) + "?" + q.Encode()
}

// WriteLake writes every table of g as Iceberg tables through iceberg-go:
// lineitem partitioned by month(l_shipdate) and orders by year(o_orderdate),
// each in Loads append snapshots so every partition has several files, with
// row groups small enough for several per file.
func WriteLake(ctx context.Context, g *Gen, opts LakeOptions) error {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, CatalogFile)); err == nil {
		return fmt.Errorf("tpch: %s already holds a catalog", dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, WarehouseDir), 0o755); err != nil {
		return err
	}
	cat, err := catalog.Load(ctx, opts.CatalogName, iceberg.Properties{
		"type":        "sql",
		"uri":         CatalogURI(dir),
		"sql.driver":  "sqlite",
		"sql.dialect": "sqlite",
		"warehouse":   "file://" + filepath.ToSlash(filepath.Join(dir, WarehouseDir)),
	})
	if err != nil {
		return fmt.Errorf("tpch: open catalog: %w", err)
	}
	defer func() {
		if c, ok := cat.(catalog.Closer); ok {
			_ = c.Close()
		}
	}()
	if err := cat.CreateNamespace(ctx, table.Identifier{Namespace}, iceberg.Properties{
		"comment": fmt.Sprintf("TPC-H at scale factor %g", g.SF),
	}); err != nil {
		return fmt.Errorf("tpch: create namespace: %w", err)
	}
	tables := map[string]*table.Table{}
	for _, t := range Tables {
		tbl, err := createTable(ctx, cat, t, g.rowGroupRows(t.Name))
		if err != nil {
			return err
		}
		tables[t.Name] = tbl
	}
	return g.Generate(ctx, func(ctx context.Context, name string, recs []arrow.RecordBatch) error {
		defer release(recs)
		var rows int64
		for _, r := range recs {
			rows += r.NumRows()
		}
		tbl, err := appendLoad(ctx, tables[name], recs)
		if err != nil {
			return fmt.Errorf("tpch: write %s: %w", name, err)
		}
		tables[name] = tbl
		if opts.Progress != nil {
			opts.Progress(name, rows)
		}
		return nil
	})
}

// rowGroupRows sizes row groups so a partition file of orders or lineitem
// holds about three.
func (g *Gen) rowGroupRows(name string) int {
	var perFile float64
	switch name {
	case "lineitem":
		perFile = 6_000_000 * g.SF / 84 / Loads
	case "orders":
		perFile = 1_500_000 * g.SF / 7 / Loads
	default:
		return 122_880
	}
	return max(1_000, int(perFile/3))
}

func createTable(ctx context.Context, cat catalog.Catalog, t Table, rowGroup int) (*table.Table, error) {
	sc := t.IcebergSchema()
	opts := []catalog.CreateTableOpt{catalog.WithProperties(iceberg.Properties{
		table.PropertyFormatVersion:   "2",
		table.ParquetRowGroupLimitKey: fmt.Sprint(rowGroup),
		table.ParquetCompressionKey:   "zstd",
	})}
	if t.PartitionColumn != "" {
		src, ok := sc.FindFieldByName(t.PartitionColumn)
		if !ok {
			return nil, fmt.Errorf("tpch: %s has no column %s", t.Name, t.PartitionColumn)
		}
		id := 1000
		spec, err := iceberg.NewPartitionSpecOpts(iceberg.AddPartitionFieldBySourceID(
			src.ID, t.PartitionColumn+"_"+t.PartitionTransform.String(), t.PartitionTransform, sc, &id))
		if err != nil {
			return nil, fmt.Errorf("tpch: partition spec of %s: %w", t.Name, err)
		}
		opts = append(opts, catalog.WithPartitionSpec(&spec))
	}
	tbl, err := cat.CreateTable(ctx, table.Identifier{Namespace, t.Name}, sc, opts...)
	if err != nil {
		return nil, fmt.Errorf("tpch: create %s: %w", t.Name, err)
	}
	return tbl, nil
}

// appendLoad writes recs (ordered by partition) with the clustered writer and
// commits them as one append snapshot.
func appendLoad(ctx context.Context, tbl *table.Table, recs []arrow.RecordBatch) (*table.Table, error) {
	if len(recs) == 0 {
		return tbl, nil
	}
	sc := recs[0].Schema()
	seq := func(yield func(arrow.RecordBatch, error) bool) {
		for _, r := range recs {
			r.Retain()
			if !yield(r, nil) {
				return
			}
		}
	}
	var files []iceberg.DataFile
	for df, err := range table.WriteRecords(ctx, tbl, sc, seq, table.WithClusteredWrite()) {
		if err != nil {
			return nil, err
		}
		files = append(files, df)
	}
	tx := tbl.NewTransaction()
	if err := tx.AddDataFiles(ctx, files, nil); err != nil {
		return nil, err
	}
	return tx.Commit(ctx)
}
