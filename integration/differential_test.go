package integration

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/lakegate/lakegate/internal/pgserver"
	"github.com/lakegate/lakegate/tpch"
)

// The differential test runs the same queries through lakegate (over Iceberg
// tables) and on a real PostgreSQL 15 holding the same rows, and compares the
// results:
//
//   - column names and type OIDs must be equal;
//   - values are compared as PostgreSQL text (simple protocol), exactly, except
//     float4/float8 columns, which match within a relative 1e-9 (sums of doubles
//     depend on the order of addition);
//   - rows are compared as a multiset; where the query orders, the sequence of
//     the ORDER BY keys (the output columns in diffQuery.orderBy) must also be
//     equal, so ties may come back in any order;
//   - a difference lakegate cannot bridge yet is a documented known difference
//     (diffQuery.types, diffQuery.known) that asserts lakegate's current answer.

// diffFloatTolerance is the relative tolerance for float4/float8 values.
const diffFloatTolerance = 1e-9

// tpchScale is the TPC-H scale factor: the smallest tpch.NewGen accepts (about
// 60,000 lineitems); every query but Q18 selects rows there.
const tpchScale = 0.01

// diffQuery is one query run on both sides.
type diffQuery struct {
	name, sql string
	// orderBy lists the output columns, in order, of the query's ORDER BY; nil
	// means the query does not order (or orders only to make LIMIT
	// deterministic on a unique key that is also compared as a multiset).
	orderBy []int
	// types lists the columns whose type lakegate reports differently from
	// PostgreSQL, a known difference (see knownTypeDiffs): column -> lakegate's
	// type OID. Their values still match: as text, or within the float
	// tolerance where one side is float8.
	types map[int]uint32
	// known, if set, is a documented difference lakegate cannot bridge yet: the
	// test asserts lakegate's current answer (an error with lgCode, or lgRows
	// as text) and that PostgreSQL's answer differs from it.
	known  string
	lgCode string
	lgRows [][]string
	// mayBeEmpty allows PostgreSQL's answer to have no rows.
	mayBeEmpty bool
}

// Known type differences (DuckDB's result types where PostgreSQL's differ):
const (
	// sumInt: sum(integer) is bigint in PostgreSQL, HUGEINT (shown as numeric)
	// in DuckDB; lakegate casts a result column that is a plain sum of an
	// integer to bigint, but a sum inside an expression keeps DuckDB's type. The
	// values are equal.
	sumInt = pgtype.NumericOID
	// avgNumeric: avg(numeric), avg(integer) and numeric / numeric are numeric
	// in PostgreSQL, double in DuckDB; the values match within the float
	// tolerance.
	avgNumeric = pgtype.Float8OID
	// dateMinusDate: date - date is integer in PostgreSQL, bigint in DuckDB.
	dateMinusDate = pgtype.Int8OID
)

// diffResult is a result as PostgreSQL text.
type diffResult struct {
	names []string
	oids  []uint32
	rows  [][]*string // nil is NULL
}

func TestDifferential(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	pgs := pgserver.ForTest(t, pgserver.Options{Settings: map[string]string{
		"timezone": "UTC", "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
	}})

	t.Run("tpch", func(t *testing.T) { testDiffTPCH(t, ctx, pgs) })
	t.Run("demo", func(t *testing.T) { testDiffDemo(t, ctx, pgs) })
}

