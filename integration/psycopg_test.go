package integration

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lakegate/lakegate/demolake"
)

// python3 is Debian's interpreter, the one python3-psycopg2 is installed for.
const python3 = "/usr/bin/python3"

// TestPsycopg2 runs python/lakecheck.py (plain queries with parameters, named cursors
// read with itersize and fetchmany, SQL cursor statements and their errors,
// statement_timeout and cancel) and checks every value it prints against the demo
// lake's generators.
func TestPsycopg2(t *testing.T) {
	need(t, python3)
	if err := exec.Command(python3, "-c", "import psycopg2").Run(); err != nil {
		t.Skipf("psycopg2 is not installed for %s (run scripts/install-test-deps.sh): %v", python3, err)
	}
	d := env.data
	const storeID, productLimit = 3, 20
	script, err := filepath.Abs(filepath.Join("python", "lakecheck.py"))
	if err != nil {
		t.Fatal(err)
	}
	got := runKeyValues(t, exec.Command(python3, script, env.host, env.port, user, password, dbName,
		strconv.Itoa(storeID), strconv.Itoa(productLimit)))

	want := map[string]string{}
	store := d.salesWhere(func(s *demolake.SaleRow) bool { return s.StoreID == storeID })
	want["store.count"] = strconv.FormatInt(store.count, 10)
	want["store.qty"] = strconv.FormatInt(store.qty, 10)
	p := d.product(productLimit)
	want["product.name"] = p.Name
	want["product.price"] = pgCents(p.PriceCents)

	sales := sortedSales(d)
	var idSum, qtySum int64
	for _, s := range sales {
		idSum += s.SaleID
		qtySum += int64(s.Qty)
	}
	want["named.count"] = strconv.Itoa(len(sales))
	want["named.id_sum"] = strconv.FormatInt(idSum, 10)
	want["named.qty_sum"] = strconv.FormatInt(qtySum, 10)
	want["named.ordered"] = "True"
	want["named.last"] = strconv.FormatInt(sales[len(sales)-1].SaleID, 10)

	ids := func(from, to int) string {
		var out []string
		for i := from; i <= to; i++ {
			out = append(out, strconv.Itoa(i))
		}
		return strings.Join(out, ",")
	}
	want["fetchmany.first"] = ids(1, 7)
	want["fetchmany.second"] = ids(8, 14)
	want["fetchmany.one"] = "15"
	want["fetchmany.rest"] = strconv.Itoa(productLimit - 15)
	want["fetchmany.last_name"] = p.Name
	want["fetchmany.after_end"] = "0"

	saleID := func(i int) string { return strconv.FormatInt(sales[i].SaleID, 10) }
	want["sql.move"] = "MOVE 10"
	want["sql.fetch3"] = saleID(10) + "," + saleID(11) + "," + saleID(12)
	want["sql.next"] = saleID(13)
	want["sql.relative2"] = saleID(15)
	want["sql.backward"] = "55000"
	want["sql.after_rollback"] = "34000"
	want["sql.duplicate"] = "42P03"
	want["sql.close"] = "CLOSE CURSOR"
	want["sql.closed"] = "34000"
	want["sql.scroll"] = "0A000"
	want["sql.hold"] = "0A000"
	want["sql.after_commit"] = "34000"
	want["sql.outside_tx"] = "25P01"
	want["sql.unknown"] = "34000"
	want["timeout"] = "57014"
	want["cancel"] = "57014"
	want["after_errors.products"] = strconv.Itoa(len(d.products))
	compareKeyValues(t, got, want)
}

// sortedSales is the sales table in sale_id order.
func sortedSales(d *lakeData) []demolake.SaleRow {
	s := append([]demolake.SaleRow(nil), d.sales...)
	sort.Slice(s, func(i, j int) bool { return s[i].SaleID < s[j].SaleID })
	return s
}

// runKeyValues runs a client program that prints key=value lines and collects them.
func runKeyValues(t *testing.T, cmd *exec.Cmd) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	c.Dir, c.Env = cmd.Dir, cmd.Env
	out, err := c.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(cmd.Path), err, out, stderr)
	}
	got := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			t.Errorf("a line that is not key=value: %q", sc.Text())
			continue
		}
		got[k] = v
	}
	return got
}

func compareKeyValues(t *testing.T, got, want map[string]string) {
	t.Helper()
	for _, k := range sortedKeys(want) {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("%s: missing (want %q)", k, want[k])
		case g != want[k]:
			t.Errorf("%s: got %q, want %q", k, g, want[k])
		}
	}
	for _, k := range sortedKeys(got) {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected %s=%s", k, got[k])
		}
	}
}
