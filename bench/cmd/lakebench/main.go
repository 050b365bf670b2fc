package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/lakegate/lakegate/bench"
	"github.com/lakegate/lakegate/demolake"
	"github.com/lakegate/lakegate/engine"
	"github.com/lakegate/lakegate/tpch"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "lakebench:", err)
		os.Exit(1)
	}
}

type flags struct {
	sf         float64
	seed       uint64
	cache      string
	gateway    string
	runs       int
	timeout    time.Duration
	queries    string
	demoScale  float64
	clients    int
	duration   time.Duration
	streamRows int64
	idle       int
	only       string
	out        string
	memory     string
	threads    int
}

func parseFlags() flags {
	var f flags
	cache := os.Getenv("LAKEGATE_BENCH_DIR")
	if cache == "" {
		if d, err := os.UserCacheDir(); err == nil {
			cache = filepath.Join(d, "lakegate-bench")
		}
	}
	flag.Float64Var(&f.sf, "sf", 0.1, "TPC-H scale factor (0.01..300)")
	flag.Uint64Var(&f.seed, "seed", 1, "generator seed")
	flag.StringVar(&f.cache, "cache", cache, "directory that caches the generated lakes (env LAKEGATE_BENCH_DIR)")
	flag.StringVar(&f.gateway, "gateway", "", "prebuilt gateway binary (default: go build ./cmd/gateway into the cache)")
	flag.IntVar(&f.runs, "runs", 0, "timed runs per TPC-H query and system (default 5, 3 from SF 1)")
	flag.DurationVar(&f.timeout, "timeout", 5*time.Minute, "limit of one TPC-H run")
	flag.StringVar(&f.queries, "queries", "", "TPC-H queries to run, e.g. 1,6,18 (default all 22)")
	flag.Float64Var(&f.demoScale, "demo-scale", 1, "demo lake scale for the point lookups (1 = 2,000 products, 1.46M product_kpis rows)")
	flag.IntVar(&f.clients, "clients", 16, "concurrent lookup connections")
	flag.DurationVar(&f.duration, "duration", 15*time.Second, "length of each lookup load")
	flag.Int64Var(&f.streamRows, "stream-rows", bench.StreamRows, "rows of the streamed result")
	flag.IntVar(&f.idle, "idle", 200, "idle connections for the memory scenario")
	flag.StringVar(&f.only, "only", "", "scenarios to run, comma-separated: tpch,lookups,stream,mixed,idle (default all)")
	flag.StringVar(&f.out, "out", "", "also write the report to this file (default CACHE/report-sf<SF>.md)")
	flag.StringVar(&f.memory, "memory-limit", "8GB", "DuckDB memory_limit for the gateway and the direct baseline")
	flag.IntVar(&f.threads, "threads", 2, "DuckDB threads for the gateway and the direct baseline")
	flag.Parse()
	if f.runs <= 0 {
		f.runs = 5
		if f.sf >= 1 {
			f.runs = 3
		}
	}
	return f
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
}

