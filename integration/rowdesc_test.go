package integration

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lakegate/lakegate/internal/pgserver"
)

// TestRowDescriptionSources checks that RowDescription names the source table OID
// and column number of plain lake columns, as PostgreSQL does, and that they are the
// numbers pg_class and pg_attribute show; every other column has 0, 0.
func TestRowDescriptionSources(t *testing.T) {
	cases := rowdescCases
	forEachMode(t, func(t *testing.T, c *pgx.Conn) {
		ctx := testCtx(t)
		// The expectations come from the catalog, looked up by name, before the reads.
		type id struct {
			table  uint32
			attnum uint16
		}
		ids := map[string]id{}
		for _, cs := range cases {
			for _, w := range cs.want {
				if w == "" || ids[w] != (id{}) {
					continue
				}
				tbl, col, _ := strings.Cut(w, ".")
				var regclass, attrelid int64
				var attnum int16
				if err := c.QueryRow(ctx, "SELECT ('shop.' || $1)::regclass::oid::bigint", tbl).Scan(&regclass); err != nil {
					t.Fatalf("regclass of %s: %v", tbl, err)
				}
				err := c.QueryRow(ctx, `SELECT a.attrelid::bigint, a.attnum::smallint FROM pg_catalog.pg_attribute a
					JOIN pg_catalog.pg_class r ON r.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
					WHERE n.nspname = 'shop' AND r.relname = $1 AND a.attname = $2`, tbl, col).Scan(&attrelid, &attnum)
				if err != nil {
					t.Fatalf("pg_attribute of %s: %v", w, err)
				}
				if regclass != attrelid || regclass == 0 || attnum <= 0 {
					t.Fatalf("%s: regclass %d, pg_attribute (%d, %d)", w, regclass, attrelid, attnum)
				}
				ids[w] = id{uint32(attrelid), uint16(attnum)}
			}
		}
		for _, cs := range cases {
			sql := cs.sql
			if !strings.Contains(sql, "LIMIT") {
				sql += " LIMIT 0"
			}
			rows, err := c.Query(ctx, sql)
			if err != nil {
				t.Fatalf("%s: %v", cs.sql, err)
			}
			fds := rows.FieldDescriptions()
			rows.Close()
			if err := rows.Err(); err != nil {
				t.Fatalf("%s: %v", cs.sql, err)
			}
			if len(fds) != len(cs.want) {
				t.Fatalf("%s: %d columns, want %d", cs.sql, len(fds), len(cs.want))
			}
			for i, fd := range fds {
				want := ids[cs.want[i]]
				if fd.TableOID != want.table || fd.TableAttributeNumber != want.attnum {
					t.Errorf("%s: column %d (%s): table %d attnum %d, want %d %d (%s)", cs.sql, i, fd.Name,
						fd.TableOID, fd.TableAttributeNumber, want.table, want.attnum, cs.want[i])
				}
			}
		}
		// Catalog columns of type oid and name are described as PostgreSQL describes
		// them, and decode as such in text and binary.
		var oid uint32
		var relname, nspname string
		rows, err := c.Query(ctx, `SELECT c.oid, c.relname, n.nspname FROM pg_catalog.pg_class c
			JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'sales' AND n.nspname = 'shop'`)
		if err != nil {
			t.Fatal(err)
		}
		var types []uint32
		for _, fd := range rows.FieldDescriptions() {
			types = append(types, fd.DataTypeOID)
		}
		if !rows.Next() {
			t.Fatalf("pg_class has no shop.sales: %v", rows.Err())
		}
		if err := rows.Scan(&oid, &relname, &nspname); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if fmt.Sprint(types) != "[26 19 19]" || oid != ids["sales.sale_id"].table || relname != "sales" || nspname != "shop" {
			t.Errorf("pg_class row: types %v, values %d %s %s; want [26 19 19], %d sales shop", types, oid, relname, nspname,
				ids["sales.sale_id"].table)
		}
	})
}

