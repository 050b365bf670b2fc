package planner

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/jackc/pgx/v5"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/lakegate/lakegate/engine"
	"github.com/lakegate/lakegate/internal/pgserver"
	"github.com/lakegate/lakegate/wire"
)

// tzTestScans is one lake table, lakegate_scan_1_, with columns of every
// date/time type.
func tzTestScans() []*scanRef {
	return []*scanRef{{placeholder: "lakegate_scan_1_", alias: "s", schema: iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "tz", Type: iceberg.PrimitiveTypes.TimestampTz},
		iceberg.NestedField{ID: 2, Name: "ts", Type: iceberg.PrimitiveTypes.Timestamp},
		iceberg.NestedField{ID: 3, Name: "d", Type: iceberg.PrimitiveTypes.Date},
		iceberg.NestedField{ID: 4, Name: "n", Type: iceberg.PrimitiveTypes.Int32},
	)}}
}

func TestRewriteTimeZones(t *testing.T) {
	const from = " FROM lakegate_scan_1_ s"
	cases := []struct{ sql, want string }{
		{"SELECT ts::timestamptz, tz::timestamp, tz::date, tz::time, d::timestamptz",
			"SELECT lakegate_tzutc(ts) AS ts, lakegate_tzlocal(tz) AS tz, lakegate_tzlocal(tz)::date, lakegate_tzlocal(tz)::time, " +
				"lakegate_tzutc(d::timestamp) AS d"},
		{"SELECT date_trunc('day', s.tz), date_trunc('month', d), date_trunc('hour', ts)",
			"SELECT lakegate_tzutc(date_trunc('day', lakegate_tzlocal(s.tz))) AS date_trunc, " +
				"lakegate_tzutc(date_trunc('month', d::timestamp)) AS date_trunc, date_trunc('hour', ts)"},
		{"SELECT date_trunc('minute', tz)",
			"SELECT tz - (lakegate_tzlocal(tz) - date_trunc('minute', lakegate_tzlocal(tz))) AS date_trunc"},
		{"SELECT tz::text, 'at ' || tz, age(tz, tz), age(tz)",
			"SELECT lakegate_tztext(lakegate_tzlocal(tz), tz) AS tz, 'at ' || lakegate_tztext(lakegate_tzlocal(tz), tz), " +
				"age(lakegate_tzlocal(tz), lakegate_tzlocal(tz)), age(date_trunc('day', lakegate_tzlocal(now())), lakegate_tzlocal(tz))"},
		{"SELECT extract(hour FROM tz), date_part('dow', tz), extract(epoch FROM tz), to_char(tz, 'HH24')",
			"SELECT extract ('hour' FROM lakegate_tzlocal(tz)), date_part('dow', lakegate_tzlocal(tz)), extract ('epoch' FROM tz), " +
				"to_char(lakegate_tzlocal(tz), 'HH24')"},
		{"SELECT tz + interval '1 day', interval '1 month' + tz, tz - interval '2 hours', ts + interval '1 day'",
			"SELECT lakegate_tzadd(tz, '1 day'::interval) AS \"?column?\", lakegate_tzadd(tz, '1 month'::interval) AS \"?column?\", " +
				"lakegate_tzadd(tz, - '2 hours'::interval) AS \"?column?\", ts + '1 day'::interval"},
		{"SELECT 1" + from + " WHERE tz >= '2025-03-09 08:00' AND tz < '2025-03-10 00:00+00' AND tz > ts AND tz BETWEEN d AND '2025-04-01'",
			"SELECT 1" + from + " WHERE tz >= lakegate_tzutc('2025-03-09 08:00'::timestamp) AND tz < '2025-03-10 00:00:00+00:00'::timestamp with time zone " +
				"AND tz > lakegate_tzutc(ts) AND tz BETWEEN lakegate_tzutc(d::timestamp) AND lakegate_tzutc('2025-04-01'::timestamp)"},
		{"SELECT d - date '2025-01-01', d - 1, timestamptz '2025-03-09 08:20:00', timestamptz '2025-03-09 08:20:00+02'",
			"SELECT (d - '2025-01-01'::date)::int AS \"?column?\", d - 1, " +
				"lakegate_tzutc('2025-03-09 08:20:00'::timestamp) AS timestamptz, '2025-03-09 08:20:00+02'::timestamptz"},
		{"SELECT current_date, localtimestamp, now()::date",
			"SELECT lakegate_tzlocal(now())::pg_catalog.date AS \"current_date\", lakegate_tzlocal(now()) AS \"localtimestamp\", lakegate_tzlocal(now())::date"},
		// Through subqueries, CTEs and AT TIME ZONE; unknown types are left alone.
		{"WITH w AS (SELECT ts AT TIME ZONE 'UTC' AS u FROM lakegate_scan_1_ s) SELECT u::date, x.v::timestamp FROM w, (SELECT tz AS v" + from + ") x",
			"WITH w AS (SELECT ts AT TIME ZONE 'UTC' AS u FROM lakegate_scan_1_ s) SELECT lakegate_tzlocal(u)::date, lakegate_tzlocal(x.v) AS v " +
				"FROM w, (SELECT tz AS v FROM lakegate_scan_1_ s) x"},
		{"SELECT max(tz)::date, (SELECT min(tz) FROM lakegate_scan_1_ s2)::timestamp, c.x::timestamp FROM lakegate_scan_1_ s, pg_class c",
			"SELECT lakegate_tzlocal(max(tz))::date, lakegate_tzlocal((SELECT min(tz) FROM lakegate_scan_1_ s2)) AS min, c.x::timestamp FROM lakegate_scan_1_ s, pg_class c"},
		{"SELECT $1::timestamptz, unknown_col::timestamp, y::timestamp FROM pg_class, (SELECT tz AS y" + from + ") q",
			"SELECT $1::timestamptz, unknown_col::timestamp, lakegate_tzlocal(y) AS y FROM pg_class, (SELECT tz AS y FROM lakegate_scan_1_ s) q"},
		// A statement that names the zone functions itself is not rewritten.
		{"SELECT tz::timestamp, 'lakegate_tzlocal('" + from, "SELECT tz::timestamp, 'lakegate_tzlocal('"},
	}
	for _, c := range cases {
		sql := c.sql
		if !strings.Contains(sql, "lakegate_scan_1_") {
			sql += from
		}
		want := c.want
		if !strings.Contains(want, "lakegate_scan_1_") {
			want += from
		}
		got := deparsed(t, sql, func(n *pg.Node) { rewriteTimeZones(n, tzTestScans()) })
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", sql, got, want)
		}
	}
}

