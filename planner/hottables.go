package planner

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/apache/iceberg-go/table"
	"go.uber.org/zap"

	"github.com/lakegate/lakegate/engine"
	"github.com/lakegate/lakegate/pushdown"
)

// Hot tables: a table snapshot that statements keep scanning is copied into
// DuckDB's memory (engine.Materialize) and later statements read the copy instead
// of its Parquet files. A snapshot never changes, so the copy is exact for every
// statement that reads that snapshot — deletes applied, the schema it is read with —
// and needs no invalidation: a commit makes a new snapshot, which statements read
// from files until it is hot in turn. What the copy saves is decoding: DuckDB reads
// its own compressed columns with zone maps instead of decompressing and decoding
// Parquet pages on every query (TPC-H at SF 1: 1.4-12x per query, see BENCHMARKS.md).
//
// Copies are bounded by cache.tables_bytes (they count toward engine.memory_limit)
// and evicted least recently used; one that a running statement reads is dropped
// only when that statement ends. One copy is made at a time, in the background;
// the statement that triggers it reads the files as before. Each copy is then
// compressed at a DuckDB checkpoint, which needs a moment when no statement reads a
// copy: new statements read files until the running ones are done (quiesce).

// hotExpansion is how much larger than its Parquet files a table is assumed to be
// in DuckDB's memory before it is copied. Compressed, TPC-H SF 1 takes 1.2x its
// files; uncompressed, while it is being copied and before its checkpoint, 6.4x.
// The real size is known after the copy, which is dropped again if it does not fit.
const hotExpansion = 4

// hotMaxTracked bounds the snapshots counted but not copied.
const hotMaxTracked = 4096

type hotState int

const (
	hotCounting hotState = iota
	hotLoading
	hotReady
	hotRefused // failed or too large: read from files
)

type hotEntry struct {
	key      string
	table    string // catalog, name and uuid: a newer copy of it replaces this one
	display  string // the table's name, for logs
	name     string // the DuckDB table
	snapshot int64
	state    hotState
	scans    int
	bytes    int64
	refs     int       // statements reading the copy now
	last     time.Time // last read
	drop     bool      // evicted while read: dropped at the last release
	why      string    // for hotRefused
	retryAt  time.Time // for a copy that failed: when to count reads again
}

// hotRetryAfter is how long a snapshot whose copy failed (memory pressure, a file
// that could not be read) is read from files before it may be copied again.
const hotRetryAfter = 10 * time.Minute

type hotTables struct {
	eng      *engine.Engine
	log      *zap.Logger
	maxBytes int64
	after    int

	ctx    context.Context // cancelled by close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	entries map[string]*hotEntry
	used    int64 // ready copies plus the estimate of the one being made
	loading bool
	seq     int
	readers int  // statements reading any copy (also evicted ones)
	paused  bool // copies are being compressed: statements read files
	// quiesceWait bounds the wait for readers before compressing (hotQuiesceWait).
	quiesceWait time.Duration
	retryAfter  time.Duration // hotRetryAfter
}

func newHotTables(eng *engine.Engine, log *zap.Logger, maxBytes int64, after int) *hotTables {
	ctx, cancel := context.WithCancel(context.Background())
	return &hotTables{eng: eng, log: log, maxBytes: maxBytes, after: max(after, 1), ctx: ctx, cancel: cancel,
		entries: map[string]*hotEntry{}, quiesceWait: hotQuiesceWait, retryAfter: hotRetryAfter}
}

// hotKey names one table snapshot read with one schema.
func hotKey(r *scanRef, t *table.Table, v tableVersion) (key, tbl string) {
	tbl = r.cat.Database + "\x00" + r.ref.String() + "\x00" + t.Metadata().TableUUID().String()
	return tbl + "\x00" + strconv.FormatInt(v.snapshotID, 10) + "\x00" + strconv.Itoa(v.schema.ID), tbl
}

