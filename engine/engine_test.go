package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/lakegate/lakegate/pgerr"
)

func openTest(t *testing.T, setup ...string) (*Engine, string) {
	t.Helper()
	dir := t.TempDir()
	e, err := Open(context.Background(), Config{AllowedDirs: []string{dir}, Connections: 2, Threads: 1, Setup: setup})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, dir
}

func collectInt64(t *testing.T, r *Rows) []int64 {
	t.Helper()
	var out []int64
	for {
		b, err := r.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			return out
		}
		col := b.Column(0).(*array.Int64)
		for i := 0; i < col.Len(); i++ {
			out = append(out, col.Value(i))
		}
		b.Release()
	}
}

func TestSandboxRefusesOutsideAccess(t *testing.T) {
	e, _ := openTest(t)
	ctx := context.Background()
	for _, q := range []string{
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM read_text('/etc/hostname')",
		"SELECT * FROM glob('/etc/*')",
	} {
		if _, err := e.Query(ctx, q, nil); err == nil {
			t.Errorf("%s: expected an error", q)
		} else if c := pgerr.Code(err); c == pgerr.SuccessfulCompletion {
			t.Errorf("%s: code %s", q, c)
		}
	}
	if err := e.Exec(ctx, "SET memory_limit = '1GB'"); err == nil {
		t.Error("SET after lock: expected an error")
	}
	if err := e.Exec(ctx, "ATTACH '/tmp/x.db' AS x"); err == nil {
		t.Error("ATTACH: expected an error")
	}
}

