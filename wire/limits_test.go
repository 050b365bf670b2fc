package wire

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

// expectClosed requires the server to close the connection without sending more.
func expectClosed(t *testing.T, nc net.Conn) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := nc.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("connection not closed: read %d bytes, %v", n, err)
	}
}

func TestIdleInTransactionTimeout(t *testing.T) {
	r := dialRaw(t, trustServer(t, nil))
	r.send(&pgproto3.Query{String: "set idle_in_transaction_session_timeout = 50ms"})
	r.expect("CommandComplete SET", "ReadyForQuery I")
	// Outside a transaction block the setting does not apply.
	time.Sleep(150 * time.Millisecond)
	r.send(&pgproto3.Query{String: "begin"})
	r.expect("CommandComplete BEGIN", "ReadyForQuery T")
	m := r.receive()
	e, ok := m.(*pgproto3.ErrorResponse)
	if !ok || e.Severity != "FATAL" || e.Code != "25P03" || e.Message != "terminating connection due to idle-in-transaction timeout" {
		t.Fatalf("got %s", describe(m))
	}
	expectClosed(t, r.nc)

	// A failed transaction block ('E') is idle in transaction too; 0 turns it off.
	r = dialRaw(t, trustServer(t, nil))
	r.send(&pgproto3.Query{String: "set idle_in_transaction_session_timeout = 0; begin; fail"})
	r.expect("CommandComplete SET", "CommandComplete BEGIN", "ErrorResponse ERROR 42P01", "ReadyForQuery E")
	r.send(&pgproto3.Query{String: "set idle_in_transaction_session_timeout = 20"}) // milliseconds
	r.expect("CommandComplete SET", "ReadyForQuery E")
	r.expect("ErrorResponse FATAL 25P03")
	expectClosed(t, r.nc)
}

func TestIdleSessionTimeout(t *testing.T) {
	r := dialRaw(t, trustServer(t, nil))
	r.send(&pgproto3.Query{String: "set idle_session_timeout = 30ms"})
	r.expect("CommandComplete SET", "ReadyForQuery I", "ErrorResponse FATAL 57P05")
	expectClosed(t, r.nc)
}

func TestStartupTimeout(t *testing.T) {
	_, addr := startServer(t, Config{AuthMethod: AuthTrust, StartupTimeout: 50 * time.Millisecond}, nil)
	// A load-balancer probe that connects and says nothing, and one that stops mid-packet.
	for _, partial := range [][]byte{nil, {0, 0, 0, 40, 0, 3}} {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		nc.Write(partial)
		expectClosed(t, nc)
		nc.Close()
	}
	// A client stuck in authentication is cut off too.
	_, scramAddr := startServer(t, Config{Users: scramUsers, StartupTimeout: 50 * time.Millisecond}, nil)
	nc, err := net.Dial("tcp", scramAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "u"}})
	fe.Flush()
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if m, err := fe.Receive(); err != nil {
		t.Fatal(err)
	} else if _, ok := m.(*pgproto3.AuthenticationSASL); !ok {
		t.Fatalf("got %T", m)
	}
	expectClosed(t, nc)
	// The connection did not stay counted: a normal login still works with MaxConnections 1.
	_, one := startServer(t, Config{Users: scramUsers, StartupTimeout: 50 * time.Millisecond, MaxConnections: 1}, nil)
	probe, err := net.Dial("tcp", one)
	if err != nil {
		t.Fatal(err)
	}
	pf := pgproto3.NewFrontend(probe, probe)
	pf.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "u"}})
	pf.Flush()
	probe.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := pf.Receive(); err != nil { // AuthenticationSASL
		t.Fatal(err)
	}
	expectClosed(t, probe)
	probe.Close()
	mustConnect(t, one, nil)
}

func TestMaxMessageSize(t *testing.T) {
	_, addr := startServer(t, Config{AuthMethod: AuthTrust, MaxMessageSize: 1024}, nil)
	r := dialRaw(t, addr)
	r.send(&pgproto3.Query{String: "ints 1 --" + strings.Repeat("x", 900)})
	r.expect("RowDescription 1", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery I")
	r.send(&pgproto3.Query{String: "ints 1 --" + strings.Repeat("x", 1100)})
	m := r.receive()
	if e, ok := m.(*pgproto3.ErrorResponse); !ok || e.Severity != "FATAL" || e.Code != "08P01" {
		t.Fatalf("oversized message: %s", describe(m))
	}
	expectClosed(t, r.nc)

	// A client still writing a message far larger than socket buffers reads the
	// error too: the server drains what it refused before closing.
	_, scramAddr := startServer(t, Config{Users: scramUsers, MaxMessageSize: 1024}, nil)
	c := mustConnect(t, scramAddr, nil)
	_, err := c.Exec(context.Background(), "ints 1 --"+strings.Repeat("x", 12<<20), pgx.QueryExecModeSimpleProtocol)
	if pgCode(err) != "08P01" {
		t.Fatalf("12 MiB message: %v", err)
	}
}

func TestMaxConnectionsCountsSessions(t *testing.T) {
	_, addr := startServer(t, Config{Users: scramUsers, MaxConnections: 2}, nil)
	a := mustConnect(t, addr, nil)
	mustConnect(t, addr, nil)
	if _, err := connect(t, addr, "u", "secret", nil); pgCode(err) != "53300" {
		t.Fatalf("third connection: %v", err)
	}
	// A slot frees when a client leaves.
	a.Close(context.Background())
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := connect(t, addr, "u", "secret", nil)
		if err == nil {
			break
		}
		if pgCode(err) != "53300" || time.Now().After(deadline) {
			t.Fatalf("after a client left: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestShutdownLetsRunningQueriesFinish(t *testing.T) {
	h := newTestHandler()
	s, addr := startServer(t, Config{Users: scramUsers}, h)
	c := mustConnect(t, addr, nil)
	idle := mustConnect(t, addr, nil)
	type result struct {
		n   int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		r.err = c.QueryRow(context.Background(), "wait").Scan(&r.n)
		done <- r
	}()
	<-h.started
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		shut <- s.Shutdown(ctx)
	}()
	// New connections are refused once Shutdown has begun, and idle ones are closed.
	for deadline := time.Now().Add(5 * time.Second); ; {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		nc.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting after Shutdown")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The idle session gets FATAL 57P01 and is closed (read under pgx, which is idle).
	inc := idle.PgConn().Conn()
	inc.SetReadDeadline(time.Now().Add(5 * time.Second))
	fe := pgproto3.NewFrontend(inc, inc)
	if m, err := fe.Receive(); err != nil {
		t.Fatalf("idle connection: %v", err)
	} else if e, ok := m.(*pgproto3.ErrorResponse); !ok || e.Code != "57P01" || e.Severity != "FATAL" {
		t.Fatalf("idle connection got %s", describe(m))
	}
	expectClosed(t, inc)
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) while a query runs", err)
	default:
	}
	close(h.release)
	r := <-done
	if r.err != nil || r.n != 1 {
		t.Fatalf("running query: %d %v", r.n, r.err)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := c.Ping(context.Background()); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("connection open after Shutdown: %v", err)
	}
}
