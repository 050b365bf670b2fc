package planner

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/iceberg-go"
	"github.com/jackc/pgx/v5"
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/engine"
	"github.com/lakegate/lakegate/internal/pgserver"
	"github.com/lakegate/lakegate/wire"
)

// rowdescTemplate resolves the lake tables sales and stores of sql the way
// resolveTables does (placeholder relation, alias defaulting to the name) and returns
// the deparsed template with its scans.
func rowdescTemplate(t testing.TB, sql string) (string, []*scanRef) {
	t.Helper()
	schemas := map[string]*iceberg.Schema{
		"sales": iceberg.NewSchema(0,
			iceberg.NestedField{ID: 1, Name: "sale_id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
			iceberg.NestedField{ID: 2, Name: "store_id", Type: iceberg.PrimitiveTypes.Int32},
			iceberg.NestedField{ID: 3, Name: "amount", Type: iceberg.DecimalTypeOf(10, 2)},
		),
		"stores": iceberg.NewSchema(0,
			iceberg.NestedField{ID: 1, Name: "store_id", Type: iceberg.PrimitiveTypes.Int32, Required: true},
			iceberg.NestedField{ID: 2, Name: "city", Type: iceberg.PrimitiveTypes.String},
		),
	}
	tree, err := pg.Parse(sql)
	if err != nil {
		t.Fatal(err)
	}
	root := tree.Stmts[0].Stmt
	ctes := cteNames(root)
	var scans []*scanRef
	walk(root, func(m protoreflect.Message) bool {
		rv, ok := m.Interface().(*pg.RangeVar)
		if !ok {
			return true
		}
		if ctes[rv.Relname] && rv.Schemaname == "" {
			return false
		}
		if (rv.Schemaname == "" || rv.Schemaname == "pg_catalog") && strings.HasPrefix(rv.Relname, "pg_") {
			rv.Schemaname = pgSchema
			return false
		}
		base, meta, _ := strings.Cut(rv.Relname, "$")
		schema, found := schemas[base]
		if !found {
			return false
		}
		r := &scanRef{placeholder: "lakegate_scan_" + string(rune('a'+len(scans))) + "_",
			ref: catalog.TableRef{Namespace: "shop", Name: base}, meta: meta}
		if meta == "" {
			r.schema = schema
		}
		if rv.Alias == nil {
			rv.Alias = &pg.Alias{Aliasname: rv.Relname}
		}
		rv.Schemaname, rv.Relname = "", r.placeholder
		scans = append(scans, r)
		return false
	})
	out, err := pg.Deparse(tree)
	if err != nil {
		t.Fatal(err)
	}
	return out, scans
}

func TestTemplateSources(t *testing.T) {
	cases := []struct {
		sql  string
		want string // per output column: table.column, or - for none; "" when not attributed at all
	}{
		{"SELECT sale_id, amount FROM sales", "sales.sale_id sales.amount"},
		{"SELECT * FROM sales", "sales.sale_id sales.store_id sales.amount"},
		{"SELECT s.amount AS a, s.sale_id FROM shop.sales s", "sales.amount sales.sale_id"},
		{"SELECT amount * 2, count(*), 1 FROM sales", "- - -"},
		{"SELECT store_id, sum(amount) FROM sales GROUP BY store_id", "sales.store_id -"},
		{"SELECT * FROM sales JOIN stores ON sales.store_id = stores.store_id",
			"sales.sale_id sales.store_id sales.amount stores.store_id stores.city"},
		{"SELECT city, sale_id, store_id FROM sales s JOIN stores t ON s.store_id = t.store_id", "stores.city sales.sale_id -"},
		{"SELECT t.*, s.sale_id FROM sales s, stores t", "stores.store_id stores.city sales.sale_id"},
		{"SELECT * FROM sales JOIN stores USING (store_id)", "sales.store_id sales.sale_id sales.amount stores.city"},
		{"SELECT * FROM sales RIGHT JOIN stores USING (store_id)", "stores.store_id sales.sale_id sales.amount stores.city"},
		{"SELECT * FROM sales FULL JOIN stores USING (store_id)", "- sales.sale_id sales.amount stores.city"},
		{"SELECT * FROM sales NATURAL JOIN stores", "sales.store_id sales.sale_id sales.amount stores.city"},
		{"SELECT x.a FROM (SELECT amount AS a, sale_id FROM sales) x", "sales.amount"},
		{"SELECT * FROM (SELECT sale_id, amount + 1 AS b FROM sales) x", "sales.sale_id -"},
		{"SELECT q FROM (SELECT sale_id FROM sales) x(q)", "sales.sale_id"},
		{"WITH c AS (SELECT store_id, city FROM stores) SELECT city FROM c", "stores.city"},
		{"WITH c(k) AS (SELECT store_id FROM stores) SELECT * FROM c", "stores.store_id"},
		{"SELECT sale_id FROM sales UNION ALL SELECT store_id FROM stores", "-"},
		{"SELECT * FROM sales, pg_catalog.pg_class", ""},
		{"SELECT sale_id, relname, relpages FROM sales, pg_catalog.pg_class", "sales.sale_id #19 -"},
		{"SELECT c.oid, c.relname, c.relkind, n.nspname, c.relnatts FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace",
			"#26 #19 #18 #19 -"},
		{"SELECT oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace", "-"},
		{"SELECT relname FROM pg_class, generate_series(1, 2) g", "-"},
		{"SELECT x.r, x.o FROM (SELECT relname AS r, oid + 1 AS o FROM pg_class) x", "#19 -"},
		{"SELECT relname FROM pg_class UNION SELECT nspname FROM pg_namespace", "-"},
		{"SELECT * FROM \"sales$snapshots\" LIMIT 0", strings.TrimSpace(strings.Repeat("- ", len(metaTables["snapshots"].columns)))},
		{"SELECT * FROM (VALUES (1, 2)) v(a, b)", "- -"},
		{"SELECT (SELECT max(sale_id) FROM sales) AS m", "-"},
		{"SELECT j.sale_id FROM (sales JOIN stores USING (store_id)) AS j", "sales.sale_id"},
	}
	for _, c := range cases {
		tmpl, scans := rowdescTemplate(t, c.sql)
		srcs := templateSources(tmpl, scans)
		var got []string
		for _, col := range srcs {
			s := col.src
			if col.pgType != 0 {
				got = append(got, "#"+strconv.Itoa(int(col.pgType)))
				continue
			}
			if s == nil {
				got = append(got, "-")
				continue
			}
			if s.namespace != "shop" {
				t.Errorf("%s: namespace %q", c.sql, s.namespace)
			}
			got = append(got, s.table+"."+s.column)
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%s\n  template %s\n  got  %q\n  want %q", c.sql, tmpl, g, c.want)
		}
	}
}

// openShadowGateway starts a gateway without catalogs whose shadow catalog holds one
// table, shop.sales, made as the catalog sync makes it.
func openShadowGateway(t testing.TB) *Gateway {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Config{Threads: 1, Connections: 2, Setup: CompatSetup})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	g := NewGateway(map[string]*catalog.Catalog{}, eng, nil)
	if err := g.Start(ctx); err != nil {
		t.Fatal(err)
	}
	schema := iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "sale_id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
		iceberg.NestedField{ID: 2, Name: "store_id", Type: iceberg.PrimitiveTypes.Int32},
		iceberg.NestedField{ID: 3, Name: "amount", Type: iceberg.DecimalTypeOf(10, 2)},
	)
	if err := eng.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS shop"); err != nil {
		t.Fatal(err)
	}
	rebuildShadow(t, g, "v1.metadata.json", schema)
	return g
}

