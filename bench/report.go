package bench

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Report is everything one run measured.
type Report struct {
	Machine   string
	Started   time.Time
	SF        float64
	Runs      int
	LakeFiles int
	DemoScale float64
	Products  int64
	TPCH      []QueryResult
	Lookups   map[string]LoadResult   // by system
	Stream    map[string]StreamResult // by "system/shape/format"
	StreamSQL map[string]string       // by shape (StreamShapes)
	Mixed     *MixedResult
	Idle      *IdleResult
	RSS       map[string]int64 // gateway peak RSS by scenario
	RSSOrder  []string
	Notes     []string
	Setup     []string
}

// AddRSS records the gateway's peak RSS in a scenario.
func (r *Report) AddRSS(scenario string, b int64) {
	if r.RSS == nil {
		r.RSS = map[string]int64{}
	}
	r.RSS[scenario] = b
	r.RSSOrder = append(r.RSSOrder, scenario)
}

// tpchGeomeans returns each system's geometric mean (ms) of the medians, or of the
// first runs, over the queries every system finished, and how many those are.
func (r *Report) tpchGeomeans(first bool) (map[string]float64, int) {
	vals := map[string][]float64{}
	n := 0
	for _, q := range r.TPCH {
		ok := true
		for _, t := range q.Timings {
			ok = ok && t.Err == "" && t.Median > 0 && (!first || t.First > 0)
		}
		if !ok {
			continue
		}
		n++
		for s, t := range q.Timings {
			v := t.Median
			if first {
				v = t.First
			}
			vals[s] = append(vals[s], ms(v))
		}
	}
	out := map[string]float64{}
	for s, v := range vals {
		out[s] = geomean(v)
	}
	return out, n
}

func cell(t Timing) string {
	if t.Err != "" {
		return "FAILED"
	}
	return fmt.Sprintf("%.1f", ms(t.Median))
}

func ratio(a, b Timing) string {
	if a.Err != "" || b.Err != "" || b.Median == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(a.Median)/float64(b.Median))
}

