package integration

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/jackc/pgx/v5"
)

// tzRow is one row of t.ev: an instant u (timestamptz) and w, u's UTC wall-clock
// time as a timestamp without zone.
type tzRow struct {
	id int64
	u  time.Time
}

// tzRows are every 37 minutes around New York's and Berlin's DST changes of 2025
// (2025-03-09 07:00 UTC, 2025-10-26 01:00 UTC, 2025-11-02 06:00 UTC).
var tzRows = func() []tzRow {
	var out []tzRow
	for _, w := range [][2]time.Time{
		{time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)},
		{time.Date(2025, 10, 24, 0, 0, 0, 0, time.UTC), time.Date(2025, 11, 5, 0, 0, 0, 0, time.UTC)},
	} {
		for u := w[0]; u.Before(w[1]); u = u.Add(37 * time.Minute) {
			out = append(out, tzRow{int64(len(out)), u})
		}
	}
	return out
}()

// tzCase is a predicate and the rows it keeps, worked out from the zone rules
// with Go's time package (local times a zone skips or repeats are spelled out
// as PostgreSQL reads them: the later instant).
type tzCase struct {
	zone, where string
	args        []any
	keep        func(tzRow) bool
}

func between(lo, hi time.Time) func(tzRow) bool {
	return func(r tzRow) bool { return !r.u.Before(lo) && r.u.Before(hi) }
}

func since(lo time.Time) func(tzRow) bool { return func(r tzRow) bool { return !r.u.Before(lo) } }

