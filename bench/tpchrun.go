package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"

	"github.com/lakegate/lakegate/engine"
	"github.com/lakegate/lakegate/tpch"
)

// System names in reports.
const (
	SysLake   = "lakegate"
	SysDirect = "duckdb-direct"
	SysPG     = "postgresql"
)

// Timing is one system's figures for one query.
type Timing struct {
	Median time.Duration
	First  time.Duration // the warm-up run: the first time this system ran the query
	Rows   int64
	Err    string
}

// QueryResult holds one TPC-H query's timings per system.
type QueryResult struct {
	Query   int
	Timings map[string]Timing
}

// Runner runs one SQL text to completion and returns the row count.
type Runner interface {
	run(ctx context.Context, sql string) (int64, error)
	Close()
}

// Systems names the three runners of RunTPCH.
func Systems(lake, direct, pg Runner) map[string]Runner {
	return map[string]Runner{SysLake: lake, SysDirect: direct, SysPG: pg}
}

// PGRunner runs queries over the PostgreSQL protocol (the gateway or PostgreSQL)
// on one connection, after setup.
type PGRunner struct {
	dsn   string
	setup string
	conn  *pgx.Conn
}

// NewPGRunner connects to dsn and runs setup.
func NewPGRunner(ctx context.Context, dsn, setup string) (*PGRunner, error) {
	r := &PGRunner{dsn: dsn, setup: setup}
	return r, r.connect(ctx)
}

func (r *PGRunner) connect(ctx context.Context) error {
	c, err := pgx.Connect(ctx, r.dsn)
	if err != nil {
		return err
	}
	if r.setup != "" {
		if _, err := c.Exec(ctx, r.setup); err != nil {
			c.Close(ctx)
			return err
		}
	}
	r.conn = c
	return nil
}

func (r *PGRunner) run(ctx context.Context, sql string) (int64, error) {
	if r.conn == nil || r.conn.IsClosed() {
		// A cancelled query closes pgx's connection; start over.
		if err := r.connect(context.Background()); err != nil {
			return 0, err
		}
	}
	rows, err := r.conn.Query(ctx, sql)
	if err != nil {
		return 0, err
	}
	var n int64
	for rows.Next() {
		n++
	}
	rows.Close()
	return n, rows.Err()
}

// Close closes the connection.
func (r *PGRunner) Close() {
	if r.conn != nil {
		r.conn.Close(context.Background())
	}
}

// DirectRunner runs queries on DuckDB in this process through package engine.
func DirectRunner(e *engine.Engine) Runner { return directRunner{e} }

type directRunner struct{ e *engine.Engine }

func (d directRunner) run(ctx context.Context, sql string) (int64, error) {
	rows, err := d.e.Query(ctx, sql, nil)
	if err != nil {
		return 0, err
	}
	var n int64
	err = rows.Each(ctx, func(b arrow.RecordBatch) error { n += b.NumRows(); return nil })
	return n, err
}

func (directRunner) Close() {}

// TPCHOptions configures RunTPCH.
type TPCHOptions struct {
	Runs    int           // timed runs per query and system, after one warm-up
	Timeout time.Duration // per run; a slower run fails the query on that system
	Queries []int         // 1-based; empty means all 22
	Logf    func(string, ...any)
}

// RunTPCH runs each query on the gateway, on DuckDB directly and on
// PostgreSQL: one warm-up per system, then opts.Runs rounds of one timed run
// per system, the systems' order rotated each round, and returns the medians.
// The machine may be shared: interleaving run by run spreads a burst of other
// work over all systems instead of one system's block of runs, so the ratios
// of one query compare like with like.
func RunTPCH(ctx context.Context, systems map[string]Runner, order []string, opts TPCHOptions) []QueryResult {
	qs := opts.Queries
	if len(qs) == 0 {
		for i := range tpch.Queries {
			qs = append(qs, i+1)
		}
	}
	var out []QueryResult
	for _, q := range qs {
		sql := tpch.Queries[q-1]
		res := QueryResult{Query: q, Timings: map[string]Timing{}}
		timings := map[string]*Timing{}
		runs := map[string][]time.Duration{}
		for _, name := range order {
			timings[name] = &Timing{}
		}
		once := func(name string) (time.Duration, bool) {
			t := timings[name]
			if t.Err != "" {
				return 0, false
			}
			qctx, cancel := context.WithTimeout(ctx, opts.Timeout)
			start := time.Now()
			n, err := systems[name].run(qctx, sql)
			d := time.Since(start)
			timedOut := qctx.Err() != nil
			cancel()
			if err != nil {
				if timedOut {
					err = fmt.Errorf("timeout after %s: %w", opts.Timeout, err)
				}
				t.Err = firstLine(err.Error())
				return 0, false
			}
			t.Rows = n
			return d, true
		}
		for _, name := range order { // warm-up
			if d, ok := once(name); ok {
				timings[name].First = d
			}
		}
		for i := range opts.Runs {
			for j := range order {
				name := order[(i+j)%len(order)]
				if d, ok := once(name); ok {
					runs[name] = append(runs[name], d)
				}
			}
		}
		for _, name := range order {
			t := timings[name]
			if t.Err == "" {
				t.Median = median(runs[name])
			}
			res.Timings[name] = *t
		}
		opts.Logf("Q%-2d %s", q, res.summary(order))
		out = append(out, res)
	}
	return out
}

func (r QueryResult) summary(order []string) string {
	s := ""
	for _, name := range order {
		t := r.Timings[name]
		if t.Err != "" {
			s += fmt.Sprintf("  %s FAILED (%s)", name, t.Err)
		} else {
			s += fmt.Sprintf("  %s %.1f ms (%d rows)", name, ms(t.Median), t.Rows)
		}
	}
	return s
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}
