package planner

import (
	"strings"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// deparsed parses sql, applies fn to the statement and deparses it again.
func deparsed(t *testing.T, sql string, fn func(*pg.Node)) string {
	t.Helper()
	tree, err := pg.Parse(sql)
	if err != nil {
		t.Fatal(err)
	}
	fn(tree.Stmts[0].Stmt)
	out, err := pg.Deparse(tree)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRewriteCompat(t *testing.T) {
	cases := []struct{ sql, want string }{
		{"SELECT 1 WHERE n.nspname OPERATOR(pg_catalog.~) '^(shop)$' COLLATE pg_catalog.default",
			"SELECT 1 WHERE regexp_matches(n.nspname, '^(shop)$')"},
		{"SELECT 1 WHERE nspname !~ '^pg_'", "SELECT 1 WHERE NOT regexp_matches(nspname, '^pg_')"},
		{"SELECT 1 WHERE a ~* 'x'", "SELECT 1 WHERE regexp_matches(a, 'x', 'i')"},
		{"SELECT format('%I.%I', s, t)", "SELECT concat(quote_ident(s), '.', quote_ident(t))"},
		{"SELECT format('%s-%L%%', a, b)", "SELECT concat(a, '-', quote_nullable(b), '%')"},
		{"SELECT 'shop.sales'::regclass", "SELECT lakegate_regclass('shop.sales')"},
		{"SELECT 'shop.sales'::regclass::text", "SELECT lakegate_relname(lakegate_regclass('shop.sales'))"},
		{"SELECT c.oid::pg_catalog.regclass::pg_catalog.text", "SELECT lakegate_relname(c.oid)"},
		{"SELECT reloftype::regtype::text", "SELECT format_type(reloftype, NULL)"},
		{"SELECT typinput = 'pg_catalog.array_in'::regproc", "SELECT typinput = 'array_in'"},
		{"SELECT x::oid", "SELECT x::int8"},
		{"SELECT (information_schema._pg_expandarray(i.indkey)).n", "SELECT (lakegate_pg_expandarray(i.indkey)).n"},
		{"SELECT c.reloptions || array(select 1)", "SELECT list_concat(c.reloptions, ARRAY(SELECT 1))"},
		{"SELECT pg_total_relation_size('shop.sales')", "SELECT pg_total_relation_size(lakegate_regclass('shop.sales'))"},
		{"SELECT * FROM generate_series(1, 3) g", "SELECT * FROM generate_series(1, 3) g(g)"},
		{`SELECT '{a,"b c",NULL, d }'::text[]`, "SELECT ARRAY['a', 'b c', NULL, 'd']::text[]"},
		{"SELECT '{}'::int[]", "SELECT ARRAY[]::int[]"},
		{"SELECT s[1] FROM string_to_array('a,b', ',') s", "SELECT s[1] FROM (SELECT string_to_array('a,b', ',') AS s) s"},
	}
	for _, c := range cases {
		got := deparsed(t, c.sql, rewriteCompat)
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.sql, got, c.want)
		}
	}
}

func TestResultColumnNames(t *testing.T) {
	cases := []struct{ sql, want string }{
		// PostgreSQL names a CASE after its ELSE when that names something.
		{"SELECT CASE WHEN x THEN '' ELSE c.reloftype::regtype::text END", "reloftype"},
		{"SELECT CASE WHEN x THEN 1 ELSE 2::int END", "case"},
		// Repeated names stay repeated for the client.
		{"SELECT a OR b, c OR d", "?column?,?column?"},
		{"SELECT NULL AS x", "x"},
	}
	for _, c := range cases {
		tree, err := pg.Parse(c.sql)
		if err != nil {
			t.Fatal(err)
		}
		stmt := tree.Stmts[0].Stmt
		nameResultColumns(stmt)
		var got []string
		for _, tgt := range stmt.GetSelectStmt().TargetList {
			got = append(got, clientName(tgt.GetResTarget().Name))
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("%s: got %q want %q", c.sql, got, c.want)
		}
	}
	// A bare NULL column is text, as in PostgreSQL, also inside subqueries.
	got := deparsed(t, "SELECT r.x FROM (SELECT NULL AS x) r", nameResultColumns)
	if !strings.Contains(got, `NULL::"varchar" AS x`) {
		t.Errorf("NULL column not typed: %s", got)
	}
}

func TestParseOptions(t *testing.T) {
	got, err := parseOptions(`-c statement_timeout=2000 --search-path=shop -capplication_name=a\ b`)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"statement_timeout", "2000"}, {"search_path", "shop"}, {"application_name", "a b"}}
	if len(got) != len(want) {
		t.Fatalf("got %v want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("option %d: got %v want %v", i, got[i], want[i])
		}
	}
	if _, err := parseOptions("-x"); err == nil {
		t.Error("unknown switch accepted")
	}
}

func TestSettingValues(t *testing.T) {
	s := newSettings("gw")
	for _, c := range []struct{ name, value, want string }{
		{"statement_timeout", "2000", "2s"}, {"statement_timeout", "1500", "1500ms"},
		{"statement_timeout", "1min", "1min"}, {"lock_timeout", "90s", "90s"},
		{"TimeZone", "Europe/Berlin", "Europe/Berlin"}, {"TimeZone", "UTC+3", "UTC+3"},
		{"TimeZone", "+02:00", "+02:00"}, {"TimeZone", "-7", "-7"}, {"timezone", "utc", "UTC"},
		{"DateStyle", "ISO, DMY", "ISO, DMY"},
	} {
		if _, err := s.Set(c.name, c.value, false); err != nil {
			t.Errorf("SET %s = %s: %v", c.name, c.value, err)
			continue
		}
		if got, _ := s.Get(c.name); got != c.want {
			t.Errorf("SET %s = %s: SHOW gives %q, want %q", c.name, c.value, got, c.want)
		}
	}
	if _, err := s.Set("TimeZone", "Mars/Olympus", false); err == nil {
		t.Error("unknown time zone accepted")
	}
}
