package wire

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// dialURL connects pgx with a full connection string.
func dialURL(t *testing.T, conn string) (*pgx.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, conn)
	if err == nil {
		t.Cleanup(func() { c.Close(context.Background()) })
	}
	return c, err
}

func pgURL(addr, user, password, db string, opts ...string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, password), Host: addr, Path: "/" + db}
	q := append([]string{"connect_timeout=5"}, opts...)
	return u.String() + "?" + strings.Join(q, "&")
}

func pgErr(t *testing.T, err error) *pgconn.PgError {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("want a PostgreSQL error, got %v", err)
	}
	return pe
}

// firstAuthRequest sends a StartupMessage and names the first answer: the
// authentication request the rules chose, or an ErrorResponse.
func firstAuthRequest(t *testing.T, addr, user, db string) string {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": user, "database": db}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	m, err := fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	switch m := m.(type) {
	case *pgproto3.AuthenticationSASL:
		return "SASL " + strings.Join(m.AuthMechanisms, " ")
	case *pgproto3.ErrorResponse:
		return "ErrorResponse " + m.Code + " " + m.Message
	}
	return describe(m)
}

func md5Verifier(password, user string) string {
	h := md5.Sum([]byte(password + user))
	return "md5" + hex.EncodeToString(h[:])
}

func TestTLS(t *testing.T) {
	pki := newTestPKI(t)
	other := newTestPKI(t)
	_, addr := startServer(t, Config{Users: scramUsers, TLS: pki.serverConfig()}, nil)
	_, port, _ := net.SplitHostPort(addr)

	for _, host := range []string{"127.0.0.1", "localhost"} {
		for _, cb := range []string{"require", "disable"} {
			c, err := dialURL(t, pgURL(net.JoinHostPort(host, port), "u", "secret", "db",
				"sslmode=verify-full", "sslrootcert="+pki.caFile, "channel_binding="+cb))
			if err != nil {
				t.Fatalf("%s verify-full, channel_binding=%s: %v", host, cb, err)
			}
			tc, ok := c.PgConn().Conn().(*tls.Conn)
			if !ok {
				t.Fatalf("%s: connection is not TLS: %T", host, c.PgConn().Conn())
			}
			if !tc.ConnectionState().HandshakeComplete {
				t.Fatal("handshake not complete")
			}
			var n int64
			if err := c.QueryRow(context.Background(), "ints 3").Scan(&n); err != nil || n != 1 {
				t.Fatalf("query over TLS: %v %d", err, n)
			}
		}
	}
	// A wrong password over TLS with channel binding fails like any wrong password.
	_, err := dialURL(t, pgURL(addr, "u", "nope", "db", "sslmode=verify-full", "sslrootcert="+pki.caFile, "channel_binding=require"))
	if pe := pgErr(t, err); pe.Code != "28P01" {
		t.Fatalf("wrong password with channel binding: %v", err)
	}
	// A certificate from another CA is refused by the client.
	if _, err := dialURL(t, pgURL(addr, "u", "secret", "db", "sslmode=verify-full", "sslrootcert="+other.caFile)); err == nil {
		t.Fatal("verify-full accepted a certificate of another CA")
	}
	// Plaintext still works unless TLS is required; channel binding needs TLS.
	if _, err := dialURL(t, pgURL(addr, "u", "secret", "db", "sslmode=disable")); err != nil {
		t.Fatalf("plaintext: %v", err)
	}
	if _, err := dialURL(t, pgURL(addr, "u", "secret", "db", "sslmode=disable", "channel_binding=require")); err == nil {
		t.Fatal("channel binding without TLS succeeded")
	}
	// Plaintext sessions are offered SCRAM-SHA-256 only.
	if got := firstAuthRequest(t, addr, "u", "db"); got != "SASL SCRAM-SHA-256" {
		t.Fatalf("plaintext mechanisms: %s", got)
	}

	// Bytes after SSLRequest before the handshake: 08P01, as PostgreSQL does.
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ssl := []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}
	nc.Write(append(append([]byte{}, ssl...), ssl...))
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	fe := pgproto3.NewFrontend(nc, nc)
	m, err := fe.Receive()
	if e, ok := m.(*pgproto3.ErrorResponse); err != nil || !ok || e.Code != "08P01" {
		t.Fatalf("data after SSLRequest: %#v %v", m, err)
	}

	// A server without TLS answers 'N': sslmode=require fails, prefer falls back.
	_, plain := startServer(t, Config{Users: scramUsers}, nil)
	if _, err := dialURL(t, pgURL(plain, "u", "secret", "db", "sslmode=require")); err == nil {
		t.Fatal("sslmode=require succeeded against a server without TLS")
	}
	if _, err := dialURL(t, pgURL(plain, "u", "secret", "db", "sslmode=prefer")); err != nil {
		t.Fatalf("sslmode=prefer: %v", err)
	}
}

