package planner

import (
	"context"
	"errors"
	"io"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/lakegate/lakegate/pgerr"
	"github.com/lakegate/lakegate/wire"
)

// SQL cursors (DECLARE / FETCH / MOVE / CLOSE), as psycopg2's named cursors use them.
// A cursor starts its query at DECLARE and keeps the engine's stream open: each FETCH
// reads on from where the last one stopped, so a cursor over a huge result holds only
// the batch it is in. Cursors read forward only and live until the end of their
// transaction (no SCROLL, no WITH HOLD: both would need the result materialised).

// PostgreSQL's cursor option bits (parsenodes.h).
const (
	cursorOptBinary = 0x0001
	cursorOptScroll = 0x0002
	cursorOptHold   = 0x0020
)

// cursor is an open SQL cursor.
type cursor struct {
	name   string
	fields []wire.Field
	rows   wire.Rows
	buf    arrow.RecordBatch // the batch being read; rows before off were returned
	off    int64
	pos    int64 // rows read so far: the current row, as PostgreSQL counts it
	ended  bool
}

// take returns up to n of the cursor's next rows (a batch the caller owns), or nil
// at the end.
func (c *cursor) take(ctx context.Context, n int64) (arrow.RecordBatch, error) {
	for c.buf == nil || c.off >= c.buf.NumRows() {
		if c.buf != nil {
			c.buf.Release()
			c.buf = nil
		}
		if c.ended {
			return nil, nil
		}
		b, err := c.rows.Next(ctx)
		if errors.Is(err, io.EOF) {
			c.ended = true
			return nil, nil
		}
		if err != nil {
			c.ended = true
			return nil, err
		}
		if b != nil {
			c.buf, c.off = b, 0
		}
	}
	m := min(n, c.buf.NumRows()-c.off)
	c.pos += m
	if c.off == 0 && m == c.buf.NumRows() {
		b := c.buf
		c.buf = nil
		return b, nil
	}
	b := c.buf.NewSlice(c.off, c.off+m)
	c.off += m
	return b, nil
}

// skip discards up to n rows and returns how many it discarded.
func (c *cursor) skip(ctx context.Context, n int64) (int64, error) {
	var done int64
	for done < n {
		b, err := c.take(ctx, n-done)
		if err != nil || b == nil {
			return done, err
		}
		done += b.NumRows()
		b.Release()
	}
	return done, nil
}

func (c *cursor) close() {
	if c.buf != nil {
		c.buf.Release()
		c.buf = nil
	}
	c.ended = true
	c.rows.Close()
}

// fetchRows streams at most left rows of a cursor to the client.
type fetchRows struct {
	c    *cursor
	left int64
}

func (f *fetchRows) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if f.left <= 0 {
		return nil, io.EOF
	}
	b, err := f.c.take(ctx, f.left)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, io.EOF
	}
	f.left -= b.NumRows()
	return b, nil
}

// Close leaves the cursor open: the next FETCH goes on from here.
func (f *fetchRows) Close() error { return nil }

// maxCursors bounds the cursors one session keeps open: each holds an engine
// connection, and the session must keep one for its other statements.
func (s *Session) maxCursors() int {
	return max(1, s.g.engine.Connections()/2)
}

func (s *Session) declareCursor(ctx context.Context, d *pg.DeclareCursorStmt, text string, paramOIDs []uint32) (wire.Statement, error) {
	switch {
	case d.Options&cursorOptHold != 0:
		return nil, pgerr.New(pgerr.FeatureNotSupported, "DECLARE CURSOR WITH HOLD is not supported").
			WithHint("Declare the cursor WITHOUT HOLD and fetch from it inside the transaction.")
	case d.Options&cursorOptScroll != 0:
		return nil, pgerr.New(pgerr.FeatureNotSupported, "SCROLL cursors are not supported: lakegate cursors read forward only").
			WithHint("Declare the cursor with NO SCROLL.")
	case d.Options&cursorOptBinary != 0:
		return nil, pgerr.New(pgerr.FeatureNotSupported, "BINARY cursors are not supported").
			WithHint("Use the extended protocol with binary result formats.")
	}
	if d.Query.GetSelectStmt() == nil {
		return nil, pgerr.New(pgerr.SyntaxError, "DECLARE CURSOR must be followed by a SELECT")
	}
	q, err := s.newQuery(ctx, &pg.RawStmt{Stmt: d.Query}, text, paramOIDs, false)
	if err != nil {
		return nil, err
	}
	return &declareStmt{s: s, name: d.Portalname, q: q}, nil
}

// declareStmt is DECLARE name CURSOR FOR query.
type declareStmt struct {
	s    *Session
	name string
	q    *queryStmt
}

