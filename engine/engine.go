package engine

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	duckdb "github.com/duckdb/duckdb-go/v2"
	"go.uber.org/zap"

	"github.com/lakegate/lakegate/catalog"
)

// Config sizes and sandboxes the engine.
type Config struct {
	// AllowedDirs are the only directories DuckDB may read (warehouses, caches).
	AllowedDirs []string
	// MemoryLimit is DuckDB's memory_limit, e.g. "4GB"; "" leaves DuckDB's default.
	MemoryLimit string
	// Threads is DuckDB's thread count; 0 leaves DuckDB's default (all cores).
	Threads int
	// Connections bounds the pooled DuckDB connections: how many statements can be
	// open at once, running or suspended (an open cursor, a portal the client reads
	// in parts). Running of them are made at start, the rest when first needed; a
	// connection costs DuckDB about 60 KB.
	Connections int
	// Running is how many statements DuckDB works on at once (0: Connections). A
	// statement holds a slot while DuckDB computes for it (until its first rows, then
	// while each batch is made), not while its client reads or idles, so suspended
	// cursors never keep other statements waiting.
	Running int
	// Nice is added to the nice value of the threads that run queries' DuckDB
	// calls (querythread.go); 0 keeps the process's priority.
	Nice int
	// BlockAllocatorMemory is DuckDB's block_allocator_memory: memory for query
	// buffers that DuckDB keeps once used instead of returning it to the system after
	// every query (giving it back and faulting it in again cost ~10% of the CPU of
	// TPC-H queries at SF 1). As PostgreSQL's shared_buffers, "" means a quarter of
	// MemoryLimit (none without a limit); "0" means none.
	BlockAllocatorMemory string
	// Setup statements run once before the configuration is locked (catalog views,
	// macros).
	Setup  []string
	Logger *zap.Logger
}

// Engine is the sandboxed DuckDB.
type Engine struct {
	connector *duckdb.Connector
	pool      chan *duckdb.Conn // idle connections
	mu        sync.Mutex        // guards all
	all       []*duckdb.Conn    // every connection made, at most cap(pool)
	running   chan struct{}     // a slot per statement DuckDB works on at once
	log       *zap.Logger
	nice      int
	// interactive is when an interactive statement was last answered (unix ns).
	interactive atomic.Int64
	// hotMu serialises copies of hot tables and their drops (hot.go).
	hotMu sync.Mutex
}

// Open starts DuckDB in memory, sandboxes it and fills the connection pool.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.Connections <= 0 {
		cfg.Connections = 8
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if err := checkHandles(); err != nil {
		return nil, err
	}
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, fmt.Errorf("open duckdb: %w", err)
	}
	if cfg.Running <= 0 || cfg.Running > cfg.Connections {
		cfg.Running = cfg.Connections
	}
	e := &Engine{connector: connector, pool: make(chan *duckdb.Conn, cfg.Connections), log: cfg.Logger, nice: cfg.Nice,
		running: make(chan struct{}, cfg.Running)}
	for range cfg.Running {
		dc, err := e.connect(ctx)
		if err != nil {
			e.Close()
			return nil, err
		}
		e.pool <- dc
	}
	if err := e.registerFunctions(ctx); err != nil {
		e.Close()
		return nil, fmt.Errorf("duckdb functions: %w", err)
	}
	if err := e.sandbox(ctx, cfg); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func (e *Engine) sandbox(ctx context.Context, cfg Config) error {
	c := e.all[0]
	dirs := make([]string, len(cfg.AllowedDirs))
	for i, d := range cfg.AllowedDirs {
		dirs[i] = catalog.QuoteLiteral(strings.TrimSuffix(d, "/") + "/")
	}
	stmts := []string{
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
		// Data files are immutable: keep their Parquet footers between queries.
		"SET parquet_metadata_cache = true",
		// Iceberg never rewrites a data or delete file in place (a change is a new file
		// under a new name), so cached footers and file blocks need no check against
		// the file: validating opened and stat'ed every file of every query, 6-29% of
		// the CPU of TPC-H queries at SF 1.
		"SET validate_external_file_cache = 'NO_VALIDATION'",
		// SQL without ORDER BY has no order: DuckDB may then produce rows in whatever
		// order its threads finish, instead of buffering to restore the scan order.
		// ORDER BY (also in subqueries and before LIMIT) is still exact.
		"SET preserve_insertion_order = false",
	}
	if cfg.MemoryLimit != "" {
		stmts = append(stmts, "SET memory_limit = "+catalog.QuoteLiteral(cfg.MemoryLimit))
	}
	if b := blockAllocatorMemory(cfg); b != "" {
		stmts = append(stmts, "SET block_allocator_memory = "+catalog.QuoteLiteral(b))
	}
	if cfg.Threads > 0 {
		stmts = append(stmts, fmt.Sprintf("SET threads = %d", cfg.Threads))
	}
	stmts = append(stmts, cfg.Setup...)
	stmts = append(stmts,
		attachHot, // before external access is closed (hot.go)
		"SET allowed_directories = ["+strings.Join(dirs, ", ")+"]",
		"SET enable_external_access = false",
		"SET lock_configuration = true",
	)
	// Session settings every connection needs: PostgreSQL divides integers as
	// integers, and sorts NULLs last ascending and first descending. Connections made
	// later (after the lock) take them from the global settings.
	for _, s := range []string{"integer_division = true", "default_null_order = 'nulls_last_on_asc_first_on_desc'"} {
		stmts = append([]string{"SET GLOBAL " + s}, stmts...)
		for _, conn := range e.all {
			if _, err := conn.ExecContext(ctx, "SET "+s, nil); err != nil {
				return fmt.Errorf("duckdb setup: %w", err)
			}
		}
	}
	for _, s := range stmts {
		if _, err := c.ExecContext(ctx, s, nil); err != nil {
			return fmt.Errorf("duckdb setup %q: %w", firstLine(s), err)
		}
	}
	return nil
}