func metStr(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// Write prints the report as Markdown.
func (r *Report) Write(w io.Writer) {
	p := func(f string, a ...any) { fmt.Fprintf(w, f+"\n", a...) }
	p("# lakegate benchmark, TPC-H SF %g", r.SF)
	p("")
	p("Run %s on %s.", r.Started.UTC().Format(time.RFC3339), r.Machine)
	for _, s := range r.Setup {
		p("- %s", s)
	}
	var targets []string
	if len(r.TPCH) > 0 {
		p("")
		p("## 1. TPC-H, median of %d runs after one warm-up, interleaved across the systems (ms)", r.Runs)
		p("")
		p("lakegate: pgx over the PostgreSQL protocol to the gateway (Iceberg planning and pruning, DuckDB). "+
			"duckdb-direct: the same SQL on DuckDB in the benchmark process over read_parquet views of the same %d data files. "+
			"postgresql: PostgreSQL 15 with primary keys and indexes.", r.LakeFiles)
		p("")
		p("| query | lakegate | duckdb-direct | postgresql | lakegate / direct | postgresql / lakegate | rows |")
		p("|---|---:|---:|---:|---:|---:|---:|")
		var failures []string
		for _, q := range r.TPCH {
			l, d, g := q.Timings[SysLake], q.Timings[SysDirect], q.Timings[SysPG]
			rows := fmt.Sprint(d.Rows)
			if l.Err == "" && d.Err == "" && g.Err == "" && (l.Rows != d.Rows || g.Rows != d.Rows) {
				rows = fmt.Sprintf("%d / %d / %d (differ)", l.Rows, d.Rows, g.Rows)
			}
			p("| Q%d | %s | %s | %s | %s | %s | %s |", q.Query, cell(l), cell(d), cell(g), ratio(l, d), ratio(g, l), rows)
			for _, s := range []string{SysLake, SysDirect, SysPG} {
				if t := q.Timings[s]; t.Err != "" {
					failures = append(failures, fmt.Sprintf("Q%d on %s: %s", q.Query, s, t.Err))
				}
			}
		}
		gm, n := r.tpchGeomeans(false)
		if n > 0 {
			p("| geomean (%d queries) | %.1f | %.1f | %.1f | %.2f | %.2f | |", n, gm[SysLake], gm[SysDirect], gm[SysPG],
				gm[SysLake]/gm[SysDirect], gm[SysPG]/gm[SysLake])
			if f, nf := r.tpchGeomeans(true); nf > 0 {
				p("| geomean of the first runs (%d queries) | %.1f | %.1f | %.1f | %.2f | %.2f | |", nf, f[SysLake], f[SysDirect], f[SysPG],
					f[SysLake]/f[SysDirect], f[SysPG]/f[SysLake])
			}
			p("")
			p("First runs: each system's warm-up run of each query, the first time it ran that query. lakegate reads a " +
				"table snapshot from its Parquet files until two statements have read it, then copies it into DuckDB's memory " +
				"(hot tables, cache.tables_bytes) in the background; the timed runs read those copies once they are made.")
			targets = append(targets,
				fmt.Sprintf("TPC-H lakegate within 1.10x of direct DuckDB: %.2fx, %s", gm[SysLake]/gm[SysDirect], metStr(gm[SysLake]/gm[SysDirect] <= 1.10)),
				fmt.Sprintf("TPC-H lakegate at least 4x faster than PostgreSQL: %.2fx, %s", gm[SysPG]/gm[SysLake], metStr(gm[SysPG]/gm[SysLake] >= 4)))
		}
		if len(failures) > 0 {
			p("")
			p("Failures:")
			for _, f := range failures {
				p("- %s", f)
			}
		}
	}
	if len(r.Lookups) > 0 {
		p("")
		p("## 2. Point lookups (demo lake scale %g, %d products)", r.DemoScale, r.Products)
		p("")
		p("```sql\n%s\n```", LookupSQL)
		p("")
		p("| system | lookups/s | p50 ms | p95 ms | p99 ms | queries | errors |")
		p("|---|---:|---:|---:|---:|---:|---:|")
		for _, s := range []string{SysLake, SysPG} {
			if l, ok := r.Lookups[s]; ok {
				p("| %s (%d clients, %s) | %.0f | %.2f | %.2f | %.2f | %d | %d |", s, l.Clients, l.Duration.Round(time.Millisecond),
					l.QPS(), ms(l.P50), ms(l.P95), ms(l.P99), l.Queries, l.Errors)
				if l.FirstErr != "" {
					p("")
					p("First %s error: %s", s, l.FirstErr)
					p("")
				}
			}
		}
		if l, ok := r.Lookups[SysLake]; ok {
			targets = append(targets,
				fmt.Sprintf("lookups p50 under 2 ms: %.2f ms, %s", ms(l.P50), metStr(l.P50 < 2*time.Millisecond && l.Queries > 0)),
				fmt.Sprintf("lookups p99 under 10 ms: %.2f ms, %s", ms(l.P99), metStr(l.P99 < 10*time.Millisecond && l.Queries > 0)),
				fmt.Sprintf("lookups at least 2,000/s: %.0f/s, %s", l.QPS(), metStr(l.QPS() >= 2000)))
		}
	}
	if len(r.Stream) > 0 {
		p("")
		p("## 3. Result streaming to pgx")
		p("")
		for _, shape := range StreamShapes {
			p("%s:\n```sql\n%s\n```", shape, r.StreamSQL[shape])
		}
		p("")
		p("| system | result | format | rows | seconds | rows/s | MB/s | first row ms | error |")
		p("|---|---|---|---:|---:|---:|---:|---:|---|")
		for _, s := range []string{SysLake, SysPG} {
			for _, shape := range StreamShapes {
				for _, f := range []string{"text", "binary"} {
					if x, ok := r.Stream[s+"/"+shape+"/"+f]; ok {
						p("| %s | %s | %s | %d | %.2f | %.0f | %.1f | %.0f | %s |", s, shape, f, x.Rows, x.Duration.Seconds(), x.RowsPerSec(),
							x.MBPerSec(), ms(x.FirstRow), x.Err)
					}
				}
			}
		}
		for _, shape := range StreamShapes {
			for _, f := range []string{"text", "binary"} {
				l, ok1 := r.Stream[SysLake+"/"+shape+"/"+f]
				g, ok2 := r.Stream[SysPG+"/"+shape+"/"+f]
				if ok1 && ok2 {
					ok := l.Err == "" && g.Err == "" && l.RowsPerSec() >= g.RowsPerSec()
					targets = append(targets, fmt.Sprintf("streaming (%s, %s) at least PostgreSQL's rows/s: %.0f vs %.0f, %s",
						shape, f, l.RowsPerSec(), g.RowsPerSec(), metStr(ok)))
				}
			}
		}
	}
	if r.Mixed != nil {
		m := r.Mixed
		p("")
		p("## 4. Mixed: lookups while TPC-H %s run in a loop on two more gateway connections", qlist(m.HeavyQueries))
		p("")
		p("| lookups | lookups/s | p50 ms | p95 ms | p99 ms | errors |")
		p("|---|---:|---:|---:|---:|---:|")
		if l, ok := r.Lookups[SysLake]; ok {
			p("| alone | %.0f | %.2f | %.2f | %.2f | %d |", l.QPS(), ms(l.P50), ms(l.P95), ms(l.P99), l.Errors)
		}
		l := m.Lookups
		p("| with heavy queries | %.0f | %.2f | %.2f | %.2f | %d |", l.QPS(), ms(l.P50), ms(l.P95), ms(l.P99), l.Errors)
		p("")
		p("Heavy queries completed meanwhile: %d.%s", m.HeavyRuns, ifErr(m.HeavyErr))
		targets = append(targets, fmt.Sprintf("mixed: lookup p99 under 20 ms with heavy queries: %.2f ms, %s",
			ms(l.P99), metStr(l.P99 < 20*time.Millisecond && l.Queries > 0)))
	}
	if len(r.RSS) > 0 || r.Idle != nil {
		p("")
		p("## 5. Gateway memory (peak RSS of the gateway process per scenario)")
		p("")
		p("| scenario | peak RSS MiB |")
		p("|---|---:|")
		for _, s := range r.RSSOrder {
			p("| %s | %.0f |", s, mib(r.RSS[s]))
		}
		if r.Idle != nil {
			i := r.Idle
			p("| %d idle connections (RSS before: %.0f MiB, +%.1f KiB per connection) | %.0f |", i.Connections, mib(i.Before),
				float64(i.Peak-i.Before)/1024/math.Max(1, float64(i.Connections)), mib(i.Peak))
			if i.Err != "" {
				p("")
				p("Idle connections error: %s", i.Err)
			}
		}
	}
	if len(targets) > 0 {
		p("")
		p("## Targets")
		p("")
		for _, t := range targets {
			p("- %s", t)
		}
	}
	if len(r.Notes) > 0 {
		p("")
		p("## Notes")
		p("")
		for _, n := range r.Notes {
			p("- %s", n)
		}
	}
}

func ifErr(s string) string {
	if s == "" {
		return ""
	}
	return " Error: " + s
}

func qlist(qs []int) string {
	s := make([]string, len(qs))
	for i, q := range qs {
		s[i] = fmt.Sprintf("Q%d", q)
	}
	return strings.Join(s, " and ")
}
