package wire

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

var (
	fuzzOnce sync.Once
	fuzzAddr string
	fuzzLogs *observer.ObservedLogs
)

// fuzzServer is shared by all fuzz inputs; it lives until the test binary exits.
func fuzzServer(t testing.TB) string {
	fuzzOnce.Do(func() {
		core, logs := observer.New(zap.ErrorLevel)
		fuzzLogs = logs
		s, err := NewServer(Config{AuthMethod: AuthTrust, MaxMessageSize: 1 << 16, Logger: zap.New(core)}, newTestHandler())
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		fuzzAddr = ln.Addr().String()
		go s.Serve(context.Background(), ln)
	})
	return fuzzAddr
}

func encodeAll(msgs ...pgproto3.FrontendMessage) []byte {
	var b []byte
	for _, m := range msgs {
		b, _ = m.Encode(b)
	}
	return b
}

// FuzzConn feeds arbitrary bytes after a valid startup: the server must answer or
// hang up, never panic.
func FuzzConn(f *testing.F) {
	f.Add(encodeAll(&pgproto3.Query{String: "ints 3"}))
	f.Add(encodeAll(&pgproto3.Parse{Name: "a", Query: "echo int4"}, &pgproto3.Bind{PreparedStatement: "a",
		ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{0, 0, 0, 1}}}, &pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{MaxRows: 1}, &pgproto3.Sync{}))
	f.Add(encodeAll(&pgproto3.Parse{Query: "types"}, &pgproto3.Bind{ResultFormatCodes: []int16{1}}, &pgproto3.Execute{}, &pgproto3.Sync{}))
	f.Add(encodeAll(&pgproto3.Query{String: "copy binary"}, &pgproto3.Flush{}, &pgproto3.Terminate{}))
	f.Add([]byte{'B', 0, 0, 0, 12, 0, 0, 0, 1, 0, 2, 0, 0})
	f.Add([]byte{'Z', 0, 0, 0, 4})
	f.Add([]byte{'P', 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		addr := fuzzServer(t)
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		startup, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
			Parameters: map[string]string{"user": "fuzz"}}).Encode(nil)
		nc.Write(append(startup, data...))
		nc.(*net.TCPConn).CloseWrite()
		nc.SetReadDeadline(time.Now().Add(3 * time.Second))
		io.Copy(io.Discard, nc)
		if n := fuzzLogs.FilterMessage("wire: panic in connection").Len(); n > 0 {
			t.Fatalf("server panicked: %v", fuzzLogs.All()[0].ContextMap())
		}
	})
}

// FuzzStartup feeds arbitrary bytes as the first bytes of a connection (startup,
// SSLRequest, GSSENCRequest, CancelRequest, or garbage): the server must answer or
// hang up within its startup timeout, never panic.
func FuzzStartup(f *testing.F) {
	startup, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "fuzz", "database": "db", "options": "-c search_path=x --application_name=y"}}).Encode(nil)
	f.Add(startup)
	ssl, _ := (&pgproto3.SSLRequest{}).Encode(nil)
	f.Add(append(ssl, startup...))
	gss, _ := (&pgproto3.GSSEncRequest{}).Encode(nil)
	f.Add(append(gss, startup...))
	cancel, _ := (&pgproto3.CancelRequest{ProcessID: 1, SecretKey: []byte{0, 0, 0, 2}}).Encode(nil)
	f.Add(cancel)
	f.Add([]byte{0, 0, 0, 8, 4, 210, 22, 47})            // SSLRequest alone
	f.Add([]byte{0, 0, 0, 9, 0, 3, 0, 0, 'u'})           // unterminated parameter
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 3, 0, 0})    // absurd length
	f.Add([]byte{0, 0, 0, 16, 0, 3, 0, 0, 'u', 0, 0, 0}) // short parameter list
	f.Fuzz(func(t *testing.T, data []byte) {
		addr := fuzzServer(t)
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.Write(data)
		nc.(*net.TCPConn).CloseWrite()
		nc.SetReadDeadline(time.Now().Add(3 * time.Second))
		io.Copy(io.Discard, nc)
		if n := fuzzLogs.FilterMessage("wire: panic in connection").Len(); n > 0 {
			t.Fatalf("server panicked: %v", fuzzLogs.All()[0].ContextMap())
		}
	})
}
