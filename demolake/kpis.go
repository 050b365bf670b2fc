package demolake

import (
	"math"
	"time"
)

// KPIRow is one row of shop.product_kpis: one product on one day.
type KPIRow struct {
	ProductID int64
	// Day is the calendar day (UTC midnight); the column is a date.
	Day time.Time
	// Revenue is the sum of the final sales' amounts (cents/100 exactly).
	Revenue float64
	Units   int64
	// Forecast is the expected revenue from popularity and price, with noise.
	Forecast float64
	// PriceRecoCents is the recommended price in cents; the column is
	// decimal(10,2).
	PriceRecoCents int64
}

// kpisOfDay appends day d's KPI rows, one per product in product_id order,
// to buf[:0]. sales are the day's final sales.
func (m *model) kpisOfDay(d int, sales []SaleRow, popularity []float64, buf []KPIRow) []KPIRow {
	buf = buf[:0]
	day := dayTime(d)
	for _, p := range m.products {
		buf = append(buf, KPIRow{ProductID: p.ProductID, Day: day})
	}
	revCents := make([]int64, len(m.products))
	for _, s := range sales {
		i := s.ProductID - 1
		revCents[i] += int64(math.Round(s.Amount * 100))
		buf[i].Units += int64(s.Qty)
	}

	r := newRand(seedKPIs, uint64(d))
	perSale := meanQty() * meanPaid()
	for i, p := range m.products {
		price := float64(p.PriceCents)
		expect := m.meanCount[d] * popularity[i] * perSale * price // cents
		fc := math.Round(expect * (0.85 + 0.3*r.Float64()))
		cycle := 1 + 0.04*math.Sin(2*math.Pi*(float64(d)/365+m.phase[i]))
		reco := int64(math.Round(price * cycle * (0.99 + 0.02*r.Float64())))
		buf[i].Revenue = float64(revCents[i]) / 100
		buf[i].Forecast = fc / 100
		buf[i].PriceRecoCents = max(reco, 1)
	}

	return buf
}

// kpiDays calls fn with each day's KPI rows for days [from, to), in day
// order. The slice is reused between calls.
func (m *model) kpiDays(from, to int, fn func(d int, rows []KPIRow) error) error {
	pop := m.popularity()
	var kbuf []KPIRow

	return m.salesDays(SalesSnapshotDelete, from, to, func(d int, sales []SaleRow) error {
		kbuf = m.kpisOfDay(d, sales, pop, kbuf)

		return fn(d, kbuf)
	})
}

// KPIRows calls fn for every row of shop.product_kpis, ordered by day then
// product_id. Revenue and units are computed from SalesRows (the final
// sales), so they agree with shop.sales after the delete.
func KPIRows(scale float64, fn func(KPIRow) error) error {
	m, err := newModel(scale)
	if err != nil {
		return err
	}

	return m.kpiDays(0, numDays, func(_ int, rows []KPIRow) error {
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}

		return nil
	})
}
