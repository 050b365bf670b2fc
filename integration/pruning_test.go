package integration

import (
	"context"
	"encoding/binary"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/jackc/pgx/v5"

	"github.com/lakegate/lakegate/demolake"
)

// salesLayout is what the demo lake's Iceberg metadata says about shop.sales, read
// with iceberg-go directly (not through the gateway's planner).
type salesLayout struct {
	manifests    int
	files        int
	dayManifests int // data manifests whose ts_day summary covers the day
	dayFiles     int // data files of the day's partition
	idFiles      int // data files whose sale_id bounds hold the id
}

func readSalesLayout(t *testing.T, ctx context.Context, day time.Time, saleID int64) salesLayout {
	t.Helper()
	cat, err := demolake.OpenCatalog(ctx, env.lakeDir, "")
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := cat.LoadTable(ctx, table.Identifier{demolake.Namespace, "sales"})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := tbl.FS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mans, err := tbl.CurrentSnapshot().Manifests(fs)
	if err != nil {
		t.Fatal(err)
	}
	schema := tbl.Schema()
	idField, _ := schema.FindFieldByName("sale_id")
	want := int32(day.Unix() / 86400)
	var l salesLayout
	for _, m := range mans {
		if m.ManifestContent() != iceberg.ManifestContentData {
			continue
		}
		l.manifests++
		if ps := m.Partitions(); len(ps) == 1 && ps[0].LowerBound != nil && ps[0].UpperBound != nil {
			lo, hi := int32(binary.LittleEndian.Uint32(*ps[0].LowerBound)), int32(binary.LittleEndian.Uint32(*ps[0].UpperBound))
			if lo <= want && want <= hi {
				l.dayManifests++
			}
		} else {
			l.dayManifests++
		}
		entries, err := m.FetchEntries(fs, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			df := e.DataFile()
			l.files++
			for _, v := range df.Partition() {
				if partitionDay(v) == want {
					l.dayFiles++
				}
			}
			lo, hi := df.LowerBoundValues()[idField.ID], df.UpperBoundValues()[idField.ID]
			if len(lo) == 8 && len(hi) == 8 && int64(binary.LittleEndian.Uint64(lo)) <= saleID && saleID <= int64(binary.LittleEndian.Uint64(hi)) {
				l.idFiles++
			}
		}
	}
	return l
}

func partitionDay(v any) int32 {
	switch x := v.(type) {
	case iceberg.Date:
		return int32(x)
	case int32:
		return x
	case time.Time:
		return int32(x.Unix() / 86400)
	}
	return -1
}

var (
	manifestsLine = regexp.MustCompile(`Manifests: (\d+) scanned, (\d+) skipped of (\d+)`)
	filesLine     = regexp.MustCompile(`Data files: (\d+) scanned, (\d+) skipped of (\d+)`)
	rowsReturned  = regexp.MustCompile(`Rows returned: (\d+)`)
)

func explain(t *testing.T, ctx context.Context, c *pgx.Conn, sql string, args ...any) string {
	t.Helper()
	rows, err := c.Query(ctx, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return strings.Join(lines, "\n")
}

func ints(t *testing.T, re *regexp.Regexp, text string) []int {
	t.Helper()
	m := re.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no %q in:\n%s", re, text)
	}
	out := make([]int, len(m)-1)
	for i := range out {
		out[i], _ = strconv.Atoi(m[i+1])
	}
	return out
}

// TestPruningExplain checks EXPLAIN's pruning figures through the gateway against the
// demo lake's metadata, and EXPLAIN ANALYZE's row count against the generators.
func TestPruningExplain(t *testing.T) {
	ctx := testCtx(t)
	day := demolake.AppendDay.AddDate(0, 0, 2)
	next := day.AddDate(0, 0, 1)
	var inDay int64
	saleID := int64(-1)
	for _, r := range env.data.sales {
		if !r.TS.Before(day) && r.TS.Before(next) {
			inDay++
			if saleID < 0 {
				saleID = r.SaleID
			}
		}
	}
	if inDay == 0 {
		t.Fatal("no sales on the chosen day")
	}
	l := readSalesLayout(t, ctx, day, saleID)
	c := connect(t, pgx.QueryExecModeSimpleProtocol)

	q := "SELECT * FROM shop.sales WHERE ts >= '" + day.Format("2006-01-02") + "' AND ts < DATE '" + day.Format("2006-01-02") + "' + interval '1 day'"
	out := explain(t, ctx, c, "EXPLAIN ANALYZE "+q)
	t.Log("\n" + out)
	if m := ints(t, manifestsLine, out); m[0] != l.dayManifests || m[2] != l.manifests {
		t.Errorf("manifests %v, want %d of %d:\n%s", m, l.dayManifests, l.manifests, out)
	}
	if f := ints(t, filesLine, out); f[0] != l.dayFiles || f[2] != l.files || f[1] != l.files-l.dayFiles {
		t.Errorf("data files %v, want %d of %d:\n%s", f, l.dayFiles, l.files, out)
	}
	if n := ints(t, rowsReturned, out); int64(n[0]) != inDay {
		t.Errorf("rows returned %d, want %d", n[0], inDay)
	}
	for _, want := range []string{"Row groups:", "Pruned by:", "Pruning time:", "Execution time:", "DuckDB plan:"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}

	// A point lookup: only files whose sale_id bounds hold the id can be scanned; the
	// one holding the row must be. Through the extended protocol, with a parameter.
	ce := connect(t, pgx.QueryExecModeCacheStatement)
	out = explain(t, ctx, ce, "EXPLAIN SELECT * FROM shop.sales WHERE sale_id = $1", saleID)
	if f := ints(t, filesLine, out); f[0] < 1 || f[0] > l.idFiles {
		t.Errorf("point lookup scans %d files, want 1..%d:\n%s", f[0], l.idFiles, out)
	}
	var n int64
	if err := ce.QueryRow(ctx, "SELECT count(*) FROM shop.sales WHERE sale_id = $1", saleID).Scan(&n); err != nil || n != 1 {
		t.Errorf("point lookup: %d rows, %v", n, err)
	}

	// The constant reaches the other side of a join equality, and a CTE's table.
	out = explain(t, ctx, c, fmt.Sprintf("EXPLAIN SELECT count(*) FROM shop.sales a JOIN shop.sales b ON a.sale_id = b.sale_id WHERE a.sale_id = %d", saleID))
	for i, m := range filesLine.FindAllStringSubmatch(out, -1) {
		if k, _ := strconv.Atoi(m[1]); k < 1 || k > l.idFiles {
			t.Errorf("join side %d scans %d files, want 1..%d:\n%s", i, k, l.idFiles, out)
		}
	}
	out = explain(t, ctx, c, "EXPLAIN WITH d AS (SELECT * FROM shop.sales) SELECT count(*) FROM d WHERE ts >= '"+
		day.Format("2006-01-02")+"' AND ts < '"+next.Format("2006-01-02")+"'")
	if f := ints(t, filesLine, out); f[0] != l.dayFiles {
		t.Errorf("CTE scans %d files, want %d:\n%s", f[0], l.dayFiles, out)
	}
}