// TestTZPrune runs timestamptz predicates through the gateway in several session
// zones over a table partitioned by day(u) (one file per UTC day): the rows must
// be the ones the zone rules give, and EXPLAIN must show that data files were
// pruned and that every file holding a matching row was kept. Where the
// predicate is exact, the files kept are exactly those whose u range meets it.
func TestTZPrune(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	kol, _ := time.LoadLocation("Asia/Kolkata")
	ber, _ := time.LoadLocation("Europe/Berlin")
	utc := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	in := func(loc *time.Location, s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	l := newIceLake(t)
	sc := iceberg.NewSchema(0, field(1, "id", iceberg.PrimitiveTypes.Int64),
		field(2, "u", iceberg.PrimitiveTypes.TimestampTz), field(3, "w", iceberg.PrimitiveTypes.Timestamp))
	fid := 1000
	spec, err := iceberg.NewPartitionSpecOpts(iceberg.AddPartitionFieldBySourceID(2, "u_day", iceberg.DayTransform{}, sc, &fid))
	if err != nil {
		t.Fatal(err)
	}
	ev := l.create(t, "ev", sc, &spec, v2Props)
	rows := "["
	for i, r := range tzRows {
		if i > 0 {
			rows += ","
		}
		rows += fmt.Sprintf(`{"id":%d,"u":%q,"w":%q}`, r.id, r.u.Format("2006-01-02T15:04:05Z"), r.u.Format("2006-01-02T15:04:05"))
	}
	appendJSON(t, ev, rows+"]")
	l.serve(t, "")
	c := l.connect(t, "ice")
	ctx := testCtx(t)

	// Files: one per UTC day of u, so a file's u range is its rows' min and max.
	type fileRange struct{ min, max time.Time }
	files := map[string]*fileRange{}
	for _, r := range tzRows {
		d := r.u.Format("2006-01-02")
		if f := files[d]; f == nil {
			files[d] = &fileRange{r.u, r.u}
		} else {
			f.max = r.u
		}
	}

	cases := []struct {
		tzCase
		exact bool // the predicate converts to one instant per bound
		lo    time.Time
		hi    time.Time // the exact range [lo, hi) of u, for exact cases
	}{
		{tzCase{"America/New_York", "u >= timestamptz '2025-03-10 00:00' AND u < timestamptz '2025-03-11 00:00'", nil,
			between(in(ny, "2025-03-10 00:00"), in(ny, "2025-03-11 00:00"))}, true, in(ny, "2025-03-10 00:00"), in(ny, "2025-03-11 00:00")},
		{tzCase{"America/New_York", "u >= '2025-03-08'::timestamptz AND u < '2025-03-09'::timestamptz", nil,
			between(in(ny, "2025-03-08 00:00"), in(ny, "2025-03-09 00:00"))}, true, in(ny, "2025-03-08 00:00"), in(ny, "2025-03-09 00:00")},
		{tzCase{"America/New_York", "u >= '2025-03-06 00:00:00-05' AND u < '2025-03-06 12:00:00+05:30'", nil,
			between(utc("2025-03-06 05:00"), utc("2025-03-06 06:30"))}, true, utc("2025-03-06 05:00"), utc("2025-03-06 06:30")},
		{tzCase{"Asia/Kolkata", "u >= '2025-03-12 05:30' AND u <= '2025-03-13 05:29:59'", nil,
			between(in(kol, "2025-03-12 05:30"), in(kol, "2025-03-13 05:30"))}, true, in(kol, "2025-03-12 05:30"), in(kol, "2025-03-13 05:30")},
		{tzCase{"Europe/Berlin", "u >= date '2025-10-27' AND u < date '2025-10-27' + interval '1 day'", nil,
			between(in(ber, "2025-10-27 00:00"), in(ber, "2025-10-28 00:00"))}, true, in(ber, "2025-10-27 00:00"), in(ber, "2025-10-28 00:00")},
		{tzCase{"America/New_York", "u >= timestamptz '2025-11-01 12:00' + interval '1 day' AND u < timestamptz '2025-11-03 00:00'", nil,
			between(utc("2025-11-02 17:00"), in(ny, "2025-11-03 00:00"))}, true, utc("2025-11-02 17:00"), in(ny, "2025-11-03 00:00")},
		// A timestamp compared with a timestamptz is local time (UTC wall time
		// here would skip the 2025-03-12 file, which holds matching rows).
		{tzCase{"America/New_York", "u >= timestamp '2025-03-11 00:00' AND u < timestamp '2025-03-12 00:00'", nil,
			between(in(ny, "2025-03-11 00:00"), in(ny, "2025-03-12 00:00"))}, true, in(ny, "2025-03-11 00:00"), in(ny, "2025-03-12 00:00")},
		{tzCase{"America/New_York", "u BETWEEN $1 AND $2", []any{utc("2025-03-11 04:00"), utc("2025-03-12 04:00")},
			func(r tzRow) bool { return !r.u.Before(utc("2025-03-11 04:00")) && !r.u.After(utc("2025-03-12 04:00")) }}, true,
			utc("2025-03-11 04:00"), utc("2025-03-12 04:00").Add(time.Microsecond)},
		// A local time the zone skips (02:30 on 2025-03-09 is 07:30 UTC in
		// PostgreSQL) or repeats (01:30 on 2025-11-02 is 06:30 UTC): pruned with
		// the range of its readings.
		{tzCase{"America/New_York", "u >= '2025-03-09 02:30' AND u < '2025-03-09 12:00'", nil,
			between(utc("2025-03-09 07:30"), in(ny, "2025-03-09 12:00"))}, false, time.Time{}, time.Time{}},
		{tzCase{"America/New_York", "u > timestamp '2025-11-02 01:30' AND u < timestamp '2025-11-02 03:00'", nil,
			func(r tzRow) bool { return r.u.After(utc("2025-11-02 06:30")) && r.u.Before(utc("2025-11-02 08:00")) }}, false, time.Time{}, time.Time{}},
		// The timestamp column against instants: its local time in the zone.
		{tzCase{"America/New_York", "w >= timestamptz '2025-03-12 04:00+00' AND w < timestamptz '2025-03-13 04:00+00'", nil,
			func(r tzRow) bool {
				w := time.Date(r.u.Year(), r.u.Month(), r.u.Day(), r.u.Hour(), r.u.Minute(), 0, 0, ny)
				return !w.Before(utc("2025-03-12 04:00")) && w.Before(utc("2025-03-13 04:00"))
			}}, false, time.Time{}, time.Time{}},
	}
	for _, tc := range cases {
		name := tc.zone + " " + tc.where
		if _, err := c.Exec(ctx, "SET TimeZone = "+quoteLiteral(tc.zone)); err != nil {
			t.Fatal(err)
		}
		var want []string
		needed := map[string]bool{}
		for _, r := range tzRows {
			if tc.keep(r) {
				want = append(want, strconv.FormatInt(r.id, 10))
				needed[r.u.Format("2006-01-02")] = true
			}
		}
		if len(want) == 0 {
			t.Fatalf("%s: no rows expected; the case checks nothing", name)
		}
		wantRows(t, c, want, "SELECT id FROM t.ev WHERE "+tc.where+" ORDER BY id", tc.args...)
		out := explain(t, ctx, c, "EXPLAIN SELECT id FROM t.ev WHERE "+tc.where, tc.args...)
		f := ints(t, filesLine, out)
		t.Logf("%s: %d rows, files %d scanned, %d skipped, %d hold matches", name, len(want), f[0], f[1], len(needed))
		if f[2] != len(files) {
			t.Fatalf("%s: EXPLAIN counts %d files, the table has %d:\n%s", name, f[2], len(files), out)
		}
		if f[0] < len(needed) || f[1] == 0 {
			t.Errorf("%s: %d files scanned, %d skipped; %d hold matching rows:\n%s", name, f[0], f[1], len(needed), out)
		}
		if tc.exact {
			meets := 0
			for _, fr := range files {
				if fr.max.Before(tc.lo) || !fr.min.Before(tc.hi) {
					continue
				}
				meets++
			}
			if f[0] != meets {
				t.Errorf("%s: %d files scanned, %d meet [%s, %s):\n%s", name, f[0], meets, tc.lo.UTC(), tc.hi.UTC(), out)
			}
		}
	}

	// A prepared statement prunes with the zone in force at each execution.
	if _, err := c.Prepare(ctx, "tzprune", "SELECT count(*) FROM t.ev WHERE u >= $1::timestamp AND u < $1::timestamp + interval '1 day'"); err != nil {
		t.Fatal(err)
	}
	day := utc("2025-03-10 00:00")
	for _, zone := range []*time.Location{time.UTC, ny, kol} {
		if _, err := c.Exec(ctx, "SET TimeZone = "+quoteLiteral(zone.String())); err != nil {
			t.Fatal(err)
		}
		lo := time.Date(2025, 3, 10, 0, 0, 0, 0, zone)
		keep := between(lo, lo.AddDate(0, 0, 1))
		n := 0
		for _, r := range tzRows {
			if keep(r) {
				n++
			}
		}
		var got int
		if err := c.QueryRow(ctx, "tzprune", day).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != n {
			t.Errorf("prepared, TimeZone %s: %d rows, want %d", zone, got, n)
		}
		out := explain(t, ctx, c, "EXPLAIN SELECT count(*) FROM t.ev WHERE u >= $1::timestamp AND u < $1::timestamp + interval '1 day'", day)
		if f := ints(t, filesLine, out); f[0] != 1+btoi(lo.UTC().Day() != lo.Day() || lo.UTC().Hour() != 0) {
			t.Errorf("TimeZone %s: %d files scanned for one local day:\n%s", zone, f[0], out)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestTZPruneDemo prunes shop.sales (ts timestamp, partitioned by day(ts)) with
// an instant in a New York session: the sales of one New York day are read from
// at most the partitions of the two days its local times fall on.
func TestTZPruneDemo(t *testing.T) {
	ctx := testCtx(t)
	ny, _ := time.LoadLocation("America/New_York")
	c := connect(t, pgx.QueryExecModeCacheStatement)
	if _, err := c.Exec(ctx, "SET TimeZone = 'America/New_York'"); err != nil {
		t.Fatal(err)
	}
	lo := time.Date(2025, 6, 10, 4, 0, 0, 0, time.UTC) // midnight in New York
	hi := lo.Add(24 * time.Hour)
	var n int64
	for _, r := range env.data.sales {
		l := time.Date(r.TS.Year(), r.TS.Month(), r.TS.Day(), r.TS.Hour(), r.TS.Minute(), r.TS.Second(), r.TS.Nanosecond(), ny)
		if !l.Before(lo) && l.Before(hi) {
			n++
		}
	}
	if n == 0 {
		t.Fatal("no sales on the chosen day")
	}
	const q = "SELECT count(*) FROM shop.sales WHERE ts >= $1::timestamptz AND ts < $2::timestamptz"
	var got int64
	if err := c.QueryRow(ctx, q, lo, hi).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Errorf("%d sales, want %d", got, n)
	}
	day := time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC)
	l1 := readSalesLayout(t, ctx, day, -1)
	l2 := readSalesLayout(t, ctx, day.AddDate(0, 0, 1), -1)
	out := explain(t, ctx, c, "EXPLAIN "+q, lo, hi)
	f := ints(t, filesLine, out)
	t.Logf("one New York day: %d sales, data files %d scanned, %d skipped", n, f[0], f[1])
	if f[0] < 1 || f[0] > l1.dayFiles+l2.dayFiles || f[2] != l1.files {
		t.Errorf("%d files scanned, want 1..%d of %d:\n%s", f[0], l1.dayFiles+l2.dayFiles, l1.files, out)
	}
}
