package demolake

import "time"

// StoreRow is one row of shop.stores.
type StoreRow struct {
	StoreID int32
	City    string
	// Opened is the opening day (UTC midnight); the column is a date.
	Opened time.Time
}

var storeCities = []string{
	"Portland", "Seattle", "Denver", "Austin", "Chicago", "Boston", "Atlanta",
	"Phoenix", "San Diego", "Minneapolis", "Nashville", "Columbus", "Raleigh",
	"Salt Lake City", "Kansas City", "Pittsburgh", "Sacramento", "Tampa",
	"Milwaukee", "Albuquerque", "Omaha", "Boise", "Madison", "Richmond",
	"Spokane", "Tucson", "Louisville", "Baltimore", "Cincinnati", "Buffalo",
}

// The last newStores stores open during the two years, so their sales start
// partway through.
const newStores = 4

func (m *model) genStores() {
	r := newRand(seedStores, 0)
	m.stores = make([]StoreRow, numStores)
	m.weight = make([]float64, numStores)
	old := time.Date(2008, 1, 1, 0, 0, 0, 0, time.UTC)
	oldDays := int(FirstDay.Sub(old).Hours() / 24)
	for i := range m.stores {
		var opened time.Time
		if i < numStores-newStores {
			opened = old.AddDate(0, 0, r.IntN(oldDays))
		} else {
			// Between 2024-03-01 and 2025-06-30.
			opened = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(487))
		}
		m.stores[i] = StoreRow{
			StoreID: int32(i + 1),
			City:    storeCities[r.IntN(len(storeCities))],
			Opened:  opened,
		}
		m.weight[i] = 0.5 + r.Float64()
	}
}

// StoreRows calls fn for every row of shop.stores (the same at every
// scale), in store_id order.
func StoreRows(scale float64, fn func(StoreRow) error) error {
	m, err := newModel(scale)
	if err != nil {
		return err
	}
	for _, s := range m.stores {
		if err := fn(s); err != nil {
			return err
		}
	}

	return nil
}