func run() error {
	f := parseFlags()
	if f.cache == "" {
		return fmt.Errorf("no cache directory: set -cache")
	}
	want := func(s string) bool { return f.only == "" || strings.Contains(","+f.only+",", ","+s+",") }
	var qs []int
	if f.queries != "" {
		for _, s := range strings.Split(f.queries, ",") {
			q, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || q < 1 || q > len(tpch.Queries) {
				return fmt.Errorf("-queries: bad query %q", s)
			}
			qs = append(qs, q)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := os.MkdirAll(f.cache, 0o755); err != nil {
		return err
	}
	rep := &bench.Report{Machine: bench.Machine(), Started: time.Now(), SF: f.sf, Runs: f.runs, DemoScale: f.demoScale}
	rep.Setup = append(rep.Setup, "Load average at start (1/5/15 min): "+bench.LoadAvg()+
		"; other work on the machine adds noise to every figure.")

	// Data: lakes cached by scale, PostgreSQL loaded afresh.
	t0 := time.Now()
	lakeDir, err := bench.PrepareTPCH(ctx, f.cache, f.sf, f.seed, logf)
	if err != nil {
		return err
	}
	demoDir, err := bench.PrepareDemo(ctx, f.cache, f.demoScale, logf)
	if err != nil {
		return err
	}
	rep.Setup = append(rep.Setup, fmt.Sprintf("Lakes ready (generated or cached) in %s: TPC-H in %s, demo lake in %s.",
		time.Since(t0).Round(time.Millisecond), lakeDir, demoDir))
	_ = demolake.ProductRows(f.demoScale, func(demolake.ProductRow) error { rep.Products++; return nil })

	pgDir, err := os.MkdirTemp("", "lakebench-pg-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(pgDir)
	t0 = time.Now()
	pg, err := bench.StartPostgres(ctx, pgDir, f.sf, f.seed, f.demoScale, logf)
	if err != nil {
		return fmt.Errorf("postgresql: %w", err)
	}
	defer pg.Stop()
	rep.Setup = append(rep.Setup, fmt.Sprintf("PostgreSQL 15 started and loaded in %s with %s.",
		time.Since(t0).Round(time.Millisecond), settingsText()))

	bin := f.gateway
	if bin == "" {
		logf("building the gateway")
		if bin, err = bench.BuildGateway(ctx, f.cache); err != nil {
			return err
		}
	}
	// The gateway's config and log stay in the cache for inspection.
	gwDir := filepath.Join(f.cache, "gateway-run")
	if err := os.MkdirAll(gwDir, 0o755); err != nil {
		return err
	}
	gw, err := bench.StartGateway(ctx, bin, gwDir, bench.GatewayConfig{
		Catalogs: []bench.LakeCatalog{
			{Database: bench.TPCHDatabase, Name: bench.TPCHDatabase, Dir: lakeDir},
			{Database: bench.DemoDatabase, Name: demolake.DefaultCatalogName, Dir: demoDir},
		},
		MemoryLimit: f.memory, Threads: f.threads,
	})
	if err != nil {
		return err
	}
	defer gw.Stop()
	rep.Setup = append(rep.Setup, fmt.Sprintf("Gateway: `gateway serve` with engine memory_limit %s, threads %d, "+
		"default engine connections, SCRAM auth, log_level info; RSS after start %.0f MiB.", f.memory, f.threads,
		float64(bench.CurrentRSS(gw.PID()))/(1<<20)))
	lakeSetup := "SET search_path = " + tpch.Namespace

	// Idle sessions first, while the gateway's heap is still small: later
	// scenarios leave memory the runtime reuses, which would hide their cost.
	if want("idle") {
		ir := bench.RunIdle(ctx, gw.PID(), gw.DSN(bench.DemoDatabase), f.idle, 3*time.Second)
		rep.Idle = &ir
		logf("idle: %d connections, RSS %.0f MiB -> %.0f MiB %s", ir.Connections, float64(ir.Before)/(1<<20), float64(ir.Peak)/(1<<20), ir.Err)
	}

	if want("tpch") {
		files, err := bench.LakeFiles(ctx, lakeDir)
		if err != nil {
			return err
		}
		direct, err := engine.Open(ctx, engine.Config{AllowedDirs: []string{lakeDir}, MemoryLimit: f.memory,
			Threads: f.threads, Connections: 1, Setup: bench.DirectViews(files)})
		if err != nil {
			return fmt.Errorf("direct duckdb: %w", err)
		}
		for _, t := range tpch.Tables {
			rep.LakeFiles += len(files[t.Name])
		}
		for _, t := range []string{"lineitem", "orders"} {
			n, rg, err := countRowGroups(ctx, direct, files[t])
			if err != nil {
				return err
			}
			rep.Setup = append(rep.Setup, fmt.Sprintf("%s: %d data files, %d row groups.", t, n, rg))
		}
		lake, err := bench.NewPGRunner(ctx, gw.DSN(bench.TPCHDatabase), lakeSetup)
		if err != nil {
			return err
		}
		pgr, err := bench.NewPGRunner(ctx, pg.DSN(bench.TPCHDatabase), "")
		if err != nil {
			return err
		}
		logf("TPC-H: %d runs per query and system", f.runs)
		m := bench.StartRSS(gw.PID())
		rep.TPCH = bench.RunTPCH(ctx, bench.Systems(lake, bench.DirectRunner(direct), pgr),
			[]string{bench.SysLake, bench.SysDirect, bench.SysPG},
			bench.TPCHOptions{Runs: f.runs, Timeout: f.timeout, Queries: qs, Logf: logf})
		rep.AddRSS("TPC-H 22 queries, one connection", m.Stop())
		lake.Close()
		pgr.Close()
		direct.Close()
	}

	lookup := func(dsn string) bench.LookupOptions {
		return bench.LookupOptions{DSN: dsn, Clients: f.clients, Duration: f.duration, Products: rep.Products, Seed: f.seed}
	}
	if want("lookups") || want("mixed") {
		rep.Lookups = map[string]bench.LoadResult{}
		m := bench.StartRSS(gw.PID())
		lr, err := bench.RunLookups(ctx, lookup(gw.DSN(bench.DemoDatabase)))
		rep.AddRSS(fmt.Sprintf("point lookups, %d clients", f.clients), m.Stop())
		if err != nil {
			lr.FirstErr, lr.Errors = err.Error(), 1
		}
		rep.Lookups[bench.SysLake] = lr
		logf("lookups through lakegate: %s", lr)
		lr, err = bench.RunLookups(ctx, lookup(pg.DSN(bench.DemoDatabase)))
		if err != nil {
			lr.FirstErr, lr.Errors = err.Error(), 1
		}
		rep.Lookups[bench.SysPG] = lr
		logf("lookups on PostgreSQL: %s", lr)
	}

	if want("stream") {
		g, _ := tpch.NewGen(f.sf, f.seed)
		var lines int64
		_ = g.OrderRows(func(_ *tpch.Order, ls []tpch.Lineitem) error { lines += int64(len(ls)); return nil })
		copies := int(math.Ceil(float64(f.streamRows) / float64(lines)))
		rep.StreamSQL = map[string]string{"wide": bench.StreamSQLText(copies, f.streamRows), "narrow": bench.StreamSQLNarrow(copies, f.streamRows)}
		rep.Stream = map[string]bench.StreamResult{}
		for _, shape := range bench.StreamShapes {
			for _, format := range []struct {
				name string
				code int16
			}{{"text", 0}, {"binary", 1}} {
				key := shape + "/" + format.name
				m := bench.StartRSS(gw.PID())
				s := bench.RunStream(ctx, gw.DSN(bench.TPCHDatabase), lakeSetup, rep.StreamSQL[shape], format.code)
				rep.AddRSS(fmt.Sprintf("streaming %d rows, %s %s", f.streamRows, shape, format.name), m.Stop())
				rep.Stream[bench.SysLake+"/"+key] = s
				logf("stream %s through lakegate: %d rows in %s %s", key, s.Rows, s.Duration, s.Err)
				s = bench.RunStream(ctx, pg.DSN(bench.TPCHDatabase), "", rep.StreamSQL[shape], format.code)
				rep.Stream[bench.SysPG+"/"+key] = s
				logf("stream %s on PostgreSQL: %d rows in %s %s", key, s.Rows, s.Duration, s.Err)
			}
		}
	}

	if want("mixed") {
		heavy := map[int]string{18: tpch.Queries[17], 21: tpch.Queries[20]}
		m := bench.StartRSS(gw.PID())
		mr, err := bench.RunMixed(ctx, lookup(gw.DSN(bench.DemoDatabase)), gw.DSN(bench.TPCHDatabase), lakeSetup, heavy)
		rep.AddRSS("mixed: lookups + Q18 + Q21", m.Stop())
		if err != nil {
			mr.HeavyErr = err.Error()
		}
		rep.Mixed = &mr
		logf("mixed: %s; heavy runs %d %s", mr.Lookups, mr.HeavyRuns, mr.HeavyErr)
	}

	if err := gw.Stop(); err != nil {
		rep.Notes = append(rep.Notes, "gateway shutdown: "+err.Error())
	}

	rep.Notes = append(rep.Notes, "Load average at the end (1/5/15 min): "+bench.LoadAvg()+".")
	var buf bytes.Buffer
	rep.Write(&buf)
	os.Stdout.Write(buf.Bytes())
	out := f.out
	if out == "" {
		out = filepath.Join(f.cache, fmt.Sprintf("report-sf%g.md", f.sf))
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	logf("report written to %s", out)
	return ctx.Err()
}

func settingsText() string {
	var parts []string
	for _, k := range []string{"shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather"} {
		parts = append(parts, k+"="+bench.PostgresSettings[k])
	}
	return strings.Join(parts, ", ")
}

func countRowGroups(ctx context.Context, e *engine.Engine, files []string) (nfiles, groups int64, err error) {
	rows, err := e.Query(ctx, bench.RowGroupsSQL(files), nil)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	rec, err := rows.Next(ctx)
	if err != nil || rec == nil {
		return 0, 0, fmt.Errorf("count row groups: %v", err)
	}
	defer rec.Release()
	return rec.Column(0).(*array.Int64).Value(0), rec.Column(1).(*array.Int64).Value(0), nil
}
