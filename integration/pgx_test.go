package integration

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lakegate/lakegate/demolake"
)

// execModes are pgx's ways of running a query: CacheStatement (the default:
// Parse/Describe once, binary results), CacheDescribe, DescribeExec, Exec (unnamed
// statement, text) and SimpleProtocol (Query message, arguments interpolated).
var execModes = []struct {
	name string
	mode pgx.QueryExecMode
}{
	{"CacheStatement", pgx.QueryExecModeCacheStatement},
	{"CacheDescribe", pgx.QueryExecModeCacheDescribe},
	{"DescribeExec", pgx.QueryExecModeDescribeExec},
	{"Exec", pgx.QueryExecModeExec},
	{"SimpleProtocol", pgx.QueryExecModeSimpleProtocol},
}

func connString(db, pw string) string {
	return fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable&connect_timeout=10", user, pw, env.addr, db)
}

func ping(ctx context.Context, addr, db string) error {
	c, err := pgx.Connect(ctx, fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable&connect_timeout=10", user, password, addr, db))
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	var one int
	return c.QueryRow(ctx, "SELECT 1").Scan(&one)
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func connect(t *testing.T, mode pgx.QueryExecMode) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(connString(dbName, password))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = mode
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func forEachMode(t *testing.T, fn func(t *testing.T, c *pgx.Conn)) {
	for _, m := range execModes {
		t.Run(m.name, func(t *testing.T) { fn(t, connect(t, m.mode)) })
	}
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// numericCents converts a numeric(…,2) value to whole cents, exactly.
func numericCents(n pgtype.Numeric) (int64, error) {
	if !n.Valid || n.NaN || n.InfinityModifier != pgtype.Finite || n.Int == nil {
		return 0, fmt.Errorf("not a finite numeric: %+v", n)
	}
	v := new(big.Int).Set(n.Int)
	exp := int(n.Exp) + 2
	ten := big.NewInt(10)
	for ; exp > 0; exp-- {
		v.Mul(v, ten)
	}
	for ; exp < 0; exp++ {
		var rem big.Int
		v.QuoRem(v, ten, &rem)
		if rem.Sign() != 0 {
			return 0, fmt.Errorf("numeric %s%se%d has more than 2 decimals", n.Int, "", n.Exp)
		}
	}
	if !v.IsInt64() {
		return 0, fmt.Errorf("numeric out of range: %v", v)
	}
	return v.Int64(), nil
}

func TestAggregates(t *testing.T) {
	d := env.data
	all := d.salesWhere(nil)
	forEachMode(t, func(t *testing.T, c *pgx.Conn) {
		ctx := testCtx(t)
		var got salesTotals
		err := c.QueryRow(ctx, `SELECT count(*), sum(qty), sum(round(amount*100))::bigint FROM shop.sales`).
			Scan(&got.count, &got.qty, &got.cents)
		if err != nil {
			t.Fatal(err)
		}
		if got != all {
			t.Errorf("sales totals: got %+v, want %+v", got, all)
		}

		rows, err := c.Query(ctx, `SELECT store_id, count(*) FROM shop.sales GROUP BY store_id ORDER BY store_id`)
		if err != nil {
			t.Fatal(err)
		}
		gotByStore := map[int32]int64{}
		var order []int32
		for rows.Next() {
			var s int32
			var n int64
			if err := rows.Scan(&s, &n); err != nil {
				t.Fatal(err)
			}
			gotByStore[s] = n
			order = append(order, s)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		want := d.countByStore()
		if !reflect.DeepEqual(gotByStore, want) {
			t.Errorf("count per store: got %v, want %v", gotByStore, want)
		}
		if !reflect.DeepEqual(order, sortedKeys(want)) {
			t.Errorf("ORDER BY store_id: got %v", order)
		}

		// Literal date range on the partition column.
		from, to := date(2025, 3, 1), date(2025, 4, 1)
		wantRange := d.salesWhere(func(s *demolake.SaleRow) bool { return inRange(s.TS, from, to) })
		var gotRange salesTotals
		err = c.QueryRow(ctx, `SELECT count(*), sum(qty), sum(round(amount*100))::bigint FROM shop.sales
			WHERE ts >= '2025-03-01' AND ts < '2025-04-01'`).Scan(&gotRange.count, &gotRange.qty, &gotRange.cents)
		if err != nil {
			t.Fatal(err)
		}
		if gotRange != wantRange {
			t.Errorf("March 2025 sales: got %+v, want %+v", gotRange, wantRange)
		}

		gotCat := map[string]int64{}
		rows, err = c.Query(ctx, `SELECT category, count(*) FROM shop.products GROUP BY category ORDER BY category`)
		if err != nil {
			t.Fatal(err)
		}
		var cat string
		var n int64
		if _, err := pgx.ForEachRow(rows, []any{&cat, &n}, func() error { gotCat[cat] = n; return nil }); err != nil {
			t.Fatal(err)
		}
		if want := d.productsByCategory(); !reflect.DeepEqual(gotCat, want) {
			t.Errorf("products by category: got %v, want %v", gotCat, want)
		}

		gotRev := map[string]int64{}
		rows, err = c.Query(ctx, `SELECT p.category, sum(round(s.amount*100))::bigint
			FROM shop.sales s JOIN shop.products p ON p.product_id = s.product_id
			GROUP BY p.category ORDER BY 2 DESC`)
		if err != nil {
			t.Fatal(err)
		}
		var prev int64 = -1
		if _, err := pgx.ForEachRow(rows, []any{&cat, &n}, func() error {
			if prev >= 0 && n > prev {
				return fmt.Errorf("ORDER BY 2 DESC: %d after %d", n, prev)
			}
			prev = n
			gotRev[cat] = n
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if want := d.revenueCentsByCategory(); !reflect.DeepEqual(gotRev, want) {
			t.Errorf("revenue cents per category (join): got %v, want %v", gotRev, want)
		}

		day := date(2025, 6, 15)
		k, ok := d.kpi(3, day)
		if !ok {
			t.Fatal("no KPI row for product 3 on 2025-06-15 in the generators")
		}
		var rev, fc float64
		var units int64
		var reco pgtype.Numeric
		err = c.QueryRow(ctx, `SELECT revenue, units, forecast, price_reco FROM shop.product_kpis
			WHERE product_id = 3 AND day = DATE '2025-06-15'`).Scan(&rev, &units, &fc, &reco)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := numericCents(reco)
		if err != nil {
			t.Fatal(err)
		}
		if rev != k.Revenue || units != k.Units || fc != k.Forecast || rc != k.PriceRecoCents {
			t.Errorf("kpis of product 3 on %s: got (%v, %d, %v, %d), want (%v, %d, %v, %d)",
				pgDate(day), rev, units, fc, rc, k.Revenue, k.Units, k.Forecast, k.PriceRecoCents)
		}
	})
}

// TestParameters binds one parameter of each type the demo's columns have.
func TestParameters(t *testing.T) {
	d := env.data
	from, to := date(2025, 3, 1), date(2025, 3, 8)
	var opened time.Time = date(2015, 1, 1)
	cases := []struct {
		name string
		sql  string
		arg  any
		want int64
	}{
		{name: "int8", sql: `SELECT count(*) FROM shop.sales WHERE product_id = $1`, arg: int64(2),
			want: d.salesWhere(func(s *demolake.SaleRow) bool { return s.ProductID == 2 }).count},
		{name: "int4", sql: `SELECT count(*) FROM shop.sales WHERE store_id = $1`, arg: int32(5),
			want: d.salesWhere(func(s *demolake.SaleRow) bool { return s.StoreID == 5 }).count},
		{name: "text", sql: `SELECT count(*) FROM shop.products WHERE category = $1`, arg: "Toys",
			want: d.productsByCategory()["Toys"]},
		{name: "date", sql: `SELECT count(*) FROM shop.stores WHERE opened < $1`,
			arg: pgtype.Date{Time: opened, Valid: true}, want: func() (n int64) {
				for _, s := range d.stores {
					if s.Opened.Before(opened) {
						n++
					}
				}
				return
			}()},
		{name: "date-time.Time", sql: `SELECT count(*) FROM shop.stores WHERE opened < $1`,
			arg: opened, want: func() (n int64) {
				for _, s := range d.stores {
					if s.Opened.Before(opened) {
						n++
					}
				}
				return
			}()},
		{name: "timestamp", sql: `SELECT count(*) FROM shop.sales WHERE ts >= $1`,
			arg:  pgtype.Timestamp{Time: from, Valid: true},
			want: d.salesWhere(func(s *demolake.SaleRow) bool { return !s.TS.Before(from) }).count},
		{name: "numeric", sql: `SELECT count(*) FROM shop.products WHERE price > $1`,
			arg: pgtype.Numeric{Int: big.NewInt(2000), Exp: -2, Valid: true}, want: func() (n int64) {
				for _, p := range d.products {
					if p.PriceCents > 2000 {
						n++
					}
				}
				return
			}()},
		{name: "bool", sql: `SELECT count(*) FROM shop.products WHERE active = $1`, arg: false,
			want: func() (n int64) {
				for _, p := range d.products {
					if !p.Active {
						n++
					}
				}
				return
			}()},
		{name: "int8-cast", sql: `SELECT count(*) FROM shop.sales WHERE sale_id <= $1::int8`, arg: int64(1000),
			want: d.salesWhere(func(s *demolake.SaleRow) bool { return s.SaleID <= 1000 }).count},
		{name: "text-cast", sql: `SELECT count(*) FROM shop.products WHERE name LIKE $1::text`, arg: "%Pro%",
			want: func() (n int64) {
				for _, p := range d.products {
					if strings.Contains(p.Name, "Pro") {
						n++
					}
				}
				return
			}()},
	}
	forEachMode(t, func(t *testing.T, c *pgx.Conn) {
		ctx := testCtx(t)
		for _, tc := range cases {
			var got int64
			if err := c.QueryRow(ctx, tc.sql, tc.arg).Scan(&got); err != nil {
				t.Errorf("%s: %s with %#v: %v", tc.name, tc.sql, tc.arg, err)
				continue
			}
			if got != tc.want {
				t.Errorf("%s: %s with %#v: got %d, want %d", tc.name, tc.sql, tc.arg, got, tc.want)
			}
		}

		// A range with two timestamp parameters and time.Time values, as most
		// applications pass them.
		want := d.salesWhere(func(s *demolake.SaleRow) bool { return inRange(s.TS, from, to) })
		var got salesTotals
		err := c.QueryRow(ctx, `SELECT count(*), sum(qty), sum(round(amount*100))::bigint FROM shop.sales WHERE ts >= $1 AND ts < $2`,
			from, to).Scan(&got.count, &got.qty, &got.cents)
		if err != nil {
			t.Fatalf("ts range with time.Time arguments: %v", err)
		}
		if got != want {
			t.Errorf("ts range with time.Time arguments: got %+v, want %+v", got, want)
		}

		// Parameters in the select list come back with their values.
		var i8 int64
		var i4 int32
		var s string
		var b bool
		var dt pgtype.Date
		err = c.QueryRow(ctx, `SELECT $1::int8, $2::int4, $3::text, $4::bool, $5::date`,
			int64(-9007199254740993), int32(-7), "héllo 'quoted'", true, pgtype.Date{Time: date(2024, 2, 29), Valid: true}).
			Scan(&i8, &i4, &s, &b, &dt)
		if err != nil {
			t.Fatalf("echo parameters: %v", err)
		}
		if i8 != -9007199254740993 || i4 != -7 || s != "héllo 'quoted'" || !b || !dt.Time.Equal(date(2024, 2, 29)) {
			t.Errorf("echo parameters: got %d %d %q %v %v", i8, i4, s, b, dt.Time)
		}
	})
}

// TestPreparedPointLookup prepares a product_kpis lookup once and executes it with
// several products and date ranges.
func TestPreparedPointLookup(t *testing.T) {
	d := env.data
	for _, m := range execModes[:3] { // the modes that use prepared statements
		t.Run(m.name, func(t *testing.T) {
			c := connect(t, m.mode)
			ctx := testCtx(t)
			const sql = `SELECT day, revenue, units, forecast, price_reco FROM shop.product_kpis
				WHERE product_id = $1 AND day >= $2 AND day < $3 ORDER BY day`
			if _, err := c.Prepare(ctx, "kpi_lookup", sql); err != nil {
				t.Fatalf("prepare: %v", err)
			}
			lookups := []struct {
				product  int64
				from, to time.Time
			}{
				{1, date(2024, 1, 1), date(2024, 1, 8)},
				{7, date(2025, 2, 25), date(2025, 3, 5)},
				{int64(len(d.products)), date(2025, 12, 20), date(2026, 1, 1)},
				{2, date(2030, 1, 1), date(2030, 2, 1)}, // no rows
			}
			for _, l := range lookups {
				want := d.kpisOf(l.product, l.from, l.to)
				rows, err := c.Query(ctx, "kpi_lookup", l.product, pgtype.Date{Time: l.from, Valid: true}, pgtype.Date{Time: l.to, Valid: true})
				if err != nil {
					t.Fatalf("execute: %v", err)
				}
				var got []demolake.KPIRow
				for rows.Next() {
					var k demolake.KPIRow
					var reco pgtype.Numeric
					if err := rows.Scan(&k.Day, &k.Revenue, &k.Units, &k.Forecast, &reco); err != nil {
						t.Fatal(err)
					}
					k.ProductID = l.product
					if k.PriceRecoCents, err = numericCents(reco); err != nil {
						t.Fatal(err)
					}
					got = append(got, k)
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Errorf("product %d %s..%s: %d rows, want %d", l.product, pgDate(l.from), pgDate(l.to), len(got), len(want))
					continue
				}
				for i := range want {
					if !got[i].Day.Equal(want[i].Day) || got[i].Revenue != want[i].Revenue || got[i].Units != want[i].Units ||
						got[i].Forecast != want[i].Forecast || got[i].PriceRecoCents != want[i].PriceRecoCents {
						t.Errorf("product %d row %d: got %+v, want %+v", l.product, i, got[i], want[i])
					}
				}
			}
		})
	}
}

var explainFiles = regexp.MustCompile(`Data files: (\d+) scanned, (\d+) skipped of (\d+)`)

// TestExplainPruning checks that a ts range prunes data files, with literals and
// with parameters.
func TestExplainPruning(t *testing.T) {
	cases := []struct {
		name string
		sql  string
		args []any
	}{
		{"literals", `EXPLAIN SELECT count(*) FROM shop.sales WHERE ts >= '2025-03-01' AND ts < '2025-03-08'`, nil},
		{"parameters", `EXPLAIN SELECT count(*) FROM shop.sales WHERE ts >= $1 AND ts < $2`,
			[]any{pgtype.Timestamp{Time: date(2025, 3, 1), Valid: true}, pgtype.Timestamp{Time: date(2025, 3, 8), Valid: true}}},
	}
	for _, m := range []int{0, 4} { // CacheStatement and SimpleProtocol
		mode := execModes[m]
		t.Run(mode.name, func(t *testing.T) {
			c := connect(t, mode.mode)
			ctx := testCtx(t)
			for _, tc := range cases {
				rows, err := c.Query(ctx, tc.sql, tc.args...)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				plan := strings.Join(lines, "\n")
				mm := explainFiles.FindStringSubmatch(plan)
				if mm == nil {
					t.Fatalf("%s: no \"Data files: N scanned, M skipped of T\" line in EXPLAIN:\n%s", tc.name, plan)
				}
				scanned, _ := strconv.Atoi(mm[1])
				skipped, _ := strconv.Atoi(mm[2])
				total, _ := strconv.Atoi(mm[3])
				if skipped == 0 || scanned == 0 || scanned+skipped != total {
					t.Errorf("%s: want some files scanned and some skipped, got %q", tc.name, mm[0])
				}
				// DuckDB's plan follows intact: valid UTF-8, starting with its box.
				for i, l := range lines {
					if l == "DuckDB plan:" {
						if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "┌") {
							t.Errorf("%s: DuckDB's plan does not start with its box:\n%s", tc.name, plan)
						}
					}
					if !utf8.ValidString(l) {
						t.Errorf("%s: EXPLAIN line %d is not valid UTF-8: %q", tc.name, i, l)
					}
				}
			}
		})
	}
}

// TestColumnTypes reads every row of every demo table and checks each value of
// each column type against the generators, in binary (CacheStatement) and text
// (SimpleProtocol, Exec) result formats.
func TestColumnTypes(t *testing.T) {
	d := env.data
	for _, m := range []int{0, 3, 4} {
		mode := execModes[m]
		t.Run(mode.name, func(t *testing.T) {
			c := connect(t, mode.mode)
			ctx := testCtx(t)

			t.Run("products", func(t *testing.T) {
				rows, err := c.Query(ctx, `SELECT product_id, name, category, price, active, price::text FROM shop.products ORDER BY product_id`)
				if err != nil {
					t.Fatal(err)
				}
				var i int
				var p demolake.ProductRow
				var price pgtype.Numeric
				var priceText string
				_, err = pgx.ForEachRow(rows, []any{&p.ProductID, &p.Name, &p.Category, &price, &p.Active, &priceText}, func() error {
					if i >= len(d.products) {
						return fmt.Errorf("more than %d products", len(d.products))
					}
					var err error
					if p.PriceCents, err = numericCents(price); err != nil {
						return err
					}
					want := d.products[i]
					if p != want {
						t.Errorf("product row %d: got %+v, want %+v", i, p, want)
					}
					if priceText != pgCents(want.PriceCents) {
						t.Errorf("product %d price::text: got %q, want %q", want.ProductID, priceText, pgCents(want.PriceCents))
					}
					i++
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if i != len(d.products) {
					t.Errorf("%d products, want %d", i, len(d.products))
				}
			})

			t.Run("stores", func(t *testing.T) {
				rows, err := c.Query(ctx, `SELECT store_id, city, opened FROM shop.stores ORDER BY store_id`)
				if err != nil {
					t.Fatal(err)
				}
				var i int
				var s demolake.StoreRow
				_, err = pgx.ForEachRow(rows, []any{&s.StoreID, &s.City, &s.Opened}, func() error {
					if i >= len(d.stores) {
						return fmt.Errorf("more than %d stores", len(d.stores))
					}
					if want := d.stores[i]; s.StoreID != want.StoreID || s.City != want.City || !s.Opened.Equal(want.Opened) {
						t.Errorf("store row %d: got %+v, want %+v", i, s, want)
					}
					i++
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if i != len(d.stores) {
					t.Errorf("%d stores, want %d", i, len(d.stores))
				}
			})

			t.Run("sales", func(t *testing.T) {
				rows, err := c.Query(ctx, `SELECT sale_id, product_id, store_id, ts, qty, amount FROM shop.sales ORDER BY sale_id`)
				if err != nil {
					t.Fatal(err)
				}
				var i, bad int
				var s demolake.SaleRow
				_, err = pgx.ForEachRow(rows, []any{&s.SaleID, &s.ProductID, &s.StoreID, &s.TS, &s.Qty, &s.Amount}, func() error {
					if i >= len(d.sales) {
						return fmt.Errorf("more than %d sales", len(d.sales))
					}
					want := d.sales[i]
					if s.SaleID != want.SaleID || s.ProductID != want.ProductID || s.StoreID != want.StoreID ||
						!s.TS.Equal(want.TS) || s.Qty != want.Qty || s.Amount != want.Amount {
						if bad++; bad <= 5 {
							t.Errorf("sales row %d: got %+v, want %+v", i, s, want)
						}
					}
					i++
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if i != len(d.sales) || bad > 0 {
					t.Errorf("%d sales (want %d), %d differ", i, len(d.sales), bad)
				}
			})

			t.Run("product_kpis", func(t *testing.T) {
				rows, err := c.Query(ctx, `SELECT product_id, day, revenue, units, forecast, price_reco FROM shop.product_kpis ORDER BY day, product_id`)
				if err != nil {
					t.Fatal(err)
				}
				var i, bad int
				var k demolake.KPIRow
				var reco pgtype.Numeric
				_, err = pgx.ForEachRow(rows, []any{&k.ProductID, &k.Day, &k.Revenue, &k.Units, &k.Forecast, &reco}, func() error {
					if i >= len(d.kpis) {
						return fmt.Errorf("more than %d kpi rows", len(d.kpis))
					}
					var err error
					if k.PriceRecoCents, err = numericCents(reco); err != nil {
						return err
					}
					want := d.kpis[i]
					if k.ProductID != want.ProductID || !k.Day.Equal(want.Day) || k.Revenue != want.Revenue ||
						k.Units != want.Units || k.Forecast != want.Forecast || k.PriceRecoCents != want.PriceRecoCents {
						if bad++; bad <= 5 {
							t.Errorf("kpi row %d: got %+v, want %+v", i, k, want)
						}
					}
					i++
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if i != len(d.kpis) || bad > 0 {
					t.Errorf("%d kpi rows (want %d), %d differ", i, len(d.kpis), bad)
				}
			})
		})
	}
}

// TestPool runs queries on 8 pooled connections at once.
func TestPool(t *testing.T) {
	d := env.data
	cfg, err := pgxpool.ParseConfig(connString(dbName, password))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 8
	ctx := testCtx(t)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	// Hold all 8 at once so the gateway really serves 8 sessions concurrently.
	conns := make([]*pgxpool.Conn, 8)
	for i := range conns {
		if conns[i], err = pool.Acquire(ctx); err != nil {
			t.Fatalf("acquire %d: %v", i, err)
		}
	}
	if n := pool.Stat().TotalConns(); n != 8 {
		t.Errorf("pool has %d connections, want 8", n)
	}
	// Every session has its own BackendKeyData (what CancelRequest matches on).
	keys := map[string]bool{}
	pids := map[uint32]bool{}
	for _, c := range conns {
		pc := c.Conn().PgConn()
		keys[fmt.Sprintf("%d/%x", pc.PID(), pc.SecretKey())] = true
		pids[pc.PID()] = true
	}
	if len(keys) != 8 || len(pids) != 8 {
		t.Errorf("8 sessions have %d distinct (pid, secret) keys and %d distinct pids", len(keys), len(pids))
	}
	// Each of the 8 sessions counts the sales of one store at the same time.
	want := d.countByStore()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Release()
			s := int32(i*5 + 1)
			var n int64
			if err := c.QueryRow(ctx, `SELECT count(*) FROM shop.sales WHERE store_id = $1`, s).Scan(&n); err != nil {
				errs <- fmt.Errorf("store %d: %w", s, err)
				return
			}
			if n != want[s] {
				errs <- fmt.Errorf("store %d: got %d sales, want %d", s, n, want[s])
			}
		}()
	}
	wg.Wait()

	// Then 32 queries through the pool itself, on the small tables.
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := d.stores[i%len(d.stores)]
			var city string
			var opened time.Time
			if err := pool.QueryRow(ctx, `SELECT city, opened FROM shop.stores WHERE store_id = $1`, st.StoreID).Scan(&city, &opened); err != nil {
				errs <- fmt.Errorf("pool query store %d: %w", st.StoreID, err)
				return
			}
			if city != st.City || !opened.Equal(st.Opened) {
				errs <- fmt.Errorf("pool query store %d: got (%s, %s), want (%s, %s)", st.StoreID, city, pgDate(opened), st.City, pgDate(st.Opened))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestBatch sends several statements in one pgx batch (one pipelined round trip
// ending in a single Sync) and reads every answer in order.
func TestBatch(t *testing.T) {
	d := env.data
	c := connect(t, pgx.QueryExecModeCacheStatement)
	ctx := testCtx(t)
	p := d.product(5)
	st := d.stores[0]
	b := &pgx.Batch{}
	b.Queue(`SELECT name FROM shop.products WHERE product_id = $1`, int64(5))
	b.Queue(`SELECT city FROM shop.stores WHERE store_id = $1`, st.StoreID)
	b.Queue(`SELECT count(*) FROM shop.sales`)
	b.Queue(`SELECT 1/0`)
	br := c.SendBatch(ctx, b)
	var name, city string
	var n int64
	if err := br.QueryRow().Scan(&name); err != nil || name != p.Name {
		t.Fatalf("batch 1: %q, %v; want %q", name, err, p.Name)
	}
	if err := br.QueryRow().Scan(&city); err != nil || city != st.City {
		t.Fatalf("batch 2: %q, %v; want %q", city, err, st.City)
	}
	if err := br.QueryRow().Scan(&n); err != nil || n != d.salesWhere(nil).count {
		t.Fatalf("batch 3: %d, %v; want %d", n, err, d.salesWhere(nil).count)
	}
	var x int
	if err := br.QueryRow().Scan(&x); pgCode(err) != "22012" {
		t.Fatalf("batch 4: %v; want SQLSTATE 22012", err)
	}
	if err := br.Close(); err != nil && pgCode(err) != "22012" {
		t.Fatal(err)
	}
	// The connection is usable after the failed batch.
	if err := c.QueryRow(ctx, `SELECT count(*) FROM shop.stores`).Scan(&n); err != nil || n != int64(len(d.stores)) {
		t.Fatalf("after the batch: %d, %v", n, err)
	}
}
