package integration

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/iceberg-go/table"
	"github.com/jackc/pgx/v5"

	"github.com/lakegate/lakegate/demolake"
)

// TestSessionSettings checks settings as startup parameters and through options=-c,
// SET/SHOW/RESET spellings clients send, and TimeZone in timestamptz output.
func TestSessionSettings(t *testing.T) {
	ctx := testCtx(t)
	cfg, err := pgx.ParseConfig(connString(dbName, password) + "&options=" + strings.ReplaceAll("-c search_path=shop -c lock_timeout=1500", " ", "%20"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["statement_timeout"] = "2000" // node-postgres sends GUCs as startup parameters
	cfg.RuntimeParams["extra_float_digits"] = "2"
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	show := func(stmt string) string {
		t.Helper()
		var v string
		if err := c.QueryRow(ctx, stmt, pgx.QueryExecModeSimpleProtocol).Scan(&v); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		return v
	}
	exec := func(stmt string) {
		t.Helper()
		if _, err := c.Exec(ctx, stmt, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	for stmt, want := range map[string]string{
		"SHOW statement_timeout": "2s", "SHOW lock_timeout": "1500ms", "SHOW search_path": "shop",
		"SHOW extra_float_digits": "2", "SELECT current_schema()": "shop", "SHOW DateStyle": "ISO, MDY",
		"SELECT array_to_string(current_schemas(true), ',')": "pg_catalog,shop",
		// Grafana's table list: the tables of the schemas on search_path.
		`SELECT string_agg(quote_ident(table_name), ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema IN (SELECT CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END FROM generate_series(array_lower(string_to_array(current_setting('search_path'),','),1), array_upper(string_to_array(current_setting('search_path'),','),1)) as i, string_to_array(current_setting('search_path'),',') s)`: strings.Join(sortedTables(), ","),
		// sales needs no schema: search_path came through options=-c.
		"SELECT count(*)::text FROM sales": fmt.Sprint(len(env.data.sales)),
	} {
		if got := show(stmt); got != want {
			t.Errorf("%s = %q, want %q", stmt, got, want)
		}
	}
	exec("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ UNCOMMITTED")
	if got := show("SHOW TRANSACTION ISOLATION LEVEL"); got != "read uncommitted" {
		t.Errorf("SHOW TRANSACTION ISOLATION LEVEL = %q after SET SESSION CHARACTERISTICS", got)
	}
	exec("SET extra_float_digits = 3")
	exec("SET application_name = 'replay'")
	if got := show("SELECT set_config('application_name', 'other', false)"); got != "other" {
		t.Errorf("set_config returned %q", got)
	}
	if got := show("SHOW application_name"); got != "other" {
		t.Errorf("application_name after set_config = %q", got)
	}
	exec("RESET statement_timeout")
	if got := show("SHOW statement_timeout"); got != "0" {
		t.Errorf("statement_timeout after RESET = %q", got)
	}
	var missing *string
	if err := c.QueryRow(ctx, "SELECT current_setting('lakegate.nothing', true)").Scan(&missing); err != nil || missing != nil {
		t.Errorf("current_setting(missing, true) = %v, %v; want NULL", missing, err)
	}
	if _, err := c.Exec(ctx, "SELECT current_setting('memory_limit')"); pgCode(err) != "42704" {
		t.Errorf("current_setting of an unknown setting: %v, want 42704", err)
	}
	if _, err := c.Exec(ctx, "SET TimeZone = 'Mars/Olympus'"); pgCode(err) != "22023" {
		t.Errorf("SET TimeZone to an unknown zone: %v, want 22023", err)
	}

	// timestamptz text output follows TimeZone: names, hour offsets and POSIX zones
	// (whose offsets count west of Greenwich, as in PostgreSQL).
	for _, tc := range []struct{ set, want string }{
		{"SET TimeZone = 'America/New_York'", "2024-01-01 07:00:00-05"},
		{"SET TIME ZONE 'Asia/Kolkata'", "2024-01-01 17:30:00+05:30"},
		{"SET SESSION TIMEZONE TO 'UTC'", "2024-01-01 12:00:00+00"},
		{"SET TIME ZONE -7", "2024-01-01 05:00:00-07"},
		{"SET TimeZone = 'UTC+3'", "2024-01-01 09:00:00-03"},
		{"SET TimeZone = '+02:00'", "2024-01-01 10:00:00-02"},
	} {
		exec(tc.set)
		res := c.PgConn().Exec(ctx, "SELECT TIMESTAMPTZ '2024-01-01 12:00:00+00'")
		rs, err := res.ReadAll()
		if err != nil || len(rs) != 1 || len(rs[0].Rows) != 1 {
			t.Fatalf("%s: %v", tc.set, err)
		}
		if got := string(rs[0].Rows[0][0]); got != tc.want {
			t.Errorf("after %s: %q, want %q", tc.set, got, tc.want)
		}
	}
}

// TestCatalogFunctions checks PostgreSQL's catalog functions and reg* casts against
// values computed without the gateway (Iceberg metadata read with iceberg-go,
// PostgreSQL's documented formats).
func TestCatalogFunctions(t *testing.T) {
	ctx := testCtx(t)
	c := connect(t, pgx.QueryExecModeCacheStatement)
	cat, err := demolake.OpenCatalog(ctx, env.lakeDir, "")
	if err != nil {
		t.Fatal(err)
	}
	if cl, ok := cat.(interface{ Close() error }); ok {
		defer cl.Close()
	}
	sales, err := cat.LoadTable(ctx, table.Identifier{demolake.Namespace, "sales"})
	if err != nil {
		t.Fatal(err)
	}
	summary := sales.CurrentSnapshot().Summary.Properties
	want := map[string]string{
		"SELECT 'shop.sales'::regclass::text":                                                     "shop.sales",
		"SELECT ('\"shop\".\"sales\"'::regclass = 'shop.sales'::regclass)::text":                  "true",
		"SELECT 'int8'::regtype::text":                                                            "bigint",
		"SELECT 'pg_class'::regclass::oid::text":                                                  "1259",
		"SELECT 'shop'::regnamespace::text":                                                       "shop",
		"SELECT obj_description('shop.sales'::regclass, 'pg_class')":                              sales.Properties()["comment"],
		"SELECT col_description('shop.sales'::regclass, 1)":                                       sales.Schema().Field(0).Doc,
		"SELECT pg_total_relation_size('shop.sales'::regclass)::text":                             summary["total-files-size"],
		"SELECT pg_relation_size('shop.sales')::text":                                             summary["total-files-size"],
		"SELECT n_live_tup::text FROM pg_stat_user_tables WHERE relname = 'sales'":                fmt.Sprint(len(env.data.sales)),
		"SELECT pg_size_pretty(10240::bigint)":                                                    "10 kB",
		"SELECT pg_size_pretty(1234567890::bigint)":                                               "1177 MB",
		"SELECT pg_get_indexdef('shop.product_kpis_pkey'::regclass)":                              "CREATE UNIQUE INDEX product_kpis_pkey ON shop.product_kpis USING btree (product_id, day)",
		"SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'product_kpis_pkey'": "PRIMARY KEY (product_id, day)",
		"SELECT pg_table_is_visible('shop.sales'::regclass)::text":                                "false",
		"SELECT has_table_privilege('shop.sales', 'select')::text":                                "true",
		"SELECT has_table_privilege(current_user, 'shop.sales', 'INSERT')::text":                  "false",
		"SELECT has_schema_privilege('shop', 'usage')::text":                                      "true",
		"SELECT quote_ident('Sales 2024')":                                                        `"Sales 2024"`,
		"SELECT array_to_string(parse_ident('shop.\"Sales\"'), '|')":                              "shop|Sales",
		"SELECT array_to_string(string_to_array('a,b,c', ','), '|')":                              "a|b|c",
		"SELECT string_agg(g::text, ',') FROM generate_series(1, 3) g":                            "1,2,3",
		"SELECT catcode FROM pg_get_keywords() WHERE word = 'select'":                             "R",
		"SELECT format_type(1700, 655366)":                                                        "numeric(10,2)",
		"SELECT format_type('_int8'::regtype, NULL)":                                              "bigint[]",
		"SELECT typinput::text FROM pg_type WHERE typname = '_int4'":                              "array_in",
		"SELECT (SELECT typarray FROM pg_type WHERE typname = 'int8')::text":                      "1016",
		"SELECT count(*)::text FROM information_schema.tables WHERE table_schema = 'shop'":        fmt.Sprint(len(demolake.TableNames)),
		"SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.key_column_usage WHERE table_name = 'product_kpis'": "product_id,day",
		"SELECT data_type FROM information_schema.columns WHERE table_name = 'products' AND column_name = 'price'":                                 "numeric",
		"SELECT table_catalog FROM information_schema.columns WHERE table_name = 'sales' LIMIT 1":                                                  "lake",
		// PostgreSQL's array input syntax, as DBeaver and psql write it.
		`SELECT array_to_string('{a,"b c",NULL}'::text[], '|')`: "a|b c",
		"SELECT 'pg_catalog.array_in'::regproc::text":           "array_in",
	}
	for q, w := range want {
		var got *string
		if err := c.QueryRow(ctx, q).Scan(&got); err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if got == nil || *got != w {
			t.Errorf("%s = %v, want %q", q, deref(got), w)
		}
	}
}

// TestCatalogErrors checks that bad catalog lookups fail as in PostgreSQL.
func TestCatalogErrors(t *testing.T) {
	ctx := testCtx(t)
	c := connect(t, pgx.QueryExecModeCacheStatement)
	for q, code := range map[string]string{
		"SELECT 'shop.nope'::regclass":              "42P01",
		"SELECT 'nope'::regtype":                    "42704",
		"SELECT current_setting('no_such_setting')": "42704",
		"SELECT * FROM pg_catalog.pg_nope":          "42P01",
		"SELECT * FROM information_schema.nope":     "42P01",
	} {
		if _, err := c.Exec(ctx, q); pgCode(err) != code {
			t.Errorf("%s: %v, want SQLSTATE %s", q, err, code)
		}
	}
	var one int
	if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Errorf("connection unusable after the errors: %v", err)
	}
}

func deref(s *string) string {
	if s == nil {
		return "NULL"
	}
	return fmt.Sprintf("%q", *s)
}