// rebuildShadow replaces the shadow table shop.sales as a sync after a commit does.
func rebuildShadow(t testing.TB, g *Gateway, location string, schema *iceberg.Schema) {
	t.Helper()
	if err := g.engine.Exec(context.Background(), shadowDDL(`"shop"."sales"`, schema, nil)); err != nil {
		t.Fatal(err)
	}
	g.shadow.mu.Lock()
	defer g.shadow.mu.Unlock()
	if g.shadow.tables == nil {
		g.shadow.tables = map[string]string{}
	}
	g.shadow.tables[`"shop"."sales"`] = location
	g.shadow.synced = time.Now()
}

// pgAttributeIDs are the numbers lakegate_pg.pg_attribute lists for shop.sales.
func pgAttributeIDs(t *testing.T, g *Gateway) map[columnSource]shadowColumnID {
	t.Helper()
	ctx := context.Background()
	rows, err := g.engine.Query(ctx, `SELECT a.attname, a.attrelid::BIGINT, a.attnum::BIGINT FROM lakegate_pg.pg_attribute a
		JOIN lakegate_pg.pg_class c ON c.oid = a.attrelid JOIN lakegate_pg.pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'shop' AND c.relname = 'sales' AND c.relkind = 'r'`, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := map[columnSource]shadowColumnID{}
	if err := rows.Each(ctx, func(b arrow.RecordBatch) error {
		for i := 0; i < int(b.NumRows()); i++ {
			oid, _ := strconv.ParseUint(b.Column(1).ValueStr(i), 10, 32)
			num, _ := strconv.ParseInt(b.Column(2).ValueStr(i), 10, 16)
			want[columnSource{"shop", "sales", strings.Clone(b.Column(0).ValueStr(i))}] = shadowColumnID{uint32(oid), int16(num)}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return want
}

// TestShadowColumns checks the looked-up numbers against pg_attribute's, also after
// the shadow table is rebuilt with a new column in front.
func TestShadowColumns(t *testing.T) {
	g := openShadowGateway(t)
	ctx := context.Background()
	srcs := []*columnSource{{"shop", "sales", "amount"}, nil, {"shop", "sales", "sale_id"}, {"shop", "nosuch", "x"}}
	check := func(want map[columnSource]shadowColumnID) {
		t.Helper()
		got := g.shadowColumns(ctx, srcs)
		if len(want) < 3 {
			t.Fatalf("pg_attribute lists %d columns of shop.sales: %v", len(want), want)
		}
		for _, s := range []columnSource{{"shop", "sales", "amount"}, {"shop", "sales", "sale_id"}} {
			if got[s] != want[s] || got[s].table == 0 {
				t.Errorf("%v: got %v, pg_attribute says %v", s, got[s], want[s])
			}
		}
		if _, ok := got[columnSource{"shop", "nosuch", "x"}]; ok {
			t.Errorf("a table the shadow catalog lacks has numbers: %v", got)
		}
	}
	before := pgAttributeIDs(t, g)
	check(before)
	check(before) // from the cache
	rebuildShadow(t, g, "v2.metadata.json", iceberg.NewSchema(1,
		iceberg.NestedField{ID: 4, Name: "region", Type: iceberg.PrimitiveTypes.String},
		iceberg.NestedField{ID: 1, Name: "sale_id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
		iceberg.NestedField{ID: 3, Name: "amount", Type: iceberg.DecimalTypeOf(10, 2)},
	))
	after := pgAttributeIDs(t, g)
	if after[columnSource{"shop", "sales", "sale_id"}] == before[columnSource{"shop", "sales", "sale_id"}] {
		t.Fatalf("rebuilding the shadow table kept its numbers: %v", after)
	}
	check(after)
}

// BenchmarkShadowColumns is the lookup each described statement over lake tables
// pays once.
func BenchmarkShadowColumns(b *testing.B) {
	g := openShadowGateway(b)
	srcs := []*columnSource{{"shop", "sales", "amount"}, {"shop", "sales", "sale_id"}}
	for b.Loop() {
		if ids := g.shadowColumns(context.Background(), srcs); len(ids) != len(srcs) {
			b.Fatalf("ids %v", ids)
		}
	}
}

// TestCatalogColumnTypes checks pgCatalogColumnTypes against a real PostgreSQL.
func TestCatalogColumnTypes(t *testing.T) {
	ctx := context.Background()
	pgs := pgserver.ForTest(t, pgserver.Options{})
	c, err := pgx.Connect(ctx, pgs.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for rel := range pgCatalogColumnTypes {
		rows, err := c.Query(ctx, `SELECT a.attname || ':' || a.atttypid FROM pg_attribute a
			WHERE a.attrelid = ('pg_catalog.' || $1)::regclass AND a.attnum > 0 AND NOT a.attisdropped
			AND a.atttypid IN (18, 19, 26) ORDER BY a.attnum`, rel)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.Join(cols, " "); pgCatalogColumnTypes[rel] != want {
			t.Errorf("%s: %q, PostgreSQL has %q", rel, pgCatalogColumnTypes[rel], want)
		}
	}
}

func TestSetCatalogType(t *testing.T) {
	cases := []struct {
		engine, catalog, want uint32
	}{
		{wire.OIDInt8, wire.OIDOid, wire.OIDOid},
		{wire.OIDText, wire.OIDName, wire.OIDName},
		{wire.OIDText, wire.OIDChar, wire.OIDText}, // '' has no binary form the wire layer sends
		{wire.OIDText, wire.OIDOid, wire.OIDText},  // a view column the engine holds as text stays text
		{wire.OIDInt8, 0, wire.OIDInt8},
	}
	for _, c := range cases {
		f := wire.Field{TypeOID: c.engine, TypeSize: 8, TypeMod: -1}
		setCatalogType(&f, c.catalog)
		if f.TypeOID != c.want {
			t.Errorf("engine %d, catalog %d: got %d, want %d", c.engine, c.catalog, f.TypeOID, c.want)
		}
	}
}
