package demolake

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Fixed PCG seeds, one stream per purpose, so changing how one table is
// generated does not shift another.
const (
	seedHi       = 0x5eed_1a4e_6a7e_0001
	seedProducts = 1
	seedStores   = 2
	seedCounts   = 3
	seedSales    = 4
	seedKPIs     = 5
)

func newRand(stream, index uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seedHi^stream, index))
}

const (
	baseProducts = 2000
	minProducts  = 10
	numStores    = 40
	baseSales    = 2_000_000

	// Product popularity follows a Zipf law over a random ranking.
	zipfS = 1.07
	zipfV = 4
)

// qtyPercent[i] is the percentage of sales with qty i+1.
var qtyPercent = [10]int{40, 25, 12, 8, 5, 3, 3, 2, 1, 1}

// discountPercent pairs a discount (percent off) with how often it occurs.
var discountPercent = [...]struct{ off, pct int }{{0, 75}, {5, 12}, {10, 8}, {20, 5}}

// MinScale is the smallest scale accepted. Below it some days have no sales
// and the delete finds nothing to delete, so the lake would lack the
// snapshots and delete files tests rely on.
const MinScale = 0.002

// model holds what every generator shares at one scale: the products, the
// stores, the popularity ranking and the number of sales per day. It is
// small (a few thousand entries per table at scale 1).
type model struct {
	scale    float64
	products []ProductRow
	phase    []float64 // per product, phase of the price-recommendation cycle
	byRank   []int     // popularity rank -> index into products
	rankProb []float64 // probability of a sale going to each rank
	stores   []StoreRow
	weight   []float64 // per store, relative size

	meanCount []float64 // expected sales per day
	count     []int     // actual sales per day
	firstID   []int64   // sale_id of each day's first sale
}

func newModel(scale float64) (*model, error) {
	if !(scale >= MinScale) || math.IsInf(scale, 0) {
		return nil, fmt.Errorf("demolake: scale must be a finite number >= %v, got %v", MinScale, scale)
	}
	m := &model{scale: scale}
	m.genProducts()
	m.genStores()
	m.genCounts()

	return m, nil
}

func (m *model) genCounts() {
	weekday := [7]float64{1.15, 0.85, 0.88, 0.92, 0.97, 1.10, 1.30} // Sunday first
	month := [12]float64{0.85, 0.90, 1, 1, 1, 1, 1, 1, 1, 1, 1.10, 1.35}
	f := make([]float64, numDays)
	var sum float64
	for d := range numDays {
		t := dayTime(d)
		f[d] = weekday[t.Weekday()] * month[t.Month()-1] * (1 + 0.08*float64(d)/365)
		sum += f[d]
	}
	m.meanCount = make([]float64, numDays)
	m.count = make([]int, numDays)
	m.firstID = make([]int64, numDays+1)
	m.firstID[0] = 1
	for d := range numDays {
		r := newRand(seedCounts, uint64(d))
		m.meanCount[d] = m.scale * baseSales * f[d] / sum
		m.count[d] = int(math.Round(m.meanCount[d] * (0.9 + 0.2*r.Float64())))
		m.firstID[d+1] = m.firstID[d] + int64(m.count[d])
	}
}

// meanQty is the expected qty of one sale.
func meanQty() float64 {
	var s float64
	for i, p := range qtyPercent {
		s += float64(i+1) * float64(p) / 100
	}

	return s
}

// meanPaid is the expected fraction of the shelf price paid after discount.
func meanPaid() float64 {
	var s float64
	for _, d := range discountPercent {
		s += float64(100-d.off) / 100 * float64(d.pct) / 100
	}

	return s
}

func drawQty(r *rand.Rand) int32 {
	u := r.IntN(100)
	for i, p := range qtyPercent {
		if u < p {
			return int32(i + 1)
		}
		u -= p
	}

	return 1
}

func drawDiscount(r *rand.Rand) int64 {
	u := r.IntN(100)
	for _, d := range discountPercent {
		if u < d.pct {
			return int64(d.off)
		}
		u -= d.pct
	}

	return 0
}