func TestZoneFunctions(t *testing.T) {
	const sql = "SELECT lakegate_tzutc(lakegate_tzlocal(x)), lakegate_tzadd(x, i)"
	cases := []struct{ zone, want string }{
		{"UTC", sql},
		{"America/New_York", "SELECT timezone('America/New_York', timezone('America/New_York', x)), lakegate_tzadd_zone('America/New_York', x, i)"},
		{"UTC+3", "SELECT lakegate_tzutc_off(-10800, lakegate_tzlocal_off(-10800, x)), lakegate_tzadd_off(-10800, x, i)"},
		{"5.5", "SELECT lakegate_tzutc_off(19800, lakegate_tzlocal_off(19800, x)), lakegate_tzadd_off(19800, x, i)"},
		{"Etc/GMT+3", "SELECT timezone('Etc/GMT+3', timezone('Etc/GMT+3', x)), lakegate_tzadd_zone('Etc/GMT+3', x, i)"},
	}
	for _, c := range cases {
		if got := zoneFunctions(sql, c.zone); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.zone, got, c.want)
		}
	}
}

// TestTimeZoneRewriteDuckDB runs rewritten statements on DuckDB in several zones
// and checks them against Go's time package.
func TestTimeZoneRewriteDuckDB(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Config{Threads: 1, Connections: 1, Setup: CompatSetup})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	instants := []string{"2025-03-08 17:00:00", "2025-03-09 06:59:00", "2025-03-09 07:00:00", "2025-01-31 04:30:00",
		"2025-11-01 16:00:00", "2025-11-02 05:30:00", "2025-11-02 06:30:00", "2025-12-31 23:30:00", "2025-03-29 11:00:00"}
	const q = `SELECT CAST(x::timestamp AS VARCHAR), CAST(x::date AS VARCHAR), CAST(date_trunc('day', x) AS VARCHAR),
		CAST(extract(hour FROM x) AS VARCHAR), CAST(x + interval '1 day' AS VARCHAR), CAST(x - interval '1 month' AS VARCHAR),
		CAST(to_char(x, 'YYYY-MM-DD HH24:MI') AS VARCHAR), CAST((x::timestamp)::timestamptz = x AS VARCHAR),
		CAST(date_trunc('hour', x) AS VARCHAR), CAST(x + interval '3 hours' AS VARCHAR)
		FROM (SELECT CAST(v AS timestamptz) AS x FROM (VALUES %s) t(v)) s`
	var vals []string
	for _, in := range instants {
		vals = append(vals, "('"+in+"+00')")
	}
	template := rewrittenForDuckDB(t, fmt.Sprintf(q, strings.Join(vals, ", ")))
	const wall = "2006-01-02 15:04:05"
	for _, zone := range []string{"UTC", "America/New_York", "Asia/Kolkata", "Europe/Berlin", "UTC+3", "5.5"} {
		loc, ok := wire.ParseTimeZone(zone)
		if !ok {
			t.Fatalf("zone %s", zone)
		}
		// utc renders an instant as PostgreSQL's timestamptz text in the zone.
		utc := func(t time.Time) string {
			l := t.In(loc)
			_, off := l.Zone()
			sign := "+"
			if off < 0 {
				sign, off = "-", -off
			}
			s := l.Format(wall) + sign + fmt.Sprintf("%02d", off/3600)
			if off%3600 != 0 {
				s += fmt.Sprintf(":%02d", off%3600/60)
			}
			return s
		}
		var want []string
		for _, in := range instants {
			x, err := time.Parse(wall, in)
			if err != nil {
				t.Fatal(err)
			}
			l := x.In(loc)
			lastOfPrev := time.Date(l.Year(), l.Month(), 0, 0, 0, 0, 0, time.UTC).Day()
			want = append(want, strings.Join([]string{
				l.Format(wall), l.Format("2006-01-02"),
				utc(time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)),
				fmt.Sprint(l.Hour()),
				utc(time.Date(l.Year(), l.Month(), l.Day()+1, l.Hour(), l.Minute(), 0, 0, loc)),
				utc(time.Date(l.Year(), l.Month()-1, min(l.Day(), lastOfPrev), l.Hour(), l.Minute(), 0, 0, loc)),
				l.Format("2006-01-02 15:04"),
				fmt.Sprint(!ambiguousWall(l)),
				utc(x.Add(-time.Duration(l.Minute()) * time.Minute)),
				utc(x.Add(3 * time.Hour)),
			}, " | "))
		}
		got := queryStrings(t, eng, zoneFunctions(template, zone))
		for i := range want {
			if i >= len(got) || got[i] != want[i] {
				t.Errorf("%s, %s UTC:\n got %v\nwant %s", zone, instants[i], got, want[i])
				break
			}
		}
	}
}

