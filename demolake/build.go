package demolake

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
)

// Build creates the demo lakehouse in opts.Dir and returns what it wrote.
// It fails with ErrLakeExists if the directory already holds a catalog.db or
// a non-empty warehouse. A failed Build leaves a partial lakehouse behind
// (Exists reports false for it); remove the directory before retrying.
//
// Build checks its own work: each snapshot's live row count must equal the
// generators' count, and the delete must have written position delete files.
func Build(ctx context.Context, opts Options) (*Info, error) {
	if opts.Dir == "" {
		return nil, errors.New("demolake: Options.Dir is empty")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("demolake: resolve %q: %w", opts.Dir, err)
	}
	if err := checkEmpty(dir); err != nil {
		return nil, err
	}
	m, err := newModel(opts.Scale)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, warehouseDir), 0o755); err != nil {
		return nil, fmt.Errorf("demolake: %w", err)
	}

	var cat catalog.Catalog
	if opts.CatalogURI != "" {
		cat, err = loadCatalogProps(ctx, dir, opts.CatalogName, postgresCatalogProps(dir, opts.CatalogURI))
	} else {
		cat, err = loadCatalog(ctx, dir, opts.CatalogName, true)
	}
	if err != nil {
		return nil, err
	}
	b := &builder{cat: cat, m: m, progress: opts.Progress}
	info, err := b.build(ctx)
	if cerr := closeCatalog(cat); err == nil && cerr != nil {
		err = fmt.Errorf("demolake: close catalog: %w", cerr)
	}
	if err != nil {
		return nil, err
	}

	return info, nil
}

// checkEmpty refuses a directory that already holds a lakehouse, complete
// or not.
func checkEmpty(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, catalogFile)); err == nil {
		return fmt.Errorf("%w: %s exists", ErrLakeExists, filepath.Join(dir, catalogFile))
	}
	entries, err := os.ReadDir(filepath.Join(dir, warehouseDir))
	if err == nil && len(entries) > 0 {
		return fmt.Errorf("%w: %s is not empty", ErrLakeExists, filepath.Join(dir, warehouseDir))
	}

	return nil
}

type builder struct {
	cat      catalog.Catalog
	m        *model
	progress func(stage string, done, total int64)
	// expected live rows per table, one entry per snapshot, from the generators.
	expect map[string][]int64
}

func (b *builder) report(stage string, done, total int64) {
	if b.progress != nil {
		b.progress(stage, done, total)
	}
}

func (b *builder) build(ctx context.Context) (*Info, error) {
	b.expect = map[string][]int64{}
	ns := table.Identifier{Namespace}
	if err := b.cat.CreateNamespace(ctx, ns, iceberg.Properties{
		"comment": "Demo retail chain: products, stores, sales and daily product KPIs.",
	}); err != nil {
		return nil, fmt.Errorf("demolake: create namespace %s: %w", Namespace, err)
	}

	steps := []struct {
		def   tableDef
		write func(context.Context, *table.Table) error
	}{
		{productsDef(), b.writeProducts},
		{storesDef(), b.writeStores},
		{salesDef(), b.writeSales},
		{kpisDef(), b.writeKPIs},
	}
	info := &Info{Tables: map[string]TableInfo{}}
	for _, s := range steps {
		tbl, err := b.createTable(ctx, s.def)
		if err != nil {
			return nil, err
		}
		if err := s.write(ctx, tbl); err != nil {
			return nil, fmt.Errorf("demolake: write %s.%s: %w", Namespace, s.def.name, err)
		}
		tbl, err = b.cat.LoadTable(ctx, table.Identifier{Namespace, s.def.name})
		if err != nil {
			return nil, fmt.Errorf("demolake: reload %s.%s: %w", Namespace, s.def.name, err)
		}
		ti := tableInfo(tbl)
		if err := b.verify(s.def.name, ti); err != nil {
			return nil, err
		}
		info.Tables[Namespace+"."+s.def.name] = ti
	}

	return info, nil
}

func (b *builder) createTable(ctx context.Context, def tableDef) (*table.Table, error) {
	opts := []catalog.CreateTableOpt{catalog.WithProperties(def.props)}
	if def.partition != nil {
		spec, err := def.partition(def.schema)
		if err != nil {
			return nil, fmt.Errorf("demolake: partition spec of %s: %w", def.name, err)
		}
		opts = append(opts, catalog.WithPartitionSpec(&spec))
	}
	tbl, err := b.cat.CreateTable(ctx, table.Identifier{Namespace, def.name}, def.schema, opts...)
	if err != nil {
		return nil, fmt.Errorf("demolake: create %s.%s: %w", Namespace, def.name, err)
	}

	return tbl, nil
}

// appendBatches writes batches with the clustered writer (one open file at
// a time; batches arrive in partition order) and commits the files as one
// append snapshot.
func appendBatches(ctx context.Context, tbl *table.Table, batches iter.Seq2[arrow.RecordBatch, error], stage string) (*table.Table, error) {
	sc, err := arrowSchema(tbl)
	if err != nil {
		return nil, err
	}
	var files []iceberg.DataFile
	for df, err := range table.WriteRecords(ctx, tbl, sc, batches, table.WithClusteredWrite()) {
		if err != nil {
			return nil, err
		}
		files = append(files, df)
	}
	tx := tbl.NewTransaction()
	if err := tx.AddDataFiles(ctx, files, iceberg.Properties{"demolake.stage": stage}); err != nil {
		return nil, err
	}

	return tx.Commit(ctx)
}