// testDiffTPCH writes the TPC-H lake, loads the same rows into PostgreSQL, and
// compares the 22 queries.
func testDiffTPCH(t *testing.T, ctx context.Context, pgs *pgserver.Server) {
	g, err := tpch.NewGen(tpchScale, 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	lakeDir := filepath.Join(dir, "lake")
	if err := tpch.WriteLake(ctx, g, tpch.LakeOptions{Dir: lakeDir, CatalogName: "tpch"}); err != nil {
		t.Fatal(err)
	}
	if err := pgs.CreateDatabase(ctx, "tpch"); err != nil {
		t.Fatal(err)
	}
	pc, err := pgx.Connect(ctx, pgs.DSN("tpch"))
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close(ctx)
	if err := tpch.LoadPostgres(ctx, pc, g); err != nil {
		t.Fatal(err)
	}

	cfg := fmt.Sprintf(`listen: 127.0.0.1:0
auth: scram-sha-256
engine:
  threads: 2
catalogs:
  tpch:
    type: sql
    name: tpch
    uri: %s
    warehouse: file://%s
users:
  - name: %s
    password: %s
`, tpch.CatalogURI(lakeDir), filepath.Join(lakeDir, tpch.WarehouseDir), user, password)
	cfgPath := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	gw, err := startGateway(cfgPath, filepath.Join(dir, "gateway.log"), "tpch")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := gw.stop(); err != nil {
			t.Error(err)
		}
	}()
	lc, err := pgx.Connect(ctx, fmt.Sprintf("postgres://%s:%s@%s/tpch?sslmode=disable", user, password, gw.addr))
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Close(ctx)
	if _, err := lc.Exec(ctx, "SET search_path = tpch"); err != nil {
		t.Fatal(err)
	}

	// orderBy of each query: the output columns its ORDER BY names.
	order := [][]int{
		{0, 1}, {0, 2, 1, 3}, {1, 2}, {0}, {1}, nil, {0, 1, 2}, {0}, {0, 1}, {2}, {1},
		{0}, {1, 0}, nil, {0}, {3, 0, 1, 2}, nil, {4, 3}, nil, {0}, {1, 0}, {0},
	}
	// Known type differences (see sumInt, avgNumeric).
	types := map[int]map[int]uint32{
		1:  {6: avgNumeric, 7: avgNumeric, 8: avgNumeric},
		8:  {1: avgNumeric},
		14: {0: avgNumeric},
		17: {0: avgNumeric},
	}
	for i, sql := range tpch.Queries {
		q := diffQuery{name: fmt.Sprintf("Q%02d", i+1), sql: sql, orderBy: order[i], types: types[i+1]}
		if i+1 == 18 {
			// No order holds more than 300 units at this scale factor: run Q18
			// as written (both sides empty), and with a threshold that selects rows.
			q.mayBeEmpty = true
			t.Run(q.name, func(t *testing.T) { compareQuery(t, ctx, lc, pc, q) })
			q.name, q.mayBeEmpty = "Q18_over_250", false
			q.sql = strings.Replace(sql, "> 300", "> 250", 1)
		}
		t.Run(q.name, func(t *testing.T) { compareQuery(t, ctx, lc, pc, q) })
	}
}

// pgDemoSchema is the demo lake's shop schema in PostgreSQL, without keys so
// the load is quick.
const pgDemoSchema = `CREATE SCHEMA shop;
CREATE TABLE shop.products (product_id bigint, name text, category text, price numeric(10,2), active boolean);
CREATE TABLE shop.stores (store_id integer, city text, opened date);
CREATE TABLE shop.sales (sale_id bigint, product_id bigint, store_id integer, ts timestamp, qty integer, amount double precision);
CREATE TABLE shop.product_kpis (product_id bigint, day date, revenue double precision, units bigint, forecast double precision, price_reco numeric(10,2));`

// loadDemo copies env.data (the demo lake's final rows, from the generators)
// into PostgreSQL database db.
func loadDemo(t *testing.T, ctx context.Context, pgs *pgserver.Server, db string) {
	t.Helper()
	// C.UTF-8: characters classified and case-folded as Unicode (upper, lower,
	// ILIKE), strings sorted by code point as DuckDB sorts them.
	admin, err := pgx.Connect(ctx, pgs.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = admin.Exec(ctx, "CREATE DATABASE "+db+" TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'")
	admin.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(ctx, pgs.DSN(db))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, pgDemoSchema, pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatal(err)
	}
	numeric := func(cents int64) pgtype.Numeric {
		return pgtype.Numeric{Int: big.NewInt(cents), Exp: -2, Valid: true}
	}
	pgDay := func(d time.Time) pgtype.Date { return pgtype.Date{Time: d, Valid: true} }
	d := env.data
	copies := []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"products", []string{"product_id", "name", "category", "price", "active"}, nil},
		{"stores", []string{"store_id", "city", "opened"}, nil},
		{"sales", []string{"sale_id", "product_id", "store_id", "ts", "qty", "amount"}, nil},
		{"product_kpis", []string{"product_id", "day", "revenue", "units", "forecast", "price_reco"}, nil},
	}
	for _, p := range d.products {
		copies[0].rows = append(copies[0].rows, []any{p.ProductID, p.Name, p.Category, numeric(p.PriceCents), p.Active})
	}
	for _, s := range d.stores {
		copies[1].rows = append(copies[1].rows, []any{s.StoreID, s.City, pgDay(s.Opened)})
	}
	for _, s := range d.sales {
		copies[2].rows = append(copies[2].rows, []any{s.SaleID, s.ProductID, s.StoreID,
			pgtype.Timestamp{Time: s.TS, Valid: true}, s.Qty, s.Amount})
	}
	for _, k := range d.kpis {
		copies[3].rows = append(copies[3].rows, []any{k.ProductID, pgDay(k.Day), k.Revenue, k.Units, k.Forecast, numeric(k.PriceRecoCents)})
	}
	for _, cp := range copies {
		if _, err := c.CopyFrom(ctx, pgx.Identifier{"shop", cp.table}, cp.cols, pgx.CopyFromRows(cp.rows)); err != nil {
			t.Fatalf("copy %s: %v", cp.table, err)
		}
	}
	if _, err := c.Exec(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
}

