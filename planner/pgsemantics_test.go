package planner

import (
	"fmt"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
)

func TestRewriteSemantics(t *testing.T) {
	cases := []struct{ sql, want string }{
		{"SELECT extract(year FROM ts) FROM t", "SELECT datepart('year', ts)::numeric(18, 0) FROM t"},
		{"SELECT extract(epoch FROM ts)", "SELECT datepart('epoch', ts)::numeric(38, 6)"},
		{"SELECT extract(second FROM ts)", "SELECT datepart('microseconds', ts)::numeric(18, 0) * '0.000001'::numeric(7, 6)"},
		{"SELECT date_part('dow', ts)", "SELECT datepart('dow', ts)::double precision"},
		{"SELECT date_part('milliseconds', ts)", "SELECT datepart('microseconds', ts)::double precision / 1000"},
		{"SELECT length(name), ntile(3) OVER ()", "SELECT length(name)::int, ntile(3) OVER ()::int"},
		{"SELECT grouping(a, b) FROM t GROUP BY ROLLUP (a, b)", "SELECT GROUPING(a, b)::int FROM t GROUP BY ROLLUP (a, b)"},
		{"SELECT cardinality(a)", "SELECT len(a)::int"},
		{"SELECT div(a, 3)", "SELECT trunc(lakegate_div(a, 3))::numeric(38, 0)"},
		{"SELECT to_char(ts, 'YYYY-MM-DD HH24:MI:SS')", "SELECT strftime(ts, '%Y-%m-%d %H:%M:%S')"},
		{`SELECT to_char(ts, 'FMMonth DD "at" HH12 AM')`, "SELECT strftime(ts, '%B %d at %I %p')"},
		{"SELECT to_char(ts, 'DAY')", "SELECT rpad(replace(upper(replace(strftime(ts, '%A'), 'ß', '\uFDD0')), '\uFDD0', 'ß'), 9, ' ')"},
		{"SELECT upper(city)", "SELECT replace(upper(replace(city, 'ß', '\uFDD0')), '\uFDD0', 'ß')"},
		{"SELECT to_char(ts, 'Mon-Month')", "SELECT strftime(ts, '%b-') || rpad(strftime(ts, '%B'), 9, ' ')"},
		// Number formats and unknown patterns are left alone.
		{"SELECT to_char(x, '999D99')", "SELECT to_char(x, '999D99')"},
		{"SELECT to_char(ts, 'IYYY')", "SELECT to_char(ts, 'IYYY')"},
		// Aggregates keep their names and arguments.
		{"SELECT count(*), sum(x) FROM t", "SELECT count(*), sum(x) FROM t"},
	}
	for _, c := range cases {
		got := deparsed(t, c.sql, rewriteSemantics)
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.sql, got, c.want)
		}
	}
}

func TestFindArrayParams(t *testing.T) {
	tree, err := pg.Parse("SELECT $3::int8[] FROM t WHERE a = ANY($1) AND b <> ALL($2) AND c = $4")
	if err != nil {
		t.Fatal(err)
	}
	stmt := tree.Stmts[0].Stmt
	ap := findArrayParams(stmt, func(n *pg.Node) (string, error) {
		return pg.Deparse(&pg.ParseResult{Version: tree.Version, Stmts: []*pg.RawStmt{{Stmt: n}}})
	})
	if ap.cast[2] != 1016 || len(ap.cast) != 1 {
		t.Errorf("casts: %v", ap.cast)
	}
	if !ap.any[0] || !ap.any[1] || len(ap.any) != 2 {
		t.Errorf("ANY/ALL parameters: %v", ap.any)
	}
	if want := "SELECT $3::int8[] FROM t WHERE a = $1 AND b <> $2 AND c = $4"; ap.probe != want {
		t.Errorf("probe:\n got %s\nwant %s", ap.probe, want)
	}
	// The statement itself is unchanged.
	out, _ := pg.Deparse(tree)
	if out != "SELECT $3::int8[] FROM t WHERE a = ANY($1) AND b <> ALL($2) AND c = $4" {
		t.Errorf("statement changed: %s", out)
	}
	if arrayOIDOf(23) != 1007 || arrayOIDOf(99999) != 0 {
		t.Error("arrayOIDOf")
	}
}

func TestSumColumns(t *testing.T) {
	cases := []struct {
		sql  string
		want string
	}{
		{"SELECT a, sum(b), sum(c) OVER (), sum(d) + 1, count(*) FROM t GROUP BY a", "[1 2]"},
		{"SELECT *, sum(b) FROM t", "[]"},
		{"SELECT sum(b) FROM t UNION ALL SELECT sum(c) FROM u", "[]"},
	}
	for _, c := range cases {
		tree, err := pg.Parse(c.sql)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(sumColumns(tree.Stmts[0].Stmt)); got != c.want {
			t.Errorf("%s: %s, want %s", c.sql, got, c.want)
		}
	}
}