func (d *declareStmt) ParamOIDs() []uint32  { return d.q.ParamOIDs() }
func (d *declareStmt) Fields() []wire.Field { return nil }
func (d *declareStmt) Close()               { d.q.Close() }

func (d *declareStmt) Run(ctx context.Context, params []any) (*wire.Result, error) {
	s := d.s
	if s.tx != txOpen {
		return nil, pgerr.New("25P01", "DECLARE CURSOR can only be used in transaction blocks")
	}
	if _, ok := s.cursors[d.name]; ok {
		return nil, pgerr.New(pgerr.DuplicateCursor, "cursor %q already exists", d.name)
	}
	if len(s.cursors) >= s.maxCursors() {
		return nil, pgerr.New(pgerr.ProgramLimitExceeded, "too many open cursors (at most %d per session)", s.maxCursors()).
			WithHint("CLOSE cursors you no longer need.")
	}
	res, err := d.q.Run(ctx, params)
	if err != nil {
		return nil, err
	}
	if s.cursors == nil {
		s.cursors = map[string]*cursor{}
	}
	s.cursors[d.name] = &cursor{name: d.name, fields: res.Fields, rows: res.Rows}
	return &wire.Result{Tag: "DECLARE CURSOR"}, nil
}

func (s *Session) cursor(name string) (*cursor, error) {
	c, ok := s.cursors[name]
	if !ok {
		return nil, pgerr.New(pgerr.InvalidCursorName, "cursor %q does not exist", name)
	}
	return c, nil
}

// fetchStatement is FETCH or MOVE. The cursor is looked up when the statement runs (a
// simple query may declare it in an earlier statement of the same message).
func (s *Session) fetchStatement(f *pg.FetchStmt) wire.Statement {
	fields := func() []wire.Field {
		if f.Ismove {
			return nil
		}
		if c, ok := s.cursors[f.Portalname]; ok {
			return c.fields
		}
		return nil
	}
	return &utilityStmt{fields: fields(), run: func(ctx context.Context) (*wire.Result, error) {
		c, err := s.cursor(f.Portalname)
		if err != nil {
			return nil, err
		}
		skip, count, err := fetchPlan(f, c.pos)
		if err != nil {
			return nil, err
		}
		if _, err := c.skip(ctx, skip); err != nil {
			return nil, err
		}
		if f.Ismove {
			n, err := c.skip(ctx, count)
			if err != nil {
				return nil, err
			}
			return &wire.Result{Tag: "MOVE " + strconv.FormatInt(n, 10)}, nil
		}
		return &wire.Result{Tag: "FETCH", Fields: c.fields, Rows: &fetchRows{c: c, left: count}}, nil
	}}
}

// fetchPlan turns a FETCH direction into rows to skip, then rows to return, refusing
// what would move backwards (PostgreSQL's answer for a NO SCROLL cursor).
func fetchPlan(f *pg.FetchStmt, pos int64) (skip, count int64, err error) {
	backward := pgerr.New("55000", "cursor can only scan forward").
		WithHint("Declare it with SCROLL option to enable backward scan.")
	n := f.HowMany
	switch f.Direction {
	case pg.FetchDirection_FETCH_FORWARD:
		switch {
		case n < 0:
			return 0, 0, backward
		case n == 0:
			return 0, 0, pgerr.New(pgerr.FeatureNotSupported, "FETCH 0 (re-fetching the current row) is not supported")
		}
		return 0, n, nil
	case pg.FetchDirection_FETCH_BACKWARD:
		return 0, 0, backward
	case pg.FetchDirection_FETCH_RELATIVE:
		if n <= 0 {
			return 0, 0, backward
		}
		return n - 1, 1, nil
	case pg.FetchDirection_FETCH_ABSOLUTE:
		// FIRST is ABSOLUTE 1, LAST is ABSOLUTE -1 (from the end: needs a backward scan).
		if n <= pos {
			return 0, 0, backward
		}
		return n - pos - 1, 1, nil
	}
	return 0, 0, pgerr.New(pgerr.SyntaxError, "unsupported FETCH direction")
}

// closeStatement is CLOSE name or CLOSE ALL.
func (s *Session) closeStatement(c *pg.ClosePortalStmt) wire.Statement {
	return &utilityStmt{run: func(context.Context) (*wire.Result, error) {
		if c.Portalname == "" {
			s.closeCursors()
			return &wire.Result{Tag: "CLOSE CURSOR"}, nil
		}
		cur, err := s.cursor(c.Portalname)
		if err != nil {
			return nil, err
		}
		cur.close()
		delete(s.cursors, c.Portalname)
		return &wire.Result{Tag: "CLOSE CURSOR"}, nil
	}}
}

// closeCursors closes every cursor: at COMMIT, ROLLBACK and the end of the session.
func (s *Session) closeCursors() {
	for name, c := range s.cursors {
		c.close()
		delete(s.cursors, name)
	}
}
