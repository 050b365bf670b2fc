package integration

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/lakegate/lakegate/demolake"
)

// TestNodePostgres runs node/lakecheck.js (node-postgres simple and parameterised
// queries, pg-cursor batches driven by Execute with a row limit and Flush) and checks
// every value it prints against the demo lake's generators.
func TestNodePostgres(t *testing.T) {
	modules, err := filepath.Abs(filepath.Join("node", "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	need(t, "node", filepath.Join(modules, "pg"), filepath.Join(modules, "pg-cursor"))
	d := env.data
	const storeID, productID, batch = 2, 7, 500
	cmd := exec.Command(mustLookPath(t, "node"), "lakecheck.js", env.host, env.port, user, password, dbName,
		strconv.Itoa(storeID), strconv.Itoa(productID), strconv.Itoa(batch))
	cmd.Dir = "node"
	got := runKeyValues(t, cmd)

	want := map[string]string{}
	want["simple.count"] = strconv.Itoa(len(d.sales))
	store := d.salesWhere(func(s *demolake.SaleRow) bool { return s.StoreID == storeID })
	want["param.count"] = strconv.FormatInt(store.count, 10)
	want["param.qty"] = strconv.FormatInt(store.qty, 10)
	p := d.product(productID)
	want["param.name"] = p.Name
	want["param.price"] = pgCents(p.PriceCents)
	want["param.active"] = strconv.FormatBool(p.Active)
	want["param.error"] = "42P01"

	sales := sortedSales(d)
	var idSum, qtySum int64
	for _, s := range sales {
		idSum += s.SaleID
		qtySum += int64(s.Qty)
	}
	want["cursor.count"] = strconv.Itoa(len(sales))
	want["cursor.batches"] = strconv.Itoa((len(sales) + batch - 1) / batch)
	want["cursor.id_sum"] = strconv.FormatInt(idSum, 10)
	want["cursor.qty_sum"] = strconv.FormatInt(qtySum, 10)
	want["cursor.ordered"] = "true"
	want["cursor.last"] = strconv.FormatInt(sales[len(sales)-1].SaleID, 10)
	want["cursor.full_batches"] = strconv.FormatBool(len(sales)%batch == 0)
	want["early.first"] = "1,2,3"
	want["after_cursor.products"] = strconv.Itoa(len(d.products))
	compareKeyValues(t, got, want)
}

func mustLookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not found: %v", name, err)
	}
	return p
}
