package wire

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// rawClient drives the server message by message with pgproto3's Frontend.
type rawClient struct {
	t  *testing.T
	nc net.Conn
	fe *pgproto3.Frontend
}

func dialRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	r := &rawClient{t: t, nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
	r.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "u"}})
	for {
		m := r.receive()
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			return r
		}
		if e, ok := m.(*pgproto3.ErrorResponse); ok {
			t.Fatalf("startup: %s", e.Message)
		}
	}
}

func (r *rawClient) send(msgs ...pgproto3.FrontendMessage) {
	r.t.Helper()
	for _, m := range msgs {
		r.fe.Send(m)
	}
	if err := r.fe.Flush(); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rawClient) receive() pgproto3.BackendMessage {
	r.t.Helper()
	r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	m, err := r.fe.Receive()
	if err != nil {
		r.t.Fatalf("receive: %v", err)
	}
	return m
}

// describe renders a backend message compactly for expectations.
func describe(m pgproto3.BackendMessage) string {
	switch m := m.(type) {
	case *pgproto3.CommandComplete:
		return "CommandComplete " + string(m.CommandTag)
	case *pgproto3.ReadyForQuery:
		return "ReadyForQuery " + string(m.TxStatus)
	case *pgproto3.ErrorResponse:
		return fmt.Sprintf("ErrorResponse %s %s", m.Severity, m.Code)
	case *pgproto3.DataRow:
		s := "DataRow"
		for _, v := range m.Values {
			s += " " + string(v)
		}
		return s
	case *pgproto3.RowDescription:
		return fmt.Sprintf("RowDescription %d", len(m.Fields))
	case *pgproto3.ParameterDescription:
		return fmt.Sprintf("ParameterDescription %v", m.ParameterOIDs)
	}
	return fmt.Sprintf("%T", m)[len("*pgproto3."):]
}

func (r *rawClient) expect(want ...string) {
	r.t.Helper()
	for i, w := range want {
		if got := describe(r.receive()); got != w {
			r.t.Fatalf("message %d: got %q, want %q", i, got, w)
		}
	}
}

func trustServer(t *testing.T, h Handler) string {
	_, addr := startServer(t, Config{AuthMethod: AuthTrust}, h)
	return addr
}

func TestRowLimitedExecute(t *testing.T) {
	r := dialRaw(t, trustServer(t, nil))
	r.send(&pgproto3.Parse{Query: "ints 5"}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{MaxRows: 2}, &pgproto3.Execute{MaxRows: 2}, &pgproto3.Execute{MaxRows: 2},
		&pgproto3.Execute{}, &pgproto3.Sync{})
	r.expect("ParseComplete", "BindComplete", "RowDescription 1",
		"DataRow 1", "DataRow 2", "PortalSuspended",
		"DataRow 3", "DataRow 4", "PortalSuspended",
		"DataRow 5", "CommandComplete SELECT 1",
		"CommandComplete SELECT 0", "ReadyForQuery I")
	// Sync closed the unnamed portal.
	r.send(&pgproto3.Execute{}, &pgproto3.Sync{})
	r.expect("ErrorResponse ERROR 34000", "ReadyForQuery I")
}

func TestFlushWithoutSync(t *testing.T) {
	r := dialRaw(t, trustServer(t, nil))
	r.send(&pgproto3.Parse{Name: "s"}, &pgproto3.Parse{Name: "s1", Query: "ints 3"},
		&pgproto3.Bind{DestinationPortal: "c", PreparedStatement: "s1"},
		&pgproto3.Execute{Portal: "c", MaxRows: 1}, &pgproto3.Flush{})
	r.expect("ParseComplete", "ParseComplete", "BindComplete", "DataRow 1", "PortalSuspended")
	r.send(&pgproto3.Execute{Portal: "c", MaxRows: 1}, &pgproto3.Flush{})
	r.expect("DataRow 2", "PortalSuspended")
	r.send(&pgproto3.Close{ObjectType: 'P', Name: "c"}, &pgproto3.Sync{})
	r.expect("CloseComplete", "ReadyForQuery I")
	// The empty statement: NoData, EmptyQueryResponse.
	r.send(&pgproto3.Describe{ObjectType: 'S', Name: "s"}, &pgproto3.Bind{PreparedStatement: "s"},
		&pgproto3.Execute{}, &pgproto3.Sync{})
	r.expect("ParameterDescription []", "NoData", "BindComplete", "EmptyQueryResponse", "ReadyForQuery I")
}

func TestPipelineAndDescribe(t *testing.T) {
	r := dialRaw(t, trustServer(t, nil))
	r.send(
		&pgproto3.Parse{Name: "a", Query: "ints 1"},
		&pgproto3.Parse{Name: "b", Query: "echo int4 text"},
		&pgproto3.Describe{ObjectType: 'S', Name: "b"},
		&pgproto3.Bind{DestinationPortal: "pa", PreparedStatement: "a", ResultFormatCodes: []int16{1}},
		&pgproto3.Bind{DestinationPortal: "pb", PreparedStatement: "b", Parameters: [][]byte{[]byte("7"), nil}},
		&pgproto3.Execute{Portal: "pb"},
		&pgproto3.Execute{Portal: "pa"},
		&pgproto3.Close{ObjectType: 'S', Name: "nonexistent"},
		&pgproto3.Sync{},
	)
	r.expect("ParseComplete", "ParseComplete", "ParameterDescription [23 25]", "RowDescription 2",
		"BindComplete", "BindComplete", "DataRow int64:7 ", "CommandComplete SELECT 1",
		"DataRow \x00\x00\x00\x00\x00\x00\x00\x01", "CommandComplete SELECT 1", "CloseComplete", "ReadyForQuery I")
}

