package tpch

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

const testSF = 0.01

func newTestGen(t *testing.T) *Gen {
	t.Helper()
	g, err := NewGen(testSF, 1)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestRowCounts(t *testing.T) {
	g := newTestGen(t)
	want := map[string]int{"supplier": 100, "part": 2_000, "customer": 1_500, "orders": 15_000}
	got := map[string]int{"supplier": g.Suppliers(), "part": g.Parts(), "customer": g.Customers(), "orders": g.Orders()}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %d rows, want %d", k, got[k], w)
		}
	}
	if n := len(g.RegionRows()); n != 5 {
		t.Errorf("regions: %d", n)
	}
	if n := len(g.NationRows()); n != 25 {
		t.Errorf("nations: %d", n)
	}
	for _, sf := range []float64{0, -1, 0.005, 1000} {
		if _, err := NewGen(sf, 1); err == nil {
			t.Errorf("NewGen(%v) accepted", sf)
		}
	}
}

func TestOrderKeys(t *testing.T) {
	for i, want := range map[int]int64{1: 1, 8: 8, 9: 33, 16: 40, 17: 65} {
		if got := OrderKey(i); got != want {
			t.Errorf("OrderKey(%d) = %d, want %d", i, got, want)
		}
	}
}

func TestOrdersAndLineitems(t *testing.T) {
	g := newTestGen(t)
	var orders, lines, statusP, statusF, lineO, special int
	ret := map[string]int{}
	err := g.OrderRows(func(o *Order, ls []Lineitem) error {
		orders++
		if o.Key != OrderKey(orders) {
			t.Fatalf("order %d has key %d", orders, o.Key)
		}
		if o.CustKey%3 == 0 || o.CustKey < 1 || int(o.CustKey) > g.Customers() {
			t.Fatalf("order %d: customer %d", o.Key, o.CustKey)
		}
		if o.OrderDate < StartDate || o.OrderDate > EndDate-151 {
			t.Fatalf("order %d: date %v", o.Key, o.OrderDate.Time())
		}
		if len(ls) < 1 || len(ls) > 7 {
			t.Fatalf("order %d: %d lines", o.Key, len(ls))
		}
		if strings.Contains(o.Comment, "special") && strings.Contains(o.Comment[strings.Index(o.Comment, "special"):], "requests") {
			special++
		}
		var total int64
		nO := 0
		for i, l := range ls {
			lines++
			if l.LineNumber != int32(i+1) || l.OrderKey != o.Key {
				t.Fatalf("line %d of order %d: %+v", i, o.Key, l)
			}
			if l.Quantity < 1 || l.Quantity > 50 || l.Discount < 0 || l.Discount > 10 || l.Tax < 0 || l.Tax > 8 {
				t.Fatalf("line ranges: %+v", l)
			}
			if l.ExtendedPrice != l.Quantity*RetailPrice(l.PartKey) {
				t.Fatalf("extended price %d for qty %d of part %d", l.ExtendedPrice, l.Quantity, l.PartKey)
			}
			if d := l.ShipDate - o.OrderDate; d < 1 || d > 121 {
				t.Fatalf("ship date %d days after the order", d)
			}
			if d := l.CommitDate - o.OrderDate; d < 30 || d > 90 {
				t.Fatalf("commit date %d days after the order", d)
			}
			if d := l.ReceiptDate - l.ShipDate; d < 1 || d > 30 {
				t.Fatalf("receipt %d days after shipping", d)
			}
			wantStatus := "F"
			if l.ShipDate > CurrentDate {
				wantStatus = "O"
				nO++
				lineO++
			}
			if l.LineStatus != wantStatus {
				t.Fatalf("line status %s for ship date %v", l.LineStatus, l.ShipDate.Time())
			}
			if (l.ReceiptDate <= CurrentDate) != (l.ReturnFlag == "R" || l.ReturnFlag == "A") || (l.ReceiptDate > CurrentDate) != (l.ReturnFlag == "N") {
				t.Fatalf("return flag %s for receipt %v", l.ReturnFlag, l.ReceiptDate.Time())
			}
			ret[l.ReturnFlag]++
			total += (l.ExtendedPrice*(100+l.Tax)*(100-l.Discount) + 5000) / 10000
			// The line's supplier is one of the part's four.
			found := false
			for k := range 4 {
				found = found || SuppKey(l.PartKey, k, g.Suppliers()) == l.SuppKey
			}
			if !found {
				t.Fatalf("line supplier %d does not supply part %d", l.SuppKey, l.PartKey)
			}
		}
		if o.TotalPrice != total {
			t.Fatalf("order %d: total %d, lines sum to %d", o.Key, o.TotalPrice, total)
		}
		want := "P"
		if nO == 0 {
			want = "F"
		} else if nO == len(ls) {
			want = "O"
		}
		if o.Status != want {
			t.Fatalf("order %d: status %s, want %s", o.Key, o.Status, want)
		}
		switch o.Status {
		case "P":
			statusP++
		case "F":
			statusF++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if orders != g.Orders() {
		t.Fatalf("%d orders", orders)
	}
	// dbgen at SF 1: 4 lines per order on average, about half the orders and lines
	// finished, 2.6% of orders partly shipped, R and A each about a quarter of lines.
	frac := func(n, of int) float64 { return float64(n) / float64(of) }
	checks := []struct {
		name   string
		got    float64
		lo, hi float64
	}{
		{"lines per order", frac(lines, orders), 3.9, 4.1},
		{"orders with status F", frac(statusF, orders), 0.45, 0.52},
		{"orders with status P", frac(statusP, orders), 0.015, 0.04},
		{"lines with status O", frac(lineO, lines), 0.47, 0.53},
		{"lines with return flag R", frac(ret["R"], lines), 0.22, 0.27},
		{"orders matching %special%requests%", frac(special, orders), 0.001, 0.05},
	}
	for _, c := range checks {
		if c.got < c.lo || c.got > c.hi {
			t.Errorf("%s: %.4f, want %.3f..%.3f", c.name, c.got, c.lo, c.hi)
		}
	}
}

func TestParts(t *testing.T) {
	g := newTestGen(t)
	types, containers, brands := map[string]bool{}, map[string]bool{}, map[string]bool{}
	green, forest := 0, 0
	err := g.PartRows(func(p *Part) error {
		words := strings.Fields(p.Name)
		seen := map[string]bool{}
		for _, w := range words {
			if seen[w] {
				t.Fatalf("part %d: repeated colour in %q", p.Key, p.Name)
			}
			seen[w] = true
		}
		if len(words) != 5 {
			t.Fatalf("part %d name %q", p.Key, p.Name)
		}
		if p.Brand[len("Brand#")] != p.Mfgr[len("Manufacturer#")] {
			t.Fatalf("part %d: brand %s of %s", p.Key, p.Brand, p.Mfgr)
		}
		if p.Size < 1 || p.Size > 50 {
			t.Fatalf("part %d size %d", p.Key, p.Size)
		}
		types[p.Type], containers[p.Container], brands[p.Brand] = true, true, true
		if strings.Contains(p.Name, "green") {
			green++
		}
		if strings.HasPrefix(p.Name, "forest") {
			forest++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(types) != 150 || len(containers) != 40 || len(brands) != 25 {
		t.Errorf("%d types, %d containers, %d brands; want 150, 40, 25", len(types), len(containers), len(brands))
	}
	if len(Colors) != 92 {
		t.Errorf("%d colours, want 92", len(Colors))
	}
	// 5 of 92 words: about 5.4% of names contain a colour, 1.1% start with one.
	if f := float64(green) / float64(g.Parts()); f < 0.04 || f > 0.07 {
		t.Errorf("%.3f of parts are green", f)
	}
	if f := float64(forest) / float64(g.Parts()); f < 0.004 || f > 0.02 {
		t.Errorf("%.3f of parts start with forest", f)
	}
	if RetailPrice(1) != 90_100 || RetailPrice(200_000) != 110_000 {
		t.Errorf("retail prices %d, %d", RetailPrice(1), RetailPrice(200_000))
	}
}

func TestPartSuppAndSuppliers(t *testing.T) {
	g := newTestGen(t)
	per := map[int32]map[int32]bool{}
	err := g.PartSuppRows(func(ps *PartSupp) error {
		if per[ps.PartKey] == nil {
			per[ps.PartKey] = map[int32]bool{}
		}
		if ps.SuppKey < 1 || int(ps.SuppKey) > g.Suppliers() || per[ps.PartKey][ps.SuppKey] {
			t.Fatalf("partsupp (%d, %d)", ps.PartKey, ps.SuppKey)
		}
		per[ps.PartKey][ps.SuppKey] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(per) != g.Parts() {
		t.Fatalf("%d parts in partsupp", len(per))
	}
	complaints := 0
	err = g.SupplierRows(func(s *Supplier) error {
		if !strings.HasPrefix(s.Phone, fmt.Sprintf("%02d-", s.NationKey+10)) || len(s.Phone) != 15 {
			t.Fatalf("supplier %d of nation %d has phone %s", s.Key, s.NationKey, s.Phone)
		}
		if i := strings.Index(s.Comment, "Customer"); i >= 0 && strings.Contains(s.Comment[i:], "Complaints") {
			complaints++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if complaints != 1 {
		t.Errorf("%d suppliers with complaints, want 1 at SF %g", complaints, testSF)
	}
}

func TestDeterministic(t *testing.T) {
	first := func(seed uint64) []Customer {
		g, err := NewGen(testSF, seed)
		if err != nil {
			t.Fatal(err)
		}
		var out []Customer
		_ = g.CustomerRows(func(c *Customer) error {
			if len(out) < 50 {
				out = append(out, *c)
			}
			return nil
		})
		return out
	}
	a, b, c := first(7), first(7), first(8)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("seed 7 differs at customer %d", i+1)
		}
	}
	same := 0
	for i := range a {
		if a[i] == c[i] {
			same++
		}
	}
	if same == len(a) {
		t.Fatal("seeds 7 and 8 give the same customers")
	}
}

func TestGeneratePartitions(t *testing.T) {
	g, err := NewGen(testSF, 1)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int64{}
	loads := map[string]int{}
	err = g.Generate(context.Background(), func(_ context.Context, name string, recs []arrow.RecordBatch) error {
		defer release(recs)
		loads[name]++
		last := -1
		for _, r := range recs {
			rows[name] += r.NumRows()
			var key func(int) int
			switch name {
			case "lineitem":
				col := r.Column(10).(*array.Date32)
				key = func(i int) int { return monthOf(Date(col.Value(i))) }
			case "orders":
				col := r.Column(4).(*array.Date32)
				key = func(i int) int { return yearOf(Date(col.Value(i))) }
			default:
				continue
			}
			k0 := key(0)
			for i := range int(r.NumRows()) {
				if key(i) != k0 {
					t.Fatalf("%s batch spans partitions %d and %d", name, k0, key(i))
				}
			}
			if k0 < last {
				t.Fatalf("%s partitions out of order: %d after %d", name, k0, last)
			}
			last = k0
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows["orders"] != int64(g.Orders()) || rows["partsupp"] != int64(4*g.Parts()) || rows["customer"] != int64(g.Customers()) {
		t.Errorf("rows: %v", rows)
	}
	if loads["orders"] != Loads || loads["lineitem"] != Loads || loads["part"] != 1 {
		t.Errorf("loads: %v", loads)
	}
}
