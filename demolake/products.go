package demolake

import "math"

// ProductRow is one row of shop.products.
type ProductRow struct {
	ProductID int64
	Name      string
	Category  string
	// PriceCents is the price in cents; the column is decimal(10,2).
	PriceCents int64
	Active     bool
}

// Categories lists the product categories, in a fixed order.
var Categories = []string{
	"Grocery", "Beverages", "Household", "Personal Care", "Electronics", "Toys",
	"Garden", "Apparel", "Books", "Sports", "Pet Supplies", "Office",
}

// categorySpec gives each category its nouns, variants and price range in
// whole dollars.
var categorySpec = map[string]struct {
	nouns, variants []string
	minUSD, maxUSD  float64
}{
	"Grocery":       {[]string{"Coffee Beans", "Pasta", "Olive Oil", "Granola", "Rice", "Honey", "Tea", "Chocolate"}, []string{"250g", "500g", "1kg", "Family Pack"}, 0, 30},
	"Beverages":     {[]string{"Sparkling Water", "Orange Juice", "Cola", "Iced Tea", "Lemonade", "Cold Brew"}, []string{"6-pack", "1l", "2l", "12-pack"}, 0, 50},
	"Household":     {[]string{"Dish Soap", "Paper Towels", "Detergent", "Sponges", "Trash Bags", "Light Bulbs"}, []string{"Small", "Large", "Value Pack", "Refill"}, 1, 100},
	"Personal Care": {[]string{"Shampoo", "Toothpaste", "Body Lotion", "Razor", "Sunscreen", "Deodorant"}, []string{"Travel", "Regular", "Sensitive", "XL"}, 1, 50},
	"Electronics":   {[]string{"Headphones", "Charger", "Speaker", "Smart Watch", "Tablet", "Keyboard", "Camera"}, []string{"Basic", "Pro", "Max", "Mini"}, 9, 999},
	"Toys":          {[]string{"Puzzle", "Building Set", "Plush Bear", "Board Game", "Race Car", "Doll House"}, []string{"Junior", "Classic", "Deluxe", "Travel"}, 4, 150},
	"Garden":        {[]string{"Hose", "Planter", "Shears", "Seeds", "Grill", "Lawn Chair"}, []string{"Small", "Medium", "Large", "Set"}, 2, 300},
	"Apparel":       {[]string{"T-Shirt", "Jeans", "Hoodie", "Socks", "Rain Jacket", "Sneakers"}, []string{"S", "M", "L", "XL"}, 7, 200},
	"Books":         {[]string{"Cookbook", "Novel", "Atlas", "Field Guide", "Biography", "Puzzle Book"}, []string{"Paperback", "Hardcover", "Box Set"}, 4, 50},
	"Sports":        {[]string{"Yoga Mat", "Football", "Tennis Racket", "Bicycle Helmet", "Dumbbells", "Running Belt"}, []string{"Starter", "Club", "Pro"}, 5, 500},
	"Pet Supplies":  {[]string{"Dog Food", "Cat Litter", "Chew Toy", "Leash", "Pet Bed", "Aquarium Filter"}, []string{"Small", "Medium", "Large", "Bulk"}, 1, 80},
	"Office":        {[]string{"Notebook", "Pens", "Stapler", "Desk Lamp", "Printer Paper", "Backpack"}, []string{"A5", "A4", "Pack of 10", "Premium"}, 0, 100},
}

var brands = []string{
	"Northfield", "Bluebird", "Harbor & Co", "Evergreen", "Summit", "Juniper",
	"Copperleaf", "Maple Lane", "Riverside", "Oakridge", "Brightside", "Sunhill",
	"Stonebridge", "Willow", "Redwood", "Clearwater",
}

// priceEndings are the cents a shelf price ends in.
var priceEndings = []int64{99, 99, 99, 49, 29, 95}

func numProducts(scale float64) int {
	return max(minProducts, int(math.Round(baseProducts*scale)))
}

func (m *model) genProducts() {
	n := numProducts(m.scale)
	r := newRand(seedProducts, 0)
	m.products = make([]ProductRow, n)
	m.phase = make([]float64, n)
	for i := range m.products {
		cat := Categories[r.IntN(len(Categories))]
		spec := categorySpec[cat]
		// Log-uniform whole dollars, then a shelf-price ending.
		lo, hi := math.Log(spec.minUSD+1), math.Log(spec.maxUSD+1)
		usd := int64(math.Exp(lo+r.Float64()*(hi-lo))) - 1
		cents := usd*100 + priceEndings[r.IntN(len(priceEndings))]
		cents = min(max(cents, 99), 99999)
		m.products[i] = ProductRow{
			ProductID:  int64(i + 1),
			Name:       brands[r.IntN(len(brands))] + " " + spec.nouns[r.IntN(len(spec.nouns))] + " " + spec.variants[r.IntN(len(spec.variants))],
			Category:   cat,
			PriceCents: cents,
			Active:     r.IntN(100) < 92,
		}
		m.phase[i] = r.Float64()
	}

	m.byRank = r.Perm(n)
	m.rankProb = make([]float64, n)
	var sum float64
	for k := range m.rankProb {
		m.rankProb[k] = math.Pow(zipfV+float64(k), -zipfS)
		sum += m.rankProb[k]
	}
	for k := range m.rankProb {
		m.rankProb[k] /= sum
	}
}

// ProductRows calls fn for every row of shop.products at the given scale,
// in product_id order.
func ProductRows(scale float64, fn func(ProductRow) error) error {
	m, err := newModel(scale)
	if err != nil {
		return err
	}
	for _, p := range m.products {
		if err := fn(p); err != nil {
			return err
		}
	}

	return nil
}

// popularity returns, per product index, the probability that a sale is of it.
func (m *model) popularity() []float64 {
	p := make([]float64, len(m.products))
	for k, i := range m.byRank {
		p[i] = m.rankProb[k]
	}

	return p
}