// ambiguousWall reports whether a local time comes again later (a fall-back
// transition repeats it): converting it back gives the later, standard-time
// instant, as in PostgreSQL.
func ambiguousWall(l time.Time) bool {
	for _, d := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		if l.Add(d).Format(time.DateTime) == l.Format(time.DateTime) {
			return true
		}
	}
	return false
}

// queryStrings runs sql and returns each row as its text values joined by " | ".
func queryStrings(t *testing.T, eng *engine.Engine, sql string) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := eng.Query(ctx, sql, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	defer rows.Close()
	var out []string
	for {
		b, err := rows.Next(ctx)
		if err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
		if b == nil {
			break
		}
		for i := 0; i < int(b.NumRows()); i++ {
			var parts []string
			for c := 0; c < int(b.NumCols()); c++ {
				parts = append(parts, strings.Clone(b.Column(c).ValueStr(i)))
			}
			out = append(out, strings.Join(parts, " | "))
		}
		b.Release()
	}
	return out
}

func TestRewriteSeries(t *testing.T) {
	// Rewritten: the series of local times, the step, the end filter and the alias.
	for sql, want := range map[string][]string{
		"SELECT g FROM generate_series(timestamptz '2025-03-08 00:00', timestamptz '2025-03-10 00:00', interval '1 day') g": {
			"generate_series(lakegate_tzlocal(lakegate_tzutc('2025-03-08 00:00'::timestamp)), lakegate_tzlocal(lakegate_tzutc('2025-03-10 00:00'::timestamp)) + '1 day'::interval, '1 day'::interval::interval)",
			"OVER (ORDER BY lakegate_gs ASC ROWS UNBOUNDED PRECEDING)",
			"WHERE lakegate_gs_v <= lakegate_tzutc('2025-03-10 00:00'::timestamp)) g(g)"},
		"SELECT * FROM generate_series('2025-06-01'::timestamptz, '2025-01-01 00:00+00', '-1 month') AS t(m)": {
			"lakegate_tzlocal('2025-01-01 00:00:00+00:00'::timestamp with time zone) - '1 day'::interval, '-1 month'::interval)",
			"OVER (ORDER BY lakegate_gs DESC ROWS UNBOUNDED PRECEDING)",
			"WHERE lakegate_gs_v >= '2025-01-01 00:00:00+00:00'::timestamp with time zone) t(m)"},
		"SELECT * FROM generate_series(now(), now() + interval '2 days', '1 day')": {
			"generate_series(lakegate_tzlocal(now()), lakegate_tzlocal(lakegate_tzadd(now(), '2 days'::interval)) + '1 day'::interval, '1 day'::interval)",
			"WHERE lakegate_gs_v <= lakegate_tzadd(now(), '2 days'::interval)) generate_series(generate_series)"},
	} {
		got := deparsed(t, sql, func(n *pg.Node) { rewriteTimeZones(n, nil) })
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s:\n got %s\nwant it to contain %s", sql, got, w)
			}
		}
	}
	// Elapsed-time steps, timestamps, a step that is not constant, ORDINALITY: unchanged.
	for sql, want := range map[string]string{
		"SELECT * FROM generate_series(now(), now() + interval '1 day', interval '1 hour') g":               "SELECT * FROM generate_series(now(), lakegate_tzadd(now(), '1 day'::interval), '1 hour'::interval) g",
		"SELECT * FROM generate_series(timestamp '2025-01-01', timestamp '2025-02-01', interval '1 day') g": "SELECT * FROM generate_series('2025-01-01'::timestamp, '2025-02-01'::timestamp, '1 day'::interval) g",
		"SELECT * FROM generate_series(now(), now(), $1::interval) g":                                       "SELECT * FROM generate_series(now(), now(), $1::interval) g",
		"SELECT * FROM generate_series(now(), now(), '1 day') WITH ORDINALITY g":                            "SELECT * FROM generate_series(now(), now(), '1 day') WITH ORDINALITY g",
		"SELECT * FROM generate_series(now(), now() + interval '9 days', interval '1 month -3 days') g":     "SELECT * FROM generate_series(now(), lakegate_tzadd(now(), '9 days'::interval), '1 month -3 days'::interval) g",
	} {
		if got := deparsed(t, sql, func(n *pg.Node) { rewriteTimeZones(n, nil) }); got != want {
			t.Errorf("%s:\n got %s\nwant %s", sql, got, want)
		}
	}
}