// testDiffDemo compares queries over the demo schema: the gateway of TestMain
// against PostgreSQL loaded from the generators.
func testDiffDemo(t *testing.T, ctx context.Context, pgs *pgserver.Server) {
	loadDemo(t, ctx, pgs, "demo")
	pc, err := pgx.Connect(ctx, pgs.DSN("demo"))
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close(ctx)
	lc, err := pgx.Connect(ctx, connString(dbName, password))
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Close(ctx)
	// A zone with DST, so timestamptz output and AT TIME ZONE are exercised.
	for _, c := range []*pgx.Conn{lc, pc} {
		if _, err := c.Exec(ctx, "SET TimeZone = 'America/New_York'"); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range demoQueries {
		t.Run(q.name, func(t *testing.T) { compareQuery(t, ctx, lc, pc, q) })
	}
	t.Run("array_params", func(t *testing.T) { testDiffArrayParams(t, ctx, lc, pc) })
}

// testDiffArrayParams sends Go slices as array parameters with pgx's extended
// protocol: PostgreSQL infers int8[] for product_id = ANY($1), and so must
// lakegate, or pgx cannot encode the slice.
func testDiffArrayParams(t *testing.T, ctx context.Context, lc, pc *pgx.Conn) {
	cases := []struct {
		sql  string
		args []any
	}{
		{`SELECT product_id, name FROM shop.products WHERE product_id = ANY($1) ORDER BY product_id`, []any{[]int64{1, 3, 5, 999}}},
		{`SELECT product_id, price FROM shop.products WHERE product_id = ANY($1::int8[]) ORDER BY product_id`, []any{[]int64{2, 4}}},
		{`SELECT count(*) AS n FROM shop.sales WHERE store_id = ANY($1) AND qty <> ALL($2)`, []any{[]int32{1, 2}, []int32{1, 2}}},
		{`SELECT category, count(*) AS n FROM shop.products WHERE category = ANY($1) GROUP BY category ORDER BY category`,
			[]any{[]string{"Toys", "Books", "Nope"}}},
		{`SELECT $1::int8[] AS ids, cardinality($1::int8[]) AS n`, []any{[]int64{7, 8, 9}}},
	}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeDescribeExec} {
		for i, c := range cases {
			want, err := collectValues(ctx, pc, mode, c.sql, c.args)
			if err != nil {
				t.Fatalf("PostgreSQL: %v\n%s", err, c.sql)
			}
			got, err := collectValues(ctx, lc, mode, c.sql, c.args)
			if err != nil {
				t.Errorf("case %d, mode %v: lakegate: %v\n%s", i, mode, err, c.sql)
				continue
			}
			if got != want {
				t.Errorf("case %d, mode %v: lakegate %s, PostgreSQL %s\n%s", i, mode, got, want, c.sql)
			}
		}
	}
}

// collectValues runs sql with args and renders the decoded rows with fmt.
func collectValues(ctx context.Context, c *pgx.Conn, mode pgx.QueryExecMode, sql string, args []any) (string, error) {
	rows, err := c.Query(ctx, sql, append([]any{mode}, args...)...)
	if err != nil {
		return "", err
	}
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return "", err
		}
		out = append(out, fmt.Sprint(vals...))
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	var names []string
	for _, f := range rows.FieldDescriptions() {
		names = append(names, fmt.Sprintf("%s:%d", f.Name, f.DataTypeOID))
	}
	return fmt.Sprint(names, out), nil
}

