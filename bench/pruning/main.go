package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/apache/iceberg-go"

	"github.com/lakegate/lakegate/cache"
	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/engine"
	"github.com/lakegate/lakegate/pushdown"
)

func main() {
	dir := flag.String("dir", "", "directory for the benchmark table (default: a temporary directory, removed at the end)")
	runs := flag.Int("runs", 20, "warm runs per query")
	flag.Parse()
	if err := run(context.Background(), *dir, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "pruning:", err)
		os.Exit(1)
	}
}

// query is one measured filter with the number of files that hold matching rows,
// computed from the generator's layout, not by planning.
type query struct {
	name     string
	filter   iceberg.BooleanExpression
	matching int
	sql      string // predicate for the end-to-end run ("" = not run)
}

func run(ctx context.Context, dir string, runs int) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "lakegate-bench-pruning-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, "catalog.db")); err != nil {
		start := time.Now()
		if err := build(ctx, dir); err != nil {
			return err
		}
		fmt.Printf("built %d data files in %d manifests (%d rows) in %.1f s\n\n",
			days*filesPerDay, days*manifestsPerDay, days*filesPerDay*rowsPerFile, time.Since(start).Seconds())
	}
	cat, err := catalog.Open("bench", catalog.Config{Type: "sql", Name: "bench", URI: catalogURI(dir), Warehouse: warehouse(dir)})
	if err != nil {
		return err
	}
	defer cat.Close()
	ref := catalog.TableRef{Namespace: "bench", Name: "sales"}

	day := 20
	product := int64(12345)
	queries := []query{
		{"one day", dayRange(day, day+1), filesPerDay, ""},
		{"one product id", iceberg.EqualTo(iceberg.Reference("product_id"), product), days,
			fmt.Sprintf("product_id = %d", product)},
		{"one day and product", iceberg.NewAnd(dayRange(day, day+1), iceberg.EqualTo(iceberg.Reference("product_id"), product)), 1,
			fmt.Sprintf("product_id = %d AND ts >= TIMESTAMP '%s' AND ts < TIMESTAMP '%s'", product,
				dayStart(day).Format("2006-01-02"), dayStart(day+1).Format("2006-01-02"))},
		{"broad: 40 of 50 days", dayRange(10, days), 40 * filesPerDay, ""},
		{"no filter", nil, days * filesPerDay, ""},
	}

	fmt.Printf("%-22s %10s %10s %10s %9s %11s %11s %9s %9s %9s %12s\n",
		"query", "cold ms", "warm ms", "(load ms)", "manifests", "files", "row groups", "footers", "can match", "kept", "alloc/plan")
	peak := map[string]cache.Stats{}
	for _, q := range queries {
		for _, s := range cache.AllStats() {
			if s.Bytes >= peak[s.Name].Bytes {
				peak[s.Name] = s
			}
		}
		cache.PurgeAll()
		coldSpec, cold, _, err := planOnce(ctx, cat, ref, q.filter)
		if err != nil {
			return err
		}
		var warm, loads []time.Duration
		var spec *pushdown.ScanSpec
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		for i := 0; i < runs; i++ {
			s, d, load, err := planOnce(ctx, cat, ref, q.filter)
			if err != nil {
				return err
			}
			spec, warm, loads = s, append(warm, d), append(loads, load)
		}
		runtime.ReadMemStats(&ms1)
		st, cst := spec.Stats, coldSpec.Stats
		fmt.Printf("%-22s %10.2f %10.2f %10.2f %9s %11s %11s %9d %9d %9d %10.1fMB\n", q.name,
			ms(cold), ms(median(warm)), ms(median(loads)),
			fmt.Sprintf("%d/%d", st.ManifestsTotal-st.ManifestsSkipped, st.ManifestsTotal),
			fmt.Sprintf("%d/%d", st.DataFilesAfterFiles, st.DataFilesTotal),
			fmt.Sprintf("%d/%d", st.RowGroupsKept, st.RowGroupsTotal),
			cst.FootersRead, q.matching, st.DataFilesKept,
			float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(runs)/(1<<20))
	}
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	fmt.Printf("\nheap in use after planning: %.1f MB; largest cache contents:", float64(m.HeapInuse)/(1<<20))
	for _, s := range cache.AllStats() {
		p := peak[s.Name]
		fmt.Printf(" %s %d entries %.1f MB;", s.Name, p.Entries, float64(p.Bytes)/(1<<20))
	}
	fmt.Println()
	fmt.Println("columns: planning time (table load + pruning) cold = caches emptied, warm = median of", runs,
		"runs; load = reading the table's metadata from the catalog; manifests/files/row groups = kept of total; footers = footers read cold; can match = files holding matching rows")

	return endToEnd(ctx, dir, cat, ref, queries)
}

