package integration

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// md5Verifier is PostgreSQL's stored md5 form: "md5" + md5(password + user).
func md5Verifier(pw, usr string) string {
	h := md5.Sum([]byte(pw + usr))
	return "md5" + hex.EncodeToString(h[:])
}

func pgError(t *testing.T, err error) *pgconn.PgError {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("want a PostgreSQL error, got %v", err)
	}
	return pe
}

// TestAuthAndLimits runs every auth method and limit against a gateway configured
// with hba rules, then stops it with SIGTERM while a query runs.
func TestAuthAndLimits(t *testing.T) {
	g := startSecureGateway(t)
	tlsOpts := g.verifyFull()
	wantCount := int64(len(env.data.sales))
	count := func(t *testing.T, c *pgx.Conn) {
		t.Helper()
		var n int64
		if err := c.QueryRow(testCtx(t), "select count(*) from shop.sales").Scan(&n); err != nil || n != wantCount {
			t.Fatalf("count: %d %v, want %d", n, err, wantCount)
		}
	}

	t.Run("methods", func(t *testing.T) {
		for _, ok := range []struct{ usr, pw string }{
			{appUser, appPassword}, {legacyUser, legacyPassword}, {clearUser, clearPassword}, {user, password},
		} {
			c, err := connectURL(t, g.url("127.0.0.1", ok.usr, ok.pw, tlsOpts...))
			if err != nil {
				t.Fatalf("%s over TLS: %v", ok.usr, err)
			}
			count(t, c)
			c.Close(context.Background())
		}
		// gw may also use plaintext (first rule); nobody else may.
		c, err := connectURL(t, g.url("127.0.0.1", user, password, "sslmode=disable"))
		if err != nil {
			t.Fatalf("gw plaintext: %v", err)
		}
		c.Close(context.Background())
	})

	t.Run("failures", func(t *testing.T) {
		// A wrong password and an unknown user look the same, whatever the method.
		for _, bad := range []struct{ usr, pw string }{
			{appUser, "wrong"}, {legacyUser, "wrong"}, {clearUser, "wrong"}, {"nobody", appPassword},
		} {
			_, err := connectURL(t, g.url("127.0.0.1", bad.usr, bad.pw, tlsOpts...))
			pe := pgError(t, err)
			if want := fmt.Sprintf("password authentication failed for user %q", bad.usr); pe.Code != "28P01" || pe.Message != want {
				t.Errorf("%s/%s: %s %q", bad.usr, bad.pw, pe.Code, pe.Message)
			}
		}
		// A reject rule, a plaintext client and an unknown database all get 28000 with
		// PostgreSQL's wording, which names what the client sent and no rule.
		for _, tc := range []struct{ url, usr, db, enc string }{
			{g.url("127.0.0.1", blockedUser, "whatever", tlsOpts...), blockedUser, dbName, "SSL encryption"},
			{g.url("127.0.0.1", appUser, appPassword, "sslmode=disable"), appUser, dbName, "no encryption"},
			{strings.Replace(g.url("127.0.0.1", appUser, appPassword, tlsOpts...), "/"+dbName+"?", "/elsewhere?", 1), appUser, "elsewhere", "SSL encryption"},
		} {
			_, err := connectURL(t, tc.url)
			pe := pgError(t, err)
			want := fmt.Sprintf(`no pg_hba.conf entry for host "127.0.0.1", user "%s", database "%s", %s`, tc.usr, tc.db, tc.enc)
			if pe.Code != "28000" || pe.Message != want {
				t.Errorf("%s@%s: %s %q, want 28000 %q", tc.usr, tc.db, pe.Code, pe.Message, want)
			}
		}
	})

	t.Run("max_connections", func(t *testing.T) {
		var conns []*pgx.Conn
		for i := 0; i < secureMaxConnections; i++ {
			// Sessions closed by earlier subtests are released asynchronously: retry.
			deadline := time.Now().Add(10 * time.Second)
			for {
				c, err := connectURL(t, g.url("127.0.0.1", appUser, appPassword, tlsOpts...))
				if err == nil {
					conns = append(conns, c)
					break
				}
				if pgError(t, err).Code != "53300" || time.Now().After(deadline) {
					t.Fatalf("connection %d: %v", i+1, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		_, err := connectURL(t, g.url("127.0.0.1", appUser, appPassword, tlsOpts...))
		if pe := pgError(t, err); pe.Code != "53300" {
			t.Fatalf("connection beyond max_connections: %v", err)
		}
		for _, c := range conns {
			count(t, c) // the admitted ones are unaffected
			c.Close(context.Background())
		}
	})

	t.Run("startup_timeout", func(t *testing.T) {
		// A load-balancer probe that connects and says nothing is closed (startup_timeout 5s: long enough for a cold JVM's first TLS and SCRAM login).
		nc, err := net.Dial("tcp", g.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetReadDeadline(time.Now().Add(30 * time.Second))
		if n, err := nc.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("silent client: read %d bytes, %v; want the server to close", n, err)
		}
	})

	t.Run("max_message_size", func(t *testing.T) {
		c, err := connectURL(t, g.url("127.0.0.1", appUser, appPassword, tlsOpts...))
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		small := "select count(*) from shop.sales -- " + strings.Repeat("x", secureMaxMessage/2)
		if err := c.QueryRow(testCtx(t), small, pgx.QueryExecModeSimpleProtocol).Scan(&n); err != nil || n != wantCount {
			t.Fatalf("query under the limit: %d %v", n, err)
		}
		big := "select 1 -- " + strings.Repeat("x", secureMaxMessage)
		_, err = c.Exec(testCtx(t), big, pgx.QueryExecModeSimpleProtocol)
		if pe := pgError(t, err); pe.Code != "08P01" || pe.Severity != "FATAL" {
			t.Fatalf("oversized message: %v", err)
		}
	})

	// Last: SIGTERM while a query runs. The query finishes with the right answer,
	// new connections are refused, and the gateway exits 0.
	t.Run("graceful_shutdown", func(t *testing.T) {
		c, err := connectURL(t, g.url("127.0.0.1", appUser, appPassword, tlsOpts...))
		if err != nil {
			t.Fatal(err)
		}
		const n = 300_000_000 // a fraction of a second of DuckDB work, unloaded
		want := new(big.Int).Mul(big.NewInt(n), big.NewInt(n+1))
		want.Div(want, big.NewInt(2))
		type result struct {
			sum string
			err error
		}
		done := make(chan result, 1)
		go func() {
			var r result
			r.err = c.QueryRow(context.Background(), fmt.Sprintf("select sum(x)::text from generate_series(1, %d) as t(x)", n)).Scan(&r.sum)
			done <- r
		}()
		time.Sleep(100 * time.Millisecond) // let the query reach the engine
		if err := g.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		r := <-done
		if r.err != nil || r.sum != want.String() {
			t.Fatalf("query running at SIGTERM: %q %v, want %s", r.sum, r.err, want)
		}
		select {
		case <-g.exited:
			if g.err != nil {
				t.Fatalf("gateway exit: %v", g.err)
			}
		case <-time.After(shutdownTimeout + 10*time.Second):
			t.Fatal("gateway did not exit after SIGTERM")
		}
		if _, err := connectURL(t, g.url("127.0.0.1", appUser, appPassword, tlsOpts...)); err == nil {
			t.Fatal("connection accepted after shutdown")
		}
		// The log proves the query was still running when shutdown began.
		logged, _ := os.ReadFile(g.logPath)
		shutAt, queryAt := -1, -1
		for i, line := range strings.Split(string(logged), "\n") {
			var rec struct {
				Msg  string `json:"msg"`
				User string `json:"user"`
				Rows int64  `json:"rows"`
			}
			if json.Unmarshal([]byte(line), &rec) != nil {
				continue
			}
			switch {
			case rec.Msg == "shutting down":
				shutAt = i
			case rec.Msg == "query" && rec.User == appUser && rec.Rows == 1:
				queryAt = i
			}
		}
		if shutAt < 0 || queryAt < shutAt {
			t.Fatalf("log: shutdown record at line %d, the query's record at %d: the query was not running at SIGTERM", shutAt, queryAt)
		}
	})
}

// TestIdleInTransactionTimeout: the session setting, by SET and as a startup option,
// ends an idle transaction with FATAL 25P03 as PostgreSQL does.
func TestIdleInTransactionTimeout(t *testing.T) {
	ctx := testCtx(t)
	for _, how := range []string{"set", "startup"} {
		cfg, err := pgx.ParseConfig(connString(dbName, password))
		if err != nil {
			t.Fatal(err)
		}
		if how == "startup" {
			cfg.RuntimeParams["options"] = "-c idle_in_transaction_session_timeout=50"
		}
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(context.Background())
		if how == "set" {
			if _, err := c.Exec(ctx, "set idle_in_transaction_session_timeout = '50ms'"); err != nil {
				t.Fatal(err)
			}
		}
		var v string
		if err := c.QueryRow(ctx, "show idle_in_transaction_session_timeout").Scan(&v); err != nil || v != "50ms" {
			t.Fatalf("%s: show: %q %v", how, v, err)
		}
		// Idle outside a transaction block: nothing happens.
		time.Sleep(200 * time.Millisecond)
		if _, err := c.Exec(ctx, "begin"); err != nil {
			t.Fatalf("%s: begin: %v", how, err)
		}
		// Wait for the server to hang up, then the next statement reports why.
		nc := c.PgConn().Conn()
		nc.SetReadDeadline(time.Now().Add(30 * time.Second))
		buf := make([]byte, 4096)
		got := 0
		for {
			n, err := nc.Read(buf[got:])
			got += n
			if err != nil || got == len(buf) {
				break
			}
		}
		msg := string(buf[:got])
		if !strings.Contains(msg, "25P03") || !strings.Contains(msg, "terminating connection due to idle-in-transaction timeout") || !strings.Contains(msg, "FATAL") {
			t.Fatalf("%s: server sent %q before closing", how, msg)
		}
	}
}

// TestSessionTimeZoneOffsets: numeric and POSIX TimeZone settings, accepted by SET
// and applied to timestamptz output as PostgreSQL does (POSIX offsets count west).
func TestSessionTimeZoneOffsets(t *testing.T) {
	c := connect(t, pgx.QueryExecModeSimpleProtocol)
	at := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	for zone, east := range map[string]int{
		"+02:00": -2 * 3600, "UTC+3": -3 * 3600, "<+05>-05": 5 * 3600, "-7": -7 * 3600, "5.5": 5*3600 + 1800,
	} {
		res := c.PgConn().Exec(testCtx(t), fmt.Sprintf("SET TimeZone = '%s'; SELECT '2024-07-01 12:00:00+00'::timestamptz", zone))
		results, err := res.ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", zone, err)
		}
		local := at.In(time.FixedZone("", east))
		off := fmt.Sprintf("%+03d", east/3600)
		if m := (east % 3600) / 60; m != 0 {
			off += fmt.Sprintf(":%02d", max(m, -m))
		}
		want := local.Format("2006-01-02 15:04:05") + off
		if got := string(results[1].Rows[0][0]); got != want {
			t.Errorf("TimeZone %s: got %q, want %q", zone, got, want)
		}
	}
}
