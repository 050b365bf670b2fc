package tpch

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Date is a day number since 1970-01-01 (Arrow's date32).
type Date int32

// DateOf returns the day number of y-m-d.
func DateOf(y int, m time.Month, d int) Date {
	return Date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Time returns the day as a UTC midnight.
func (d Date) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// The specification's dates.
var (
	StartDate   = DateOf(1992, 1, 1)
	CurrentDate = DateOf(1995, 6, 17)
	EndDate     = DateOf(1998, 12, 31)
)

// Gen generates the tables of one scale factor. Money is in cents.
type Gen struct {
	SF   float64
	Seed uint64
	pool *textPool
}

// NewGen returns a generator for scale factor sf in [0.01, 300]. Below 0.01
// dbgen's partsupp rule gives a part the same supplier twice; above 300 part
// and customer keys outgrow int32.
func NewGen(sf float64, seed uint64) (*Gen, error) {
	if !(sf >= 0.01) || sf > 300 {
		return nil, fmt.Errorf("tpch: scale factor %v out of range [0.01, 300]", sf)
	}
	return &Gen{SF: sf, Seed: seed, pool: newTextPool(seed)}, nil
}

func (g *Gen) scaled(base float64) int { return max(1, int(math.Round(base*g.SF))) }

// Suppliers is the supplier table's row count, 10,000 x SF.
func (g *Gen) Suppliers() int { return g.scaled(10_000) }

// Parts is the part table's row count, 200,000 x SF; partsupp has 4 rows per part.
func (g *Gen) Parts() int { return g.scaled(200_000) }

// Customers is the customer table's row count, 150,000 x SF.
func (g *Gen) Customers() int { return g.scaled(150_000) }

// Orders is the orders table's row count, 1,500,000 x SF; lineitem has 1-7 rows per order.
func (g *Gen) Orders() int { return g.scaled(1_500_000) }

// Stream ids keep each table's random values independent of the others.
const (
	streamSupplier = iota + 1
	streamPart
	streamPartsupp
	streamCustomer
	streamOrders
	streamLineitem
)

// Region is a region row.
type Region struct {
	Key     int32
	Name    string
	Comment string
}

// RegionRows returns the 5 regions.
func (g *Gen) RegionRows() []Region {
	r := newRNG(g.Seed, 100)
	out := make([]Region, len(Regions))
	for i, n := range Regions {
		out[i] = Region{int32(i), n, g.pool.comment(r, 31, 115)}
	}
	return out
}

// NationRow is a nation row.
type NationRow struct {
	Key       int32
	Name      string
	RegionKey int32
	Comment   string
}

// NationRows returns the 25 nations.
func (g *Gen) NationRows() []NationRow {
	r := newRNG(g.Seed, 101)
	out := make([]NationRow, len(Nations))
	for i, n := range Nations {
		out[i] = NationRow{int32(i), n.Name, n.RegionKey, g.pool.comment(r, 31, 114)}
	}
	return out
}

// Supplier is a supplier row.
type Supplier struct {
	Key       int32
	Name      string
	Address   string
	NationKey int32
	Phone     string
	AcctBal   int64
	Comment   string
}

// SupplierRows calls fn for each supplier in key order.
func (g *Gen) SupplierRows(fn func(*Supplier) error) error {
	r := newRNG(g.Seed, streamSupplier)
	n := g.Suppliers()
	// SF*5 suppliers get "Customer ... Complaints", SF*5 "Customer ... Recommends"
	// (specification 4.2.3, s_comment); Q16 excludes the former.
	bbb := max(1, int(math.Round(5*g.SF)))
	special := map[int]string{}
	for len(special) < min(2*bbb, n) {
		k := r.between(1, n)
		if _, ok := special[k]; ok {
			continue
		}
		if len(special) < bbb {
			special[k] = "Complaints"
		} else {
			special[k] = "Recommends"
		}
	}
	var s Supplier
	for k := 1; k <= n; k++ {
		s.Key = int32(k)
		s.Name = fmt.Sprintf("Supplier#%09d", k)
		s.Address = r.vstring(10, 40)
		s.NationKey = int32(r.between(0, 24))
		s.Phone = r.phone(s.NationKey)
		s.AcctBal = int64(r.between(-99_999, 999_999))
		s.Comment = g.pool.comment(r, 25, 100)
		if word, ok := special[k]; ok {
			s.Comment = bbbComment(r, s.Comment, word)
		}
		if err := fn(&s); err != nil {
			return err
		}
	}
	return nil
}

// bbbComment puts "Customer", a few characters, then word at a random place
// of c, keeping c's length where it can.
func bbbComment(r *rng, c, word string) string {
	ins := "Customer " + strings.Repeat(" ", r.between(0, 7)) + word
	if len(ins) >= len(c) {
		return ins
	}
	at := r.intn(len(c) - len(ins) + 1)
	return c[:at] + ins + c[at+len(ins):]
}

// Part is a part row.
type Part struct {
	Key         int32
	Name        string
	Mfgr        string
	Brand       string
	Type        string
	Size        int32
	Container   string
	RetailPrice int64
	Comment     string
}

// RetailPrice is p_retailprice of a part key, in cents (specification 4.2.3).
func RetailPrice(partKey int32) int64 {
	k := int64(partKey)
	return 90_000 + (k/10)%20_001 + 100*(k%1_000)
}

// PartRows calls fn for each part in key order.
func (g *Gen) PartRows(fn func(*Part) error) error {
	r := newRNG(g.Seed, streamPart)
	var p Part
	var words [5]string
	for k := 1; k <= g.Parts(); k++ {
		p.Key = int32(k)
		// Five distinct colours.
		for i := 0; i < 5; i++ {
		again:
			c := Colors[r.intn(len(Colors))]
			for _, w := range words[:i] {
				if w == c {
					goto again
				}
			}
			words[i] = c
		}
		p.Name = strings.Join(words[:], " ")
		m := r.between(1, 5)
		p.Mfgr = fmt.Sprintf("Manufacturer#%d", m)
		p.Brand = fmt.Sprintf("Brand#%d%d", m, r.between(1, 5))
		p.Type = typeS1[r.intn(len(typeS1))] + " " + typeS2[r.intn(len(typeS2))] + " " + typeS3[r.intn(len(typeS3))]
		p.Size = int32(r.between(1, 50))
		p.Container = containerS1[r.intn(len(containerS1))] + " " + containerS2[r.intn(len(containerS2))]
		p.RetailPrice = RetailPrice(p.Key)
		p.Comment = g.pool.comment(r, 5, 22)
		if err := fn(&p); err != nil {
			return err
		}
	}
	return nil
}

// PartSupp is a partsupp row.
type PartSupp struct {
	PartKey    int32
	SuppKey    int32
	AvailQty   int32
	SupplyCost int64
	Comment    string
}

// SuppKey is the i-th (0..3) supplier of a part (specification 4.2.3).
func SuppKey(partKey int32, i, suppliers int) int32 {
	s := int64(suppliers)
	p := int64(partKey)
	return int32((p+int64(i)*(s/4+(p-1)/s))%s + 1)
}

// PartSuppRows calls fn for the 4 suppliers of each part, in part key order.
func (g *Gen) PartSuppRows(fn func(*PartSupp) error) error {
	r := newRNG(g.Seed, streamPartsupp)
	s := g.Suppliers()
	var ps PartSupp
	for k := 1; k <= g.Parts(); k++ {
		for i := 0; i < 4; i++ {
			ps.PartKey = int32(k)
			ps.SuppKey = SuppKey(ps.PartKey, i, s)
			ps.AvailQty = int32(r.between(1, 9_999))
			ps.SupplyCost = int64(r.between(100, 100_000))
			ps.Comment = g.pool.comment(r, 49, 198)
			if err := fn(&ps); err != nil {
				return err
			}
		}
	}
	return nil
}

// Customer is a customer row.
type Customer struct {
	Key        int32
	Name       string
	Address    string
	NationKey  int32
	Phone      string
	AcctBal    int64
	MktSegment string
	Comment    string
}

// CustomerRows calls fn for each customer in key order.
func (g *Gen) CustomerRows(fn func(*Customer) error) error {
	r := newRNG(g.Seed, streamCustomer)
	var c Customer
	for k := 1; k <= g.Customers(); k++ {
		c.Key = int32(k)
		c.Name = fmt.Sprintf("Customer#%09d", k)
		c.Address = r.vstring(10, 40)
		c.NationKey = int32(r.between(0, 24))
		c.Phone = r.phone(c.NationKey)
		c.AcctBal = int64(r.between(-99_999, 999_999))
		c.MktSegment = Segments[r.intn(len(Segments))]
		c.Comment = g.pool.comment(r, 29, 116)
		if err := fn(&c); err != nil {
			return err
		}
	}
	return nil
}

// Order is an orders row.
type Order struct {
	Key          int64
	CustKey      int32
	Status       string
	TotalPrice   int64
	OrderDate    Date
	Priority     string
	Clerk        string
	ShipPriority int32
	Comment      string
}

// Lineitem is a lineitem row.
type Lineitem struct {
	OrderKey      int64
	PartKey       int32
	SuppKey       int32
	LineNumber    int32
	Quantity      int64 // whole units; the column is decimal(15,2)
	ExtendedPrice int64
	Discount      int64 // hundredths
	Tax           int64 // hundredths
	ReturnFlag    string
	LineStatus    string
	ShipDate      Date
	CommitDate    Date
	ReceiptDate   Date
	ShipInstruct  string
	ShipMode      string
	Comment       string
}

// OrderKey is the key of the i-th order (1-based): dbgen uses the first 8 of
// every 32 keys, so keys are sparse.
func OrderKey(i int) int64 {
	j := int64(i - 1)
	return j/8*32 + j%8 + 1
}

// OrderRows calls fn for each order, in key order, with its 1..7 line items.
// fn must not keep the slice.
func (g *Gen) OrderRows(fn func(*Order, []Lineitem) error) error {
	ro := newRNG(g.Seed, streamOrders)
	rl := newRNG(g.Seed, streamLineitem)
	custs, parts, supps := g.Customers(), g.Parts(), g.Suppliers()
	clerks := max(1, int(math.Round(1000*g.SF)))
	lastOrderDate := int(EndDate) - 151
	var o Order
	lines := make([]Lineitem, 0, 7)
	for i := 1; i <= g.Orders(); i++ {
		o.Key = OrderKey(i)
		// Customers with a key divisible by 3 place no orders.
		for {
			c := ro.between(1, custs)
			if c%3 != 0 || custs < 3 {
				o.CustKey = int32(c)
				break
			}
		}
		o.OrderDate = Date(ro.between(int(StartDate), lastOrderDate))
		o.Priority = Priorities[ro.intn(len(Priorities))]
		o.Clerk = fmt.Sprintf("Clerk#%09d", ro.between(1, clerks))
		o.ShipPriority = 0
		o.Comment = g.pool.comment(ro, 19, 78)

		lines = lines[:0]
		n := rl.between(1, 7)
		var total int64
		nF, nO := 0, 0
		for ln := 1; ln <= n; ln++ {
			var l Lineitem
			l.OrderKey = o.Key
			l.LineNumber = int32(ln)
			l.PartKey = int32(rl.between(1, parts))
			l.SuppKey = SuppKey(l.PartKey, rl.intn(4), supps)
			l.Quantity = int64(rl.between(1, 50))
			l.ExtendedPrice = l.Quantity * RetailPrice(l.PartKey)
			l.Discount = int64(rl.between(0, 10))
			l.Tax = int64(rl.between(0, 8))
			l.ShipDate = o.OrderDate + Date(rl.between(1, 121))
			l.CommitDate = o.OrderDate + Date(rl.between(30, 90))
			l.ReceiptDate = l.ShipDate + Date(rl.between(1, 30))
			if l.ReceiptDate <= CurrentDate {
				if rl.intn(2) == 0 {
					l.ReturnFlag = "R"
				} else {
					l.ReturnFlag = "A"
				}
			} else {
				l.ReturnFlag = "N"
			}
			if l.ShipDate > CurrentDate {
				l.LineStatus = "O"
				nO++
			} else {
				l.LineStatus = "F"
				nF++
			}
			l.ShipInstruct = Instructions[rl.intn(len(Instructions))]
			l.ShipMode = ShipModes[rl.intn(len(ShipModes))]
			l.Comment = g.pool.comment(rl, 10, 43)
			// extendedprice * (1+tax) * (1-discount), rounded to cents.
			total += (l.ExtendedPrice*(100+l.Tax)*(100-l.Discount) + 5_000) / 10_000
			lines = append(lines, l)
		}
		o.TotalPrice = total
		switch {
		case nO == 0:
			o.Status = "F"
		case nF == 0:
			o.Status = "O"
		default:
			o.Status = "P"
		}
		if err := fn(&o, lines); err != nil {
			return err
		}
	}
	return nil
}

// monthOf is the Iceberg month transform of a day: months since 1970-01.
func monthOf(d Date) int {
	y, m, _ := d.Time().Date()
	return (y-1970)*12 + int(m) - 1
}

// yearOf is the Iceberg year transform of a day: years since 1970.
func yearOf(d Date) int { return d.Time().Year() - 1970 }