// endToEnd runs the selective queries on DuckDB over the files pruning kept and over
// every file (pruning off), and prints the ratio.
func endToEnd(ctx context.Context, dir string, cat *catalog.Catalog, ref catalog.TableRef, queries []query) error {
	eng, err := engine.Open(ctx, engine.Config{AllowedDirs: []string{dir}, Connections: 1})
	if err != nil {
		return err
	}
	defer eng.Close()
	fmt.Printf("\n%-22s %12s %14s %8s %10s\n", "end to end", "pruned ms", "unpruned ms", "ratio", "rows")
	for _, q := range queries {
		if q.sql == "" {
			continue
		}
		var times [2]time.Duration
		var counts [2]int64
		for i, noPruning := range []bool{false, true} {
			best := time.Duration(1 << 62)
			for r := 0; r < 3; r++ {
				start := time.Now()
				t, err := cat.LoadTable(ctx, ref)
				if err != nil {
					return err
				}
				spec, err := pushdown.Plan(ctx, pushdown.Request{Name: ref.String(), Table: t, Filter: q.filter,
					Remap: cat.Remapper(), NoPruning: noPruning})
				if err != nil {
					return err
				}
				n, err := count(ctx, eng, fmt.Sprintf("SELECT count(*) FROM %s AS s WHERE %s", engine.ScanSQL(spec, cat.Remapper()), q.sql))
				if err != nil {
					return err
				}
				best = min(best, time.Since(start))
				counts[i] = n
			}
			times[i] = best
		}
		if counts[0] != counts[1] {
			return fmt.Errorf("%s: %d rows pruned, %d unpruned", q.name, counts[0], counts[1])
		}
		fmt.Printf("%-22s %12.1f %14.1f %7.0fx %10d\n", q.name, ms(times[0]), ms(times[1]),
			float64(times[1])/float64(times[0]), counts[0])
	}
	fmt.Println("(best of 3, planning included; the same rows both ways)")
	return nil
}

func count(ctx context.Context, eng *engine.Engine, sql string) (int64, error) {
	rows, err := eng.Query(ctx, sql, nil)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	for {
		b, err := rows.Next(ctx)
		if err != nil || b == nil {
			return n, err
		}
		if b.NumRows() > 0 {
			n, err = parseCount(b.Column(0).ValueStr(0))
		}
		b.Release()
		if err != nil {
			return 0, err
		}
	}
}

func parseCount(s string) (int64, error) {
	var n int64
	_, err := fmt.Sscan(s, &n)
	return n, err
}

// planOnce loads the table's current metadata and plans; it returns the time of both
// and of the load alone.
func planOnce(ctx context.Context, cat *catalog.Catalog, ref catalog.TableRef, filter iceberg.BooleanExpression) (*pushdown.ScanSpec, time.Duration, time.Duration, error) {
	start := time.Now()
	t, err := cat.LoadTable(ctx, ref)
	if err != nil {
		return nil, 0, 0, err
	}
	load := time.Since(start)
	spec, err := pushdown.Plan(ctx, pushdown.Request{Name: ref.String(), Table: t, Filter: filter, Remap: cat.Remapper()})
	return spec, time.Since(start), load, err
}

func dayRange(from, to int) iceberg.BooleanExpression {
	return iceberg.NewAnd(
		iceberg.GreaterThanEqual(iceberg.Reference("ts"), iceberg.Timestamp(dayStart(from).UnixMicro())),
		iceberg.LessThan(iceberg.Reference("ts"), iceberg.Timestamp(dayStart(to).UnixMicro())))
}

func median(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
