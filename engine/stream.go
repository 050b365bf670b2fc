package engine

import (
	"context"
	"database/sql/driver"
	"fmt"
	"reflect"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	bindings "github.com/duckdb/duckdb-go-bindings"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Results stream: duckdb-go executes every query with a materialising pending result
// (the whole answer sits in DuckDB's memory before the first row leaves), so lakegate
// runs queries itself through DuckDB's C API with a streaming pending result. Each Next
// fetches one DuckDB chunk (2048 rows) and converts it to Arrow; DuckDB's pipeline stops
// when its small streaming buffer is full, so a client that reads slowly holds DuckDB
// back instead of filling memory. duckdb-go still prepares and binds (its parameter
// conversions are complete); the C handles it keeps unexported are reached once, by
// reflection, and checked when the engine opens.

var (
	connHandleField = structField(reflect.TypeFor[duckdb.Conn](), "conn", reflect.TypeFor[bindings.Connection]())
	stmtHandleField = structField(reflect.TypeFor[duckdb.Stmt](), "preparedStmt", reflect.TypeFor[*bindings.PreparedStatement]())
)

// structField finds an unexported field of a duckdb-go type; -1 when the pinned
// version's layout changed (Open then fails instead of misbehaving).
func structField(t reflect.Type, name string, want reflect.Type) int {
	f, ok := t.FieldByName(name)
	if !ok || f.Type != want || len(f.Index) != 1 {
		return -1
	}
	return int(f.Offset)
}

func checkHandles() error {
	if connHandleField < 0 || stmtHandleField < 0 {
		return fmt.Errorf("duckdb-go internals changed: streaming results need duckdb.Conn.conn and duckdb.Stmt.preparedStmt")
	}
	return nil
}

func connHandle(c *duckdb.Conn) bindings.Connection {
	return *(*bindings.Connection)(unsafe.Add(unsafe.Pointer(c), connHandleField))
}

func stmtHandle(s *duckdb.Stmt) *bindings.PreparedStatement {
	return *(**bindings.PreparedStatement)(unsafe.Add(unsafe.Pointer(s), stmtHandleField))
}

// Rows streams a query's result as Arrow record batches. It holds one pooled DuckDB
// connection until Close (or the end of the rows), so it may stay open across client
// statements (SQL cursors, suspended portals).
type Rows struct {
	e      *Engine
	conn   *duckdb.Conn
	raw    bindings.Connection
	stmt   *duckdb.Stmt
	res    bindings.Result
	opts   bindings.ArrowOptions
	schema *arrow.Schema
	done   bool
	thread *queryThread // where DuckDB's calls run (querythread.go)
}

// Query runs one read statement and streams its result. params bind $1, $2, ... The
// context bounds the start of the query; each Next takes its own.
func (e *Engine) Query(ctx context.Context, query string, params []any) (*Rows, error) {
	conn, err := e.acquire(ctx)
	if err != nil {
		return nil, err
	}
	r, err := e.start(ctx, conn, query, params)
	if err != nil {
		e.release(conn)
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, err
	}
	return r, nil
}

func (e *Engine) start(ctx context.Context, conn *duckdb.Conn, query string, params []any) (*Rows, error) {
	st, err := conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, Error(err)
	}
	stmt := st.(*duckdb.Stmt)
	if len(params) > 0 || stmt.NumInput() > 0 {
		args := make([]driver.NamedValue, len(params))
		for i, p := range params {
			args[i] = driver.NamedValue{Ordinal: i + 1, Value: p}
		}
		if err := stmt.BindWithCtx(ctx, args); err != nil {
			stmt.Close()
			return nil, Error(err)
		}
	}
	raw := connHandle(conn)
	var thread *queryThread
	if e.yieldNow() {
		thread = newQueryThread(e.nice)
	}
	var pending bindings.PendingResult
	if bindings.PendingPreparedStreaming(*stmtHandle(stmt), &pending) == bindings.StateError {
		msg := bindings.PendingError(pending)
		bindings.DestroyPending(&pending)
		stmt.Close()
		thread.stop()
		return nil, Error(&duckdb.Error{Type: duckdb.ErrorTypeInvalid, Msg: msg})
	}
	// Executing a streaming pending result runs what must finish before the first row
	// (hash-join builds, aggregates, sorts); the final pipeline runs in Next.
	var res bindings.Result
	var state bindings.State
	done, err := e.work(ctx)
	if err != nil {
		bindings.DestroyPending(&pending)
		stmt.Close()
		thread.stop()
		return nil, err
	}
	interruptible(ctx, raw, func() { thread.run(func() { state = bindings.ExecutePending(pending, &res) }) })
	done()
	bindings.DestroyPending(&pending)
	if state == bindings.StateError {
		err := resultError(&res)
		bindings.DestroyResult(&res)
		stmt.Close()
		thread.stop()
		return nil, err
	}
	r := &Rows{e: e, conn: conn, raw: raw, stmt: stmt, res: res, opts: bindings.ResultGetArrowOptions(&res), thread: thread}
	if r.schema, err = r.arrowSchema(); err != nil {
		r.free()
		return nil, err
	}
	return r, nil
}

