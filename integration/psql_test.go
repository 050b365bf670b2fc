package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lakegate/lakegate/demolake"
	"github.com/lakegate/lakegate/internal/pgserver"
)

const psqlPath = "/usr/bin/psql"

// psql runs psql -X (no psqlrc) with extra flags and one -c command, and returns
// stdout; a failure reports psql's stderr.
func psql(t *testing.T, args ...string) (string, error) {
	t.Helper()
	need(t, psqlPath)
	full := append([]string{"-X", "-v", "ON_ERROR_STOP=1", "-h", env.host, "-p", env.port, "-U", user, "-d", dbName}, args...)
	cmd := exec.Command(psqlPath, full...)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+password, "PGCONNECT_TIMEOUT=10", "PGSSLMODE=disable",
		"PGTZ=UTC", "PGCLIENTENCODING=UTF8", "PSQL_PAGER=", "PAGER=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("psql %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func TestPsqlCount(t *testing.T) {
	d := env.data
	out, err := psql(t, "-A", "-t", "-c", "select count(*) from shop.sales")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(out), fmt.Sprint(len(d.sales)); got != want {
		t.Errorf("select count(*) from shop.sales: got %q, want %q", got, want)
	}

	out, err = psql(t, "-A", "-t", "-F", ",", "-c",
		"select count(*), sum(qty), sum(round(amount*100))::bigint from shop.sales where ts >= '2025-03-01' and ts < '2025-04-01'")
	if err != nil {
		t.Fatal(err)
	}
	w := d.salesWhere(func(s *demolake.SaleRow) bool { return inRange(s.TS, date(2025, 3, 1), date(2025, 4, 1)) })
	if got, want := strings.TrimSpace(out), fmt.Sprintf("%d,%d,%d", w.count, w.qty, w.cents); got != want {
		t.Errorf("March 2025 totals: got %q, want %q", got, want)
	}
}

// TestPsqlCopy compares \copy ... to stdout with csv output line by line with CSV
// rendered in Go from the generators, covering every column type's text form.
func TestPsqlCopy(t *testing.T) {
	d := env.data
	cases := []struct {
		name   string
		query  string
		header bool
		want   func() []string
	}{
		{"per store", `select store_id, count(*), sum(qty), sum(round(amount*100))::bigint from shop.sales group by 1 order by 1`, false,
			func() (out []string) {
				for _, s := range d.stores {
					w := d.salesWhere(func(r *demolake.SaleRow) bool { return r.StoreID == s.StoreID })
					if w.count > 0 {
						out = append(out, fmt.Sprintf("%d,%d,%d,%d", s.StoreID, w.count, w.qty, w.cents))
					}
				}
				return
			}},
		{"sales rows", `select sale_id, product_id, store_id, ts, qty, amount from shop.sales where store_id = 5 and ts < '2024-03-01' order by sale_id`, true,
			func() (out []string) {
				out = append(out, "sale_id,product_id,store_id,ts,qty,amount")
				for _, s := range d.sales {
					if s.StoreID == 5 && s.TS.Before(date(2024, 3, 1)) {
						out = append(out, fmt.Sprintf("%d,%d,%d,%s,%d,%s", s.SaleID, s.ProductID, s.StoreID, pgTimestamp(s.TS), s.Qty, pgFloat(s.Amount)))
					}
				}
				return
			}},
		{"products", `select product_id, name, category, price, active from shop.products order by product_id`, true,
			func() (out []string) {
				out = append(out, "product_id,name,category,price,active")
				for _, p := range d.products {
					out = append(out, fmt.Sprintf("%d,%s,%s,%s,%s", p.ProductID, csvField(p.Name), csvField(p.Category), pgCents(p.PriceCents), pgBool(p.Active)))
				}
				return
			}},
		{"stores", `select store_id, city, opened from shop.stores order by store_id`, true,
			func() (out []string) {
				out = append(out, "store_id,city,opened")
				for _, s := range d.stores {
					out = append(out, fmt.Sprintf("%d,%s,%s", s.StoreID, csvField(s.City), pgDate(s.Opened)))
				}
				return
			}},
		{"kpis", `select product_id, day, revenue, units, forecast, price_reco from shop.product_kpis where product_id = 4 and day >= '2025-02-26' and day < '2025-03-04' order by day`, true,
			func() (out []string) {
				out = append(out, "product_id,day,revenue,units,forecast,price_reco")
				for _, k := range d.kpisOf(4, date(2025, 2, 26), date(2025, 3, 4)) {
					out = append(out, fmt.Sprintf("%d,%s,%s,%d,%s,%s", k.ProductID, pgDate(k.Day), pgFloat(k.Revenue), k.Units, pgFloat(k.Forecast), pgCents(k.PriceRecoCents)))
				}
				return
			}},
	}
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			want := tc.want()
			opts := "csv"
			if tc.header {
				opts = "csv header"
			}
			out, err := psql(t, "-c", fmt.Sprintf(`\copy (%s) to stdout with %s`, tc.query, opts))
			if err != nil {
				t.Fatal(err)
			}
			got := lines(out)
			for i := 0; i < max(len(got), len(want)); i++ {
				var g, w string
				if i < len(got) {
					g = got[i]
				}
				if i < len(want) {
					w = want[i]
				}
				if g != w {
					t.Errorf("line %d: got %q, want %q", i+1, g, w)
					if t.Failed() && i > 5 {
						break
					}
				}
			}
			if len(got) != len(want) {
				t.Errorf("%d lines, want %d", len(got), len(want))
			}
		})
	}
}

