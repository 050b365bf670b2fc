package integration

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lakegate/lakegate/demolake"
)

const pgjdbcJar = "/usr/share/java/postgresql.jar"

// TestJDBC compiles java/LakeCheck.java, runs it against the gateway and compares
// every key=value line it prints with values computed from the generators.
func TestJDBC(t *testing.T) {
	need(t, pgjdbcJar, "javac", "java")
	d := env.data
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	classes := t.TempDir()
	src, err := filepath.Abs(filepath.Join("java", "LakeCheck.java"))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.CommandContext(ctx, "javac", "-cp", pgjdbcJar, "-d", classes, src).CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}

	// A sale from the middle of the table, so its ts has a fraction of a second.
	sale := d.sales[len(d.sales)/2]
	cmd := exec.CommandContext(ctx, "java", "-Duser.timezone=UTC", "-cp", pgjdbcJar+":"+classes,
		"LakeCheck", env.port, strconv.FormatInt(sale.SaleID, 10))
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("java LakeCheck: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr)
	}
	got := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			t.Errorf("LakeCheck printed a line that is not key=value: %q", sc.Text())
			continue
		}
		got[k] = v
	}

	want := jdbcExpectations(d, sale)
	for _, k := range sortedKeys(want) {
		g, ok := got[k]
		switch {
		case ok && sameFields(g, want[k]):
		case ok:
			t.Errorf("%s: got %q, want %q", k, g, want[k])
		case got[k+".error"] != "":
			t.Errorf("%s: error %s (want %q)", k, got[k+".error"], want[k])
		default:
			t.Errorf("%s: missing from LakeCheck's output (want %q)", k, want[k])
		}
	}
	for _, k := range sortedKeys(got) {
		if _, ok := want[k]; !ok && !strings.HasSuffix(k, ".error") {
			t.Errorf("unexpected key %s=%s", k, got[k])
		}
		if strings.HasSuffix(k, ".error") {
			if _, checked := want[strings.TrimSuffix(k, ".error")]; !checked {
				t.Errorf("%s: %s", k, got[k])
			}
		}
	}
}

// sameFields compares |-separated values field by field; fields that both parse as
// numbers compare by value, so Java's Double.toString ("0.0", "12.5") and Go's
// formatting of the same double agree exactly when, and only when, the doubles do.
func sameFields(got, want string) bool {
	g, w := strings.Split(got, "|"), strings.Split(want, "|")
	if len(g) != len(w) {
		return false
	}
	for i := range g {
		if g[i] == w[i] {
			continue
		}
		gf, err1 := strconv.ParseFloat(g[i], 64)
		wf, err2 := strconv.ParseFloat(w[i], 64)
		if err1 != nil || err2 != nil || gf != wf {
			return false
		}
	}
	return true
}

func jdbcExpectations(d *lakeData, sale demolake.SaleRow) map[string]string {
	want := map[string]string{}
	ff := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	march := d.salesWhere(func(s *demolake.SaleRow) bool { return inRange(s.TS, date(2025, 3, 1), date(2025, 4, 1)) })
	store5 := d.salesWhere(func(s *demolake.SaleRow) bool { return s.StoreID == 5 })

	var fetchRows, fetchQty, first, last int64 = 0, 0, -1, -1
	for _, s := range d.sales {
		if s.StoreID == 1 {
			if first < 0 {
				first = s.SaleID
			}
			last = s.SaleID
			fetchRows++
			fetchQty += int64(s.Qty)
		}
	}
	p3 := d.product(3)
	st2 := d.stores[1]
	k, _ := d.kpi(3, date(2025, 6, 15))

	for _, m := range []string{"pt0", "pt1", "pt5", "ptm1", "simple"} {
		want[m+".count"] = strconv.Itoa(len(d.sales))
		for pid := int64(1); pid <= 6; pid++ {
			var n, units, revCents int64
			for _, k := range d.kpisOf(pid, date(2025, 2, 1), date(2025, 3, 1)) {
				n++
				units += k.Units
				revCents += cents(k.Revenue)
			}
			want[fmt.Sprintf("%s.point.%d", m, pid)] = fmt.Sprintf("%d,%d,%d", n, units, revCents)
		}
		want[m+".store"] = strconv.FormatInt(store5.count, 10)
		want[m+".category"] = strconv.FormatInt(d.productsByCategory()["Toys"], 10)
		want[m+".tsrange"] = strconv.FormatInt(march.count, 10)
		want[m+".fetch"] = fmt.Sprintf("%d,%d,%d,%d", fetchRows, fetchQty, first, last)
		want[m+".product"] = fmt.Sprintf("%d|%s|%s|%s|%v", p3.ProductID, p3.Name, p3.Category, pgCents(p3.PriceCents), p3.Active)
		want[m+".storerow"] = fmt.Sprintf("%d|%s|%s", st2.StoreID, st2.City, pgDate(st2.Opened))
		want[m+".sale"] = fmt.Sprintf("%d|%d|%d|%s|%d|%s", sale.SaleID, sale.ProductID, sale.StoreID,
			sale.TS.Format("2006-01-02 15:04:05.000000"), sale.Qty, ff(sale.Amount))
		want[m+".kpi"] = fmt.Sprintf("%s|%s|%d|%s|%s", pgDate(k.Day), ff(k.Revenue), k.Units, ff(k.Forecast), pgCents(k.PriceRecoCents))
	}

	tables := make([]string, 0, len(demolake.TableNames))
	for _, t := range demolake.TableNames {
		tables = append(tables, demolake.Namespace+"."+t+":TABLE")
	}
	sort.Strings(tables)
	want["meta.tables"] = strings.Join(tables, ",")
	// TYPE_NAME as pgjdbc reports it, DATA_TYPE from java.sql.Types.
	want["meta.columns"] = "sale_id:int8:-5,product_id:int8:-5,store_id:int4:4,ts:timestamp:93,qty:int4:4,amount:float8:8"
	return want
}