// acquire returns the relation of the copy of key, if there is one, and a release to
// call when the statement no longer reads it.
func (h *hotTables) acquire(key string) (string, func(), bool) {
	if h == nil || h.maxBytes <= 0 {
		return "", nil, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.entries[key]
	if e == nil || e.state != hotReady || e.drop || h.paused {
		return "", nil, false
	}
	e.refs++
	h.readers++
	e.last = time.Now()
	var once sync.Once
	return engine.HotRelation(e.name), func() { once.Do(func() { h.release(e) }) }, true
}

func (h *hotTables) release(e *hotEntry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e.refs--
	h.readers--
	if e.refs == 0 && e.drop {
		h.dropLocked(e)
	}
}

// note counts a statement that read key from files and starts copying the snapshot
// once it has been read often enough. load returns the scan of the whole snapshot.
func (h *hotTables) note(key, tbl, display string, snapshot, fileBytes int64, load func(context.Context) (string, error)) {
	if h == nil || h.maxBytes <= 0 || snapshot == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.entries[key]
	if e == nil {
		if len(h.entries) >= hotMaxTracked {
			h.forgetCountingLocked()
		}
		e = &hotEntry{key: key, table: tbl, display: display, snapshot: snapshot}
		h.entries[key] = e
	}
	if e.state == hotRefused && !e.retryAt.IsZero() && time.Now().After(e.retryAt) {
		e.state, e.scans, e.retryAt = hotCounting, 0, time.Time{}
	}
	e.scans++
	if e.state != hotCounting || e.scans < h.after || h.loading {
		return
	}
	estimate := fileBytes * hotExpansion
	if estimate > h.maxBytes {
		e.state, e.why = hotRefused, fmt.Sprintf("its files (%d MiB) would take more than cache.tables_bytes in memory", fileBytes>>20)
		return
	}
	if !h.makeRoomLocked(estimate, e) {
		return // every copy is being read; try again at a later statement
	}
	h.seq++
	e.name = fmt.Sprintf("t%d_%d", h.seq, snapshot&0xffffff)
	e.state = hotLoading
	h.loading = true
	h.used += estimate
	h.wg.Add(1)
	go h.copy(e, estimate, load)
}

func (h *hotTables) copy(e *hotEntry, estimate int64, load func(context.Context) (string, error)) {
	defer h.wg.Done()
	start := time.Now()
	ctx, cancel := context.WithTimeout(h.ctx, 30*time.Minute)
	defer cancel()
	query, err := load(ctx)
	var size int64
	if err == nil {
		size, err = h.eng.Materialize(ctx, e.name, query, h.quiesce)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.loading = false
	h.used -= estimate
	if err != nil {
		e.state, e.why, e.retryAt = hotRefused, err.Error(), time.Now().Add(h.retryAfter)
		h.log.Info("hot table not copied", zap.String("table", e.display), zap.Int64("snapshot", e.snapshot), zap.Error(err))
		h.dropLocked(e) // a copy cut short
		return
	}
	e.bytes, e.last = size, time.Now()
	h.used += size
	e.state = hotReady
	// A newer snapshot's copy replaces the older ones of the same table.
	for _, o := range h.entries {
		if o != e && o.table == e.table && o.state == hotReady && !o.drop {
			h.evictLocked(o)
		}
	}
	if h.used > h.maxBytes && !h.makeRoomLocked(0, e) {
		// Kept as refused, so the snapshot is not copied again.
		e.state, e.why = hotRefused, fmt.Sprintf("its copy (%d MiB) does not fit cache.tables_bytes", size>>20)
		h.used -= size
		h.log.Info("hot table not kept", zap.String("table", e.display), zap.Int64("snapshot", e.snapshot), zap.Int64("bytes", size))
		h.dropLocked(e)
		return
	}
	h.log.Info("hot table copied to memory", zap.String("table", e.display), zap.Int64("snapshot", e.snapshot),
		zap.Int64("bytes", size), zap.Duration("duration", time.Since(start)))
}

// hotQuiesceWait bounds how long a copy waits for statements reading other copies to
// end before it is compressed; after it, the copy stays uncompressed.
const hotQuiesceWait = 30 * time.Second

// quiesce stops handing out copies (statements read their files meanwhile) and
// returns once no statement reads one, or after h.quiesceWait; the function it
// returns hands them out again.
func (h *hotTables) quiesce(ctx context.Context) func() {
	h.mu.Lock()
	h.paused = true
	h.mu.Unlock()
	for deadline := time.Now().Add(h.quiesceWait); ctx.Err() == nil && time.Now().Before(deadline); {
		h.mu.Lock()
		n := h.readers
		h.mu.Unlock()
		if n == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	return func() {
		h.mu.Lock()
		h.paused = false
		h.mu.Unlock()
	}
}

// makeRoomLocked evicts least recently read copies other than keep until need more
// bytes fit; false if they cannot.
func (h *hotTables) makeRoomLocked(need int64, keep *hotEntry) bool {
	for h.used+need > h.maxBytes {
		var victim *hotEntry
		for _, o := range h.entries {
			if o != keep && o.state == hotReady && !o.drop && o.refs == 0 && (victim == nil || o.last.Before(victim.last)) {
				victim = o
			}
		}
		if victim == nil {
			return false
		}
		h.evictLocked(victim)
	}
	return true
}

// evictLocked takes a copy out of use: it is dropped now, or when its last reader ends.
func (h *hotTables) evictLocked(e *hotEntry) {
	delete(h.entries, e.key)
	h.used -= e.bytes
	e.drop = true
	h.log.Info("hot table evicted", zap.String("table", e.display), zap.Int64("snapshot", e.snapshot), zap.Int64("bytes", e.bytes))
	if e.refs == 0 {
		h.dropLocked(e)
	}
}

func (h *hotTables) dropLocked(e *hotEntry) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		if err := h.eng.DropMaterialized(context.Background(), e.name); err != nil {
			h.log.Warn("dropping a hot table copy", zap.String("table", e.display), zap.Error(err))
		}
	}()
}

// forgetCountingLocked drops the counts of snapshots that were never copied.
func (h *hotTables) forgetCountingLocked() {
	for k, o := range h.entries {
		if o.state == hotCounting || o.state == hotRefused {
			delete(h.entries, k)
		}
	}
}

// describe says, for EXPLAIN, whether key is read from memory or why not.
func (h *hotTables) describe(key string) string {
	if h == nil || h.maxBytes <= 0 {
		return "hot tables are off (cache.tables_bytes = 0)"
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.entries[key]
	switch {
	case e == nil:
		return fmt.Sprintf("copied to memory after %d reads of this snapshot", h.after)
	case e.state == hotReady:
		return fmt.Sprintf("read from its in-memory copy (%d MiB)", e.bytes>>20)
	case e.state == hotLoading:
		return "being copied to memory"
	case e.state == hotRefused:
		return "not copied to memory: " + e.why
	default:
		return fmt.Sprintf("copied to memory after %d reads of this snapshot (%d so far)", h.after, e.scans)
	}
}

// close stops a copy under way and waits for it and for pending drops.
func (h *hotTables) close() {
	if h == nil {
		return
	}
	h.cancel()
	h.wg.Wait()
}

// hotScanLoader returns the scan of a whole snapshot, for copying it.
func hotScanLoader(r *scanRef, t *table.Table, v tableVersion) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		spec, err := pushdown.Plan(ctx, pushdown.Request{Name: r.ref.String(), Table: t, SnapshotID: v.snapshotID, Remap: r.cat.Remapper()})
		if err != nil {
			return "", err
		}
		spec.Schema = v.schema
		return engine.TableScanSQL(spec, r.cat.Remapper(), scanOptions(t))
	}
}
