// Arrow record batches of each table, columns in the order of Tables.

package tpch

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// regionBatch builds one record batch of region rows in the schema sc.
func regionBatch(sc *arrow.Schema, rows []Region) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	b.Reserve(len(rows))
	c0 := b.Field(0).(*array.Int32Builder)
	c1 := b.Field(1).(*array.StringBuilder)
	c2 := b.Field(2).(*array.StringBuilder)
	for i := range rows {
		r := &rows[i]
		c0.Append(r.Key)
		c1.Append(r.Name)
		c2.Append(r.Comment)
	}
	return b.NewRecordBatch()
}

// nationBatch builds one record batch of nation rows in the schema sc.
func nationBatch(sc *arrow.Schema, rows []NationRow) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	b.Reserve(len(rows))
	c0 := b.Field(0).(*array.Int32Builder)
	c1 := b.Field(1).(*array.StringBuilder)
	c2 := b.Field(2).(*array.Int32Builder)
	c3 := b.Field(3).(*array.StringBuilder)
	for i := range rows {
		r := &rows[i]
		c0.Append(r.Key)
		c1.Append(r.Name)
		c2.Append(r.RegionKey)
		c3.Append(r.Comment)
	}
	return b.NewRecordBatch()
}

// supplierBatch builds one record batch of supplier rows in the schema sc.
func supplierBatch(sc *arrow.Schema, rows []Supplier) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	b.Reserve(len(rows))
	c0 := b.Field(0).(*array.Int32Builder)
	c1 := b.Field(1).(*array.StringBuilder)
	c2 := b.Field(2).(*array.StringBuilder)
	c3 := b.Field(3).(*array.Int32Builder)
	c4 := b.Field(4).(*array.StringBuilder)
	c5 := b.Field(5).(*array.Decimal128Builder)
	c6 := b.Field(6).(*array.StringBuilder)
	for i := range rows {
		r := &rows[i]
		c0.Append(r.Key)
		c1.Append(r.Name)
		c2.Append(r.Address)
		c3.Append(r.NationKey)
		c4.Append(r.Phone)
		c5.Append(decimal128.FromI64(r.AcctBal))
		c6.Append(r.Comment)
	}
	return b.NewRecordBatch()
}

// partBatch builds one record batch of part rows in the schema sc.
func partBatch(sc *arrow.Schema, rows []Part) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	b.Reserve(len(rows))
	c0 := b.Field(0).(*array.Int32Builder)
	c1 := b.Field(1).(*array.StringBuilder)
	c2 := b.Field(2).(*array.StringBuilder)
	c3 := b.Field(3).(*array.StringBuilder)
	c4 := b.Field(4).(*array.StringBuilder)
	c5 := b.Field(5).(*array.Int32Builder)
	c6 := b.Field(6).(*array.StringBuilder)
	c7 := b.Field(7).(*array.Decimal128Builder)
	c8 := b.Field(8).(*array.StringBuilder)
	for i := range rows {
		r := &rows[i]
		c0.Append(r.Key)
		c1.Append(r.Name)
		c2.Append(r.Mfgr)
		c3.Append(r.Brand)
		c4.Append(r.Type)
		c5.Append(r.Size)
		c6.Append(r.Container)
		c7.Append(decimal128.FromI64(r.RetailPrice))
		c8.Append(r.Comment)
	}
	return b.NewRecordBatch()
}

// partsuppBatch builds one record batch of partsupp rows in the schema sc.
func partsuppBatch(sc *arrow.Schema, rows []PartSupp) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	b.Reserve(len(rows))
	c0 := b.Field(0).(*array.Int32Builder)
	c1 := b.Field(1).(*array.Int32Builder)
	c2 := b.Field(2).(*array.Int32Builder)
	c3 := b.Field(3).(*array.Decimal128Builder)
	c4 := b.Field(4).(*array.StringBuilder)
	for i := range rows {
		r := &rows[i]
		c0.Append(r.PartKey)
		c1.Append(r.SuppKey)
		c2.Append(r.AvailQty)
		c3.Append(decimal128.FromI64(r.SupplyCost))
		c4.Append(r.Comment)
	}
	return b.NewRecordBatch()
}