func TestQueryStreamsArrowAndMapsErrors(t *testing.T) {
	e, _ := openTest(t)
	ctx := context.Background()
	r, err := e.Query(ctx, "SELECT range::BIGINT AS n FROM range(5000) WHERE range % $1 = 0", []any{int64(1000)})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Schema().Field(0).Type.ID(); got != arrow.INT64 {
		t.Fatalf("type %v", got)
	}
	got := collectInt64(t, r)
	if len(got) != 5 || got[4] != 4000 {
		t.Fatalf("got %v", got)
	}
	r, err = e.Query(ctx, "SELECT (7 / 2)::BIGINT, (-7 / 2)::BIGINT", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := collectInt64(t, r); len(got) != 1 || got[0] != 3 {
		t.Fatalf("integer division: %v", got)
	}
	_, err = e.Query(ctx, "SELECT * FROM nosuch", nil)
	if pgerr.Code(err) != pgerr.UndefinedTable {
		t.Fatalf("missing table: %v (%s)", err, pgerr.Code(err))
	}
	_, err = e.Query(ctx, "SELEC 1", nil)
	if pgerr.Code(err) != pgerr.SyntaxError {
		t.Fatalf("syntax: %v", err)
	}
	// The pool is intact after errors.
	for range 4 {
		r, err := e.Query(ctx, "SELECT 1::BIGINT", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
}

func TestDescribe(t *testing.T) {
	e, _ := openTest(t)
	d, err := e.Describe(context.Background(), "SELECT $1::INTEGER + 1 AS a, 'x' AS b WHERE $2 > 1.5")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.ParamOIDs) != 2 || d.ParamOIDs[0] != 23 || d.Schema.NumFields() != 2 || d.Schema.Field(0).Type.ID() != arrow.INT32 {
		t.Fatalf("describe: %+v %v", d.ParamOIDs, d.Schema)
	}
}

func TestReadParquetWithDeletes(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.parquet")
	del := filepath.Join(dir, "del.parquet")
	e, err := Open(context.Background(), Config{AllowedDirs: []string{dir}, Connections: 1, Setup: []string{
		"COPY (SELECT range::BIGINT AS id FROM range(10)) TO '" + data + "' (FORMAT parquet, FIELD_IDS {id: 1})",
		"COPY (SELECT 'file://" + data + "' AS file_path, 3::BIGINT AS pos UNION ALL SELECT 'file://" + data + "', 7) TO '" + del + "' (FORMAT parquet)",
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	q := "SELECT d.id FROM read_parquet(['" + data + "'], hive_partitioning=false, filename='" + fileColumn + "', file_row_number=true, schema=MAP {1: {name: 'id', type: 'BIGINT', default_value: NULL}}) d " +
		"ANTI JOIN (SELECT regexp_replace(file_path, '^file:(//)?', '') AS path, pos FROM read_parquet(['" + del + "'])) pd ON d." + fileColumn + " = pd.path AND d.file_row_number = pd.pos ORDER BY 1"
	r, err := e.Query(context.Background(), q, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := collectInt64(t, r)
	want := []int64{0, 1, 2, 4, 5, 6, 8, 9}
	if len(got) != len(want) {
		t.Fatalf("got %v want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v want %v", got, want)
		}
	}
}

// rssSampler records the process's peak resident set size while a test runs: the
// kernel's high-water mark reset at the start (clear_refs 5) where allowed, and a 10 ms
// sample of VmRSS otherwise.
type rssSampler struct {
	stop chan struct{}
	done chan struct{}
	max  atomic.Int64
}

func startRSSSampler(t *testing.T) *rssSampler {
	t.Helper()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			if v := procStatusKB("/proc/self/status", "VmRSS:"); v > s.max.Load() {
				s.max.Store(v)
			}
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// peakMiB stops the sampler and returns the larger of the sampled and the kernel's
// peak, in MiB.
func (s *rssSampler) peakMiB() int64 {
	close(s.stop)
	<-s.done
	peak := max(s.max.Load(), procStatusKB("/proc/self/status", "VmHWM:"))
	return peak / 1024
}

func procStatusKB(path, key string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// TestStreamingKeepsMemoryFlat reads 50 million rows (800 MB of BIGINTs were they
// materialised) batch by batch and checks the process never holds more than a small
// multiple of one DuckDB chunk.
func TestStreamingKeepsMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("50 million rows")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc")
	}
	e, err := Open(context.Background(), Config{Connections: 1, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	const n = 50_000_000
	ctx := context.Background()
	before := procStatusKB("/proc/self/status", "VmRSS:") / 1024
	s := startRSSSampler(t)
	start := time.Now()
	r, err := e.Query(ctx, "SELECT i, i * 2 AS j FROM range($1) t(i)", []any{int64(n)})
	if err != nil {
		t.Fatal(err)
	}
	var rows, sum, batches int64
	if err := r.Each(ctx, func(b arrow.RecordBatch) error {
		c0, c1 := b.Column(0).(*array.Int64), b.Column(1).(*array.Int64)
		for k := 0; k < c0.Len(); k++ {
			if c1.Value(k) != 2*c0.Value(k) {
				t.Fatalf("row %d: %d, %d", rows+int64(k), c0.Value(k), c1.Value(k))
			}
			sum += c0.Value(k)
		}
		rows += b.NumRows()
		batches++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	peak := s.peakMiB()
	if rows != n || sum != int64(n)*(n-1)/2 {
		t.Fatalf("rows %d sum %d, want %d and %d", rows, sum, n, int64(n)*(n-1)/2)
	}
	t.Logf("%d rows in %d batches, %.1f M rows/s; RSS before %d MiB, peak %d MiB", rows, batches,
		float64(rows)/elapsed.Seconds()/1e6, before, peak)
	if peak > 512 {
		t.Fatalf("peak RSS %d MiB while streaming 50M rows: the result is not streamed", peak)
	}
	// The connection went back to the pool at the end of the rows.
	r, err = e.Query(ctx, "SELECT 1::BIGINT", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
}

// TestCancelAndCloseReleaseTheConnection checks that a query is stopped by its context,
// both while DuckDB works before the first row and between batches, and that closing
// a result early frees the only connection of the pool.
func TestCancelAndCloseReleaseTheConnection(t *testing.T) {
	e, err := Open(context.Background(), Config{Connections: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	bg := context.Background()
	next := func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(bg, time.Minute)
		defer cancel()
		r, err := e.Query(ctx, "SELECT 41::BIGINT + 1", nil)
		if err != nil {
			t.Fatalf("pool not released: %v", err)
		}
		if got := collectInt64(t, r); len(got) != 1 || got[0] != 42 {
			t.Fatalf("got %v", got)
		}
	}

	// An aggregate over a huge range works before the first row: cancel it there.
	ctx, cancel := context.WithCancel(bg)
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err = e.Query(ctx, "SELECT count(*) FROM range(1000000000000) a(x) WHERE x % 7 = 3", nil)
	if !errors.Is(err, context.Canceled) && pgerr.Code(err) != pgerr.QueryCanceled {
		t.Fatalf("cancel before first row: %v", err)
	}
	next()

	// Cancel between batches of a streaming scan.
	ctx, cancel = context.WithCancel(bg)
	r, err := e.Query(ctx, "SELECT x FROM range(1000000000000) a(x)", nil)
	if err != nil {
		t.Fatal(err)
	}
	nextBatch(t, ctx, r)
	cancel()
	if _, err := r.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("next after cancel: %v", err)
	}
	next()

	// Close early without reading to the end.
	r, err = e.Query(bg, "SELECT x FROM range(1000000000000) a(x)", nil)
	if err != nil {
		t.Fatal(err)
	}
	nextBatch(t, bg, r)
	r.Close()
	r.Close()
	next()

	// Errors raised while streaming carry their SQLSTATE and free the connection.
	r, err = e.Query(bg, "SELECT CAST(CASE WHEN x = 5000 THEN 'five' ELSE x::VARCHAR END AS BIGINT) FROM range(10000) a(x)", nil)
	if err == nil {
		for err == nil {
			var b arrow.RecordBatch
			b, err = r.Next(bg)
			if b == nil && err == nil {
				t.Fatal("conversion error not reported")
			}
			if b != nil {
				b.Release()
			}
		}
	}
	if pgerr.Code(err) != pgerr.InvalidTextRepresentation {
		t.Fatalf("error while streaming: %v (%s)", err, pgerr.Code(err))
	}
	next()
}

func TestNullOrderIsPostgres(t *testing.T) {
	e, _ := openTest(t)
	ctx := context.Background()
	// Every pooled connection sorts NULLs as PostgreSQL does: last ascending,
	// first descending.
	for range 2 * e.Connections() {
		for q, want := range map[string]string{
			"SELECT coalesce(x, -1)::BIGINT FROM (VALUES (1), (NULL), (2)) t(x) ORDER BY x":      "[1 2 -1]",
			"SELECT coalesce(x, -1)::BIGINT FROM (VALUES (1), (NULL), (2)) t(x) ORDER BY x DESC": "[-1 2 1]",
		} {
			r, err := e.Query(ctx, q, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(collectInt64(t, r)); got != want {
				t.Errorf("%s: %s, want %s", q, got, want)
			}
			r.Close()
		}
	}
}

func TestParseBytes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"8GB", 8e9, true}, {"512 MiB", 512 << 20, true}, {"1.5GB", 1.5e9, true}, {"2gib", 2 << 30, true},
		{"1000", 1000, true}, {"80%", 0, false}, {"-1", 0, false}, {"", 0, false}, {"GB", 0, false}, {"3 parsecs", 0, false},
	} {
		got, ok := parseBytes(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("parseBytes(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestServerSettings checks the settings Open gives DuckDB beyond the sandbox: no
// validation of cached file contents (Iceberg files are immutable), no insertion
// order without ORDER BY, and a block allocator of a quarter of the memory limit
// unless configured.
func TestServerSettings(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{MemoryLimit: "1GiB"}, "256.0 MiB"},
		{Config{MemoryLimit: "1GiB", BlockAllocatorMemory: "64MiB"}, "64.0 MiB"},
		{Config{MemoryLimit: "1GiB", BlockAllocatorMemory: "0"}, "0 bytes"},
		{Config{}, "0 bytes"},
	} {
		c.cfg.Connections = 1
		e, err := Open(ctx, c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.Query(ctx, "SELECT current_setting('block_allocator_memory')::VARCHAR || ',' || "+
			"current_setting('preserve_insertion_order')::VARCHAR || ',' || current_setting('validate_external_file_cache')::VARCHAR", nil)
		if err != nil {
			e.Close()
			t.Fatal(err)
		}
		got := collectStrings(t, r)
		e.Close()
		if want := c.want + ",false,NO_VALIDATION"; len(got) != 1 || got[0] != want {
			t.Errorf("%+v: settings %v, want %s", c.cfg, got, want)
		}
	}
}

// TestOrderByExactWithoutInsertionOrder reads several Parquet files of many row groups
// on two threads and checks that every ORDER BY (with LIMIT and OFFSET, in a subquery
// under a filter and a LIMIT, feeding an ordered aggregate) returns PostgreSQL's rows
// in order, while the unordered scan returns the same rows in any order.
func TestOrderByExactWithoutInsertionOrder(t *testing.T) {
	dir := t.TempDir()
	const files, perFile = 4, 50_000
	// v repeats (ids i and i+100003 share it) so that the tie-break on id matters.
	value := func(id int64) int64 { return id * 7919 % 100003 }
	var setup, paths []string
	for f := range files {
		p := filepath.Join(dir, fmt.Sprintf("part-%d.parquet", f))
		paths = append(paths, "'"+p+"'")
		setup = append(setup, fmt.Sprintf("COPY (SELECT i AS id, i * 7919 %% 100003 AS v FROM range(%d, %d) r(i)) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 2048)",
			f*perFile, (f+1)*perFile, p))
	}
	e, err := Open(context.Background(), Config{AllowedDirs: []string{dir}, Connections: 1, Threads: 2, Setup: setup})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	table := "read_parquet([" + strings.Join(paths, ", ") + "])"
	ids := make([]int64, files*perFile)
	for i := range ids {
		ids[i] = int64(i)
	}
	byV := slices.Clone(ids)
	slices.SortFunc(byV, func(a, b int64) int { return cmp.Or(cmp.Compare(value(a), value(b)), cmp.Compare(a, b)) })
	byVDesc := slices.Clone(ids)
	slices.SortFunc(byVDesc, func(a, b int64) int { return cmp.Or(cmp.Compare(value(b), value(a)), cmp.Compare(a, b)) })
	filter := func(in []int64, keep func(int64) bool) []int64 {
		var out []int64
		for _, id := range in {
			if keep(id) {
				out = append(out, id)
			}
		}
		return out
	}
	for _, c := range []struct {
		sql  string
		want []int64
	}{
		{"SELECT id FROM " + table + " ORDER BY v, id", byV},
		{"SELECT id FROM " + table + " ORDER BY v DESC, id LIMIT 25 OFFSET 1000", byVDesc[1000:1025]},
		{"SELECT id FROM (SELECT id, v FROM " + table + " ORDER BY v, id) s LIMIT 30", byV[:30]},
		{"SELECT id FROM (SELECT id, v FROM " + table + " ORDER BY v DESC, id) s WHERE id % 3 = 0 LIMIT 40",
			filter(byVDesc, func(id int64) bool { return id%3 == 0 })[:40]},
		{"SELECT unnest(list(id)) FROM (SELECT id FROM " + table + " WHERE id % 7 = 0 ORDER BY v, id) s",
			filter(byV, func(id int64) bool { return id%7 == 0 })},
	} {
		r, err := e.Query(context.Background(), c.sql, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if got := collectInt64(t, r); !slices.Equal(got, c.want) {
			t.Errorf("%s: %d rows, first %v; want %d rows, first %v", c.sql, len(got), got[:min(len(got), 5)], len(c.want), c.want[:min(len(c.want), 5)])
		}
	}
	r, err := e.Query(context.Background(), "SELECT id FROM "+table, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := collectInt64(t, r)
	slices.Sort(got)
	if !slices.Equal(got, ids) {
		t.Errorf("unordered scan: %d rows, want %d", len(got), len(ids))
	}
}

func TestMemoryLimit(t *testing.T) {
	ctx := context.Background()
	e, err := Open(ctx, Config{Threads: 1, Connections: 1, MemoryLimit: "1GiB"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	// DuckDB reports its limit rounded to its own display unit.
	if got := e.MemoryLimit(ctx); got < 1<<30*99/100 || got > 1<<30*101/100 {
		t.Fatalf("MemoryLimit = %d, want about 1 GiB", got)
	}
}

// TestOpenStatementsAndRunning checks the two bounds: Connections statements may be
// open at once (connections made when first needed), while only Running of them
// have DuckDB working for them; an open statement between batches holds no slot.
func TestOpenStatementsAndRunning(t *testing.T) {
	ctx := context.Background()
	e, err := Open(ctx, Config{Threads: 1, Connections: 3, Running: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var open []*Rows
	for range 3 {
		r, err := e.Query(ctx, "SELECT i FROM range(10000000) t(i)", nil)
		if err != nil {
			t.Fatal(err)
		}
		nextBatch(t, ctx, r)
		open = append(open, r)
	}
	e.mu.Lock()
	made := len(e.all)
	e.mu.Unlock()
	if made != 3 {
		t.Fatalf("%d connections made for 3 open statements", made)
	}
	// A fourth waits for a connection.
	wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := e.Query(wctx, "SELECT 1", nil); err == nil {
		t.Fatal("a fourth statement got a connection")
	}
	// The open ones go on, one batch each in turn, through the one running slot.
	for _, r := range open {
		nextBatch(t, ctx, r)
	}
	open[0].Close()
	r, err := e.Query(ctx, "SELECT 42::BIGINT", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := collectInt64(t, r); len(got) != 1 || got[0] != 42 {
		t.Fatalf("after a close: %v", got)
	}
	for _, r := range open[1:] {
		r.Close()
	}
}

// TestLateConnectionSettings checks that a connection made after the configuration
// was locked divides integers and orders NULLs as the first ones do.
func TestLateConnectionSettings(t *testing.T) {
	ctx := context.Background()
	e, err := Open(ctx, Config{Threads: 1, Connections: 2, Running: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	hold, err := e.Query(ctx, "SELECT i FROM range(10000000) t(i)", nil) // keeps the first connection
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	r, err := e.Query(ctx, "SELECT (7 / 2)::VARCHAR || ' ' || (SELECT list(x ORDER BY x)::VARCHAR FROM (VALUES (2), (NULL), (1)) v(x))", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := collectStrings(t, r); len(got) != 1 || got[0] != "3 [1, 2, NULL]" {
		t.Fatalf("on a late connection: %v", got)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.all) != 2 {
		t.Fatalf("%d connections", len(e.all))
	}
}

// nextBatch reads one batch of r, which must have one, and releases it.
func nextBatch(t *testing.T, ctx context.Context, r *Rows) {
	t.Helper()
	b, err := r.Next(ctx)
	if err != nil || b == nil {
		t.Fatalf("next batch: %v", err)
	}
	b.Release()
}

// TestErrorsHideRewrittenSQL checks that an error names the client's column and
// leaves out the statement DuckDB ran (the planner's SQL, with file paths).
func TestErrorsHideRewrittenSQL(t *testing.T) {
	e, _ := openTest(t)
	_, err := e.Query(context.Background(), "SELECT nosuch FROM (SELECT 1 AS sale_id, '/secret/path' AS f) t", nil)
	var pe *pgerr.Error
	if !errors.As(err, &pe) || pe.Code != pgerr.UndefinedColumn || pe.Message != `column "nosuch" does not exist` {
		t.Fatalf("got %#v", err)
	}
	if strings.Contains(pe.Message+pe.Hint, "secret") || strings.Contains(pe.Message, "LINE") || !strings.Contains(pe.Hint, "sale_id") {
		t.Fatalf("message %q, hint %q", pe.Message, pe.Hint)
	}
}

// TestConversionErrorIsPostgres checks a bad text value's message.
func TestConversionErrorIsPostgres(t *testing.T) {
	e, _ := openTest(t)
	_, err := e.Query(context.Background(), "SELECT CAST(s AS INTEGER) FROM (SELECT 'five' AS s) t", nil)
	var pe *pgerr.Error
	if !errors.As(err, &pe) || pe.Code != pgerr.InvalidTextRepresentation || pe.Message != `invalid input syntax for type integer: "five"` {
		t.Fatalf("got %#v", err)
	}
}
