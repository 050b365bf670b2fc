package wire

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"go.uber.org/zap"

	"github.com/lakegate/lakegate/pgerr"
)

// flushThreshold is how much output may wait in the buffer while rows stream.
const flushThreshold = 64 << 10

// inboxSize bounds how many read-ahead messages wait for the connection goroutine.
const inboxSize = 32

// conn is one client connection. serve runs on its own goroutine and is the only
// writer; a reader goroutine (readLoop) feeds it messages after authentication.
type conn struct {
	srv *Server
	nc  net.Conn // the client socket, or the TLS connection over it
	raw net.Conn // the client socket itself, for Shutdown to close from its goroutine
	log *zap.Logger
	fr  *frameReader
	be  *pgproto3.Backend // used for writing only

	ctx    context.Context // ends when the client goes away or the server stops
	cancel context.CancelCauseFunc
	inbox  chan frame

	sess    Session
	key     backendKey
	stmts   map[string]*preparedStatement
	portals map[string]*portal

	ignoreTillSync bool
	idle           bool  // ReadyForQuery sent, nothing received since
	writeErr       error // the socket failed: stop producing output
	fatalSent      bool  // a FATAL went out: the connection ends
	rowMsg         dataRowMsg
	// out holds every message after startup, encoded in place (pgproto3's Backend
	// drops its buffer after every flush, so streaming through it reallocates and
	// copies the whole output), written at ReadyForQuery, PortalSuspended and
	// whenever flushThreshold bytes have gathered.
	out []byte

	activeMu     sync.Mutex
	activeCancel context.CancelCauseFunc // the running statement's, for CancelRequest

	tzName string
	tzLoc  *time.Location

	tlsState *tls.ConnectionState // nil for plaintext connections
}

func newConn(parent context.Context, s *Server, nc net.Conn) *conn {
	ctx, cancel := context.WithCancelCause(parent)
	return &conn{
		srv:     s,
		nc:      nc,
		raw:     nc,
		log:     s.log.With(zap.Stringer("remote", nc.RemoteAddr())),
		fr:      newFrameReader(nc, s.cfg.MaxMessageSize),
		be:      pgproto3.NewBackend(nil, nc),
		ctx:     ctx,
		cancel:  cancel,
		inbox:   make(chan frame, inboxSize),
		stmts:   map[string]*preparedStatement{},
		portals: map[string]*portal{},
	}
}

// serve runs the connection to its end. It never panics: a panic is logged and
// answered with a FATAL XX000.
func (c *conn) serve() {
	defer func() { c.nc.Close() }()
	defer c.cancel(errClientGone)
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("wire: panic in connection", zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
			c.fatal(pgerr.New(pgerr.Internal, "internal error"))
		}
	}()

	admitted, err := c.startup()
	if admitted {
		defer c.srv.release()
	}
	if err != nil || c.sess == nil {
		if err != nil && !isNetErr(err) {
			c.log.Debug("wire: startup failed", zap.Error(err))
		}
		return
	}
	defer c.closeSession()

	go c.readLoop()
	c.loop()
}

