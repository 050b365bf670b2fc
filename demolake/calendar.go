package demolake

import "time"

// The demo's calendar: two years of trading, in local time without zone
// (Iceberg timestamp, not timestamptz). Values are time.Time in UTC whose
// wall clock is the local time.
var (
	// FirstDay is the first day with sales.
	FirstDay = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	// AppendDay is the first day of the second sales snapshot (the append);
	// the first snapshot loads the days before it.
	AppendDay = time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	// EndDay is the day after the last day with sales.
	EndDay = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	// The third sales snapshot deletes the sales of store DeletedStoreID with
	// DeleteFrom <= ts < DeleteTo (a till that double-booked for a month).
	DeleteFrom = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	DeleteTo   = time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
)

// DeletedStoreID is the store whose March 2025 sales the delete removes.
const DeletedStoreID = 7

// numDays is the number of trading days, FirstDay..EndDay-1.
var numDays = int(EndDay.Sub(FirstDay).Hours() / 24)

func dayIndex(t time.Time) int { return int(t.Sub(FirstDay).Hours() / 24) }

func dayTime(d int) time.Time { return FirstDay.AddDate(0, 0, d) }

// salesDeleted reports whether the delete snapshot removes the row.
func salesDeleted(r *SaleRow) bool {
	return r.StoreID == DeletedStoreID && !r.TS.Before(DeleteFrom) && r.TS.Before(DeleteTo)
}