func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n\r") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// TestPsqlDescribe runs psql's catalog commands, which query pg_catalog.
func TestPsqlDescribe(t *testing.T) {
	t.Run("dn", func(t *testing.T) {
		out, err := psql(t, "-A", "-t", "-c", `\dn`)
		if err != nil {
			t.Fatal(err)
		}
		if !hasRowPrefix(out, "shop|") {
			t.Errorf(`\dn does not list schema shop:\n%s`, out)
		}
	})
	t.Run("dt", func(t *testing.T) {
		out, err := psql(t, "-A", "-t", "-c", `\dt shop.*`)
		if err != nil {
			t.Fatal(err)
		}
		for _, tbl := range demolake.TableNames {
			if !hasRowPrefix(out, "shop|"+tbl+"|table|") {
				t.Errorf(`\dt shop.* does not list table shop.%s:\n%s`, tbl, out)
			}
		}
		if n := len(lines(out)); n != len(demolake.TableNames) {
			t.Errorf(`\dt shop.* lists %d tables, want %d:\n%s`, n, len(demolake.TableNames), out)
		}
	})
	t.Run("d", func(t *testing.T) {
		out, err := psql(t, "-A", "-t", "-c", `\d shop.sales`)
		if err != nil {
			t.Fatal(err)
		}
		cols := [][2]string{
			{"sale_id", "bigint"}, {"product_id", "bigint"}, {"store_id", "integer"},
			{"ts", "timestamp without time zone"}, {"qty", "integer"}, {"amount", "double precision"},
		}
		for _, c := range cols {
			if !hasRowPrefix(out, c[0]+"|"+c[1]+"|") {
				t.Errorf(`\d shop.sales lacks column %s of type %s:\n%s`, c[0], c[1], out)
			}
		}
	})
}

