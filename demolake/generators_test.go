package demolake_test

import (
	"context"
	"errors"
	"hash/fnv"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/lakegate/lakegate/demolake"
)

func TestGeneratorsDeterministic(t *testing.T) {
	hash := func() uint64 {
		h := fnv.New64a()
		if err := demolake.SalesRows(0.002, func(r demolake.SaleRow) error {
			h.Write([]byte(saleKey(r)))
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		return h.Sum64()
	}
	if a, b := hash(), hash(); a != b {
		t.Errorf("two runs differ: %x vs %x", a, b)
	}
}

func TestProductsPlausible(t *testing.T) {
	var n, active int
	if err := demolake.ProductRows(1, func(p demolake.ProductRow) error {
		n++
		if p.ProductID != int64(n) {
			t.Fatalf("product_id %d at position %d", p.ProductID, n)
		}
		if p.PriceCents < 99 || p.PriceCents > 99999 {
			t.Errorf("product %d price %d cents out of 0.99..999.99", p.ProductID, p.PriceCents)
		}
		if !slices.Contains(demolake.Categories, p.Category) || p.Name == "" {
			t.Errorf("product %+v", p)
		}
		if p.Active {
			active++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != 2000 {
		t.Errorf("%d products at scale 1, want 2000", n)
	}
	if active < n*85/100 || active == n {
		t.Errorf("%d of %d products active", active, n)
	}
}

func TestSalesPlausible(t *testing.T) {
	const scale = 0.01
	price := map[int64]int64{}
	if err := demolake.ProductRows(scale, func(p demolake.ProductRow) error { price[p.ProductID] = p.PriceCents; return nil }); err != nil {
		t.Fatal(err)
	}
	opened := map[int32]time.Time{}
	if err := demolake.StoreRows(scale, func(s demolake.StoreRow) error { opened[s.StoreID] = s.Opened; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(opened) != 40 {
		t.Errorf("%d stores, want 40", len(opened))
	}
	var n, discounted int
	var last int64
	err := demolake.SalesRows(scale, func(r demolake.SaleRow) error {
		n++
		if r.SaleID <= last {
			t.Fatalf("sale_id %d after %d", r.SaleID, last)
		}
		last = r.SaleID
		if r.TS.Before(demolake.FirstDay) || !r.TS.Before(demolake.EndDay) || r.TS.Hour() < 8 || r.TS.Hour() >= 22 {
			t.Errorf("sale %d at %v", r.SaleID, r.TS)
		}
		if r.TS.Nanosecond()%1000 != 0 {
			t.Errorf("sale %d ts below microseconds: %v", r.SaleID, r.TS)
		}
		if r.Qty < 1 || r.Qty > 10 {
			t.Errorf("sale %d qty %d", r.SaleID, r.Qty)
		}
		cents := math.Round(r.Amount * 100)
		full := float64(int64(r.Qty) * price[r.ProductID])
		if math.Abs(cents-r.Amount*100) > 1e-6 || cents > full || cents < 0.79*full {
			t.Errorf("sale %d amount %v for qty %d at %d cents", r.SaleID, r.Amount, r.Qty, price[r.ProductID])
		}
		if cents < full {
			discounted++
		}
		if o, ok := opened[r.StoreID]; !ok || r.TS.Before(o) {
			t.Errorf("sale %d in store %d (opened %v) at %v", r.SaleID, r.StoreID, o, r.TS)
		}
		if r.StoreID == demolake.DeletedStoreID && !r.TS.Before(demolake.DeleteFrom) && r.TS.Before(demolake.DeleteTo) {
			t.Errorf("deleted sale %d still generated", r.SaleID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := 2_000_000 * scale; math.Abs(float64(n)-want) > 0.05*want {
		t.Errorf("%d sales at scale %v, want about %v", n, scale, want)
	}
	if discounted < n/10 || discounted > n/2 {
		t.Errorf("%d of %d sales discounted", discounted, n)
	}
}

// KPI revenue and units agree with the final sales, one row per product and day.
func TestKPIsMatchSales(t *testing.T) {
	type key struct {
		product int64
		day     time.Time
	}
	type agg struct{ cents, units int64 }
	sales := map[key]agg{}
	if err := demolake.SalesRows(testScale, func(r demolake.SaleRow) error {
		k := key{r.ProductID, r.TS.Truncate(24 * time.Hour)}
		a := sales[k]
		a.cents += int64(math.Round(r.Amount * 100))
		a.units += int64(r.Qty)
		sales[k] = a
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	price := map[int64]int64{}
	if err := demolake.ProductRows(testScale, func(p demolake.ProductRow) error { price[p.ProductID] = p.PriceCents; return nil }); err != nil {
		t.Fatal(err)
	}
	var n int
	var seen int
	if err := demolake.KPIRows(testScale, func(r demolake.KPIRow) error {
		n++
		a, ok := sales[key{r.ProductID, r.Day}]
		if ok {
			seen++
		}
		if int64(math.Round(r.Revenue*100)) != a.cents || r.Units != a.units {
			t.Errorf("kpi %d %v: revenue %v units %d, sales say %d cents %d units", r.ProductID, r.Day, r.Revenue, r.Units, a.cents, a.units)
		}
		p := float64(price[r.ProductID])
		if r.Forecast < 0 || math.Abs(float64(r.PriceRecoCents)-p) > 0.06*p+1 {
			t.Errorf("kpi %+v: forecast or price_reco implausible for price %v", r, p)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := len(price) * 731; n != want {
		t.Errorf("%d KPI rows, want %d products x 731 days", n, want)
	}
	if seen != len(sales) {
		t.Errorf("KPI rows cover %d of %d product-days with sales", seen, len(sales))
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	for _, s := range []float64{0, -1, demolake.MinScale / 2, math.NaN(), math.Inf(1)} {
		if _, err := demolake.Build(ctx, demolake.Options{Dir: t.TempDir(), Scale: s}); err == nil {
			t.Errorf("Build with scale %v succeeded", s)
		}
		if err := demolake.SalesRows(s, func(demolake.SaleRow) error { return nil }); err == nil {
			t.Errorf("SalesRows with scale %v succeeded", s)
		}
	}
	if _, err := demolake.OpenCatalog(ctx, t.TempDir(), ""); !errors.Is(err, demolake.ErrNoLake) {
		t.Errorf("OpenCatalog on an empty dir: %v, want ErrNoLake", err)
	}
	stop := errors.New("stop")
	if err := demolake.SalesRows(testScale, func(demolake.SaleRow) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("callback error not returned: %v", err)
	}
}