// demoQueries cover joins, windows, grouping sets, NULLs, numeric precision,
// unicode text, timestamps with and without zone and date arithmetic.
var demoQueries = []diffQuery{
	// Joins.
	{name: "join_inner", sql: `SELECT p.category, st.city, count(*) AS n, sum(s.qty) AS units, sum(p.price * s.qty) AS list_value
		FROM shop.sales s JOIN shop.products p ON p.product_id = s.product_id JOIN shop.stores st USING (store_id)
		GROUP BY p.category, st.city`},
	{name: "join_left_nulls", sql: `SELECT st.store_id, st.city, x.n
		FROM shop.stores st LEFT JOIN (SELECT store_id, count(*) AS n FROM shop.sales
			WHERE ts >= '2025-03-01' AND ts < '2025-03-08' AND store_id % 3 = 1 GROUP BY store_id) x ON x.store_id = st.store_id
		ORDER BY x.n NULLS FIRST, st.store_id`, orderBy: []int{2, 0}},
	{name: "join_full", sql: `SELECT coalesce(a.product_id, b.product_id) AS product_id, a.n AS n1, b.n AS n2
		FROM (SELECT product_id, count(*) AS n FROM shop.sales WHERE store_id = 1 AND qty > 3 GROUP BY product_id) a
		FULL JOIN (SELECT product_id, count(*) AS n FROM shop.sales WHERE store_id = 2 AND qty > 3 GROUP BY product_id) b
		ON a.product_id = b.product_id`},
	{name: "semi_exists", sql: `SELECT p.product_id, p.name FROM shop.products p
		WHERE EXISTS (SELECT 1 FROM shop.sales s WHERE s.product_id = p.product_id AND s.qty >= 6 AND s.store_id = 3)`},
	{name: "anti_not_exists", sql: `SELECT p.product_id, p.category FROM shop.products p
		WHERE NOT EXISTS (SELECT 1 FROM shop.sales s WHERE s.product_id = p.product_id AND s.store_id = 3 AND s.ts >= '2025-12-20')
		ORDER BY p.category DESC, p.product_id`, orderBy: []int{1, 0}},
	{name: "semi_in_anti_not_in", sql: `SELECT
		(SELECT count(*) FROM shop.products WHERE product_id IN (SELECT product_id FROM shop.sales WHERE qty > 7)) AS in_n,
		(SELECT count(*) FROM shop.products WHERE product_id NOT IN (SELECT product_id FROM shop.sales WHERE store_id = 5)) AS not_in_n,
		(SELECT count(*) FROM shop.products WHERE product_id NOT IN
			(SELECT CASE WHEN product_id % 7 = 0 THEN NULL ELSE product_id END FROM shop.sales WHERE store_id = 5)) AS not_in_null_n`},
	// Windows.
	{name: "window_row_number", sql: `SELECT product_id, day, revenue,
		row_number() OVER (PARTITION BY product_id ORDER BY revenue DESC, day) AS rn
		FROM shop.product_kpis WHERE day >= '2025-11-01'`},
	{name: "window_rank", sql: `SELECT category, product_id, price,
		rank() OVER (PARTITION BY category ORDER BY price DESC) AS rk,
		dense_rank() OVER (ORDER BY category) AS cat_rank,
		percent_rank() OVER (PARTITION BY category ORDER BY price) AS pr,
		cume_dist() OVER (PARTITION BY category ORDER BY price) AS cd,
		ntile(3) OVER (ORDER BY price, product_id) AS tile
		FROM shop.products`},
	{name: "window_lag_lead", sql: `SELECT product_id, day, units,
		lag(units) OVER w AS prev, lead(units, 2, -1) OVER w AS next2,
		first_value(units) OVER w AS first_units,
		last_value(units) OVER (PARTITION BY product_id ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS last_units
		FROM shop.product_kpis WHERE day < '2024-02-01'
		WINDOW w AS (PARTITION BY product_id ORDER BY day)`},
	{name: "window_frames", sql: `SELECT product_id, day,
		sum(units) OVER (PARTITION BY product_id ORDER BY day ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS units_3,
		sum(units) OVER (PARTITION BY product_id ORDER BY day) AS running_units,
		sum(price_reco) OVER (PARTITION BY product_id ORDER BY day RANGE BETWEEN INTERVAL '3 days' PRECEDING AND CURRENT ROW) AS reco_4d,
		avg(revenue) OVER (PARTITION BY product_id ORDER BY day ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS rev_avg3,
		count(*) OVER (PARTITION BY product_id) AS days
		FROM shop.product_kpis WHERE day >= '2025-12-01'`},
	{name: "window_running_sales", sql: `SELECT store_id, sale_id, qty,
		sum(qty) OVER (PARTITION BY store_id ORDER BY ts, sale_id) AS running_qty,
		sum(amount) OVER (PARTITION BY store_id ORDER BY ts, sale_id ROWS UNBOUNDED PRECEDING) AS running_amount
		FROM shop.sales WHERE ts >= '2025-12-30'`},
	// Grouping sets.
	{name: "grouping_sets", sql: `SELECT category, active, count(*) AS n, sum(price) AS total, grouping(category, active) AS g
		FROM shop.products GROUP BY GROUPING SETS ((category), (active), ())
		ORDER BY g, category NULLS FIRST, active NULLS FIRST`, orderBy: []int{4, 0, 1}},
	{name: "rollup", sql: `SELECT store_id, date_trunc('month', ts) AS month, count(*) AS n, sum(qty) AS units
		FROM shop.sales WHERE ts >= '2025-10-01' GROUP BY ROLLUP (store_id, date_trunc('month', ts))`},
	{name: "cube", sql: `SELECT p.category, extract(year FROM s.ts) AS yr, count(*) AS n, grouping(p.category) AS gc
		FROM shop.sales s JOIN shop.products p USING (product_id) GROUP BY CUBE (p.category, extract(year FROM s.ts))`},
	// NULL handling.
	{name: "nulls_order", sql: `SELECT product_id, nullif(category, 'Toys') AS cat
		FROM shop.products ORDER BY cat DESC, product_id`, orderBy: []int{1, 0}},
	{name: "nulls_order_explicit", sql: `SELECT product_id, CASE WHEN product_id % 4 = 0 THEN NULL ELSE price END AS p
		FROM shop.products ORDER BY p ASC NULLS FIRST, product_id DESC`, orderBy: []int{1, 0}},
	{name: "nulls_predicates", types: map[int]uint32{7: avgNumeric}, sql: `SELECT count(*) AS all_rows, count(x) AS non_null, count(DISTINCT x) AS distinct_x,
		sum(CASE WHEN x IS DISTINCT FROM 2 THEN 1 ELSE 0 END) AS distinct_from_2,
		sum(CASE WHEN x IS NOT DISTINCT FROM NULL THEN 1 ELSE 0 END) AS null_count,
		sum(coalesce(x, 100)) AS coalesced, max(x) AS mx, avg(x) AS av
		FROM (SELECT CASE WHEN qty > 4 THEN NULL ELSE qty END AS x FROM shop.sales) t`},
	{name: "nulls_aggregates_empty", sql: `SELECT sum(qty) AS s, max(ts) AS m, count(*) AS n, count(qty) AS nq, string_agg(sale_id::text, ',') AS ids
		FROM shop.sales WHERE qty < 0`},
	{name: "sum_nested", types: map[int]uint32{1: sumInt}, sql: `SELECT store_id, sum(qty) + 1 AS units_plus_one, sum(qty) AS units
		FROM shop.sales GROUP BY store_id`},
	// Numeric precision.
	{name: "numeric_sums", types: map[int]uint32{2: avgNumeric, 6: avgNumeric}, sql: `SELECT category, sum(price) AS total, round(avg(price), 2) AS avg2, min(price) AS lo, max(price) AS hi,
		sum(price * 3) AS triple, round(sum(price) / count(*), 4) AS mean4
		FROM shop.products GROUP BY category`},
	{name: "numeric_division", types: map[int]uint32{2: avgNumeric, 5: avgNumeric}, sql: `SELECT product_id, price, price / 3 AS third, price * 1.075 AS taxed, round(price * 1.075, 2) AS taxed2,
		trunc(price / 7, 3) AS t3, price::int AS whole, ceil(price) AS c, floor(price) AS f
		FROM shop.products`},
	{name: "numeric_avg", types: map[int]uint32{1: avgNumeric}, sql: `SELECT category, avg(price) AS avg_price FROM shop.products GROUP BY category`},
	{name: "integer_division_modulo", sql: `SELECT qty, qty / 2 AS half, qty % 3 AS m3, -qty / 2 AS neg_half, -qty % 3 AS neg_m3,
		div(qty * 7, 3) AS d, mod(qty * 7, 3) AS m, qty::float8 / 4 AS fq, count(*) AS n
		FROM shop.sales GROUP BY qty`},
	{name: "float_amounts", sql: `SELECT store_id, sum(amount) AS total, avg(amount) AS mean, round(sum(amount)::numeric, 2) AS total2,
		max(amount) AS hi, stddev_samp(amount) AS sd
		FROM shop.sales GROUP BY store_id`},
	// Unicode text.
	{name: "unicode_text", sql: `SELECT product_id, upper(name) AS up, lower(category) AS low,
		name || ' · Größe ✓' AS tagged, length(name || 'é😀') AS len, substring(name FROM 3 FOR 6) AS sub,
		upper('café ñandú') AS up2, lower('ÀÉÎÕÜ ΣΑΣ') AS low2, length('日本語テキスト') AS jlen,
		position('a' IN name) AS pos, replace(name, ' ', '_') AS repl
		FROM shop.products`},
	{name: "unicode_like", sql: `SELECT product_id, name FROM shop.products
		WHERE name LIKE '%e%' AND name NOT LIKE 'B%' OR name ILIKE '%PRO%' OR category ILIKE 'électronique' OR 'Ünïcødé' ILIKE 'üNÏcødÉ'`},
	{name: "text_order", sql: `SELECT DISTINCT category FROM shop.products ORDER BY category`, orderBy: []int{0}},
	// Timestamps without and with zone.
	{name: "timestamp_trunc_extract", sql: `SELECT date_trunc('week', ts) AS wk, extract(dow FROM ts) AS dow, extract(hour FROM ts) AS hr,
		count(*) AS n FROM shop.sales WHERE ts >= '2025-12-20' AND ts < timestamp '2025-12-28 18:30:00' GROUP BY 1, 2, 3`},
	{name: "timestamp_epoch_parts", sql: `SELECT sale_id, ts, extract(epoch FROM ts) AS epoch, extract(doy FROM ts) AS doy,
		extract(quarter FROM ts) AS q, date_part('minute', ts) AS mi, ts::date AS d, ts::time AS tm
		FROM shop.sales WHERE ts BETWEEN '2025-07-04 10:00' AND '2025-07-04 11:00'`},
	{name: "timestamptz_at_time_zone", sql: `SELECT sale_id, ts AT TIME ZONE 'UTC' AS utc_tz, ts AT TIME ZONE 'Asia/Tokyo' AS tokyo_tz,
		(ts AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Berlin' AS berlin_wall,
		(ts AT TIME ZONE 'UTC') > timestamptz '2025-03-09 10:00:00-04' AS after_10_ny
		FROM shop.sales WHERE ts >= '2025-03-09 08:00' AND ts < '2025-03-09 11:00' OR ts >= '2025-11-02 08:00' AND ts < '2025-11-02 11:00'`},
	{name: "timestamptz_compare", sql: `SELECT count(*) AS n FROM shop.sales
		WHERE ts AT TIME ZONE 'UTC' >= timestamptz '2025-11-02 05:00:00+00' AND ts AT TIME ZONE 'UTC' < timestamptz '2025-11-03 00:00:00-05'`},
	{name: "known_timestamptz_session_zone", sql: `SELECT timestamp '2025-03-09 08:20:00'::timestamptz AS local_tz,
		date_trunc('day', timestamptz '2025-03-09 08:20:00-04') AS day_tz, extract(hour FROM timestamptz '2025-03-09 08:20:00-04') AS hr`,
		known: "DuckDB computes timestamptz in UTC, not in the session TimeZone (its configuration is locked): " +
			"timestamp::timestamptz, date_trunc and extract on timestamptz; output is shown in the session zone",
		lgRows: [][]string{{"2025-03-09 04:20:00-04", "2025-03-08 19:00:00-05", "12"}}},
	{name: "extract_fractions", sql: `SELECT sale_id, extract(second FROM ts) AS sec, extract(milliseconds FROM ts) AS ms,
		extract(microseconds FROM ts) AS us, extract(epoch FROM ts) AS ep, date_part('second', ts) AS dp_sec,
		date_part('epoch', ts) AS dp_ep, date_part('dow', ts) AS dp_dow, extract(isodow FROM ts) AS isodow,
		extract(week FROM ts) AS wk, extract(century FROM ts) AS cen, extract(epoch FROM ts - timestamp '2025-01-01') AS ep_iv
		FROM shop.sales WHERE ts >= '2025-08-15' AND ts < '2025-08-15 12:00'`},
	{name: "to_char_padding", sql: `SELECT store_id, to_char(opened, 'Month') AS mon_pad, to_char(opened, 'FMMonth FMDD, YYYY') AS mon_fm,
		to_char(opened, 'DAY Dy MON') AS days, to_char(opened::timestamp + interval '13 hours 5 minutes', 'HH12:MI AM "at" HH24') AS clock
		FROM shop.stores`},
	{name: "to_char", sql: `SELECT sale_id, to_char(ts, 'YYYY-MM-DD HH24:MI:SS') AS t1, to_char(ts, 'Dy DD Mon YYYY') AS t2
		FROM shop.sales WHERE ts >= '2025-12-31 20:00'`},
	// Date arithmetic.
	{name: "date_arithmetic", types: map[int]uint32{4: dateMinusDate}, sql: `SELECT store_id, opened, opened + 7 AS plus7, opened - 30 AS minus30,
		date '2026-01-01' - opened AS days_open, opened + interval '1 month' AS plus_month,
		opened + interval '1 day 2 hours' AS plus_dh, (opened - interval '1 year')::date AS minus_year
		FROM shop.stores`},
	{name: "date_age", sql: `SELECT store_id, age(timestamp '2026-01-01', opened) AS age_at_2026,
		age(opened) > interval '1 year' AS old, make_date(2025, 2, 28) + 1 AS leap_check, date_trunc('month', opened::timestamp) AS m
		FROM shop.stores`},
	{name: "justify", sql: `SELECT store_id, justify_days(interval '65 days' + store_id * interval '1 day') AS jd,
		justify_hours(interval '50 hours 10 minutes 3.5 seconds' + store_id * interval '7 hours') AS jh,
		justify_days(-store_id * interval '13 days') AS neg FROM shop.stores`},
	{name: "known_date_trunc_date", sql: `SELECT date_trunc('month', date '2024-03-15') AS m`,
		known:  "PostgreSQL truncates a date as timestamptz (in the session zone), DuckDB as timestamp",
		lgRows: [][]string{{"2024-03-01 00:00:00"}}},
	{name: "known_upper_sharp_s", sql: `SELECT upper('straße') AS up`,
		known: "DuckDB upper-cases ß to ẞ (U+1E9E), PostgreSQL keeps ß", lgRows: [][]string{{"STRAẞE"}}},
	{name: "interval_arithmetic", types: map[int]uint32{2: dateMinusDate}, sql: `SELECT product_id, max(ts) - min(ts) AS span, max(day_n) - min(day_n) AS day_span
		FROM (SELECT product_id, ts, ts::date AS day_n FROM shop.sales WHERE store_id = 4) s GROUP BY product_id`},
	// CASE, DISTINCT ON, LIMIT/OFFSET.
	{name: "case_buckets", sql: `SELECT CASE WHEN qty >= 5 THEN 'bulk' WHEN qty >= 2 THEN 'multi' ELSE 'single' END AS bucket,
		CASE store_id % 3 WHEN 0 THEN 'a' WHEN 1 THEN 'b' END AS grp, count(*) AS n
		FROM shop.sales GROUP BY 1, 2`},
	{name: "distinct_on", sql: `SELECT DISTINCT ON (store_id) store_id, sale_id, amount
		FROM shop.sales ORDER BY store_id, amount DESC, sale_id`, orderBy: []int{0}},
	{name: "limit_offset", sql: `SELECT sale_id, amount FROM shop.sales ORDER BY amount DESC, sale_id LIMIT 15 OFFSET 40`,
		orderBy: []int{1, 0}},
	{name: "div_mod_negative", sql: `SELECT store_id, div(-store_id * 7, 4) AS d, mod(-store_id * 7, 4) AS m, (-store_id * 7) / 4 AS q,
		(-store_id * 7) % 4 AS r, div(opened - date '2020-01-01', 7) AS weeks
		FROM shop.stores`},
	// Ordered aggregates and FILTER.
	{name: "string_agg_array_agg", sql: `SELECT category, string_agg(name, ', ' ORDER BY name DESC) AS names,
		array_agg(product_id ORDER BY product_id) AS ids, array_agg(DISTINCT active ORDER BY active) AS flags,
		cardinality(array_agg(product_id)) AS card, array_length(array_agg(name), 1) AS alen
		FROM shop.products GROUP BY category`},
	{name: "filter_clause", sql: `SELECT store_id, count(*) FILTER (WHERE qty > 3) AS big, sum(amount) FILTER (WHERE extract(month FROM ts) = 12) AS december,
		count(DISTINCT product_id) FILTER (WHERE qty = 1) AS singles, bool_and(qty > 0) AS all_pos
		FROM shop.sales GROUP BY store_id`},
}

