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

	"github.com/apache/iceberg-go/table"

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
		want[m+".rsmd.source"] = jdbcSources(demolake.TableSales, []string{"sale_id", "product_id", ""})
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
	// getTables without types lists each table's primary-key index too, as PostgreSQL's.
	var rels []string
	for _, t := range demolake.TableNames {
		rels = append(rels, t+":TABLE", t+"_pkey:INDEX")
	}
	sort.Strings(rels)
	want["meta.relations"] = strings.Join(rels, ",")
	want["meta.catalogs"] = dbName
	want["meta.schemas"] = "information_schema,pg_catalog,public,shop"
	want["meta.typeinfo"] = "bool:-7,date:91,float8:8,int4:4,int8:-5,numeric:2,text:12,timestamp:93"
	want["meta.functions"] = "pg_catalog.version"
	// Result set metadata per column: pgjdbc's type name and java.sql.Types, and
	// precision and scale for numeric (the README's table).
	want["meta.rsmd.products"] = "product_id:int8:-5,name:text:12,category:text:12,price:numeric:2:10:2,active:bool:-7"
	want["meta.rsmd.stores"] = "store_id:int4:4,city:text:12,opened:date:91"
	want["meta.rsmd.sales"] = "sale_id:int8:-5,product_id:int8:-5,store_id:int4:4,ts:timestamp:93,qty:int4:4,amount:float8:8"
	want["meta.rsmd.product_kpis"] = "product_id:int8:-5,day:date:91,revenue:float8:8,units:int8:-5,forecast:float8:8,price_reco:numeric:2:10:2"
	for t, m := range icebergMeta() {
		want["meta.pk."+t] = m.pk
		want["meta.index."+t] = m.index
		want["meta.remarks."+t] = m.remarks
	}
	return want
}

// tableMeta is what pgjdbc's DatabaseMetaData must say about a lake table, read
// from its Iceberg metadata: identifier fields as the primary key, the comment
// property and field docs as remarks, required fields as NOT NULL.
type tableMeta struct{ pk, index, remarks string }

func icebergMeta() map[string]tableMeta {
	ctx := context.Background()
	cat, err := demolake.OpenCatalog(ctx, env.lakeDir, "")
	if err != nil {
		return nil
	}
	if c, ok := cat.(interface{ Close() error }); ok {
		defer c.Close()
	}
	out := map[string]tableMeta{}
	for _, name := range demolake.TableNames {
		tbl, err := cat.LoadTable(ctx, table.Identifier{demolake.Namespace, name})
		if err != nil {
			return nil
		}
		var pk, index []string
		for i, id := range tbl.Schema().IdentifierFieldIDs {
			f, _ := tbl.Schema().FindFieldByID(id)
			pk = append(pk, fmt.Sprintf("%s:%d:%s_pkey", f.Name, i+1, name))
			index = append(index, fmt.Sprintf("%s_pkey:false:%d:%s", name, i+1, f.Name))
		}
		remarks := []string{tbl.Properties()["comment"]}
		for _, f := range tbl.Schema().Fields() {
			nullable := 1
			if f.Required {
				nullable = 0
			}
			remarks = append(remarks, fmt.Sprintf("%s:%s:%d", f.Name, f.Doc, nullable))
		}
		out[name] = tableMeta{pk: strings.Join(pk, ","), index: strings.Join(index, ","), remarks: strings.Join(remarks, "|")}
	}
	return out
}

// jdbcSources is what pgjdbc's ResultSetMetaData says of result columns that are
// the given columns of a lake table ("" for an expression): getTableName,
// getBaseSchemaName, getBaseColumnName and isNullable, with NOT NULL exactly for
// the table's required Iceberg fields.
func jdbcSources(tableName string, cols []string) string {
	ctx := context.Background()
	cat, err := demolake.OpenCatalog(ctx, env.lakeDir, "")
	if err != nil {
		return "catalog: " + err.Error()
	}
	if c, ok := cat.(interface{ Close() error }); ok {
		defer c.Close()
	}
	tbl, err := cat.LoadTable(ctx, table.Identifier{demolake.Namespace, tableName})
	if err != nil {
		return "load: " + err.Error()
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		if c == "" {
			out[i] = ":::2" // no source column: java.sql.ResultSetMetaData.columnNullableUnknown
			continue
		}
		f, ok := tbl.Schema().FindFieldByName(c)
		if !ok {
			return "no field " + c
		}
		nullable := 1
		if f.Required {
			nullable = 0 // columnNoNulls
		}
		out[i] = fmt.Sprintf("%s:%s:%s:%d", tableName, demolake.Namespace, c, nullable)
	}
	return strings.Join(out, ",")
}
