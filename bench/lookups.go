package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// LookupSQL is the product detail page's query: one product's KPIs over a
// date range, sent as a prepared statement (pgx prepares it on first use per
// connection and then only binds and executes).
const LookupSQL = `SELECT day, revenue, units, forecast, price_reco FROM shop.product_kpis
WHERE product_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day`

// LoadResult summarises a fixed-time load.
type LoadResult struct {
	Clients  int
	Duration time.Duration
	Queries  int64
	Rows     int64
	Errors   int64
	FirstErr string
	P50      time.Duration
	P95      time.Duration
	P99      time.Duration
}

// QPS is completed queries per second.
func (r LoadResult) QPS() float64 { return float64(r.Queries) / r.Duration.Seconds() }

func (r LoadResult) String() string {
	s := fmt.Sprintf("%.0f/s, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms (%d queries, %d clients, %s)",
		r.QPS(), ms(r.P50), ms(r.P95), ms(r.P99), r.Queries, r.Clients, r.Duration)
	if r.Errors > 0 {
		s += fmt.Sprintf(", %d errors: %s", r.Errors, r.FirstErr)
	}
	return s
}

// LookupOptions configures RunLookups.
type LookupOptions struct {
	DSN      string
	Clients  int
	Duration time.Duration
	Products int64 // product ids are 1..Products
	Seed     uint64
}

var lookupFrom = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// RunLookups keeps opts.Clients connections busy with LookupSQL for
// opts.Duration, each for a random product and a random 30-day window of
// 2024-2025, and measures every query's latency.
func RunLookups(ctx context.Context, opts LookupOptions) (LoadResult, error) {
	conns := make([]*pgx.Conn, opts.Clients)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close(context.Background())
			}
		}
	}()
	for i := range conns {
		c, err := pgx.Connect(ctx, opts.DSN)
		if err != nil {
			return LoadResult{}, err
		}
		conns[i] = c
		// Warm up: prepares the statement on this connection.
		if _, err := lookupOnce(ctx, c, rand.New(rand.NewPCG(opts.Seed, uint64(i))), opts.Products); err != nil {
			return LoadResult{}, fmt.Errorf("lookup warm-up: %w", err)
		}
	}
	res := LoadResult{Clients: opts.Clients}
	lat := make([][]time.Duration, opts.Clients)
	var rows, errs atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(opts.Duration)
	start := time.Now()
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(opts.Seed+1, uint64(i)))
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				n, err := lookupOnce(ctx, c, r, opts.Products)
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					if c.IsClosed() {
						return
					}
					continue
				}
				lat[i] = append(lat[i], time.Since(t0))
				rows.Add(n)
			}
		}()
	}
	wg.Wait()
	res.Duration = time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	res.Queries = int64(len(all))
	res.Rows = rows.Load()
	res.Errors = errs.Load()
	if v, ok := firstErr.Load().(string); ok {
		res.FirstErr = firstLine(v)
	}
	res.P50, res.P95, res.P99 = percentile(all, 50), percentile(all, 95), percentile(all, 99)
	return res, nil
}

func lookupOnce(ctx context.Context, c *pgx.Conn, r *rand.Rand, products int64) (int64, error) {
	id := 1 + r.Int64N(products)
	from := lookupFrom.AddDate(0, 0, r.IntN(700))
	rows, err := c.Query(ctx, LookupSQL, id, from, from.AddDate(0, 0, 29))
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

// MixedResult is the lookup load measured while heavy queries run.
type MixedResult struct {
	Lookups      LoadResult
	HeavyQueries []int
	HeavyRuns    int64
	HeavyErr     string
}

// RunMixed runs the lookup load while each of heavy (TPC-H SQL texts) runs in
// a loop on its own gateway connection (heavyDSN, heavySetup).
func RunMixed(ctx context.Context, opts LookupOptions, heavyDSN, heavySetup string, heavy map[int]string) (MixedResult, error) {
	out := MixedResult{}
	hctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var runs atomic.Int64
	var herr atomic.Value
	for q, sql := range heavy {
		out.HeavyQueries = append(out.HeavyQueries, q)
		r, err := NewPGRunner(ctx, heavyDSN, heavySetup)
		if err != nil {
			stop()
			wg.Wait()
			return out, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.Close()
			for hctx.Err() == nil {
				if _, err := r.run(hctx, sql); err != nil {
					if hctx.Err() == nil {
						herr.CompareAndSwap(nil, fmt.Sprintf("Q%d: %v", q, err))
						return
					}
					return
				}
				runs.Add(1)
			}
		}()
	}
	slices.Sort(out.HeavyQueries)
	// Let the heavy queries get going before measuring.
	time.Sleep(500 * time.Millisecond)
	lr, err := RunLookups(ctx, opts)
	stop()
	wg.Wait()
	out.Lookups, out.HeavyRuns = lr, runs.Load()
	if v, ok := herr.Load().(string); ok {
		out.HeavyErr = firstLine(v)
	}
	return out, err
}