func (r *Rows) arrowSchema() (*arrow.Schema, error) {
	n := bindings.ColumnCount(&r.res)
	names := make([]string, n)
	types := make([]bindings.LogicalType, n)
	for i := range n {
		names[i] = bindings.ColumnName(&r.res, i)
		types[i] = bindings.ColumnLogicalType(&r.res, i)
	}
	defer func() {
		for i := range types {
			bindings.DestroyLogicalType(&types[i])
		}
	}()
	schema, ed := bindings.NewArrowSchema(r.opts, types, names)
	if err := errorData(ed); err != nil {
		return nil, fmt.Errorf("arrow schema of result: %w", err)
	}
	return schema, nil
}

// Schema is the result's Arrow schema.
func (r *Rows) Schema() *arrow.Schema { return r.schema }

// Next returns the next batch, or (nil, nil) at the end. The caller owns the batch and
// must Release it. Cancelling ctx interrupts DuckDB; the rows are then closed.
func (r *Rows) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for !r.done {
		if err := ctx.Err(); err != nil {
			r.Close()
			return nil, context.Cause(ctx)
		}
		if r.thread == nil && r.e.yieldNow() {
			r.thread = newQueryThread(r.e.nice)
		}
		done, err := r.e.work(ctx)
		if err != nil {
			r.Close()
			return nil, err
		}
		var chunk bindings.DataChunk
		interruptible(ctx, r.raw, func() { r.thread.run(func() { chunk = bindings.FetchChunk(r.res) }) })
		done()
		if chunk.Ptr == nil {
			var err error
			if bindings.ResultError(&r.res) != "" {
				err = resultError(&r.res)
				if ctx.Err() != nil {
					err = context.Cause(ctx)
				}
			}
			r.Close()
			return nil, err
		}
		if bindings.DataChunkGetSize(chunk) == 0 {
			bindings.DestroyDataChunk(&chunk)
			continue
		}
		b, ed := bindings.DataChunkToArrowArray(r.opts, r.schema, chunk)
		bindings.DestroyDataChunk(&chunk)
		if err := errorData(ed); err != nil {
			r.Close()
			return nil, Error(err)
		}
		return b, nil
	}
	return nil, nil
}

// Each calls fn with every remaining batch, releasing each after fn returns, and
// closes the rows at the end or at the first error (fn's or the query's).
func (r *Rows) Each(ctx context.Context, fn func(arrow.RecordBatch) error) error {
	defer r.Close()
	for {
		b, err := r.Next(ctx)
		if err != nil || b == nil {
			return err
		}
		err = fn(b)
		b.Release()
		if err != nil {
			return err
		}
	}
}

// Close ends the query in DuckDB and returns the connection to the pool. Safe to
// repeat.
func (r *Rows) Close() error {
	if r.done {
		return nil
	}
	r.free()
	r.e.release(r.conn)
	return nil
}

func (r *Rows) free() {
	r.done = true
	bindings.DestroyArrowOptions(&r.opts)
	bindings.DestroyResult(&r.res)
	r.stmt.Close()
	r.thread.stop()
}

// interruptInterval re-asserts an interrupt: one sent while DuckDB is between tasks can
// be lost.
const interruptInterval = 5 * time.Millisecond

// interruptible runs fn, a blocking DuckDB call on conn, and interrupts DuckDB when ctx
// ends first. It returns only after the interrupter stopped, so that no interrupt can
// reach a later query on the same connection.
func interruptible(ctx context.Context, conn bindings.Connection, fn func()) {
	if ctx.Done() == nil {
		fn()
		return
	}
	var finished atomic.Bool
	stopped := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(stopped)
		for !finished.Load() {
			bindings.Interrupt(conn)
			time.Sleep(interruptInterval)
		}
	})
	fn()
	finished.Store(true)
	if !stop() {
		<-stopped
	}
}

func resultError(res *bindings.Result) error {
	return Error(&duckdb.Error{Type: duckdb.ErrorType(bindings.ResultErrorType(res)), Msg: bindings.ResultError(res)})
}

func errorData(ed bindings.ErrorData) error {
	defer bindings.DestroyErrorData(&ed)
	if !bindings.ErrorDataHasError(ed) {
		return nil
	}
	return &duckdb.Error{Type: duckdb.ErrorType(bindings.ErrorDataErrorType(ed)), Msg: bindings.ErrorDataMessage(ed)}
}
