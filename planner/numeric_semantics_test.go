package planner

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/iceberg-go"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/lakegate/lakegate/engine"
	"github.com/lakegate/lakegate/pgerr"
)

func TestRewriteNumericDivision(t *testing.T) {
	scans := []*scanRef{{placeholder: "lakegate_scan_1_", alias: "p", schema: iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "price", Type: iceberg.DecimalTypeOf(10, 2)},
		iceberg.NestedField{ID: 2, Name: "qty", Type: iceberg.PrimitiveTypes.Int32},
		iceberg.NestedField{ID: 3, Name: "amount", Type: iceberg.PrimitiveTypes.Float64},
	)}}
	const q = "lakegate_numeric_div"
	cases := []struct{ sql, want string }{
		// Result columns become numeric text; nested quotients stay DECIMAL(38,20).
		{"SELECT avg(price) AS a, sum(price) / 3 AS t, round(sum(price) / count(*), 4) AS r FROM lakegate_scan_1_ p",
			"SELECT " + q + "(sum(price), count(price)) AS \"a\x1fnumeric\", " + q + "(sum(price), 3) AS \"t\x1fnumeric\", " +
				"round(" + q + "(sum(price), count(*))::numeric(38, 20), 4) AS r FROM lakegate_scan_1_ p"},
		// Integer division, doubles and windowed averages stay as DuckDB has them;
		// a quotient per row in a result column is exact.
		{"SELECT qty / 2 AS h, amount / 2 AS f, avg(amount) AS af, avg(qty) OVER () AS w, price / 3 AS t FROM lakegate_scan_1_ p",
			"SELECT qty / 2 AS h, amount / 2 AS f, avg(amount) AS af, avg(qty) OVER () AS w, " + q + "(price, 3) AS \"t\x1fnumeric\" FROM lakegate_scan_1_ p"},
		// A quotient in +, - and * stays text, to keep its own scale.
		{"SELECT -avg(price) * 2 AS x, 1 + sum(price) / 3 AS y, avg(price) - avg(qty) AS z, price / 3 * qty AS t FROM lakegate_scan_1_ p",
			"SELECT lakegate_numeric_mul(lakegate_numeric_sub(0, " + q + "(sum(price), count(price))), 2) AS \"x\x1fnumeric\", " +
				"lakegate_numeric_add(1, " + q + "(sum(price), 3)) AS \"y\x1fnumeric\", " +
				"lakegate_numeric_sub(" + q + "(sum(price), count(price)), " + q + "(sum(qty), count(qty))) AS \"z\x1fnumeric\", " +
				"lakegate_numeric_mul(" + q + "(price, 3), qty) AS \"t\x1fnumeric\" FROM lakegate_scan_1_ p"},
		// Quotients per row inside aggregates and subqueries stay DuckDB's; ORDER
		// BY a quotient orders by the exact value.
		{"SELECT sum(price / 3) OVER () AS w, (SELECT max(price / 2) FROM lakegate_scan_1_ q) AS m FROM lakegate_scan_1_ p ORDER BY price / 7",
			"SELECT sum(price / 3) OVER () AS w, (SELECT max(price / 2) FROM lakegate_scan_1_ q) AS m FROM lakegate_scan_1_ p " +
				"ORDER BY " + q + "(price, 7)::numeric(38, 20)"},
		// Grouped, a quotient per row is exact when it reads only GROUP BY columns.
		{"SELECT qty, price / 3 AS t, avg(price) * qty AS a FROM lakegate_scan_1_ p GROUP BY qty, price",
			"SELECT qty, " + q + "(price, 3) AS \"t\x1fnumeric\", lakegate_numeric_mul(" + q + "(sum(price), count(price)), qty) AS \"a\x1fnumeric\" " +
				"FROM lakegate_scan_1_ p GROUP BY qty, price"},
		{"SELECT price / 3 AS t, p.qty / 2.0 AS h, avg(price) * qty AS a FROM lakegate_scan_1_ p GROUP BY price / 3, qty, 2",
			"SELECT price / 3 AS t, p.qty / 2.0 AS h, lakegate_numeric_mul(" + q + "(sum(price), count(price)), qty) AS \"a\x1fnumeric\" " +
				"FROM lakegate_scan_1_ p GROUP BY price / 3, qty, 2"},
		// Sums of integers are bigint wherever they appear; sums of numerics stay.
		{"SELECT sum(qty) + 1 AS s, sum(qty) OVER () * 2 AS w, sum(price) + 1 AS n FROM lakegate_scan_1_ p",
			"SELECT sum(qty)::bigint + 1 AS s, sum(qty) OVER ()::bigint * 2 AS w, sum(price) + 1 AS n FROM lakegate_scan_1_ p"},
		// ORDER BY a quotient column orders by the number, not its text.
		{"SELECT avg(qty) FILTER (WHERE qty > 1) AS a FROM lakegate_scan_1_ p ORDER BY a",
			"SELECT " + q + "(sum(qty) FILTER (WHERE qty > 1), count(qty) FILTER (WHERE qty > 1)) AS \"a\x1fnumeric\" FROM lakegate_scan_1_ p " +
				"ORDER BY " + q + "(sum(qty) FILTER (WHERE qty > 1), count(qty) FILTER (WHERE qty > 1))::numeric(38, 20)"},
		{"SELECT DISTINCT sum(price) / 3 AS t FROM lakegate_scan_1_ p",
			"SELECT DISTINCT " + q + "(sum(price), 3)::numeric(38, 20) AS t FROM lakegate_scan_1_ p"},
		// Outside the outermost result columns quotients stay DuckDB's: avg is avg again.
		{"SELECT qty FROM lakegate_scan_1_ p WHERE price > (SELECT avg(price) FROM lakegate_scan_1_ p) GROUP BY qty HAVING sum(price) / 2 > 1",
			"SELECT qty FROM lakegate_scan_1_ p WHERE price > (SELECT avg(price) AS avg FROM lakegate_scan_1_ p) GROUP BY qty HAVING (sum(price) / 2) > 1"},
	}
	for _, c := range cases {
		got := deparsed(t, c.sql, func(n *pg.Node) { rewriteTimeZones(n, scans) })
		if got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
}