func TestRequireTLS(t *testing.T) {
	pki := newTestPKI(t)
	_, addr := startServer(t, Config{Users: scramUsers, TLS: pki.serverConfig(), RequireTLS: true}, nil)
	_, err := dialURL(t, pgURL(addr, "u", "secret", "db", "sslmode=disable"))
	pe := pgErr(t, err)
	if pe.Code != "28000" || pe.Message != `no pg_hba.conf entry for host "127.0.0.1", user "u", database "db", no encryption` {
		t.Fatalf("plaintext with RequireTLS: %s %s", pe.Code, pe.Message)
	}
	if _, err := dialURL(t, pgURL(addr, "u", "secret", "db", "sslmode=require")); err != nil {
		t.Fatalf("TLS with RequireTLS: %v", err)
	}
	_, lo := startServer(t, Config{Users: scramUsers, TLS: pki.serverConfig(), RequireTLS: true, LoopbackPlaintext: true}, nil)
	if _, err := dialURL(t, pgURL(lo, "u", "secret", "db", "sslmode=disable")); err != nil {
		t.Fatalf("loopback plaintext allowed: %v", err)
	}
	if _, err := NewServer(Config{RequireTLS: true}, newTestHandler()); err == nil {
		t.Fatal("RequireTLS without TLS must be refused")
	}
}

