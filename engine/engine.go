package engine

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
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
	// Connections is the number of pooled DuckDB connections (concurrent queries).
	Connections int
	// Nice is added to the nice value of the threads that run queries' DuckDB
	// calls (querythread.go); 0 keeps the process's priority.
	Nice int
	// Setup statements run once before the configuration is locked (catalog views,
	// macros).
	Setup  []string
	Logger *zap.Logger
}

// Engine is the sandboxed DuckDB.
type Engine struct {
	connector *duckdb.Connector
	pool      chan *duckdb.Conn
	all       []*duckdb.Conn
	log       *zap.Logger
	nice      int
	// interactive is when an interactive statement was last answered (unix ns).
	interactive atomic.Int64
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
	e := &Engine{connector: connector, pool: make(chan *duckdb.Conn, cfg.Connections), log: cfg.Logger, nice: cfg.Nice}
	for range cfg.Connections {
		c, err := connector.Connect(ctx)
		if err != nil {
			e.Close()
			return nil, fmt.Errorf("connect duckdb: %w", err)
		}
		dc := c.(*duckdb.Conn)
		e.all = append(e.all, dc)
		e.pool <- dc
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
	}
	if cfg.MemoryLimit != "" {
		stmts = append(stmts, "SET memory_limit = "+catalog.QuoteLiteral(cfg.MemoryLimit))
	}
	if cfg.Threads > 0 {
		stmts = append(stmts, fmt.Sprintf("SET threads = %d", cfg.Threads))
	}
	stmts = append(stmts, cfg.Setup...)
	stmts = append(stmts,
		"SET allowed_directories = ["+strings.Join(dirs, ", ")+"]",
		"SET enable_external_access = false",
		"SET lock_configuration = true",
	)
	// Session settings every connection needs: PostgreSQL divides integers as
	// integers, and sorts NULLs last ascending and first descending.
	for _, conn := range e.all {
		for _, s := range []string{"SET integer_division = true", "SET default_null_order = 'nulls_last_on_asc_first_on_desc'"} {
			if _, err := conn.ExecContext(ctx, s, nil); err != nil {
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

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + "..."
	}
	return s
}

// Close closes every connection and the database.
func (e *Engine) Close() error {
	var errs []error
	for _, c := range e.all {
		errs = append(errs, c.Close())
	}
	errs = append(errs, e.connector.Close())
	return errors.Join(errs...)
}

// Connections is the size of the connection pool: how many queries (and open result
// streams) can run at once.
func (e *Engine) Connections() int { return cap(e.pool) }

func (e *Engine) acquire(ctx context.Context) (*duckdb.Conn, error) {
	select {
	case c := <-e.pool:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
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
	_, err = conn.ExecContext(ctx, query, nil)
	if err != nil {
		return Error(err)
	}
	return nil
}

var _ driver.Conn = (*duckdb.Conn)(nil)
