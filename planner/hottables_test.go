package planner

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"go.uber.org/zap"

	"github.com/lakegate/lakegate/engine"
)

// TestHotTablesPolicy checks the bookkeeping of hot table copies on a real DuckDB:
// a copy after `after` reads, its size measured, least recently read copies evicted
// to make room, a copy being read dropped only after its last reader, a newer
// snapshot replacing an older one, and refusals for what cannot fit.
func TestHotTablesPolicy(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Config{Threads: 1, Connections: 2, Setup: CompatSetup})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	h := newHotTables(eng, zap.NewNop(), 64<<20, 2)
	defer h.close()

	rangeOf := func(n int) func(context.Context) (string, error) {
		return func(context.Context) (string, error) {
			// Random values: compression cannot shrink them below 8 bytes a row.
			return fmt.Sprintf("(SELECT range AS id, (hash(range) >> 1)::BIGINT AS twice FROM range(%d))", n), nil
		}
	}
	count := func(rel string) int64 {
		t.Helper()
		rows, err := eng.Query(ctx, "SELECT count(*), sum(twice) FROM "+rel, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		b, err := rows.Next(ctx)
		if err != nil || b == nil {
			t.Fatalf("count: %v", err)
		}
		defer b.Release()
		return b.Column(0).(*array.Int64).Value(0)
	}
	waitReady := func(key string) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !strings.HasPrefix(h.describe(key), "read from"); {
			if time.Now().After(deadline) {
				t.Fatalf("%s never copied: %s", key, h.describe(key))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	// One read is not enough; the second starts the copy.
	h.note("a@1", "a", "a", 1, 1<<20, rangeOf(300_000))
	if _, _, ok := h.acquire("a@1"); ok {
		t.Fatal("copied after one read")
	}
	h.note("a@1", "a", "a", 1, 1<<20, rangeOf(300_000))
	waitReady("a@1")
	rel, release, ok := h.acquire("a@1")
	if !ok {
		t.Fatal("no copy")
	}
	if n := count(rel); n != 300_000 {
		t.Fatalf("copy has %d rows", n)
	}
	h.mu.Lock()
	sizeA := h.entries["a@1"].bytes
	h.mu.Unlock()
	if sizeA <= 256<<10 || sizeA > 32<<20 {
		t.Fatalf("copy of 300,000 rows measured %d bytes", sizeA)
	}

	// A newer snapshot of a replaces its copy; the old one is dropped only when its
	// reader releases it. The reader keeps the new copy from being compressed: it is
	// used uncompressed after the wait.
	h.quiesceWait = 200 * time.Millisecond
	h.note("a@2", "a", "a", 2, 1<<20, rangeOf(1000))
	h.note("a@2", "a", "a", 2, 1<<20, rangeOf(1000))
	waitReady("a@2")
	if _, _, ok := h.acquire("a@1"); ok {
		t.Fatal("the replaced copy is still handed out")
	}
	if n := count(rel); n != 300_000 {
		t.Fatalf("the replaced copy read by its last reader has %d rows", n)
	}
	release()
	release() // a second call does nothing
	h.wg.Wait()
	if _, err := eng.Query(ctx, "SELECT count(*) FROM "+rel, nil); err == nil {
		t.Fatal("the replaced copy was not dropped after its last reader")
	}

	// Too large for the bound, by its file size: refused without copying.
	h.note("big@1", "big", "big", 1, 60<<20, rangeOf(10))
	h.note("big@1", "big", "big", 1, 60<<20, rangeOf(10))
	if d := h.describe("big@1"); !strings.Contains(d, "not copied") {
		t.Fatalf("big: %s", d)
	}

	// Room for b (by the estimate from its file size) is made by evicting the
	// least recently read copy (a@2).
	h.maxBytes = 2 * sizeA
	for _, k := range []string{"b@1", "b@1"} {
		h.note(k, "b", "b", 1, 2*sizeA/hotExpansion, rangeOf(300_000))
	}
	waitReady("b@1")
	if _, _, ok := h.acquire("a@2"); ok {
		t.Fatal("a@2 was not evicted to make room for b@1")
	}
	// A load that fails leaves the snapshot to its files, until it may be tried again.
	failing := func(context.Context) (string, error) { return "(SELECT CAST('x' AS INTEGER) AS x)", nil }
	h.retryAfter = 200 * time.Millisecond
	h.note("c@1", "c", "c", 1, 0, failing)
	h.note("c@1", "c", "c", 1, 0, failing)
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(h.describe("c@1"), "not copied"); {
		if time.Now().After(deadline) {
			t.Fatalf("c: %s", h.describe("c@1"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.note("c@1", "c", "c", 1, 0, failing)
	if d := h.describe("c@1"); !strings.Contains(d, "not copied") {
		t.Fatalf("c retried at once: %s", d)
	}
	time.Sleep(300 * time.Millisecond)
	h.note("c@1", "c", "c", 1, 0, failing)
	if d := h.describe("c@1"); !strings.Contains(d, "(1 so far)") {
		t.Fatalf("c after the retry delay: %s", d)
	}
	if h.used != h.entries["b@1"].bytes {
		t.Fatalf("accounted %d bytes, the one copy left has %d", h.used, h.entries["b@1"].bytes)
	}
}

// TestHotCopyWhileRead copies a table while another connection streams from an
// earlier copy: the copy is compressed once the reader is done, and the reader gets
// every row.
func TestHotCopyWhileRead(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Config{Threads: 1, Connections: 2, Setup: CompatSetup})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	// A statement reads an earlier copy while the next is made; nothing stops it
	// here, so the next copy is compressed only once the reader is done.
	reading := make(chan bool, 1)
	quiesce := func(context.Context) func() {
		for <-reading {
		}
		return func() {}
	}
	first, err := eng.Materialize(ctx, "a", "(SELECT range AS id, 'row ' || range AS s FROM range(500000))",
		func(context.Context) func() { return func() {} })
	if err != nil {
		t.Fatal(err)
	}
	rows, err := eng.Query(ctx, "SELECT id, s FROM "+engine.HotRelation("a"), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := rows.Next(ctx)
	if err != nil || b == nil {
		t.Fatalf("first batch: %v", err)
	}
	n := b.NumRows()
	b.Release()
	type result struct {
		size int64
		err  error
	}
	done := make(chan result)
	go func() {
		n, err := eng.Materialize(ctx, "b", "(SELECT range AS id, 'row ' || range AS s FROM range(500000))", quiesce)
		done <- result{n, err}
	}()
	if err := rows.Each(ctx, func(b arrow.RecordBatch) error {
		n += b.NumRows()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	reading <- false
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if n != 500000 {
		t.Fatalf("the reader got %d rows", n)
	}
	// Uncompressed, 500,000 rows of a bigint and a short string take about 15 MB.
	if first > 8<<20 || r.size > 8<<20 {
		t.Fatalf("copies take %d and %d bytes; not compressed?", first, r.size)
	}
}