func TestHBARules(t *testing.T) {
	users := []User{
		{Name: "m", Password: "mpw"},                   // md5 hash derived (an md5 rule exists)
		{Name: "h", Verifier: md5Verifier("hpw", "h")}, // stored as PostgreSQL's md5 form
		{Name: "s", Verifier: ScramVerifier("spw")},    // SCRAM only
		{Name: "c", Password: "cpw"},                   // cleartext rule
		{Name: "blocked", Password: "x"},               // reject rule
		{Name: "net", Password: "npw"},                 // only allowed from 10.0.0.0/8
	}
	rules := []HBARule{
		{Type: HBAHostSSL, Database: "all", User: "all", Address: "all", Method: AuthReject}, // no TLS here: never matches
		{Type: HBAHost, Database: "all", User: "blocked", Address: "all", Method: AuthReject},
		{Type: HBAHost, Database: "all", User: "net", Address: "10.0.0.0/8", Method: AuthSCRAM},
		{Type: HBAHostNoSSL, Database: "lake,db", User: "m,h,s", Address: "127.0.0.1/32", Method: AuthMD5},
		{Type: HBAHost, Database: "all", User: "c", Address: "127.0.0.1", Method: AuthPassword},
		{Type: HBAHost, Database: "trusted", User: "all", Address: "127.0.0.0/8", Method: AuthTrust},
		{Type: HBAHost, Database: "lake,db", User: "all", Address: "all", Method: AuthSCRAM},
	}
	_, addr := startServer(t, Config{Users: users, HBA: rules}, nil)

	for _, tc := range []struct{ user, db, want string }{
		{"m", "db", "AuthenticationMD5Password"},
		{"h", "lake", "AuthenticationMD5Password"},
		{"s", "db", "SASL SCRAM-SHA-256"}, // md5 rule, SCRAM-only user: SCRAM, as PostgreSQL
		{"nobody", "db", "SASL SCRAM-SHA-256"},
		{"c", "db", "AuthenticationCleartextPassword"},
		{"c", "trusted", "AuthenticationCleartextPassword"}, // first match wins
		{"m", "trusted", "AuthenticationOk"},
		{"blocked", "db", `ErrorResponse 28000 no pg_hba.conf entry for host "127.0.0.1", user "blocked", database "db", no encryption`},
		{"net", "db", "SASL SCRAM-SHA-256"}, // falls through to the last rule
		{"m", "other", `ErrorResponse 28000 no pg_hba.conf entry for host "127.0.0.1", user "m", database "other", no encryption`},
	} {
		if got := firstAuthRequest(t, addr, tc.user, tc.db); got != tc.want {
			t.Errorf("user %s database %s: got %q, want %q", tc.user, tc.db, got, tc.want)
		}
	}

	// Real logins through pgx with each method.
	for _, ok := range []struct{ user, pw, db string }{
		{"m", "mpw", "db"}, {"h", "hpw", "lake"}, {"s", "spw", "db"}, {"c", "cpw", "db"}, {"m", "", "trusted"},
	} {
		if _, err := dialURL(t, pgURL(addr, ok.user, ok.pw, ok.db, "sslmode=disable")); err != nil {
			t.Errorf("%s@%s: %v", ok.user, ok.db, err)
		}
	}
	// Failures: one message whatever was wrong.
	for _, bad := range []struct{ user, pw, db string }{
		{"m", "wrong", "db"}, {"nobody", "mpw", "lake"}, {"h", "wrong", "db"}, {"c", "wrong", "db"}, {"s", "wrong", "db"},
	} {
		_, err := dialURL(t, pgURL(addr, bad.user, bad.pw, bad.db, "sslmode=disable"))
		pe := pgErr(t, err)
		want := fmt.Sprintf("password authentication failed for user %q", bad.user)
		if pe.Code != "28P01" || pe.Severity != "FATAL" || pe.Message != want {
			t.Errorf("%s/%s@%s: %s %s %q", bad.user, bad.pw, bad.db, pe.Severity, pe.Code, pe.Message)
		}
	}
	// An md5-only user cannot log in under a SCRAM rule (PostgreSQL: same).
	_, md5Only := startServer(t, Config{Users: []User{{Name: "h", Verifier: md5Verifier("hpw", "h")}}}, nil)
	if _, err := dialURL(t, pgURL(md5Only, "h", "hpw", "db", "sslmode=disable")); pgErr(t, err).Code != "28P01" {
		t.Fatalf("md5 user under scram: %v", err)
	}
}

func TestHBAOverTLS(t *testing.T) {
	pki := newTestPKI(t)
	rules := []HBARule{
		{Type: HBAHostSSL, User: "all", Database: "all", Address: "all", Method: AuthPassword},
		{Type: HBAHostNoSSL, User: "all", Database: "all", Address: "all", Method: AuthReject},
	}
	_, addr := startServer(t, Config{Users: scramUsers, HBA: rules, TLS: pki.serverConfig()}, nil)
	if _, err := dialURL(t, pgURL(addr, "u", "secret", "db", "sslmode=verify-full", "sslrootcert="+pki.caFile)); err != nil {
		t.Fatalf("hostssl password: %v", err)
	}
	_, err := dialURL(t, pgURL(addr, "u", "secret", "db", "sslmode=disable"))
	if pe := pgErr(t, err); pe.Code != "28000" {
		t.Fatalf("hostnossl reject: %v", err)
	}
}