// compareQuery runs q on the gateway (lc) and on PostgreSQL (pc) and compares.
func compareQuery(t *testing.T, ctx context.Context, lc, pc *pgx.Conn, q diffQuery) {
	t.Helper()
	want, err := runText(ctx, pc, q.sql)
	if err != nil {
		t.Fatalf("PostgreSQL: %v\n%s", err, q.sql)
	}
	if len(want.rows) == 0 && !q.mayBeEmpty {
		t.Fatalf("PostgreSQL returned no rows: the query compares nothing\n%s", q.sql)
	}
	got, err := runText(ctx, lc, q.sql)
	if q.known != "" {
		// A documented difference: lakegate's current answer, exactly.
		switch {
		case q.lgCode != "":
			if pgCode(err) != q.lgCode {
				t.Fatalf("known difference (%s): want SQLSTATE %s from lakegate, got %v", q.known, q.lgCode, err)
			}
		case err != nil:
			t.Fatalf("known difference (%s): lakegate: %v", q.known, err)
		default:
			if g := textRows(got); fmt.Sprint(g) != fmt.Sprint(q.lgRows) {
				t.Fatalf("known difference (%s): lakegate returned %v, want %v", q.known, g, q.lgRows)
			}
			if fmt.Sprint(textRows(want)) == fmt.Sprint(q.lgRows) {
				t.Fatalf("known difference (%s) is gone: PostgreSQL agrees with lakegate, make it a plain query", q.known)
			}
		}
		return
	}
	if err != nil {
		t.Fatalf("lakegate: %v (SQLSTATE %s)\n%s", err, pgCode(err), q.sql)
	}
	for c, oid := range q.types {
		if c >= len(want.oids) || want.oids[c] == oid {
			t.Fatalf("known type difference of column %d is not there: PostgreSQL OIDs %v", c, want.oids)
		}
		want.oids[c] = oid
	}
	if msg := diffResults(got, want, q.orderBy); msg != "" {
		t.Errorf("%s\n%s", msg, q.sql)
	}
}