// rowdescCases are queries over the demo lake and the source of each result column.
var rowdescCases = []struct {
	sql  string
	want []string // "table.column" of each result column, "" for none
	// catalog marks queries over catalog relations, whose columns lakegate names
	// no source for (PostgreSQL does): left out of the comparison with PostgreSQL.
	catalog bool
}{
	{"SELECT sale_id, store_id FROM shop.sales", []string{"sales.sale_id", "sales.store_id"}, false},
	{"SELECT * FROM shop.stores", []string{"stores.store_id", "stores.city", "stores.opened"}, false},
	{"SELECT s.ts AS sold_at, s.sale_id AS id FROM shop.sales s", []string{"sales.ts", "sales.sale_id"}, false},
	{"SELECT s.sale_id, t.city FROM shop.sales s JOIN shop.stores t ON t.store_id = s.store_id",
		[]string{"sales.sale_id", "stores.city"}, false},
	{"SELECT sale_id + 1, upper(city) FROM shop.sales s JOIN shop.stores t USING (store_id)", []string{"", ""}, false},
	{"SELECT store_id, count(*) FROM shop.sales GROUP BY store_id", []string{"sales.store_id", ""}, false},
	{"SELECT x.c FROM (SELECT city AS c, store_id FROM shop.stores) x", []string{"stores.city"}, false},
	{"WITH w AS (SELECT sale_id FROM shop.sales) SELECT sale_id, 1 AS one FROM w", []string{"sales.sale_id", ""}, false},
	{"SELECT relname FROM pg_catalog.pg_class LIMIT 1", []string{""}, true},
	{"SELECT * FROM shop.sales JOIN shop.stores USING (store_id)",
		[]string{"sales.store_id", "sales.sale_id", "sales.product_id", "sales.ts", "sales.qty", "sales.amount", "stores.city", "stores.opened"}, false},
	{"SELECT store_id FROM shop.sales UNION ALL SELECT store_id FROM shop.stores", []string{""}, false},
	{"SELECT * FROM shop.sales s FULL JOIN shop.stores t USING (store_id)",
		[]string{"", "sales.sale_id", "sales.product_id", "sales.ts", "sales.qty", "sales.amount", "stores.city", "stores.opened"}, false},
}

// TestRowDescriptionPostgres runs the same queries on PostgreSQL over tables of the
// demo lake's shape: it must name a source for exactly the columns lakegate does, with
// the same column numbers (both number a table's columns in schema order).
func TestRowDescriptionPostgres(t *testing.T) {
	ctx := testCtx(t)
	pgs := pgserver.ForTest(t, pgserver.Options{Settings: map[string]string{"fsync": "off"}})
	if err := pgs.CreateDatabase(ctx, "rowdesc"); err != nil {
		t.Fatal(err)
	}
	pc, err := pgx.Connect(ctx, pgs.DSN("rowdesc"))
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close(ctx)
	if _, err := pc.Exec(ctx, pgDemoSchema, pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatal(err)
	}
	lc := connect(t, pgx.QueryExecModeCacheStatement)
	describe := func(c *pgx.Conn, sql string) []pgconn.FieldDescription {
		t.Helper()
		rows, err := c.Query(ctx, sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		fds := rows.FieldDescriptions()
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return fds
	}
	for _, cs := range rowdescCases {
		if cs.catalog {
			continue
		}
		sql := cs.sql + " LIMIT 0"
		want, got := describe(pc, sql), describe(lc, sql)
		if len(want) != len(got) {
			t.Fatalf("%s: %d columns, PostgreSQL %d", cs.sql, len(got), len(want))
		}
		for i := range want {
			if (got[i].TableOID != 0) != (want[i].TableOID != 0) || got[i].TableAttributeNumber != want[i].TableAttributeNumber {
				t.Errorf("%s: column %d (%s): table %d attnum %d; PostgreSQL table %d attnum %d", cs.sql, i, got[i].Name,
					got[i].TableOID, got[i].TableAttributeNumber, want[i].TableOID, want[i].TableAttributeNumber)
			}
		}
	}
}