func TestAuthConfigErrors(t *testing.T) {
	h := newTestHandler()
	for name, cfg := range map[string]Config{
		"unknown method":         {AuthMethod: "ident"},
		"rule method":            {HBA: []HBARule{{Method: "cert"}}},
		"rule type":              {HBA: []HBARule{{Type: "local", Method: AuthSCRAM}}},
		"rule address":           {HBA: []HBARule{{Address: "10.0.0.0/33", Method: AuthSCRAM}}},
		"rule address name":      {HBA: []HBARule{{Address: "example.com", Method: AuthSCRAM}}},
		"trust everywhere":       {ListenAddress: "0.0.0.0:5433", HBA: []HBARule{{Address: "all", Method: AuthTrust}}},
		"trust wide":             {ListenAddress: "0.0.0.0:5433", HBA: []HBARule{{Address: "0.0.0.0/0", Method: AuthTrust}}},
		"password and verifier":  {Users: []User{{Name: "a", Password: "p", Verifier: ScramVerifier("p")}}},
		"malformed md5 verifier": {Users: []User{{Name: "a", Verifier: "md5xyz"}}},
	} {
		if _, err := NewServer(cfg, h); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Trust restricted to loopback is fine on any listen address.
	if _, err := NewServer(Config{ListenAddress: "0.0.0.0:5433", HBA: []HBARule{{Address: "127.0.0.1/32", Method: AuthTrust}}}, h); err != nil {
		t.Errorf("loopback trust rule: %v", err)
	}
}

func TestEndPointBinding(t *testing.T) {
	pki := newTestPKI(t)
	got := endPointBinding(pki.serverConfig())
	// RFC 5929: the hash of the DER certificate with its signature's hash (ECDSA
	// with SHA-256 here), which is what a client computes from what it received.
	leaf := pki.server.Leaf
	if leaf == nil {
		t.Fatal("LoadX509KeyPair left Leaf nil")
	}
	want := sha256.Sum256(leaf.Raw)
	if hex.EncodeToString(got) != hex.EncodeToString(want[:]) {
		t.Fatalf("binding %x, want %x", got, want)
	}
	if endPointBinding(&tls.Config{}) != nil {
		t.Fatal("binding without a certificate")
	}
}

func TestHBAMatching(t *testing.T) {
	rules, err := compileHBA([]HBARule{
		{Type: HBAHostSSL, Database: "a, b", User: "u", Address: "10.1.0.0/16", Method: AuthSCRAM},
		{Type: HBAHostNoSSL, Database: "all", User: "all", Address: "::1", Method: AuthTrust},
		{Address: "fd00::/8", Method: AuthMD5},
	})
	if err != nil {
		t.Fatal(err)
	}
	ip := netip.MustParseAddr
	for _, tc := range []struct {
		tls      bool
		db, user string
		addr     netip.Addr
		want     int // index of the first matching rule, -1 for none
	}{
		{true, "b", "u", ip("10.1.2.3"), 0},
		{false, "b", "u", ip("10.1.2.3"), -1}, // hostssl only
		{true, "c", "u", ip("10.1.2.3"), -1},
		{true, "a", "v", ip("10.1.2.3"), -1},
		{true, "a", "u", ip("10.2.0.1"), -1},
		{true, "a", "u", ip("::ffff:10.1.0.9").Unmap(), 0},
		{false, "x", "y", ip("::1"), 1},
		{true, "x", "y", ip("::1"), -1}, // hostnossl only
		{true, "x", "y", ip("fd12::5"), 2},
	} {
		got := -1
		for i := range rules {
			if rules[i].matches(tc.tls, tc.db, tc.user, tc.addr) {
				got = i
				break
			}
		}
		if got != tc.want {
			t.Errorf("%+v: rule %d, want %d", tc, got, tc.want)
		}
	}
	if rules[0].loopbackOnly() || !rules[1].loopbackOnly() || rules[2].loopbackOnly() {
		t.Error("loopbackOnly")
	}
	lo, _ := compileHBA([]HBARule{{Address: "127.0.0.0/8", Method: AuthTrust}, {Address: "127.0.0.0/7", Method: AuthTrust}})
	if !lo[0].loopbackOnly() || lo[1].loopbackOnly() {
		t.Error("loopbackOnly for 127.0.0.0/8 and /7")
	}
}