// runText runs sql with the simple protocol, so every value is PostgreSQL text.
func runText(ctx context.Context, c *pgx.Conn, sql string) (*diffResult, error) {
	rows, err := c.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	r := &diffResult{}
	for _, f := range rows.FieldDescriptions() {
		r.names = append(r.names, f.Name)
		r.oids = append(r.oids, f.DataTypeOID)
	}
	for rows.Next() {
		raw := rows.RawValues()
		row := make([]*string, len(raw))
		for i, b := range raw {
			if b != nil {
				s := string(b)
				row[i] = &s
			}
		}
		r.rows = append(r.rows, row)
	}
	return r, rows.Err()
}

// textRows renders a result's rows as text, NULL as "NULL".
func textRows(r *diffResult) [][]string {
	var out [][]string
	for _, row := range r.rows {
		var line []string
		for _, c := range row {
			if c == nil {
				line = append(line, "NULL")
			} else {
				line = append(line, *c)
			}
		}
		out = append(out, line)
	}
	return out
}

func isFloatOID(oid uint32) bool { return oid == pgtype.Float4OID || oid == pgtype.Float8OID }

// cmpCell orders two cells of a column: NULL first, floats numerically, the
// rest by text.
func cmpCell(a, b *string, float bool) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	if float {
		fa, ea := strconv.ParseFloat(*a, 64)
		fb, eb := strconv.ParseFloat(*b, 64)
		if ea == nil && eb == nil {
			switch {
			case fa < fb:
				return -1
			case fa > fb:
				return 1
			}
			return 0
		}
	}
	return strings.Compare(*a, *b)
}

