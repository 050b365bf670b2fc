package integration

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lakegate/lakegate/demolake"
)

// TestStreaming runs a gateway with a single DuckDB connection and checks that results
// stream: a 50-million-row result read slowly keeps the gateway's memory flat, a SQL
// cursor over it returns its first rows without running it to the end, and a client
// that hangs up mid-query frees the only engine connection at once.
func TestStreaming(t *testing.T) {
	if testing.Short() {
		t.Skip("50 million rows")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`listen: 127.0.0.1:0
auth: scram-sha-256
log_level: info
engine:
  threads: 2
  connections: 1
catalogs:
  lake:
    type: sql
    name: %s
    uri: file:%s
    warehouse: file://%s
users:
  - name: %s
    password: %s
`, demolake.DefaultCatalogName, filepath.Join(env.lakeDir, "catalog.db"), filepath.Join(env.lakeDir, "warehouse"),
		user, password)), 0o600); err != nil {
		t.Fatal(err)
	}
	gw, err := startGateway(cfg, filepath.Join(dir, "gateway.log"), dbName)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := gw.stop(); err != nil {
			t.Error(err)
		}
	}()
	dsn := fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable&connect_timeout=10", user, password, gw.addr, dbName)
	status := fmt.Sprintf("/proc/%d/status", gw.cmd.Process.Pid)
	if _, err := os.Stat(status); err != nil {
		t.Skipf("needs /proc: %v", err)
	}

	t.Run("SlowReaderKeepsMemoryFlat", func(t *testing.T) {
		ctx := testCtx(t)
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		const n = 50_000_000
		before := statusKB(status, "VmRSS:") / 1024
		peak := sampleMax(status)
		start := time.Now()
		rows, err := c.Query(ctx, "SELECT i, i * 2 AS j FROM generate_series(1, $1::bigint) g(i)", n)
		if err != nil {
			t.Fatal(err)
		}
		var count, sum int64
		var paused time.Duration
		for rows.Next() {
			// Binary int8 values, decoded here: the client must not be the bottleneck.
			raw := rows.RawValues()
			if len(raw) != 2 || len(raw[0]) != 8 || len(raw[1]) != 8 {
				t.Fatalf("row %d: %d values", count, len(raw))
			}
			i, j := int64(binary.BigEndian.Uint64(raw[0])), int64(binary.BigEndian.Uint64(raw[1]))
			if j != 2*i {
				t.Fatalf("row %d: %d, %d", count, i, j)
			}
			count++
			sum += i
			// A slow client: pause now and then so the gateway's sends block and
			// DuckDB must wait for the socket.
			if count%5_000_000 == 0 {
				time.Sleep(300 * time.Millisecond)
				paused += 300 * time.Millisecond
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		elapsed := time.Since(start)
		maxMiB := peak() / 1024
		if count != n || sum != int64(n)*(n+1)/2 {
			t.Fatalf("rows %d sum %d, want %d and %d", count, sum, n, int64(n)*(n+1)/2)
		}
		t.Logf("%d rows, %.2f M rows/s excluding %v of pauses; gateway RSS before %d MiB, peak %d MiB",
			count, float64(count)/(elapsed-paused).Seconds()/1e6, paused, before, maxMiB)
		// Materialised, the result alone would be 800 MB inside DuckDB.
		if maxMiB > 1024 {
			t.Fatalf("gateway peak RSS %d MiB while streaming 50M rows", maxMiB)
		}
	})

	t.Run("CursorFetchesWithoutRunningToTheEnd", func(t *testing.T) {
		ctx := testCtx(t)
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		before := statusKB(status, "VmRSS:") / 1024
		peak := sampleMax(status)
		tx, err := c.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		// Ten billion rows: a cursor that materialised its result would never answer.
		if _, err := tx.Exec(ctx, "DECLARE big CURSOR FOR SELECT i FROM generate_series(1, 10000000000) g(i)"); err != nil {
			t.Fatal(err)
		}
		next := int64(1)
		for k := range 3 {
			// Both protocols: the extended one describes the FETCH from the open cursor.
			mode := pgx.QueryExecModeSimpleProtocol
			if k > 0 {
				mode = pgx.QueryExecModeCacheDescribe
			}
			rows, err := tx.Query(ctx, "FETCH FORWARD 1000 FROM big", mode)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1000 || got[0] != next || got[999] != next+999 {
				t.Fatalf("FETCH 1000: %d rows from %v", len(got), got[:min(len(got), 1)])
			}
			next += 1000
		}
		tag, err := tx.Exec(ctx, "MOVE FORWARD 1000000 IN big")
		if err != nil || tag.String() != "MOVE 1000000" {
			t.Fatalf("MOVE: %q %v", tag, err)
		}
		var v int64
		if err := tx.QueryRow(ctx, "FETCH NEXT FROM big", pgx.QueryExecModeSimpleProtocol).Scan(&v); err != nil || v != next+1_000_000 {
			t.Fatalf("FETCH NEXT after MOVE: %d %v, want %d", v, err, next+1_000_000)
		}
		if _, err := tx.Exec(ctx, "CLOSE big"); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		t.Logf("gateway RSS before %d MiB, peak %d MiB", before, peak()/1024)
		// The cursor gave its engine connection back: the next query runs.
		var products int64
		if err := c.QueryRow(ctx, "SELECT count(*) FROM shop.products").Scan(&products); err != nil || products != int64(len(env.data.products)) {
			t.Fatalf("after CLOSE: %d %v", products, err)
		}
	})

	t.Run("OpenCursorsDoNotBlock", func(t *testing.T) {
		// engine.connections is 1, yet cursors a session keeps open between FETCHes
		// hold no share of DuckDB's work: other statements, in this session and in
		// others, run meanwhile, and the cursors go on where they stopped.
		ctx := testCtx(t)
		a, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close(ctx)
		b, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close(ctx)
		tx, err := a.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		fetch := func(cursor string, from int64) {
			t.Helper()
			rows, err := tx.Query(ctx, "FETCH 3 FROM "+cursor, pgx.QueryExecModeSimpleProtocol)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil || len(got) != 3 || got[0] != from || got[2] != from+2 {
				t.Fatalf("FETCH 3 FROM %s: %v %v, want %d..%d", cursor, got, err, from, from+2)
			}
		}
		for _, c := range []string{"c1", "c2", "c3"} {
			if _, err := tx.Exec(ctx, "DECLARE "+c+" CURSOR FOR SELECT i FROM generate_series(1, 10000000000) g(i)"); err != nil {
				t.Fatal(err)
			}
			fetch(c, 1)
		}
		want := int64(len(env.data.products))
		qctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		for name, q := range map[string]interface {
			QueryRow(context.Context, string, ...any) pgx.Row
		}{"another session": b, "the same transaction": tx} {
			var n int64
			if err := q.QueryRow(qctx, "SELECT count(*) FROM shop.products").Scan(&n); err != nil || n != want {
				t.Fatalf("%s, with three cursors open: %d %v, want %d", name, n, err, want)
			}
		}
		fetch("c2", 4)
		fetch("c1", 4)
	})

	t.Run("DisconnectReleasesTheEngine", func(t *testing.T) {
		ctx := testCtx(t)
		a, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		// A query DuckDB would work on for hours, holding the only engine connection.
		done := make(chan error, 1)
		go func() {
			var n int64
			done <- a.QueryRow(ctx, "SELECT count(*) FROM generate_series(1, 1000000) x(a), generate_series(1, 1000000) y(b) WHERE a + b = 3").Scan(&n)
		}()
		time.Sleep(500 * time.Millisecond)
		a.PgConn().Conn().Close()
		if err := <-done; err == nil {
			t.Fatal("the long query finished")
		}
		// Only one engine connection: this runs only if the hung-up query was stopped.
		b, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close(ctx)
		qctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		var products int64
		if err := b.QueryRow(qctx, "SELECT count(*) FROM shop.products").Scan(&products); err != nil {
			t.Fatalf("the engine connection was not released: %v", err)
		}
		if products != int64(len(env.data.products)) {
			t.Fatalf("products %d, want %d", products, len(env.data.products))
		}
	})
}

// sampleMax samples a /proc status file's VmRSS every 20 ms until the returned
// function is called, which returns the largest value seen, in kB.
func sampleMax(path string) func() int64 {
	var peak atomic.Int64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if v := statusKB(path, "VmRSS:"); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-done
		return peak.Load()
	}
}

func statusKB(path, key string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// TestPsqlFetchCount has psql read a result through a SQL cursor (FETCH_COUNT makes it
// BEGIN, DECLARE, FETCH FORWARD n until the end, CLOSE, COMMIT).
func TestPsqlFetchCount(t *testing.T) {
	sales := sortedSales(env.data)
	out, err := psql(t, "-A", "-t", "-v", "FETCH_COUNT=1000", "-c", "SELECT sale_id, qty FROM shop.sales ORDER BY sale_id")
	if err != nil {
		t.Fatal(err)
	}
	got := lines(out)
	if len(got) != len(sales) {
		t.Fatalf("%d rows, want %d", len(got), len(sales))
	}
	for i, s := range sales {
		if want := fmt.Sprintf("%d|%d", s.SaleID, s.Qty); got[i] != want {
			t.Fatalf("row %d: %q, want %q", i, got[i], want)
		}
	}
}