// TestNumericDivisionDuckDB runs the rewritten division on DuckDB; the expected
// texts are PostgreSQL 15's answers to the same statements.
func TestNumericDivisionDuckDB(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Config{Threads: 1, Connections: 1, Setup: CompatSetup})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	cases := []struct {
		sql  string
		want []string
	}{
		{`SELECT min(x) / min(y) AS q FROM (VALUES (1, 12.34, 3), (2, 1.50, 3), (3, 0.01, 7), (4, -5.50, 3), (5, 9999.00, 10000),
			(6, 15000.00, 10000), (7, 0.00, 5), (8, 123456789.12, 7), (9, 1.00, 30000), (10, -0.01, -3)) t(id, x, y) GROUP BY id ORDER BY id`,
			[]string{"4.1133333333333333", "0.50000000000000000000", "0.00142857142857142857", "-1.8333333333333333",
				"0.99990000000000000000", "1.50000000000000000000", "0.00000000000000000000", "17636684.160000000000",
				"0.000033333333333333333333", "0.00333333333333333333"}},
		{`SELECT avg(x) AS a, avg(DISTINCT x) AS d, round(avg(x), 1) AS r FROM (VALUES (1), (2), (2), (4), (NULL)) t(x)`,
			[]string{"2.2500000000000000 | 2.3333333333333333 | 2.3"}},
		// Quotients in further arithmetic, and per row.
		{`SELECT avg(x) * 2 AS a, 1 + sum(x) / 3 AS b, avg(x) - avg(y) AS c, min(x) / 3 * min(y) AS d, -avg(x) AS e FROM (VALUES (12.34, 1), (1.50, 2), (0.01, 4)) t(x, y)`,
			[]string{"9.2333333333333334 | 5.6166666666666667 | 2.2833333333333334 | 0.00333333333333333333 | -4.6166666666666667"}},
		{`SELECT x / y AS q, x / 3 * y - 1 AS r FROM (VALUES (1, 12.34, 3), (2, 1.50, 3), (3, 0.01, 7), (4, -5.50, 3), (5, 9999.00, 10000)) t(id, x, y) ORDER BY id`,
			[]string{"4.1133333333333333 | 11.3399999999999999", "0.50000000000000000000 | 0.50000000000000000000",
				"0.00142857142857142857 | -0.97666666666666666669", "-1.8333333333333333 | -6.4999999999999999",
				"0.99990000000000000000 | 33329999.0000000000000000"}},
	}
	for _, c := range cases {
		tree, err := pg.Parse(c.sql)
		if err != nil {
			t.Fatal(err)
		}
		stmt := tree.Stmts[0].Stmt
		nameResultColumns(stmt)
		rewriteTimeZones(stmt, nil)
		rewriteSemantics(stmt)
		rewriteCompat(stmt)
		sql, err := pg.Deparse(tree)
		if err != nil {
			t.Fatal(err)
		}
		if got := queryStrings(t, eng, sql); strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
	if _, err := eng.Query(ctx, "SELECT lakegate_numeric_div(1.5, 0)", nil); err == nil || pgerr.Code(err) != pgerr.DivisionByZero ||
		!strings.HasPrefix(err.Error(), "division by zero") {
		t.Errorf("division by zero: %v (SQLSTATE %s)", err, pgerr.Code(err))
	}
}