// TestSeriesMatchesPostgres runs timestamptz series through the rewrite on DuckDB
// and on PostgreSQL in zones with DST changes (at 02:00, at midnight, by half an
// hour) and fixed offsets, with day, week, month and negative steps.
func TestSeriesMatchesPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Config{Threads: 1, Connections: 1, Setup: CompatSetup})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	pgs := pgserver.ForTest(t, pgserver.Options{Settings: map[string]string{"timezone": "UTC", "fsync": "off"}})
	conn, err := pgx.Connect(ctx, pgs.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	series := []string{
		"generate_series(timestamptz '2025-03-06 00:00', timestamptz '2025-03-12 00:00', interval '1 day') g",
		"generate_series(timestamptz '2025-10-24 12:00', '2025-11-06 12:00', '1 day') g",
		"generate_series('2025-11-06 01:30'::timestamptz, '2025-10-24 01:30'::timestamptz, interval '-1 day') g",
		"generate_series(timestamptz '2025-01-31 00:00', timestamptz '2025-12-31 00:00', interval '1 month') g",
		"generate_series(timestamptz '2025-01-31 23:00', timestamptz '2026-02-01 00:00', interval '1 month 1 day') g",
		"generate_series(timestamptz '2024-02-29 03:00', timestamptz '2028-03-01 00:00', interval '1 year') g",
		"generate_series(timestamptz '2025-01-05 01:30', timestamptz '2025-12-31 00:00', interval '1 week') AS t(g)",
		// The end is a repeated local time: PostgreSQL's end is the instant.
		"generate_series(timestamptz '2025-10-28 01:30', timestamptz '2025-11-02 01:30-04', interval '1 day') g",
		"generate_series(timestamptz '2025-10-28 01:30', timestamptz '2025-11-02 01:30-05', interval '1 day') g",
		"generate_series(timestamptz '2025-10-28 01:30', timestamptz '2025-10-26 02:30+01', interval '1 day') g",
		// Values in a DST gap: PostgreSQL goes on from the shifted local time.
		"generate_series(timestamptz '2025-03-07 02:30', timestamptz '2025-03-12 00:00', interval '1 day') g",
		"generate_series(timestamptz '2025-03-12 02:30', timestamptz '2025-03-06 00:00', interval '-1 day') g",
		"generate_series(timestamptz '2025-09-04 00:00', timestamptz '2025-09-10 00:00', interval '1 day') g",
		"generate_series(timestamptz '2025-01-30 02:30', timestamptz '2025-06-01', interval '1 month') g",
		"generate_series(timestamptz '2025-10-01 02:15', '2025-10-09 00:00', '1 day') g",
		"generate_series(timestamptz '2025-03-07 02:30', timestamptz '2025-03-09 03:10', interval '1 day') g",
		// In a select list.
		"(SELECT generate_series(timestamptz '2025-03-07 02:30', timestamptz '2025-03-12 00:00', interval '1 day') AS g) s",
		"(SELECT 1 AS x, generate_series('2025-11-06 00:00'::timestamptz, '2025-10-24 00:00', '-2 days') AS g) s",
	}
	zones := []string{"UTC", "America/New_York", "Europe/Berlin", "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata", "UTC+3"}
	distinct := map[string]bool{}
	for _, zone := range zones {
		if _, err := conn.Exec(ctx, "SET TimeZone = '"+zone+"'"); err != nil {
			t.Fatal(err)
		}
		for _, s := range series {
			sql := "SELECT extract(epoch FROM g)::bigint AS e FROM " + s
			template := rewrittenForDuckDB(t, sql)
			got := strings.Join(queryStrings(t, eng, zoneFunctions(template, zone)), ",")
			var want string
			if err := conn.QueryRow(ctx, "SELECT coalesce(string_agg(e::text, ','), '') FROM ("+sql+") s", pgx.QueryExecModeSimpleProtocol).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s, %s:\n got %s\nwant %s", zone, s, got, want)
			}
			distinct[want] = true
		}
	}
	if len(distinct) < len(series)*3 {
		t.Errorf("only %d distinct answers: the zones hardly matter to these series", len(distinct))
	}
}

// rewrittenForDuckDB is sql after the planner's rewrites for DuckDB, in newQuery's
// order, with the zone still a placeholder (zoneFunctions fills it in).
func rewrittenForDuckDB(t *testing.T, sql string) string {
	t.Helper()
	tree, err := pg.Parse(sql)
	if err != nil {
		t.Fatal(err)
	}
	stmt := tree.Stmts[0].Stmt
	nameResultColumns(stmt)
	rewriteTimeZones(stmt, nil)
	rewriteSemantics(stmt)
	rewriteCompat(stmt)
	out, err := pg.Deparse(tree)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