// blockAllocatorMemory is the block_allocator_memory to set, "" for DuckDB's default.
func blockAllocatorMemory(cfg Config) string {
	if cfg.BlockAllocatorMemory == "0" {
		return "" // DuckDB's default: none
	}
	if cfg.BlockAllocatorMemory != "" {
		return cfg.BlockAllocatorMemory
	}
	n, ok := parseBytes(cfg.MemoryLimit)
	if !ok || n < 4<<20 {
		return ""
	}
	return strconv.FormatInt(n/4>>10, 10) + "KiB"
}

// byteUnits are DuckDB's memory size units: decimal (KB) and binary (KiB).
var byteUnits = map[string]int64{
	"": 1, "b": 1, "byte": 1, "bytes": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// parseBytes reads a memory size as DuckDB's memory_limit takes it ("8GB",
// "512 MiB", "1.5GB"); false for anything else (a percentage, "-1").
func parseBytes(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(s)
	}
	v, err := strconv.ParseFloat(s[:i], 64)
	unit, ok := byteUnits[strings.ToLower(strings.TrimSpace(s[i:]))]
	if err != nil || !ok || v <= 0 {
		return 0, false
	}
	return int64(v * float64(unit)), true
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + "..."
	}
	return s
}

// Close closes every connection and the database.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	for _, c := range e.all {
		errs = append(errs, c.Close())
	}
	errs = append(errs, e.connector.Close())
	return errors.Join(errs...)
}

// Connections is the size of the connection pool: how many statements can be open
// at once.
func (e *Engine) Connections() int { return cap(e.pool) }

// work takes a slot of Config.Running for as long as DuckDB computes for a
// statement; call the returned function when it stops.
func (e *Engine) work(ctx context.Context) (func(), error) {
	select {
	case e.running <- struct{}{}:
		return func() { <-e.running }, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// acquire takes an idle connection, makes one while fewer than Connections exist,
// or waits for one.
func (e *Engine) acquire(ctx context.Context) (*duckdb.Conn, error) {
	select {
	case c := <-e.pool:
		return c, nil
	default:
	}
	c, err := e.connect(ctx)
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, errPoolFull) {
		e.log.Warn("opening another DuckDB connection", zap.Error(err))
	}
	select {
	case c := <-e.pool:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

var errPoolFull = errors.New("every pooled DuckDB connection is in use")

// connect makes a connection, unless Connections exist already.
func (e *Engine) connect(ctx context.Context) (*duckdb.Conn, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.all) >= cap(e.pool) {
		return nil, errPoolFull
	}
	c, err := e.connector.Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect duckdb: %w", err)
	}
	dc := c.(*duckdb.Conn)
	e.all = append(e.all, dc)
	return dc, nil
}

func (e *Engine) release(c *duckdb.Conn) { e.pool <- c }

// Description is what Describe learns about a statement without running it on data.
type Description struct {
	ParamOIDs []uint32 // PostgreSQL type of each $n; 0 where DuckDB could not tell
	Schema    *arrow.Schema
}

// Describe prepares a statement (whose lake scans are empty relations) to learn its
// parameter and result types.
func (e *Engine) Describe(ctx context.Context, query string) (*Description, error) {
	conn, err := e.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer e.release(conn)
	st, err := conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, Error(err)
	}
	stmt := st.(*duckdb.Stmt)
	n := stmt.NumInput()
	d := &Description{ParamOIDs: make([]uint32, n)}
	for i := range n {
		if t, err := stmt.ParamType(i + 1); err == nil {
			d.ParamOIDs[i] = paramOID(t)
		}
	}
	stmt.Close()
	args := make([]any, n)
	ar, err := duckdb.NewArrowFromConn(conn)
	if err != nil {
		return nil, err
	}
	reader, err := ar.QueryContext(ctx, "SELECT * FROM ("+query+") LIMIT 0", args...)
	if err != nil {
		return nil, Error(err)
	}
	d.Schema = reader.Schema()
	reader.Release()
	return d, nil
}

// Exec runs a statement that returns no rows (used for setup and catalog refresh).
func (e *Engine) Exec(ctx context.Context, query string) error {
	conn, err := e.acquire(ctx)
	if err != nil {
		return err
	}
	defer e.release(conn)
	done, err := e.work(ctx)
	if err != nil {
		return err
	}
	defer done()
	_, err = conn.ExecContext(ctx, query, nil)
	if err != nil {
		return Error(err)
	}
	return nil
}

var _ driver.Conn = (*duckdb.Conn)(nil)