// readLoop reads messages ahead so that a client that hangs up is noticed while a
// query runs: the read error cancels the connection context at once.
func (c *conn) readLoop() {
	for {
		f, err := c.fr.next()
		if err != nil {
			var pe *protocolError
			if !errors.As(err, &pe) {
				c.cancel(errClientGone)
			}
			f = frame{err: err}
		}
		select {
		case c.inbox <- f:
		case <-c.ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// loop dispatches messages until Terminate, a fatal error or the end of the connection.
func (c *conn) loop() {
	for {
		var draining <-chan struct{}
		var idleTimer *time.Timer
		var idleFired <-chan time.Time
		var idleErr *pgerr.Error
		if c.idle {
			draining = c.srv.draining
			if d, err := c.idleTimeout(); d > 0 {
				idleTimer = time.NewTimer(d)
				idleFired, idleErr = idleTimer.C, err
			}
		}
		var f frame
		select {
		case f = <-c.inbox:
		case <-idleFired:
			c.fatal(idleErr)
			return
		case <-draining:
			c.fatal(errAdminShutdown)
			return
		case <-c.ctx.Done():
			if cause := context.Cause(c.ctx); cause != errClientGone && !c.fatalSent {
				c.fatal(errAdminShutdown)
			}
			return
		}
		if idleTimer != nil {
			idleTimer.Stop()
		}
		c.idle = false
		if f.err != nil {
			var pe *protocolError
			if errors.As(f.err, &pe) {
				c.fatal(pgerr.New(pgerr.ProtocolViolation, "%s", pe.msg))
				if pe.skipped > 0 {
					// The reader has stopped; let the client finish sending the
					// message it started so that it reads the error, not a reset.
					c.fr.drain(c.nc, pe.skipped, time.Second)
				}
			}
			return
		}
		if !c.dispatch(f) || c.writeErr != nil || c.fatalSent {
			return
		}
	}
}

// idleTimeout is how long the connection may now wait for the client:
// idle_in_transaction_session_timeout inside a transaction block,
// idle_session_timeout outside one (0: forever), and the error that ends it.
func (c *conn) idleTimeout() (time.Duration, *pgerr.Error) {
	if tx := c.sess.TxStatus(); tx == 'T' || tx == 'E' {
		return parseStatementTimeout(c.sess.Setting("idle_in_transaction_session_timeout")), errIdleInTransaction
	}
	return parseStatementTimeout(c.sess.Setting("idle_session_timeout")), errIdleSession
}

// dispatch handles one message; false ends the connection.
func (c *conn) dispatch(f frame) bool {
	switch f.typ {
	case 'X':
		return false
	case 'S':
		c.ignoreTillSync = false
		c.handleSync()
		return true
	case 'Q', 'F':
		// The simple protocol is not subject to ignore-till-Sync.
	case 'P', 'B', 'D', 'E', 'C', 'H':
		if c.ignoreTillSync {
			return true
		}
	case 'd', 'c', 'f':
		return true // COPY data outside COPY IN is ignored, as PostgreSQL does
	default:
		c.fatal(pgerr.New(pgerr.ProtocolViolation, "invalid frontend message type %d", f.typ))
		return false
	}
	msg, err := decodeFrontend(f)
	if err != nil {
		// The framing is intact, so, as PostgreSQL does, the connection survives: an
		// ERROR, then ReadyForQuery (simple protocol) or skipping to Sync (extended).
		bad := pgerr.Wrap(err, pgerr.ProtocolViolation, "invalid message format")
		if f.typ == 'Q' || f.typ == 'F' {
			c.fail(bad)
			c.readyForQuery()
		} else {
			c.extended(bad)
		}
		return true
	}
	switch m := msg.(type) {
	case *pgproto3.Query:
		c.handleQuery(m.String)
	case *pgproto3.FunctionCall:
		c.sendError(pgerr.New(pgerr.FeatureNotSupported, "function call protocol is not supported"))
		c.readyForQuery()
	case *pgproto3.Parse:
		c.extended(c.handleParse(m))
	case *pgproto3.Bind:
		c.extended(c.handleBind(m))
	case *pgproto3.Describe:
		c.extended(c.handleDescribe(m))
	case *pgproto3.Execute:
		c.extended(c.handleExecute(m))
	case *pgproto3.Close:
		c.extended(c.handleClose(m))
	case *pgproto3.Flush:
		c.flush()
	}
	return true
}

func decodeFrontend(f frame) (pgproto3.FrontendMessage, error) {
	var m pgproto3.FrontendMessage
	switch f.typ {
	case 'Q':
		m = &pgproto3.Query{}
	case 'F':
		m = &pgproto3.FunctionCall{}
	case 'P':
		m = &pgproto3.Parse{}
	case 'B':
		m = &pgproto3.Bind{}
	case 'D':
		m = &pgproto3.Describe{}
	case 'E':
		m = &pgproto3.Execute{}
	case 'C':
		m = &pgproto3.Close{}
	case 'H':
		m = &pgproto3.Flush{}
	default:
		return nil, fmt.Errorf("unexpected message type %q", f.typ)
	}
	if err := m.Decode(f.body); err != nil {
		return nil, err
	}
	return m, nil
}

// extended finishes an extended-protocol message: an error is reported once and
// everything up to the next Sync is skipped.
func (c *conn) extended(err error) {
	if err == nil {
		return
	}
	c.sendError(err)
	c.sess.FailTransaction()
	c.ignoreTillSync = true
}

func (c *conn) handleSync() {
	if c.sess.TxStatus() != 'T' {
		// The implicit transaction ended: portals do not outlive it.
		c.closeAllPortals()
	}
	c.readyForQuery()
}

func (c *conn) readyForQuery() {
	if c.fatalSent {
		return
	}
	c.send(&pgproto3.ReadyForQuery{TxStatus: c.sess.TxStatus()})
	c.flush()
	c.idle = true
}

// send buffers a message; it is written at the next flush.
func (c *conn) send(m pgproto3.BackendMessage) { c.sendStream(m) }

// sendStream encodes a message straight into c.out, writing it out every
// flushThreshold bytes. Every message goes through c.out, so a statement's replies
// (BindComplete, rows, CommandComplete, ReadyForQuery) leave in one write.
func (c *conn) sendStream(m pgproto3.BackendMessage) {
	if c.writeErr != nil {
		return
	}
	out, err := m.Encode(c.out)
	if err != nil {
		c.writeErr = err
		c.cancel(errClientGone)
		return
	}
	c.out = out
	if len(c.out) >= flushThreshold {
		c.writeOut()
	}
}

// writeOut writes the streamed messages buffered in c.out.
func (c *conn) writeOut() {
	if len(c.out) == 0 || c.writeErr != nil {
		c.out = c.out[:0]
		return
	}
	_, err := c.nc.Write(c.out)
	c.out = c.out[:0]
	if cap(c.out) > 4*flushThreshold {
		c.out = nil // one huge row: do not keep its buffer
	}
	if err != nil {
		c.writeErr = err
		c.cancel(errClientGone)
	}
}

func (c *conn) flush() {
	if c.writeErr != nil {
		return
	}
	c.writeOut()
}

// sendError sends an ErrorResponse for err (severity ERROR unless err says otherwise).
func (c *conn) sendError(err error) {
	pe := pgerr.From(err)
	if pe.Code == pgerr.Internal {
		c.log.Warn("wire: internal error", zap.Error(err))
	}
	sev := pe.Severity
	if sev == "" {
		sev = "ERROR"
	}
	if sev == "FATAL" {
		c.fatalSent = true
	}
	c.send(&pgproto3.ErrorResponse{
		Severity:            sev,
		SeverityUnlocalized: sev,
		Code:                pe.Code,
		Message:             pe.Message,
		Detail:              pe.Detail,
		Hint:                pe.Hint,
		Position:            pe.Position,
	})
	if sev == "FATAL" {
		c.flush()
	}
}

// fatal sends a FATAL ErrorResponse and flushes; the caller then closes.
func (c *conn) fatal(err *pgerr.Error) {
	e := *err
	e.Severity = "FATAL"
	c.sendError(&e)
}

// setActive records the cancel function CancelRequest should call; nil clears it.
func (c *conn) setActive(cancel context.CancelCauseFunc) {
	c.activeMu.Lock()
	c.activeCancel = cancel
	c.activeMu.Unlock()
}

// cancelActive cancels the running statement, if any (CancelRequest).
func (c *conn) cancelActive() {
	c.activeMu.Lock()
	cancel := c.activeCancel
	c.activeMu.Unlock()
	if cancel != nil {
		cancel(errUserCancel)
	}
}

func (c *conn) closeSession() {
	c.closeAllPortals()
	for name, ps := range c.stmts {
		ps.close()
		delete(c.stmts, name)
	}
	c.srv.keys.remove(c.key)
	c.sess.Close()
}

// location is the session's TimeZone, cached while it does not change.
func (c *conn) location() *time.Location {
	name := c.sess.Setting("TimeZone")
	if c.tzLoc != nil && name == c.tzName {
		return c.tzLoc
	}
	c.tzName, c.tzLoc = name, loadLocation(name)
	return c.tzLoc
}

func isNetErr(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || errors.As(err, &ne)
}