// sameCell reports whether two cells match: floats within diffFloatTolerance.
func sameCell(a, b *string, float bool) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if *a == *b {
		return true
	}
	if !float {
		return false
	}
	fa, ea := strconv.ParseFloat(*a, 64)
	fb, eb := strconv.ParseFloat(*b, 64)
	if ea != nil || eb != nil || math.IsInf(fa, 0) || math.IsInf(fb, 0) || math.IsNaN(fa) || math.IsNaN(fb) {
		return false
	}
	return math.Abs(fa-fb) <= diffFloatTolerance*math.Max(math.Abs(fa), math.Abs(fb))
}

func showRow(row []*string) string {
	parts := make([]string, len(row))
	for i, c := range row {
		if c == nil {
			parts[i] = "NULL"
		} else {
			parts[i] = *c
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// diffResults returns "" when got matches want, else what differs.
func diffResults(got, want *diffResult, orderBy []int) string {
	if fmt.Sprint(got.names) != fmt.Sprint(want.names) {
		return fmt.Sprintf("columns: lakegate %v, PostgreSQL %v", got.names, want.names)
	}
	if fmt.Sprint(got.oids) != fmt.Sprint(want.oids) {
		return fmt.Sprintf("column type OIDs of %v: lakegate %v, PostgreSQL %v", want.names, got.oids, want.oids)
	}
	if len(got.rows) != len(want.rows) {
		return fmt.Sprintf("lakegate returned %d rows, PostgreSQL %d", len(got.rows), len(want.rows))
	}
	float := make([]bool, len(want.oids))
	for i, oid := range want.oids {
		float[i] = isFloatOID(oid) || isFloatOID(got.oids[i])
	}
	var b strings.Builder
	// The ORDER BY keys, in sequence.
	if orderBy != nil {
		for i := range want.rows {
			for _, c := range orderBy {
				if !sameCell(got.rows[i][c], want.rows[i][c], float[c]) {
					fmt.Fprintf(&b, "order: row %d is %s on lakegate, %s on PostgreSQL (ORDER BY keys %v)\n",
						i+1, showRow(got.rows[i]), showRow(want.rows[i]), orderBy)
					break
				}
			}
			if b.Len() > 2000 {
				break
			}
		}
	}
	// All rows, as a multiset.
	sorted := func(rows [][]*string) [][]*string {
		out := append([][]*string(nil), rows...)
		sort.SliceStable(out, func(i, j int) bool {
			for c := range out[i] {
				if d := cmpCell(out[i][c], out[j][c], float[c]); d != 0 {
					return d < 0
				}
			}
			return false
		})
		return out
	}
	gs, ws := sorted(got.rows), sorted(want.rows)
	bad := 0
	for i := range ws {
		for c := range ws[i] {
			if !sameCell(gs[i][c], ws[i][c], float[c]) {
				if bad < 10 {
					fmt.Fprintf(&b, "rows: lakegate %s, PostgreSQL %s (column %s)\n", showRow(gs[i]), showRow(ws[i]), want.names[c])
				}
				bad++
				break
			}
		}
	}
	if bad > 10 {
		fmt.Fprintf(&b, "... %d rows differ in all\n", bad)
	}
	return b.String()
}