func TestDiscardUntilSync(t *testing.T) {
	r := dialRaw(t, trustServer(t, nil))
	r.send(&pgproto3.Parse{Query: "bogus"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	r.expect("ErrorResponse ERROR 42601", "ReadyForQuery I")
	r.send(&pgproto3.Parse{Name: "x", Query: "ints 1"}, &pgproto3.Parse{Name: "x", Query: "ints 1"},
		&pgproto3.Bind{PreparedStatement: "x"}, &pgproto3.Sync{})
	r.expect("ParseComplete", "ErrorResponse ERROR 42P05", "ReadyForQuery I")
	r.send(&pgproto3.Parse{Query: "ints 1; ints 2"}, &pgproto3.Sync{})
	r.expect("ErrorResponse ERROR 42601", "ReadyForQuery I")
	r.send(&pgproto3.Bind{PreparedStatement: "x", Parameters: [][]byte{[]byte("1")}}, &pgproto3.Sync{})
	r.expect("ErrorResponse ERROR 08P01", "ReadyForQuery I")
	r.send(&pgproto3.Bind{PreparedStatement: "x", ResultFormatCodes: []int16{0, 0}}, &pgproto3.Sync{})
	r.expect("ErrorResponse ERROR 08P01", "ReadyForQuery I")
	r.send(&pgproto3.Bind{PreparedStatement: "nope"}, &pgproto3.Sync{})
	r.expect("ErrorResponse ERROR 26000", "ReadyForQuery I")
	// Simple query: empty, comment only, and results.
	r.send(&pgproto3.Query{String: "  "})
	r.expect("EmptyQueryResponse", "ReadyForQuery I")
	r.send(&pgproto3.Query{String: "-- ping"})
	r.expect("EmptyQueryResponse", "ReadyForQuery I")
	r.send(&pgproto3.Query{String: "ints 2; set application_name = z"})
	r.expect("RowDescription 1", "DataRow 1", "DataRow 2", "CommandComplete SELECT 2",
		"CommandComplete SET", "ParameterStatus", "ReadyForQuery I")
}

func TestMalformedMessages(t *testing.T) {
	addr := trustServer(t, nil)
	for name, raw := range map[string][]byte{
		"unknown type": {'Z', 0, 0, 0, 4},
		"short length": {'Q', 0, 0, 0, 2},
		"huge length":  {'Q', 0x7f, 0xff, 0xff, 0xff},
	} {
		r := dialRaw(t, addr)
		r.nc.Write(raw)
		m := r.receive()
		if e, ok := m.(*pgproto3.ErrorResponse); !ok || e.Code != "08P01" || e.Severity != "FATAL" {
			t.Fatalf("%s: got %s", name, describe(m))
		}
		r.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := r.nc.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("%s: connection not closed: %v", name, err)
		}
	}
	// A malformed body inside intact framing is an ERROR; the connection goes on
	// (testdata/scripts/malformed_body.txt checks this against PostgreSQL).
	r := dialRaw(t, addr)
	r.nc.Write([]byte{'B', 0, 0, 0, 6, 'x', 'y'})
	r.send(&pgproto3.Sync{})
	r.expect("ErrorResponse ERROR 08P01", "ReadyForQuery I")
	// Truncated message, then hang up: the server must survive.
	r = dialRaw(t, addr)
	r.nc.Write([]byte{'Q', 0, 0, 0, 100, 's'})
	r.nc.Close()
	r = dialRaw(t, addr)
	r.send(&pgproto3.Terminate{})
	r.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := r.nc.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("Terminate: %v", err)
	}
}

func TestSSLRequestAndProtocolVersion(t *testing.T) {
	addr := trustServer(t, nil)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write([]byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}) // SSLRequest
	b := make([]byte, 1)
	if _, err := io.ReadFull(nc, b); err != nil || b[0] != 'N' {
		t.Fatalf("SSLRequest answer %q %v", b, err)
	}
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion32, Parameters: map[string]string{"user": "u", "_pq_.x": "1"}})
	fe.Flush()
	m, err := fe.Receive()
	if n, ok := m.(*pgproto3.NegotiateProtocolVersion); err != nil || !ok || n.NewestMinorProtocol != 0 || len(n.UnrecognizedOptions) != 1 {
		t.Fatalf("want NegotiateProtocolVersion, got %#v %v", m, err)
	}
	// Protocol 2.0 is refused.
	nc2, _ := net.Dial("tcp", addr)
	defer nc2.Close()
	pkt := binary.BigEndian.AppendUint32(nil, 9)
	pkt = binary.BigEndian.AppendUint32(pkt, 2<<16)
	nc2.Write(append(pkt, 0))
	fe2 := pgproto3.NewFrontend(nc2, nc2)
	nc2.SetReadDeadline(time.Now().Add(2 * time.Second))
	m, err = fe2.Receive()
	if e, ok := m.(*pgproto3.ErrorResponse); err != nil || !ok || e.Code != "0A000" {
		t.Fatalf("protocol 2: %#v %v", m, err)
	}
}

func TestClientDisconnectCancelsQuery(t *testing.T) {
	h := newTestHandler()
	r := dialRaw(t, trustServer(t, h))
	r.send(&pgproto3.Query{String: "sleep"})
	<-h.started
	r.nc.Close()
	select {
	case cause := <-h.canceled:
		if cause != errClientGone {
			t.Fatalf("cause %v", cause)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("query not canceled after the client hung up")
	}
}
