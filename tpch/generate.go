package tpch

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/iceberg-go/table"
)

// batchRows bounds the rows of one record batch.
const batchRows = 65_536

// Loads is the number of appends orders and lineitem are written in, like a
// warehouse loaded in increments: each partition gets one file per load.
const Loads = 4

// ArrowSchema is the Arrow schema of t (from its Iceberg schema, with field ids).
func (t Table) ArrowSchema() (*arrow.Schema, error) {
	return table.SchemaToArrowSchema(t.IcebergSchema(), nil, true, false)
}

// Sink receives one load of one table: record batches ordered by partition.
// It must release the batches.
type Sink func(ctx context.Context, table string, batches []arrow.RecordBatch) error

// Generate produces every table and hands it to sink: region, nation,
// supplier, part, partsupp and customer in one load each, then orders and
// lineitem in Loads loads (orders by key range), each ordered by partition
// (year of o_orderdate, month of l_shipdate).
func (g *Gen) Generate(ctx context.Context, sink Sink) error {
	schemas := map[string]*arrow.Schema{}
	for _, t := range Tables {
		sc, err := t.ArrowSchema()
		if err != nil {
			return fmt.Errorf("tpch: arrow schema of %s: %w", t.Name, err)
		}
		schemas[t.Name] = sc
	}
	if err := sink(ctx, "region", []arrow.RecordBatch{regionBatch(schemas["region"], g.RegionRows())}); err != nil {
		return err
	}
	if err := sink(ctx, "nation", []arrow.RecordBatch{nationBatch(schemas["nation"], g.NationRows())}); err != nil {
		return err
	}
	if err := collect(ctx, sink, "supplier", schemas["supplier"], g.SupplierRows, supplierBatch); err != nil {
		return err
	}
	if err := collect(ctx, sink, "part", schemas["part"], g.PartRows, partBatch); err != nil {
		return err
	}
	if err := collect(ctx, sink, "partsupp", schemas["partsupp"], g.PartSuppRows, partsuppBatch); err != nil {
		return err
	}
	if err := collect(ctx, sink, "customer", schemas["customer"], g.CustomerRows, customerBatch); err != nil {
		return err
	}
	return g.generateOrders(ctx, sink, schemas["orders"], schemas["lineitem"])
}

// collect gathers a table's rows into batches and hands them to sink as one load.
func collect[R any](ctx context.Context, sink Sink, name string, sc *arrow.Schema,
	rows func(func(*R) error) error, mk func(*arrow.Schema, []R) arrow.RecordBatch) error {
	var recs []arrow.RecordBatch
	buf := make([]R, 0, batchRows)
	flush := func() {
		if len(buf) > 0 {
			recs = append(recs, mk(sc, buf))
			buf = buf[:0]
		}
	}
	err := rows(func(r *R) error {
		buf = append(buf, *r)
		if len(buf) == batchRows {
			flush()
			return ctx.Err()
		}
		return nil
	})
	flush()
	if err != nil {
		release(recs)
		return err
	}
	return sink(ctx, name, recs)
}

func release(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}

func (g *Gen) generateOrders(ctx context.Context, sink Sink, osc, lsc *arrow.Schema) error {
	per := (g.Orders() + Loads - 1) / Loads
	var orders []Order
	var lines []Lineitem
	flush := func() error {
		if len(orders) == 0 {
			return nil
		}
		if err := sink(ctx, "orders", partitioned(orders, func(o *Order) int { return yearOf(o.OrderDate) }, osc, ordersBatch)); err != nil {
			return err
		}
		if err := sink(ctx, "lineitem", partitioned(lines, func(l *Lineitem) int { return monthOf(l.ShipDate) }, lsc, lineitemBatch)); err != nil {
			return err
		}
		orders, lines = orders[:0], lines[:0]
		return nil
	}
	err := g.OrderRows(func(o *Order, ls []Lineitem) error {
		orders = append(orders, *o)
		lines = append(lines, ls...)
		if len(orders) == per {
			if err := flush(); err != nil {
				return err
			}
			return ctx.Err()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// partitioned groups rows by partition key (keeping their order inside a
// partition) and returns batches in partition order, none spanning two partitions.
func partitioned[R any](rows []R, key func(*R) int, sc *arrow.Schema, mk func(*arrow.Schema, []R) arrow.RecordBatch) []arrow.RecordBatch {
	groups := map[int][]R{}
	for i := range rows {
		k := key(&rows[i])
		groups[k] = append(groups[k], rows[i])
	}
	keys := make([]int, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var recs []arrow.RecordBatch
	for _, k := range keys {
		g := groups[k]
		for len(g) > 0 {
			n := min(len(g), batchRows)
			recs = append(recs, mk(sc, g[:n]))
			g = g[n:]
		}
	}
	return recs
}