// customerBatch builds one record batch of customer rows in the schema sc.
func customerBatch(sc *arrow.Schema, rows []Customer) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	b.Reserve(len(rows))
	c0 := b.Field(0).(*array.Int32Builder)
	c1 := b.Field(1).(*array.StringBuilder)
	c2 := b.Field(2).(*array.StringBuilder)
	c3 := b.Field(3).(*array.Int32Builder)
	c4 := b.Field(4).(*array.StringBuilder)
	c5 := b.Field(5).(*array.Decimal128Builder)
	c6 := b.Field(6).(*array.StringBuilder)
	c7 := b.Field(7).(*array.StringBuilder)
	for i := range rows {
		r := &rows[i]
		c0.Append(r.Key)
		c1.Append(r.Name)
		c2.Append(r.Address)
		c3.Append(r.NationKey)
		c4.Append(r.Phone)
		c5.Append(decimal128.FromI64(r.AcctBal))
		c6.Append(r.MktSegment)
		c7.Append(r.Comment)
	}
	return b.NewRecordBatch()
}

// ordersBatch builds one record batch of orders rows in the schema sc.
func ordersBatch(sc *arrow.Schema, rows []Order) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	b.Reserve(len(rows))
	c0 := b.Field(0).(*array.Int64Builder)
	c1 := b.Field(1).(*array.Int32Builder)
	c2 := b.Field(2).(*array.StringBuilder)
	c3 := b.Field(3).(*array.Decimal128Builder)
	c4 := b.Field(4).(*array.Date32Builder)
	c5 := b.Field(5).(*array.StringBuilder)
	c6 := b.Field(6).(*array.StringBuilder)
	c7 := b.Field(7).(*array.Int32Builder)
	c8 := b.Field(8).(*array.StringBuilder)
	for i := range rows {
		r := &rows[i]
		c0.Append(r.Key)
		c1.Append(r.CustKey)
		c2.Append(r.Status)
		c3.Append(decimal128.FromI64(r.TotalPrice))
		c4.Append(arrow.Date32(r.OrderDate))
		c5.Append(r.Priority)
		c6.Append(r.Clerk)
		c7.Append(r.ShipPriority)
		c8.Append(r.Comment)
	}
	return b.NewRecordBatch()
}

// lineitemBatch builds one record batch of lineitem rows in the schema sc.
func lineitemBatch(sc *arrow.Schema, rows []Lineitem) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	b.Reserve(len(rows))
	c0 := b.Field(0).(*array.Int64Builder)
	c1 := b.Field(1).(*array.Int32Builder)
	c2 := b.Field(2).(*array.Int32Builder)
	c3 := b.Field(3).(*array.Int32Builder)
	c4 := b.Field(4).(*array.Decimal128Builder)
	c5 := b.Field(5).(*array.Decimal128Builder)
	c6 := b.Field(6).(*array.Decimal128Builder)
	c7 := b.Field(7).(*array.Decimal128Builder)
	c8 := b.Field(8).(*array.StringBuilder)
	c9 := b.Field(9).(*array.StringBuilder)
	c10 := b.Field(10).(*array.Date32Builder)
	c11 := b.Field(11).(*array.Date32Builder)
	c12 := b.Field(12).(*array.Date32Builder)
	c13 := b.Field(13).(*array.StringBuilder)
	c14 := b.Field(14).(*array.StringBuilder)
	c15 := b.Field(15).(*array.StringBuilder)
	for i := range rows {
		r := &rows[i]
		c0.Append(r.OrderKey)
		c1.Append(r.PartKey)
		c2.Append(r.SuppKey)
		c3.Append(r.LineNumber)
		c4.Append(decimal128.FromI64(r.Quantity * 100))
		c5.Append(decimal128.FromI64(r.ExtendedPrice))
		c6.Append(decimal128.FromI64(r.Discount))
		c7.Append(decimal128.FromI64(r.Tax))
		c8.Append(r.ReturnFlag)
		c9.Append(r.LineStatus)
		c10.Append(arrow.Date32(r.ShipDate))
		c11.Append(arrow.Date32(r.CommitDate))
		c12.Append(arrow.Date32(r.ReceiptDate))
		c13.Append(r.ShipInstruct)
		c14.Append(r.ShipMode)
		c15.Append(r.Comment)
	}
	return b.NewRecordBatch()
}
