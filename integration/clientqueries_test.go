package integration

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/jackc/pgx/v5"

	"github.com/lakegate/lakegate/demolake"
	"github.com/lakegate/lakegate/internal/pgserver"
)

// clientQueriesDir holds a copy of ../shared/client-queries: what real clients sent.
const clientQueriesDir = "testdata/client-queries"

// clientQuery is one statement of a client-queries file.
type clientQuery struct {
	file, id, sql string
	params        []any
}

var exampleParam = regexp.MustCompile(`\$(\d+) = '((?:[^']|'')*)'`)

// readClientQueries splits a client-queries file into its statements: each starts
// with a "-- [catalog N]" or "-- [session N]" line, may carry "-- example
// parameters" and ends at a blank line. A statement that is only a comment (pgx's
// "-- ping") is kept as that comment.
func readClientQueries(t *testing.T, path string) []clientQuery {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []clientQuery
	var cur *clientQuery
	var body []string
	flush := func() {
		if cur != nil {
			cur.sql = strings.TrimSpace(strings.Join(body, "\n"))
			if strings.Trim(cur.sql, "; \n") == "" && len(body) > 0 {
				cur.sql = strings.Join(body[:len(body)-1], "\n")
			}
			out = append(out, *cur)
		}
		cur, body = nil, nil
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "-- [catalog ") || strings.HasPrefix(l, "-- [session "):
			flush()
			cur = &clientQuery{file: filepath.Base(path), id: l[3 : strings.Index(l, "]")+1]}
		case cur == nil:
		case strings.HasPrefix(l, "-- example parameters:"):
			for _, m := range exampleParam.FindAllStringSubmatch(l, -1) {
				cur.params = append(cur.params, strings.ReplaceAll(m[2], "''", "'"))
			}
		case strings.HasPrefix(l, "-- (") && len(body) == 0:
		case strings.TrimSpace(l) == "":
			flush()
		default:
			body = append(body, l)
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// pgShop is the demo lake's shop schema as a PostgreSQL DDL script, written from
// the README's table (plus the note column the client sessions read), with the
// Iceberg identifier fields as primary keys.
const pgShop = `CREATE SCHEMA shop;
CREATE TABLE shop.products (product_id bigint NOT NULL PRIMARY KEY, name text, category text, price numeric(10,2), active boolean);
CREATE TABLE shop.stores (store_id integer NOT NULL PRIMARY KEY, city text, opened date);
CREATE TABLE shop.sales (sale_id bigint NOT NULL PRIMARY KEY, product_id bigint, store_id integer, ts timestamp, qty integer, amount double precision, note text);
CREATE TABLE shop.product_kpis (product_id bigint NOT NULL, day date NOT NULL, revenue double precision, units bigint, forecast double precision, price_reco numeric(10,2), PRIMARY KEY (product_id, day));`

// replayLake is a small demo lake whose sales table gained the note column the
// clients' sessions used (a schema change committed with iceberg-go after the load).
// It returns the table and column comments as COMMENT statements for PostgreSQL.
func replayLake(t *testing.T, ctx context.Context, dir string) string {
	t.Helper()
	if _, err := demolake.Build(ctx, demolake.Options{Dir: dir, Scale: 0.002}); err != nil {
		t.Fatal(err)
	}
	cat, err := demolake.OpenCatalog(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := cat.(interface{ Close() error }); ok {
		defer c.Close()
	}
	sales, err := cat.LoadTable(ctx, table.Identifier{"shop", "sales"})
	if err != nil {
		t.Fatal(err)
	}
	tx := sales.NewTransaction()
	if err := tx.UpdateSchema(true, false).AddColumn([]string{"note"}, iceberg.PrimitiveTypes.String, "Free-text note on the receipt line.", false, nil).Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return lakeComments(t, ctx, dir)
}

// lakeComments reads the shop tables' comments and docs from the lake's Iceberg
// metadata as PostgreSQL COMMENT statements.
func lakeComments(t *testing.T, ctx context.Context, dir string) string {
	t.Helper()
	cat, err := demolake.OpenCatalog(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := cat.(interface{ Close() error }); ok {
		defer c.Close()
	}
	var comments strings.Builder
	for _, name := range demolake.TableNames {
		tbl, err := cat.LoadTable(ctx, table.Identifier{"shop", name})
		if err != nil {
			t.Fatal(err)
		}
		if c := tbl.Properties()["comment"]; c != "" {
			fmt.Fprintf(&comments, "COMMENT ON TABLE shop.%s IS %s;\n", name, sqlString(c))
		}
		for _, f := range tbl.Schema().Fields() {
			if f.Doc != "" {
				fmt.Fprintf(&comments, "COMMENT ON COLUMN shop.%s.%s IS %s;\n", name, f.Name, sqlString(f.Doc))
			}
		}
	}
	return comments.String()
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// rowsDiffer lists the statements whose rows PostgreSQL answers differently by
// design; for them only the columns (names and types) are compared, plus the
// checks in replayChecks.
var rowsDiffer = map[string]string{
	"jdbc.sql [catalog 6]":          "PostgreSQL lists its whole catalog as system tables and views; lakegate the catalog tables",
	"jdbc.sql [catalog 12]":         "PostgreSQL has more types",
	"jdbc.sql [catalog 13]":         "PostgreSQL has more types",
	"metabase.sql [catalog 2]":      "lakegate grants SELECT only (read-only)",
	"metabase.sql [catalog 4]":      "PostgreSQL describes its system catalogs' columns",
	"metabase.sql [catalog 6]":      "PostgreSQL describes its system catalogs' columns",
	"psql.sql [catalog 1]":          "the databases differ (template0, postgres ...)",
	"node-postgres.sql [session 1]": "server_version says lakegate",
	"psycopg2.sql [session 3]":      "PostgreSQL's tables are empty (the cursor tests check the data)",
	"psycopg2.sql [session 7]":      "PostgreSQL's tables are empty (the cursor tests check the data)",
}

// volatileColumns hold statistics: PostgreSQL's tables are empty, the lake's are not.
var volatileColumns = map[string]bool{"estimated_row_count": true, "cardinality": true, "pages": true}

// replayResult is a statement's answer, normalised for comparison.
type replayResult struct {
	cols  []string // name:type category
	rows  []string
	err   error
	names []string
}

// TestClientQueries replays every statement of ../shared/client-queries through the
// gateway and through PostgreSQL 15 over tables of the same shape, and compares
// column names and types everywhere and rows where both must agree.
func TestClientQueries(t *testing.T) {
	ctx := testCtx(t)
	files, err := filepath.Glob(filepath.Join(clientQueriesDir, "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no client queries in %s: %v", clientQueriesDir, err)
	}
	lakeDir := t.TempDir()
	comments := replayLake(t, ctx, lakeDir)
	cfgPath := filepath.Join(lakeDir, "gateway.yaml")
	cfg := fmt.Sprintf("listen: 127.0.0.1:0\nauth: scram-sha-256\nlog_level: info\nengine:\n  threads: 2\ncatalogs:\n  lake:\n    type: sql\n    name: %s\n    uri: file:%s\n    warehouse: file://%s\nusers:\n  - name: %s\n    password: %s\n",
		demolake.DefaultCatalogName, filepath.Join(lakeDir, "catalog.db"), filepath.Join(lakeDir, "warehouse"), user, password)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	gw, err := startGateway(cfgPath, filepath.Join(lakeDir, "gateway.log"), dbName)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.stop()

	pgs := pgserver.ForTest(t, pgserver.Options{Settings: map[string]string{"timezone": "UTC"}})
	if err := pgs.CreateDatabase(ctx, dbName); err != nil {
		t.Fatal(err)
	}
	setup, err := pgx.Connect(ctx, pgs.DSN(dbName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setup.Exec(ctx, pgShop+"\n"+comments, pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatal(err)
	}
	setup.Close(ctx)

	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".sql"), func(t *testing.T) {
			mode := pgx.QueryExecModeCacheStatement
			if b := filepath.Base(file); b == "psql.sql" || b == "psycopg2.sql" {
				mode = pgx.QueryExecModeSimpleProtocol // libpq clients send simple Query messages
			}
			lg := replayConn(t, ctx, fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", user, password, gw.addr, dbName), mode)
			pc := replayConn(t, ctx, pgs.DSN(dbName), mode)
			lgNames, lgOID := relationNames(t, ctx, lg)
			pcNames, pcOID := relationNames(t, ctx, pc)
			pgUser := ""
			if err := pc.QueryRow(ctx, "SELECT current_user").Scan(&pgUser); err != nil {
				t.Fatal(err)
			}
			for _, q := range readClientQueries(t, file) {
				key := q.file + " " + q.id
				got := replay(ctx, lg, q, lgOID, lgNames, "")
				want := replay(ctx, pc, q, pcOID, pcNames, pgUser)
				if got.err != nil && want.err != nil && pgCode(got.err) == pgCode(want.err) {
					// The files are deduplicated: a statement replayed out of its
					// original order (DECLARE without its BEGIN) fails alike on both.
					t.Logf("%s: both fail with %s", key, pgCode(got.err))
					continue
				}
				if got.err != nil {
					t.Errorf("%s: %v\n%s", key, got.err, q.sql)
					continue
				}
				if want.err != nil {
					t.Logf("%s: PostgreSQL itself fails (%v); lakegate answered %d rows", key, want.err, len(got.rows))
					continue
				}
				if !slices.Equal(got.cols, want.cols) {
					t.Errorf("%s: columns\n got %v\nwant %v", key, got.cols, want.cols)
				}
				if !strings.Contains(strings.ToUpper(q.sql), "ORDER BY") {
					slices.Sort(got.rows)
					slices.Sort(want.rows)
				}
				if why, ok := rowsDiffer[key]; ok {
					t.Logf("%s: rows not compared: %s", key, why)
				} else if !slices.Equal(got.rows, want.rows) {
					t.Errorf("%s: rows\n got %q\nwant %q", key, got.rows, want.rows)
				}
				if check := replayChecks[key]; check != nil {
					check(t, got)
				}
			}
		})
	}
	t.Run("live_metadata", func(t *testing.T) { liveMetadata(t, ctx, lakeDir, gw.addr) })
}

// liveMetadata creates a table in the catalog with iceberg-go while the gateway runs:
// it is readable at once, and pg_catalog / information_schema list it after the
// shadow catalog's refresh interval (2 s; polled here for up to 20 s).
func liveMetadata(t *testing.T, ctx context.Context, lakeDir, addr string) {
	cat, err := demolake.OpenCatalog(ctx, lakeDir, "")
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := cat.(interface{ Close() error }); ok {
		defer c.Close()
	}
	schema := iceberg.NewSchemaWithIdentifiers(0, []int{1},
		iceberg.NestedField{ID: 1, Name: "return_id", Type: iceberg.PrimitiveTypes.Int64, Required: true, Doc: "Return identifier."},
		iceberg.NestedField{ID: 2, Name: "reason", Type: iceberg.PrimitiveTypes.String})
	if _, err := cat.CreateTable(ctx, table.Identifier{"shop", "returns"}, schema); err != nil {
		t.Fatal(err)
	}
	c := replayConn(t, ctx, fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", user, password, addr, dbName), pgx.QueryExecModeSimpleProtocol)
	var n int64
	if err := c.QueryRow(ctx, "SELECT count(*) FROM shop.returns").Scan(&n); err != nil || n != 0 {
		t.Fatalf("new table: count = %d, %v", n, err)
	}
	const q = `SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':' || coalesce(col_description(c.oid, a.attnum), ''), ',' ORDER BY a.attnum)
		FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
		JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid WHERE ns.nspname = 'shop' AND c.relname = 'returns'`
	want := "return_id:bigint:Return identifier.,reason:text:"
	var got *string
	for i := 0; i < 40; i++ {
		if err := c.QueryRow(ctx, q).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != nil && *got == want {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
	if got == nil || *got != want {
		t.Errorf("pg_attribute of the new table: %s, want %q", deref(got), want)
	}
	var pk string
	if err := c.QueryRow(ctx, "SELECT string_agg(column_name, ',') FROM information_schema.key_column_usage WHERE table_name = 'returns'").Scan(&pk); err != nil || pk != "return_id" {
		t.Errorf("primary key of the new table: %q, %v", pk, err)
	}
}

// replayChecks assert what the client needs where the rows legitimately differ.
var replayChecks = map[string]func(*testing.T, replayResult){
	"metabase.sql [catalog 2]": func(t *testing.T, r replayResult) {
		if len(r.rows) != len(demolake.TableNames) {
			t.Errorf("table privileges: %d rows, want one per lake table: %q", len(r.rows), r.rows)
		}
		for _, row := range r.rows {
			if !strings.HasSuffix(row, "|false|true|false|false") {
				t.Errorf("table privileges: %q: want select only", row)
			}
		}
	},
	"metabase.sql [catalog 3]": func(t *testing.T, r replayResult) {
		// estimated_row_count is n_live_tup: the live rows of the snapshot.
		if len(r.rows) != len(demolake.TableNames) {
			t.Errorf("tables: %d rows, want %d: %q", len(r.rows), len(demolake.TableNames), r.rows)
		}
	},
	"jdbc.sql [catalog 13]": func(t *testing.T, r replayResult) {
		for _, want := range []string{"true|b|_int8|1016", "false|b|int8|20", "false|b|numeric|1700", "true|b|_text|1009"} {
			if !slices.Contains(r.rows, want) {
				t.Errorf("getTypeInfo lacks %q", want)
			}
		}
	},
	"jdbc.sql [catalog 6]": func(t *testing.T, r replayResult) {
		for _, tbl := range demolake.TableNames {
			if !slices.ContainsFunc(r.rows, func(row string) bool { return strings.Contains(row, "|shop|"+tbl+"|TABLE|") }) {
				t.Errorf("getTables lacks shop.%s: %q", tbl, r.rows)
			}
		}
	},
}

func replayConn(t *testing.T, ctx context.Context, dsn string, mode pgx.QueryExecMode) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = mode
	cfg.RuntimeParams["application_name"] = "replay"
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// relationNames maps the OIDs of the shop relations (tables and their indexes) to
// "rel:name", and the names to OIDs: the captured statements name PostgreSQL's OIDs
// of products (16387) and sales (16397), replaced by each server's own.
func relationNames(t *testing.T, ctx context.Context, c *pgx.Conn) (map[int64]string, map[string]int64) {
	t.Helper()
	rows, err := c.Query(ctx, "SELECT c.oid::bigint, c.relname::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'shop'")
	if err != nil {
		t.Fatal(err)
	}
	names, oids := map[int64]string{}, map[string]int64{}
	for rows.Next() {
		var oid int64
		var name string
		if err := rows.Scan(&oid, &name); err != nil {
			t.Fatal(err)
		}
		names[oid], oids[name] = "rel:"+name, oid
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, tbl := range demolake.TableNames {
		if oids[tbl] == 0 {
			t.Fatalf("pg_class lacks shop.%s", tbl)
		}
	}
	return names, oids
}

func replay(ctx context.Context, c *pgx.Conn, q clientQuery, oids map[string]int64, names map[int64]string, owner string) replayResult {
	sql := strings.NewReplacer("16387", fmt.Sprint(oids["products"]), "16397", fmt.Sprint(oids["sales"])).Replace(q.sql)
	var res replayResult
	if strings.HasPrefix(strings.TrimSpace(strings.ToUpper(sql)), "COPY") {
		var buf bytes.Buffer
		_, res.err = c.PgConn().CopyTo(ctx, &buf, sql)
		return res
	}
	if onlyComments(sql) { // pgx's Ping: an empty query
		_, res.err = c.PgConn().Exec(ctx, sql).ReadAll()
		return res
	}
	rows, err := c.Query(ctx, sql, q.params...)
	if err != nil {
		res.err = err
		return res
	}
	defer rows.Close()
	volatile, char := map[int]bool{}, map[int]bool{}
	for i, fd := range rows.FieldDescriptions() {
		char[i] = fd.DataTypeOID == 18 // "char": pgx decodes it as a number
		res.cols = append(res.cols, fmt.Sprintf("%s:%s", fd.Name, typeCategory(fd.DataTypeOID)))
		res.names = append(res.names, fd.Name)
		volatile[i] = volatileColumns[strings.ToLower(fd.Name)]
	}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			res.err = err
			return res
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = normalise(v, names, owner)
			if b, ok := v.(int32); ok && char[i] {
				parts[i] = strings.TrimRight(string(rune(b)), "\x00")
			}
			if volatile[i] {
				parts[i] = "*"
			}
		}
		res.rows = append(res.rows, strings.Join(parts, "|"))
	}
	res.err = rows.Err()
	return res
}

func onlyComments(sql string) bool {
	for _, l := range strings.Split(sql, "\n") {
		if l = strings.TrimSpace(l); l != "" && l != ";" && !strings.HasPrefix(l, "--") {
			return false
		}
	}
	return true
}

// normalise renders a value as text, with relation OIDs replaced by names and
// PostgreSQL's owner roles by lakegate's.
func normalise(v any, names map[int64]string, owner string) string {
	var s string
	switch x := v.(type) {
	case nil:
		return "NULL"
	case uint32:
		if n, ok := names[int64(x)]; ok {
			return n
		}
		s = fmt.Sprint(x)
	case int64:
		if n, ok := names[x]; ok {
			return n
		}
		s = fmt.Sprint(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = normalise(e, names, owner)
		}
		return "{" + strings.Join(parts, ",") + "}"
	default:
		s = fmt.Sprint(x)
	}
	if owner != "" && (s == owner || s == "pg_database_owner") {
		return "lakegate"
	}
	return s
}

// typeCategory groups type OIDs the way clients read them: an oid, a regclass, an
// int4 and an int8 are all integers to getInt/getLong; name, "char", varchar and
// text are all strings.
func typeCategory(oid uint32) string {
	switch oid {
	case 16:
		return "bool"
	case 20, 21, 23, 24, 26, 28, 2205, 2206, 4089:
		return "int"
	case 700, 701:
		return "float"
	case 18, 19, 25, 1042, 1043, 705:
		return "text"
	case 1700:
		return "numeric"
	}
	return fmt.Sprint(oid)
}

func sortedTables() []string {
	out := slices.Clone(demolake.TableNames)
	slices.Sort(out)
	return out
}
