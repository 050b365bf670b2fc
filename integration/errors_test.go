package integration

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lakegate/lakegate/demolake"
)

// refusals are statements the gateway must reject with a PostgreSQL SQLSTATE,
// leaving the connection usable.
var refusals = []struct {
	sql   string
	codes []string // any of these
}{
	{`INSERT INTO shop.sales (sale_id) VALUES (1)`, []string{"25006", "42501"}},
	{`UPDATE shop.products SET active = false`, []string{"25006", "42501"}},
	{`DELETE FROM shop.stores`, []string{"25006", "42501"}},
	{`CREATE TABLE shop.t (a int)`, []string{"25006", "42501"}},
	{`DROP TABLE shop.sales`, []string{"25006", "42501"}},
	{`COPY shop.sales FROM STDIN`, []string{"25006", "42501"}},
	{`COPY shop.sales TO '/tmp/x'`, []string{"25006", "42501"}},
	{`COPY (SELECT 1) TO PROGRAM 'true'`, []string{"25006", "42501"}},
	{`SELECT * FROM read_csv('/etc/passwd')`, []string{"42501"}},
	{`SELECT * FROM read_parquet('/etc/passwd')`, []string{"42501"}},
	{`ATTACH 'x.db'`, []string{"42601"}},
	{`INSTALL httpfs`, []string{"42601"}},
	{`SET memory_limit = '1GB'`, []string{"42704"}},
	{`SELECT * FROM shop.no_such_table`, []string{"42P01"}},
	{`SELECT * FROM no_such_schema.sales`, []string{"42P01", "3F000"}},
	{`SELECT no_such_column FROM shop.sales`, []string{"42703"}},
	{`SELECT store_id FROM shop.sales JOIN shop.stores ON true LIMIT 1`, []string{"42702"}},
	{`SELEC 1`, []string{"42601"}},
	{`SELECT FROM WHERE`, []string{"42601"}},
}

func TestRefusals(t *testing.T) {
	for _, m := range []int{0, 2, 4} { // CacheStatement, DescribeExec, SimpleProtocol
		mode := execModes[m]
		t.Run(mode.name, func(t *testing.T) {
			c := connect(t, mode.mode)
			ctx := testCtx(t)
			for _, r := range refusals {
				rows, err := c.Query(ctx, r.sql)
				if err == nil {
					for rows.Next() {
					}
					rows.Close()
					err = rows.Err()
				}
				if code := pgCode(err); !contains(r.codes, code) {
					t.Errorf("%s: got SQLSTATE %q (%v), want one of %v", r.sql, code, err, r.codes)
				}
				var one int
				if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
					t.Fatalf("after %q the connection no longer answers SELECT 1: %v", r.sql, err)
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestLoginErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cases := []struct {
		name, db, pw, code string
	}{
		{"wrong password", dbName, "not-gw", "28P01"},
		{"unknown database", "no_such_db", password, "3D000"},
	}
	for _, tc := range cases {
		c, err := pgx.Connect(ctx, connString(tc.db, tc.pw))
		if err == nil {
			c.Close(ctx)
			t.Errorf("%s: connected, want SQLSTATE %s", tc.name, tc.code)
			continue
		}
		if code := pgCode(err); code != tc.code {
			t.Errorf("%s: got SQLSTATE %q (%v), want %s", tc.name, code, err, tc.code)
		}
	}
	// A failed login does not disturb others.
	if err := ping(ctx, env.addr, dbName); err != nil {
		t.Fatal(err)
	}
}

// TestFailedTransaction: an error inside BEGIN aborts the transaction until ROLLBACK.
func TestFailedTransaction(t *testing.T) {
	for _, m := range []int{0, 4} {
		mode := execModes[m]
		t.Run(mode.name, func(t *testing.T) {
			c := connect(t, mode.mode)
			ctx := testCtx(t)
			exec := func(sql string) error {
				rows, err := c.Query(ctx, sql)
				if err != nil {
					return err
				}
				for rows.Next() {
				}
				rows.Close()
				return rows.Err()
			}
			if err := exec("BEGIN"); err != nil {
				t.Fatal(err)
			}
			var n int64
			if err := c.QueryRow(ctx, "SELECT count(*) FROM shop.stores").Scan(&n); err != nil || n != int64(len(env.data.stores)) {
				t.Fatalf("in transaction: count %d, %v", n, err)
			}
			if err := exec("SELECT * FROM shop.no_such_table"); pgCode(err) != "42P01" {
				t.Fatalf("missing table in transaction: got %v, want 42P01", err)
			}
			if err := exec("SELECT 1"); pgCode(err) != "25P02" {
				t.Errorf("statement after error in transaction: got %v, want SQLSTATE 25P02", err)
			}
			if err := exec("ROLLBACK"); err != nil {
				t.Fatalf("ROLLBACK: %v", err)
			}
			var one int
			if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
				t.Fatalf("after ROLLBACK: %v", err)
			}
			// pgx's own transaction API: commit after reads.
			tx, err := c.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM shop.products").Scan(&n); err != nil || n != int64(len(env.data.products)) {
				t.Errorf("in pgx transaction: count %d, %v", n, err)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Errorf("COMMIT: %v", err)
			}
		})
	}
}

// TestIntegerDivision: in PostgreSQL int / int is integer division truncating toward
// zero, and division by zero is an error.
func TestIntegerDivision(t *testing.T) {
	forEachMode(t, func(t *testing.T, c *pgx.Conn) {
		ctx := testCtx(t)
		var a, b, q int64
		err := c.QueryRow(ctx, `SELECT 7/2, (-7)/2, sum(qty)/count(*) FROM shop.sales WHERE store_id = 1`).Scan(&a, &b, &q)
		if err != nil {
			t.Errorf("SELECT 7/2, (-7)/2, sum(qty)/count(*): %v (want 3, -3, an integer)", err)
		} else {
			tot := env.data.salesWhere(func(s *demolake.SaleRow) bool { return s.StoreID == 1 })
			if a != 3 || b != -3 || q != tot.qty/tot.count {
				t.Errorf("SELECT 7/2, (-7)/2, sum(qty)/count(*): got %d, %d, %d, want 3, -3, %d", a, b, q, tot.qty/tot.count)
			}
		}
		rows, err := c.Query(ctx, `SELECT 1/0`)
		if err == nil {
			var v any
			for rows.Next() {
				vals, _ := rows.Values()
				if len(vals) > 0 {
					v = vals[0]
				}
			}
			rows.Close()
			err = rows.Err()
			if err == nil {
				t.Errorf("SELECT 1/0: got %v, want SQLSTATE 22012 (division by zero)", v)
			}
		}
		if err != nil && pgCode(err) != "22012" {
			t.Errorf("SELECT 1/0: got %v, want SQLSTATE 22012", err)
		}
		var one int
		if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
			t.Fatalf("after SELECT 1/0: %v", err)
		}
	})
}
