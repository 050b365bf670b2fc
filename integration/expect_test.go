package integration

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/lakegate/lakegate/demolake"
)

// lakeData is the demo lake's content as demolake's generators produce it: the
// source of every expected answer. Nothing here comes from the gateway.
type lakeData struct {
	sales    []demolake.SaleRow // final state, sale_id order
	products []demolake.ProductRow
	stores   []demolake.StoreRow
	kpis     []demolake.KPIRow // day, then product_id order
}

func loadLakeData(scale float64) (*lakeData, error) {
	d := &lakeData{}
	if err := demolake.SalesRows(scale, func(r demolake.SaleRow) error { d.sales = append(d.sales, r); return nil }); err != nil {
		return nil, err
	}
	if err := demolake.ProductRows(scale, func(r demolake.ProductRow) error { d.products = append(d.products, r); return nil }); err != nil {
		return nil, err
	}
	if err := demolake.StoreRows(scale, func(r demolake.StoreRow) error { d.stores = append(d.stores, r); return nil }); err != nil {
		return nil, err
	}
	if err := demolake.KPIRows(scale, func(r demolake.KPIRow) error { d.kpis = append(d.kpis, r); return nil }); err != nil {
		return nil, err
	}
	if len(d.sales) == 0 || len(d.products) == 0 || len(d.stores) == 0 || len(d.kpis) == 0 {
		return nil, fmt.Errorf("demolake generators produced an empty table at scale %v", scale)
	}
	return d, nil
}

func cents(amount float64) int64 { return int64(math.Round(amount * 100)) }

// salesTotals is count(*), sum(qty) and sum(round(amount*100)) over the sales keep
// accepts.
type salesTotals struct {
	count, qty, cents int64
}

func (d *lakeData) salesWhere(keep func(*demolake.SaleRow) bool) salesTotals {
	var t salesTotals
	for i := range d.sales {
		s := &d.sales[i]
		if keep == nil || keep(s) {
			t.count++
			t.qty += int64(s.Qty)
			t.cents += cents(s.Amount)
		}
	}
	return t
}

func inRange(ts, from, to time.Time) bool { return !ts.Before(from) && ts.Before(to) }

// countByStore is count(*) of sales per store_id, for stores with sales.
func (d *lakeData) countByStore() map[int32]int64 {
	m := map[int32]int64{}
	for _, s := range d.sales {
		m[s.StoreID]++
	}
	return m
}

func (d *lakeData) product(id int64) demolake.ProductRow { return d.products[id-1] }

// revenueCentsByCategory joins sales with products in Go.
func (d *lakeData) revenueCentsByCategory() map[string]int64 {
	m := map[string]int64{}
	for _, s := range d.sales {
		m[d.product(s.ProductID).Category] += cents(s.Amount)
	}
	return m
}

func (d *lakeData) productsByCategory() map[string]int64 {
	m := map[string]int64{}
	for _, p := range d.products {
		m[p.Category]++
	}
	return m
}

func (d *lakeData) kpi(productID int64, day time.Time) (demolake.KPIRow, bool) {
	for _, k := range d.kpis {
		if k.ProductID == productID && k.Day.Equal(day) {
			return k, true
		}
	}
	return demolake.KPIRow{}, false
}

// kpisOf returns product_id's KPI rows with from <= day < to, in day order.
func (d *lakeData) kpisOf(productID int64, from, to time.Time) []demolake.KPIRow {
	var out []demolake.KPIRow
	for _, k := range d.kpis {
		if k.ProductID == productID && inRange(k.Day, from, to) {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day.Before(out[j].Day) })
	return out
}

func sortedKeys[K ~string | ~int32 | ~int64, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// pgFloat formats a double the way PostgreSQL's float8out does for the magnitudes
// the demo has (shortest round-trip digits, no exponent between 1e-4 and 1e15).
func pgFloat(f float64) string {
	if f != 0 && (math.Abs(f) < 1e-4 || math.Abs(f) >= 1e15) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// pgTimestamp formats a timestamp without time zone as PostgreSQL's text output
// (ISO DateStyle): trailing zeros of the fraction dropped.
func pgTimestamp(t time.Time) string { return t.Format("2006-01-02 15:04:05.999999") }

func pgDate(t time.Time) string { return t.Format("2006-01-02") }

// pgCents formats a number of cents as a numeric(10,2) text value.
func pgCents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

func pgBool(b bool) string {
	if b {
		return "t"
	}
	return "f"
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