func hasRowPrefix(out, prefix string) bool {
	for _, l := range lines(out) {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// psqlAt runs psql -X against any server (see psql).
func psqlAt(t *testing.T, host, port, usr, pw, db string, args ...string) (string, error) {
	t.Helper()
	need(t, psqlPath)
	full := append([]string{"-X", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", usr, "-d", db}, args...)
	cmd := exec.Command(psqlPath, full...)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+pw, "PGCONNECT_TIMEOUT=10", "PGSSLMODE=disable",
		"PGTZ=UTC", "PGCLIENTENCODING=UTF8", "PSQL_PAGER=", "PAGER=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("psql %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// TestPsqlDescribeLikePostgres runs psql's \d family against the gateway and against
// PostgreSQL 15 holding tables of the same shape (the README's table, the Iceberg
// identifier fields as primary keys, the Iceberg docs as comments), and compares what
// psql prints. Owners are the only expected difference.
func TestPsqlDescribeLikePostgres(t *testing.T) {
	need(t, psqlPath)
	ctx := testCtx(t)
	pgs := pgserver.ForTest(t, pgserver.Options{Settings: map[string]string{"timezone": "UTC"}})
	if err := pgs.CreateDatabase(ctx, dbName); err != nil {
		t.Fatal(err)
	}
	comments := lakeComments(t, ctx, env.lakeDir)
	ddl := strings.ReplaceAll(pgShop, ", note text", "") + "\n" + comments
	if _, err := psqlAt(t, pgs.Host, fmt.Sprint(pgs.Port), pgs.User, "", dbName, "-q", "-c", ddl); err != nil {
		t.Fatal(err)
	}
	cmds := []string{`\d shop.sales`, `\d+ shop.sales`, `\d shop.products`, `\d+ shop.product_kpis`,
		`\dt shop.*`, `\dn`, `\df`, `\dT shop.*`, `\d shop.sales_pkey`, `\di shop.*`}
	for _, c := range cmds {
		t.Run(strings.NewReplacer(`\`, "", " ", "_", "*", "all", ".", "_").Replace(c), func(t *testing.T) {
			got, err := psql(t, "-c", c)
			if err != nil {
				t.Fatal(err)
			}
			want, err := psqlAt(t, pgs.Host, fmt.Sprint(pgs.Port), pgs.User, "", dbName, "-c", c)
			if err != nil {
				t.Fatal(err)
			}
			if normaliseOwners(got) != normaliseOwners(want, pgs.User, "pg_database_owner") {
				t.Errorf("%s differs from PostgreSQL's:\n--- lakegate\n%s\n--- PostgreSQL\n%s", c, got, want)
			}
		})
	}
	t.Run("x_gset", func(t *testing.T) {
		// Client-side commands over server answers: expanded output and \gset.
		script := filepath.Join(t.TempDir(), "x_gset.sql")
		body := "\\x\nSELECT 1 AS a, 'x' AS b, 2.5::numeric(4,2) AS c;\nSELECT product_id, name FROM shop.products WHERE false;\n" +
			"SELECT count(*) AS n, 'shop' AS s FROM shop.products WHERE false \\gset\n\\echo :s :n\n"
		if err := os.WriteFile(script, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		args := []string{"-f", script}
		got, err := psql(t, args...)
		if err != nil {
			t.Fatal(err)
		}
		want, err := psqlAt(t, pgs.Host, fmt.Sprint(pgs.Port), pgs.User, "", dbName, args...)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("\\x and \\gset differ from PostgreSQL's:\n--- lakegate\n%s\n--- PostgreSQL\n%s", got, want)
		}
	})
	t.Run("plus_commands", func(t *testing.T) {
		// \l, \dn+ and \dt+ show sizes, owners and access privileges that differ
		// from any PostgreSQL; they must run and list the lake.
		for c, wantLine := range map[string]string{`\l`: dbName + "|", `\dn+`: "shop|", `\dt+ shop.*`: "shop|sales|table|"} {
			out, err := psql(t, "-A", "-t", "-c", c)
			if err != nil {
				t.Fatal(err)
			}
			if !hasRowPrefix(out, wantLine) {
				t.Errorf("%s lacks %q:\n%s", c, wantLine, out)
			}
		}
	})
}

// normaliseOwners replaces PostgreSQL's owner roles by lakegate's and drops the
// padding and border widths they influence (psql pads columns to the widest value).
func normaliseOwners(s string, owners ...string) string {
	var out []string
	for _, l := range lines(s) {
		fields := strings.Split(l, "|")
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
			if slices.Contains(owners, fields[i]) {
				fields[i] = "lakegate"
			}
		}
		l = strings.Join(fields, "|")
		if strings.Trim(l, "-+") == "" {
			l = "---"
		}
		out = append(out, strings.TrimSpace(l))
	}
	return strings.Join(out, "\n")
}
