package wire

import (
	"context"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/lakegate/lakegate/pgerr"
)

// preparedStatement is a parsed statement, named or unnamed. stmt is nil for the
// empty query. Portals hold references: the Statement is closed when the prepared
// statement is closed and no portal uses it any more.
type preparedStatement struct {
	name      string
	stmt      Statement
	paramOIDs []uint32
	fields    []Field
	refs      int
	closed    bool
	released  bool
}

func newPreparedStatement(name string, st Statement) *preparedStatement {
	ps := &preparedStatement{name: name, stmt: st}
	if st != nil {
		ps.paramOIDs = st.ParamOIDs()
		ps.fields = st.Fields()
	}
	return ps
}

func (ps *preparedStatement) close() {
	ps.closed = true
	ps.maybeRelease()
}

func (ps *preparedStatement) maybeRelease() {
	if ps.closed && ps.refs == 0 && !ps.released {
		ps.released = true
		if ps.stmt != nil {
			ps.stmt.Close()
		}
	}
}

// portal is a bound statement. Its Result comes from Statement.Run at the first
// Execute and stays open across Executes with a row limit (PortalSuspended).
type portal struct {
	name        string
	ps          *preparedStatement
	params      []any
	formatCodes []int16 // Bind's result format codes, as sent
	ctx         context.Context
	cancel      context.CancelCauseFunc

	started bool
	done    bool
	res     *Result
	enc     *rowEncoder
	verb    string
}

// newPortal binds ps. The portal's context lives as long as the portal: Run and
// every Rows.Next get it, and cancel, timeout and disconnect cancel it.
func (c *conn) newPortal(name string, ps *preparedStatement, params []any, formatCodes []int16) *portal {
	ctx, cancel := context.WithCancelCause(c.ctx)
	ps.refs++
	return &portal{name: name, ps: ps, params: params, formatCodes: formatCodes, ctx: ctx, cancel: cancel}
}

// finish ends the portal's result; later Executes report zero rows.
func (p *portal) finish() {
	p.done = true
	if p.enc != nil {
		p.enc.release()
	}
	if p.res != nil && p.res.Rows != nil {
		p.res.Rows.Close()
		p.res.Rows = nil
	}
}

func (p *portal) close() {
	p.finish()
	p.cancel(context.Canceled)
	if p.ps != nil {
		p.ps.refs--
		p.ps.maybeRelease()
		p.ps = nil
	}
}

func (c *conn) closeAllPortals() {
	for name, p := range c.portals {
		p.close()
		delete(c.portals, name)
	}
}

// fields describes the rows Execute will send, before or after Run.
func (p *portal) fields() []Field {
	if p.res != nil && p.res.Fields != nil {
		return p.res.Fields
	}
	return p.ps.fields
}

// execute runs or resumes p, sending at most maxRows rows (0: all). The simple
// protocol sends RowDescription here; the extended one sends it on Describe. The
// error returned is for the client; the portal is finished then.
func (c *conn) execute(p *portal, maxRows int64, simple bool) (err error) {
	if p.ps.stmt == nil {
		c.send(&pgproto3.EmptyQueryResponse{})
		return nil
	}
	if p.done {
		c.send(&pgproto3.CommandComplete{CommandTag: []byte(completionTag(p.verb, 0))})
		return nil
	}
	stop := c.activate(p)
	defer stop()
	defer func() {
		if err != nil {
			p.finish()
		}
	}()
	if !p.started {
		p.started = true
		res, err := p.ps.stmt.Run(p.ctx, p.params)
		if err != nil {
			return c.queryError(p, err)
		}
		if res == nil {
			res = &Result{}
		}
		p.res = res
		if res.Copy != nil {
			return c.copyOut(p)
		}
		if res.Rows == nil {
			p.done = true
			c.commandComplete(res.Tag, res.ParameterStatus)
			return nil
		}
		fields := p.fields()
		formats := expandFormats(p.formatCodes, len(fields))
		p.verb = res.Tag
		p.enc = newRowEncoder(fields, formats, c.encOptions())
		if simple {
			c.send(rowDescription(fields, formats))
		}
	}
	var sent int64
	for {
		if maxRows > 0 && sent >= maxRows {
			c.send(&pgproto3.PortalSuspended{})
			return nil
		}
		more, err := c.fill(p)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		c.sendRow(p.enc)
		sent++
		if c.writeErr != nil {
			return errClientGone
		}
	}
	p.finish()
	c.commandComplete(completionTag(p.verb, sent), p.res.ParameterStatus)
	return nil
}

// fill makes sure p's encoder has a row to send; false at the end of the rows.
func (c *conn) fill(p *portal) (bool, error) {
	for p.enc.exhausted() {
		if p.ctx.Err() != nil {
			return false, c.queryError(p, p.ctx.Err())
		}
		b, err := p.res.Rows.Next(p.ctx)
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, c.queryError(p, err)
		}
		if b == nil {
			continue
		}
		if err := p.enc.bind(b); err != nil {
			return false, err
		}
	}
	return true, nil
}

// activate makes p the target of CancelRequest and arms statement_timeout.
func (c *conn) activate(p *portal) (stop func()) {
	c.setActive(p.cancel)
	var t *time.Timer
	if d := parseStatementTimeout(c.sess.Setting("statement_timeout")); d > 0 {
		t = time.AfterFunc(d, func() { p.cancel(errStatementTimeout) })
	}
	return func() {
		if t != nil {
			t.Stop()
		}
		c.setActive(nil)
	}
}

// queryError prefers why the portal's context ended (user cancel, timeout,
// shutdown) over whatever error that caused downstream.
func (c *conn) queryError(p *portal, err error) error {
	cause := context.Cause(p.ctx)
	if cause == nil {
		return err
	}
	var pe *pgerr.Error
	if errors.As(cause, &pe) || cause == errClientGone {
		return cause
	}
	return errAdminShutdown
}

func (c *conn) sendRow(e *rowEncoder) {
	c.rowMsg.e, c.rowMsg.row = e, e.next
	c.sendStream(&c.rowMsg)
	e.next++
}

func (c *conn) commandComplete(tag string, status map[string]string) {
	c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
	names := make([]string, 0, len(status))
	for k := range status {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		c.send(&pgproto3.ParameterStatus{Name: k, Value: status[k]})
	}
}

// completionTag appends the row count to the verbs PostgreSQL counts for.
func completionTag(verb string, n int64) string {
	if verb == "" {
		verb = "SELECT"
	}
	switch strings.ToUpper(verb) {
	case "SELECT", "FETCH", "MOVE", "COPY", "UPDATE", "DELETE", "MERGE":
		return verb + " " + strconv.FormatInt(n, 10)
	case "INSERT":
		return verb + " 0 " + strconv.FormatInt(n, 10)
	}
	return verb
}

func (c *conn) encOptions() encOptions {
	digits := 1
	if v := c.sess.Setting("extra_float_digits"); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			digits = n
		}
	}
	return encOptions{loc: c.location(), floatDigits: digits}
}
