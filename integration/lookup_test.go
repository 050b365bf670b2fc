package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	pg "github.com/pganalyze/pg_query_go/v6"
)

// lookupCase is a statement of the shape the lookup lane answers from memory. Its
// SQL has one %s inside the WHERE clause: "" for the lane, " AND true" for the
// reference run, which the lane does not take, so DuckDB answers it.
type lookupCase struct {
	name string
	sql  string
	mode pgx.QueryExecMode
	args func(r *rand.Rand) []any
}

// TestLookupLane: point lookups repeated on one table snapshot are answered from
// memory, and every answer equals the one DuckDB gives for the same rows (position
// deletes applied, NULLs, ORDER BY directions, LIMIT/OFFSET, constants and
// parameters of each column type), and the generator's rows for the product page.
func TestLookupLane(t *testing.T) {
	ctx := testCtx(t)
	d := env.data
	products, stores := int64(len(d.products)), int32(len(d.stores))
	day0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	window := func(r *rand.Rand) (time.Time, time.Time) {
		from := day0.AddDate(0, 0, r.IntN(730))
		return from, from.AddDate(0, 0, r.IntN(40))
	}
	firstKPISnapshot := oldestSnapshot(t, ctx, "shop.\"product_kpis$snapshots\"")
	cases := []lookupCase{
		{name: "product_page", mode: pgx.QueryExecModeCacheStatement,
			sql: `SELECT day, revenue, units, forecast, price_reco FROM shop.product_kpis
				WHERE product_id = $1 AND day BETWEEN $2 AND $3%s ORDER BY day`,
			args: func(r *rand.Rand) []any {
				from, to := window(r)
				return []any{1 + r.Int64N(products+1), from, to} // products+1 has no rows
			}},
		{name: "sales_with_deletes", mode: pgx.QueryExecModeCacheStatement,
			sql: `SELECT sale_id, ts, qty, amount FROM shop.sales s
				WHERE s.product_id = $1 AND store_id = $2%s ORDER BY ts DESC, sale_id LIMIT $3`,
			args: func(r *rand.Rand) []any {
				return []any{1 + r.Int64N(products), 1 + r.Int32N(stores), r.IntN(6)}
			}},
		{name: "string_key_decimal_range", mode: pgx.QueryExecModeExec,
			sql: `SELECT * FROM shop.products WHERE category = $1 AND price >= $2%s
				ORDER BY price DESC, 1 LIMIT 5 OFFSET 1`,
			args: func(r *rand.Rand) []any {
				cats := []string{"Grocery", "Electronics", "Toys", "Books", "None such"}
				return []any{cats[r.IntN(len(cats))], fmt.Sprintf("%d.%02d", r.IntN(40), r.IntN(100))}
			}},
		{name: "int32_key_constants", mode: pgx.QueryExecModeSimpleProtocol,
			sql:  `SELECT city, opened FROM shop.stores WHERE store_id = $1%s`,
			args: func(r *rand.Rand) []any { return []any{1 + r.Int32N(stores+2)} }},
		{name: "float_not_equal_nulls_last", mode: pgx.QueryExecModeDescribeExec,
			sql: `SELECT product_id, day, revenue FROM shop.product_kpis
				WHERE product_id = $1 AND revenue > $2 AND units <> 0%s ORDER BY revenue DESC NULLS LAST, day LIMIT 7`,
			args: func(r *rand.Rand) []any { return []any{1 + r.Int64N(products), float64(r.IntN(300))} }},
		{name: "in_list_key", mode: pgx.QueryExecModeCacheStatement,
			sql: `SELECT product_id, day, units FROM shop.product_kpis
				WHERE product_id IN ($1, $2, $3, NULL) AND day = $4%s ORDER BY units DESC, product_id`,
			args: func(r *rand.Rand) []any {
				from, _ := window(r)
				return []any{1 + r.Int64N(products), 1 + r.Int64N(products), 1 + r.Int64N(products), from}
			}},
		{name: "any_array_param", mode: pgx.QueryExecModeCacheStatement,
			sql: `SELECT sale_id, product_id, qty FROM shop.sales
				WHERE sale_id = ANY($1) AND store_id IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)%s ORDER BY sale_id DESC`,
			args: func(r *rand.Rand) []any {
				ids := make([]int64, 1+r.IntN(20))
				for i := range ids {
					ids[i] = 1 + r.Int64N(int64(len(d.sales))*11/10)
				}
				return []any{ids}
			}},
		{name: "time_travel", mode: pgx.QueryExecModeCacheStatement,
			sql: `SELECT day, units FROM shop."product_kpis@` + firstKPISnapshot + `"
				WHERE product_id = $1 AND day >= $2 AND day < $3%s ORDER BY day DESC`,
			args: func(r *rand.Rand) []any {
				from, to := window(r)
				return []any{1 + r.Int64N(products), from, to}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn := connect(t, c.mode)
			laneSQL, refSQL := lookupSQL(c, ""), lookupSQL(c, " AND true")
			fp := fingerprint(t, laneSQL)
			if c.mode == pgx.QueryExecModeSimpleProtocol {
				fp = fingerprint(t, strings.ReplaceAll(laneSQL, "$1", "1")) // constants do not change it
			}
			r := rand.New(rand.NewPCG(7, uint64(len(c.name))))
			// The lane loads the table after a few lookups, in the background.
			deadline := time.Now().Add(90 * time.Second)
			for laneRecords(t, fp) == 0 {
				if time.Now().After(deadline) {
					t.Fatal("the lookup lane never answered the statement")
				}
				queryText(t, ctx, conn, laneSQL, c.args(r))
				time.Sleep(50 * time.Millisecond)
			}
			plan := queryText(t, ctx, conn, "EXPLAIN "+laneSQL, c.args(r))
			if len(plan) == 0 || !strings.HasPrefix(plan[0], "Lookup lane: answered from memory") {
				t.Fatalf("EXPLAIN does not say the lane answers:\n%s", strings.Join(plan, "\n"))
			}
			before := laneRecords(t, fp)
			const runs = 40
			nonEmpty := 0
			for range runs {
				args := c.args(r)
				got := queryText(t, ctx, conn, laneSQL, args)
				want := queryText(t, ctx, conn, refSQL, args)
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Fatalf("args %v:\nlane:\n%s\nDuckDB:\n%s", args, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				if len(got) > 0 {
					nonEmpty++
				}
				if c.name == "product_page" {
					checkProductPage(t, got, args)
				}
			}
			if nonEmpty < runs/4 {
				t.Fatalf("only %d of %d lookups returned rows: the case tests too little", nonEmpty, runs)
			}
			// Every run was the lane's (the log is flushed within a fraction of a second).
			for wait := time.Now().Add(10 * time.Second); laneRecords(t, fp) < before+runs; {
				if time.Now().After(wait) {
					t.Fatalf("%d of %d lookups answered by the lane", laneRecords(t, fp)-before, runs)
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}

func lookupSQL(c lookupCase, extra string) string { return fmt.Sprintf(c.sql, extra) }

// queryText runs sql and returns its rows as queryStrings renders them. For the
// simple protocol, $1 is replaced by the literal argument first.
func queryText(t *testing.T, _ context.Context, conn *pgx.Conn, sql string, args []any) []string {
	t.Helper()
	if conn.Config().DefaultQueryExecMode == pgx.QueryExecModeSimpleProtocol {
		sql = strings.ReplaceAll(sql, "$1", fmt.Sprint(args[0]))
		args = nil
	}
	return queryStrings(t, conn, sql, args...)
}

// checkProductPage compares the product page's rows with the generator's.
func checkProductPage(t *testing.T, got []string, args []any) {
	t.Helper()
	id, from, to := args[0].(int64), args[1].(time.Time), args[2].(time.Time)
	var want []string
	for _, k := range env.data.kpis {
		if k.ProductID == id && !k.Day.Before(from) && !k.Day.After(to) {
			want = append(want, k.Day.Format("2006-01-02"))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("product %d %s..%s: %d rows, the generator has %d", id, from.Format(time.DateOnly), to.Format(time.DateOnly), len(got), len(want))
	}
	for i, line := range got {
		if !strings.HasPrefix(line, want[i]) {
			t.Fatalf("product %d row %d: %q, want day %s", id, i, line, want[i])
		}
	}
}

// fingerprint is the query fingerprint the gateway logs for sql.
func fingerprint(t *testing.T, sql string) string {
	t.Helper()
	fp, err := pg.FingerprintToUInt64(sql)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%016x", fp)
}

// laneRecords counts the shared gateway's query records of fingerprint fp answered
// by the lookup lane.
func laneRecords(t *testing.T, fp string) int {
	t.Helper()
	return laneRecordsIn(t, env.logPath, fp)
}

// laneRecordsIn counts lane records of fingerprint fp in a gateway log.
func laneRecordsIn(t *testing.T, logPath, fp string) int {
	t.Helper()
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, `"lane":"memory"`) && strings.Contains(line, `"fingerprint":"`+fp+`"`) {
			n++
		}
	}
	return n
}

// oldestSnapshot returns the id of a table's first snapshot from its $snapshots table.
func oldestSnapshot(t *testing.T, ctx context.Context, rel string) string {
	t.Helper()
	conn := connect(t, pgx.QueryExecModeExec)
	var id int64
	if err := conn.QueryRow(ctx, "SELECT snapshot_id FROM "+rel+" ORDER BY committed_at LIMIT 1").Scan(&id); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}
