package demolake

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Arrow record batches for each table. The Arrow schema comes from the
// table's Iceberg schema (table.SchemaToArrowSchema), so column order and
// types are the table's; the builders below fill columns by position.

func date32(t interface{ Unix() int64 }) arrow.Date32 { return arrow.Date32(t.Unix() / 86400) }

func productsBatch(sc *arrow.Schema, rows []ProductRow) (arrow.RecordBatch, error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	if err := checkFields(sc, "product_id", "name", "category", "price", "active"); err != nil {
		return nil, err
	}
	id := b.Field(0).(*array.Int64Builder)
	name := b.Field(1).(*array.StringBuilder)
	cat := b.Field(2).(*array.StringBuilder)
	price := b.Field(3).(*array.Decimal128Builder)
	active := b.Field(4).(*array.BooleanBuilder)
	for _, r := range rows {
		id.Append(r.ProductID)
		name.Append(r.Name)
		cat.Append(r.Category)
		price.Append(decimal128.FromI64(r.PriceCents))
		active.Append(r.Active)
	}

	return b.NewRecordBatch(), nil
}

func storesBatch(sc *arrow.Schema, rows []StoreRow) (arrow.RecordBatch, error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	if err := checkFields(sc, "store_id", "city", "opened"); err != nil {
		return nil, err
	}
	id := b.Field(0).(*array.Int32Builder)
	city := b.Field(1).(*array.StringBuilder)
	opened := b.Field(2).(*array.Date32Builder)
	for _, r := range rows {
		id.Append(r.StoreID)
		city.Append(r.City)
		opened.Append(date32(r.Opened))
	}

	return b.NewRecordBatch(), nil
}

func salesBatch(sc *arrow.Schema, rows []SaleRow) (arrow.RecordBatch, error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	if err := checkFields(sc, "sale_id", "product_id", "store_id", "ts", "qty", "amount"); err != nil {
		return nil, err
	}
	b.Reserve(len(rows))
	id := b.Field(0).(*array.Int64Builder)
	prod := b.Field(1).(*array.Int64Builder)
	store := b.Field(2).(*array.Int32Builder)
	ts := b.Field(3).(*array.TimestampBuilder)
	qty := b.Field(4).(*array.Int32Builder)
	amount := b.Field(5).(*array.Float64Builder)
	for _, r := range rows {
		id.UnsafeAppend(r.SaleID)
		prod.UnsafeAppend(r.ProductID)
		store.UnsafeAppend(r.StoreID)
		ts.UnsafeAppend(arrow.Timestamp(r.TS.UnixMicro()))
		qty.UnsafeAppend(r.Qty)
		amount.UnsafeAppend(r.Amount)
	}

	return b.NewRecordBatch(), nil
}

func kpisBatch(sc *arrow.Schema, rows []KPIRow) (arrow.RecordBatch, error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	if err := checkFields(sc, "product_id", "day", "revenue", "units", "forecast", "price_reco"); err != nil {
		return nil, err
	}
	b.Reserve(len(rows))
	prod := b.Field(0).(*array.Int64Builder)
	day := b.Field(1).(*array.Date32Builder)
	rev := b.Field(2).(*array.Float64Builder)
	units := b.Field(3).(*array.Int64Builder)
	fc := b.Field(4).(*array.Float64Builder)
	reco := b.Field(5).(*array.Decimal128Builder)
	for _, r := range rows {
		prod.UnsafeAppend(r.ProductID)
		day.UnsafeAppend(date32(r.Day))
		rev.UnsafeAppend(r.Revenue)
		units.UnsafeAppend(r.Units)
		fc.UnsafeAppend(r.Forecast)
		reco.UnsafeAppend(decimal128.FromI64(r.PriceRecoCents))
	}

	return b.NewRecordBatch(), nil
}

// checkFields guards the positional builders above against a schema whose
// column order differs from the table definitions.
func checkFields(sc *arrow.Schema, names ...string) error {
	if sc.NumFields() != len(names) {
		return fmt.Errorf("demolake: arrow schema has %d fields, want %d", sc.NumFields(), len(names))
	}
	for i, n := range names {
		if got := sc.Field(i).Name; got != n {
			return fmt.Errorf("demolake: arrow field %d is %q, want %q", i, got, n)
		}
	}

	return nil
}
