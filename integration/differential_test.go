package integration

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
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
	// PostgreSQL, a known difference: column -> lakegate's type OID. Their
	// values still match: as text, or within the float tolerance where one side
	// is float8. No query has one at present.
	types map[int]uint32
	// known, if set, is a documented difference lakegate cannot bridge yet: the
	// test asserts lakegate's current answer (an error with lgCode, or lgRows
	// as text) and that PostgreSQL's answer differs from it.
	known  string
	lgCode string
	lgRows [][]string
	// mayBeEmpty allows PostgreSQL's answer to have no rows.
	mayBeEmpty bool
	// zone, if set, is the session TimeZone the query runs in on both sides
	// (the previous one is restored after it).
	zone string
}

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
	for i, sql := range tpch.Queries {
		q := diffQuery{name: fmt.Sprintf("Q%02d", i+1), sql: sql, orderBy: order[i]}
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
	t.Run("zone_after_prepare", func(t *testing.T) { testDiffZonePrepared(t, ctx, lc, pc) })
	t.Run("numeric_binary", func(t *testing.T) { testDiffNumericBinary(t, ctx, lc, pc) })
}

// testDiffNumericBinary reads exact numeric quotients (each value with its own
// scale) with pgx's extended protocol, which asks for numeric in binary.
func testDiffNumericBinary(t *testing.T, ctx context.Context, lc, pc *pgx.Conn) {
	cases := []paramCase{
		{`SELECT category, avg(price) AS a, sum(price) / count(*) AS m, round(avg(price), 2) AS r
			FROM shop.products GROUP BY category ORDER BY category`, nil},
		{`SELECT product_id, min(price) / 3 AS third, sum(price) / 7 AS seventh FROM shop.products GROUP BY product_id ORDER BY product_id`, nil},
		{`SELECT store_id, avg(qty) AS a FROM shop.sales WHERE store_id <= $1 GROUP BY store_id ORDER BY a DESC, store_id`, []any{int32(4)}},
		{`SELECT product_id, price / 7 AS q, price / 3 * 2 AS r FROM shop.products WHERE product_id <= $1 ORDER BY product_id`, []any{int64(30)}},
		{`SELECT category, avg(price) * 2 AS x, sum(price) / 3 - 1 AS y FROM shop.products GROUP BY category ORDER BY category`, nil},
		{`SELECT product_id, q, c FROM (SELECT product_id, price / 7 AS q, CASE WHEN price > 10 THEN price / 3 ELSE 0 END AS c FROM shop.products) s
			WHERE product_id <= $1 ORDER BY q, product_id`, []any{int64(30)}},
		{`SELECT price / 4 AS quarter, count(*) AS n FROM shop.products GROUP BY 1 ORDER BY 1`, nil},
		{`SELECT category, avg(price) AS a FROM shop.products GROUP BY 1 UNION ALL SELECT NULL, avg(price) FROM shop.products
			ORDER BY category NULLS FIRST`, nil},
	}
	diffInModes(t, ctx, lc, pc, cases)
}

// testDiffZonePrepared prepares a statement once and executes it after SET
// TimeZone to several zones: PostgreSQL computes in the zone in force at
// execution, and so must lakegate.
func testDiffZonePrepared(t *testing.T, ctx context.Context, lc, pc *pgx.Conn) {
	const sql = `SELECT sale_id, date_trunc('day', u) AS d, u::timestamp AS wall, extract(hour FROM u) AS hr, ts::timestamptz AS l
		FROM (SELECT sale_id, ts, (ts - interval '3 hours') AT TIME ZONE 'UTC' AS u FROM shop.sales
			WHERE ts >= '2025-03-09 08:00' AND ts < '2025-03-09 12:00') s ORDER BY sale_id`
	for _, c := range []*pgx.Conn{lc, pc} {
		if _, err := c.Prepare(ctx, "zone_after_prepare", sql); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if _, err := c.Exec(ctx, "SET TimeZone = 'America/New_York'"); err != nil {
				t.Error(err)
			}
		}()
	}
	seen := map[string]bool{}
	for _, zone := range []string{"Asia/Kolkata", "UTC", "America/New_York", "UTC+3"} {
		var got [2]string
		for i, c := range []*pgx.Conn{lc, pc} {
			if _, err := c.Exec(ctx, "SET TimeZone = "+quoteLiteral(zone)); err != nil {
				t.Fatal(err)
			}
			v, err := collectValues(ctx, c, pgx.QueryExecModeCacheStatement, "zone_after_prepare", nil)
			if err != nil {
				t.Fatalf("%s: %v", zone, err)
			}
			got[i] = v
		}
		if got[0] != got[1] {
			t.Errorf("TimeZone %s: lakegate %s\nPostgreSQL %s", zone, got[0], got[1])
		}
		seen[got[1]] = true
	}
	if len(seen) < 3 {
		t.Errorf("PostgreSQL's answers hardly depend on the zone (%d distinct): the test checks nothing", len(seen))
	}
}

// testDiffArrayParams sends Go slices as array parameters with pgx's extended
// protocol: PostgreSQL infers int8[] for product_id = ANY($1), and so must
// lakegate, or pgx cannot encode the slice.
func testDiffArrayParams(t *testing.T, ctx context.Context, lc, pc *pgx.Conn) {
	cases := []paramCase{
		{`SELECT product_id, name FROM shop.products WHERE product_id = ANY($1) ORDER BY product_id`, []any{[]int64{1, 3, 5, 999}}},
		{`SELECT product_id, price FROM shop.products WHERE product_id = ANY($1::int8[]) ORDER BY product_id`, []any{[]int64{2, 4}}},
		{`SELECT count(*) AS n FROM shop.sales WHERE store_id = ANY($1) AND qty <> ALL($2)`, []any{[]int32{1, 2}, []int32{1, 2}}},
		{`SELECT category, count(*) AS n FROM shop.products WHERE category = ANY($1) GROUP BY category ORDER BY category`,
			[]any{[]string{"Toys", "Books", "Nope"}}},
		{`SELECT $1::int8[] AS ids, cardinality($1::int8[]) AS n`, []any{[]int64{7, 8, 9}}},
	}
	diffInModes(t, ctx, lc, pc, cases)
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

// compareQuery runs q on the gateway (lc) and on PostgreSQL (pc) and compares.
func compareQuery(t *testing.T, ctx context.Context, lc, pc *pgx.Conn, q diffQuery) {
	t.Helper()
	if q.zone != "" {
		for _, c := range []*pgx.Conn{lc, pc} {
			var prev string
			if err := c.QueryRow(ctx, "SHOW TimeZone").Scan(&prev); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Exec(ctx, "SET TimeZone = "+quoteLiteral(q.zone)); err != nil {
				t.Fatal(err)
			}
			defer func() {
				if _, err := c.Exec(ctx, "SET TimeZone = "+quoteLiteral(prev)); err != nil {
					t.Error(err)
				}
			}()
		}
	}
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

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// paramCase is a statement with its parameters.
type paramCase struct {
	sql  string
	args []any
}

// diffInModes runs each case on lakegate and PostgreSQL with pgx's extended protocol,
// prepared and described-then-executed, and compares the values.
func diffInModes(t *testing.T, ctx context.Context, lc, pc *pgx.Conn, cases []paramCase) {
	t.Helper()
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
				t.Errorf("case %d, mode %v: lakegate %s\nPostgreSQL %s\n%s", i, mode, got, want, c.sql)
			}
		}
	}
}
