package demolake

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

// SaleRow is one row of shop.sales.
type SaleRow struct {
	SaleID    int64
	ProductID int64
	StoreID   int32
	// TS is the local time of the sale (UTC wall clock, microsecond precision).
	TS  time.Time
	Qty int32
	// Amount is qty * price * (1 - discount) in dollars; Amount*100 is an
	// exact whole number of cents once rounded (math.Round(Amount*100)).
	Amount float64
}

// Sales snapshots, in commit order.
const (
	SalesSnapshotLoad   = 1 // FirstDay..AppendDay-1
	SalesSnapshotAppend = 2 // + AppendDay..EndDay-1
	SalesSnapshotDelete = 3 // - store DeletedStoreID, DeleteFrom <= ts < DeleteTo
)

const (
	openSecond  = 8 * 3600  // stores open at 08:00
	closeSecond = 22 * 3600 // and close at 22:00
)

// salesOfDay appends day d's sales, before the delete, to buf[:0] and
// returns it. Each day has its own random stream, so days can be generated
// in any order.
func (m *model) salesOfDay(d int, buf []SaleRow) []SaleRow {
	buf = buf[:0]
	n := m.count[d]
	if n == 0 {
		return buf
	}
	r := newRand(seedSales, uint64(d))
	day := dayTime(d)

	// Cumulative weights of the stores open that day.
	var open []int
	var cum []float64
	var total float64
	for i, s := range m.stores {
		if !s.Opened.After(day) {
			total += m.weight[i]
			open = append(open, i)
			cum = append(cum, total)
		}
	}

	// Times first, sorted, so sale_id increases with ts.
	offs := make([]int64, n)
	for i := range offs {
		offs[i] = openSecond*1_000_000 + r.Int64N((closeSecond-openSecond)*1_000_000)
	}
	slices.Sort(offs)

	zipf := rand.NewZipf(r, zipfS, zipfV, uint64(len(m.products)-1))
	for i := range n {
		si := open[min(sort.SearchFloat64s(cum, r.Float64()*total), len(open)-1)]
		p := &m.products[m.byRank[zipf.Uint64()]]
		qty := drawQty(r)
		off := drawDiscount(r)
		cents := (int64(qty)*p.PriceCents*(100-off) + 50) / 100
		buf = append(buf, SaleRow{
			SaleID:    m.firstID[d] + int64(i),
			ProductID: p.ProductID,
			StoreID:   m.stores[si].StoreID,
			TS:        day.Add(time.Duration(offs[i]) * time.Microsecond),
			Qty:       qty,
			Amount:    float64(cents) / 100,
		})
	}

	return buf
}

// finalSalesOfDay is salesOfDay with the delete applied.
func (m *model) finalSalesOfDay(d int, buf []SaleRow) []SaleRow {
	return slices.DeleteFunc(m.salesOfDay(d, buf), func(r SaleRow) bool { return salesDeleted(&r) })
}

// salesDays calls fn with each day's sales in [from, to) as of the given
// snapshot, in day order. The slice is reused between calls.
func (m *model) salesDays(snapshot, from, to int, fn func(d int, rows []SaleRow) error) error {
	switch snapshot {
	case SalesSnapshotLoad:
		to = min(to, dayIndex(AppendDay))
	case SalesSnapshotAppend, SalesSnapshotDelete:
	default:
		return fmt.Errorf("demolake: no sales snapshot %d (want 1..3)", snapshot)
	}
	var buf []SaleRow
	for d := from; d < to; d++ {
		if snapshot == SalesSnapshotDelete {
			buf = m.finalSalesOfDay(d, buf)
		} else {
			buf = m.salesOfDay(d, buf)
		}
		if err := fn(d, buf); err != nil {
			return err
		}
	}

	return nil
}

// SalesRows calls fn for every row of shop.sales in its final state (the
// delete applied), in sale_id order.
func SalesRows(scale float64, fn func(SaleRow) error) error {
	return SalesRowsAsOf(scale, SalesSnapshotDelete, fn)
}

// SalesRowsAsOf calls fn for every row of shop.sales as of the given
// snapshot (SalesSnapshotLoad, SalesSnapshotAppend or SalesSnapshotDelete),
// in sale_id order.
func SalesRowsAsOf(scale float64, snapshot int, fn func(SaleRow) error) error {
	m, err := newModel(scale)
	if err != nil {
		return err
	}

	return m.salesDays(snapshot, 0, numDays, func(_ int, rows []SaleRow) error {
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}

		return nil
	})
}