func arrowSchema(tbl *table.Table) (*arrow.Schema, error) {
	return table.SchemaToArrowSchema(tbl.Schema(), nil, true, false)
}

// dayBatches yields one batch per day in [from, to), built by mk.
func dayBatches[R any](from, to int, rows func(d int) []R, mk func([]R) (arrow.RecordBatch, error), onDay func(d int)) iter.Seq2[arrow.RecordBatch, error] {
	return func(yield func(arrow.RecordBatch, error) bool) {
		for d := from; d < to; d++ {
			rs := rows(d)
			if onDay != nil {
				onDay(d)
			}
			if len(rs) == 0 {
				continue
			}
			rec, err := mk(rs)
			if !yield(rec, err) || err != nil {
				return
			}
		}
	}
}

func (b *builder) writeProducts(ctx context.Context, tbl *table.Table) error {
	sc, err := arrowSchema(tbl)
	if err != nil {
		return err
	}
	rec, err := productsBatch(sc, b.m.products)
	if err != nil {
		return err
	}
	_, err = appendBatches(ctx, tbl, single(rec), "load")
	b.expect[TableProducts] = []int64{int64(len(b.m.products))}
	b.report(TableProducts, int64(len(b.m.products)), int64(len(b.m.products)))

	return err
}

func (b *builder) writeStores(ctx context.Context, tbl *table.Table) error {
	sc, err := arrowSchema(tbl)
	if err != nil {
		return err
	}
	rec, err := storesBatch(sc, b.m.stores)
	if err != nil {
		return err
	}
	_, err = appendBatches(ctx, tbl, single(rec), "load")
	b.expect[TableStores] = []int64{int64(len(b.m.stores))}
	b.report(TableStores, int64(len(b.m.stores)), int64(len(b.m.stores)))

	return err
}

func single(rec arrow.RecordBatch) iter.Seq2[arrow.RecordBatch, error] {
	return func(yield func(arrow.RecordBatch, error) bool) { yield(rec, nil) }
}

func (b *builder) writeSales(ctx context.Context, tbl *table.Table) error {
	sc, err := arrowSchema(tbl)
	if err != nil {
		return err
	}
	var buf []SaleRow
	var rows, deleted int64
	total := int64(numDays)
	salesOf := func(d int) []SaleRow {
		buf = b.m.salesOfDay(d, buf)
		rows += int64(len(buf))
		for i := range buf {
			if salesDeleted(&buf[i]) {
				deleted++
			}
		}

		return buf
	}
	mk := func(rs []SaleRow) (arrow.RecordBatch, error) { return salesBatch(sc, rs) }
	onDay := func(d int) { b.report(TableSales, int64(d+1), total) }

	split := dayIndex(AppendDay)
	tbl, err = appendBatches(ctx, tbl, dayBatches(0, split, salesOf, mk, onDay), "load")
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	loaded := rows
	tbl, err = appendBatches(ctx, tbl, dayBatches(split, numDays, salesOf, mk, onDay), "append")
	if err != nil {
		return fmt.Errorf("append: %w", err)
	}
	b.expect[TableSales] = []int64{loaded, rows, rows - deleted}

	b.report(TableSales+":delete", 0, 1)
	filter := iceberg.NewAnd(
		iceberg.EqualTo(iceberg.Reference("store_id"), int32(DeletedStoreID)),
		iceberg.GreaterThanEqual(iceberg.Reference("ts"), iceberg.Timestamp(DeleteFrom.UnixMicro())),
		iceberg.LessThan(iceberg.Reference("ts"), iceberg.Timestamp(DeleteTo.UnixMicro())),
	)
	tx := tbl.NewTransaction()
	if err := tx.Delete(ctx, filter, iceberg.Properties{"demolake.stage": "delete"}); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if _, err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	b.report(TableSales+":delete", 1, 1)

	return nil
}

func (b *builder) writeKPIs(ctx context.Context, tbl *table.Table) error {
	sc, err := arrowSchema(tbl)
	if err != nil {
		return err
	}
	pop := b.m.popularity()
	var sbuf []SaleRow
	var kbuf []KPIRow
	var rows int64
	kpisOf := func(d int) []KPIRow {
		sbuf = b.m.finalSalesOfDay(d, sbuf)
		kbuf = b.m.kpisOfDay(d, sbuf, pop, kbuf)
		rows += int64(len(kbuf))

		return kbuf
	}
	mk := func(rs []KPIRow) (arrow.RecordBatch, error) { return kpisBatch(sc, rs) }
	total := int64(numDays)
	onDay := func(d int) { b.report(TableProductKPIs, int64(d+1), total) }

	// Two snapshots: 2024, then 2025.
	split := dayIndex(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	tbl, err = appendBatches(ctx, tbl, dayBatches(0, split, kpisOf, mk, onDay), "load-2024")
	if err != nil {
		return fmt.Errorf("load 2024: %w", err)
	}
	first := rows
	if _, err = appendBatches(ctx, tbl, dayBatches(split, numDays, kpisOf, mk, onDay), "load-2025"); err != nil {
		return fmt.Errorf("load 2025: %w", err)
	}
	b.expect[TableProductKPIs] = []int64{first, rows}

	return nil
}
