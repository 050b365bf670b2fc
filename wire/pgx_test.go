package wire

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgtype"
)

var scramUsers = []User{{Name: "u", Password: "secret"}, {Name: "v", Verifier: ScramVerifier("other")}}

func connect(t *testing.T, addr, user, password string, tweak func(*pgx.ConnConfig)) (*pgx.Conn, error) {
	t.Helper()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://%s:%s@%s/db?sslmode=disable&connect_timeout=5", user, password, addr))
	if err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		t.Cleanup(func() { c.Close(context.Background()) })
	}
	return c, err
}

func mustConnect(t *testing.T, addr string, tweak func(*pgx.ConnConfig)) *pgx.Conn {
	t.Helper()
	c, err := connect(t, addr, "u", "secret", tweak)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func TestSCRAM(t *testing.T) {
	_, addr := startServer(t, Config{Users: scramUsers}, nil)
	if _, err := connect(t, addr, "u", "secret", nil); err != nil {
		t.Fatalf("good password: %v", err)
	}
	if _, err := connect(t, addr, "v", "other", nil); err != nil {
		t.Fatalf("stored verifier: %v", err)
	}
	var msgs []string
	for _, user := range []string{"u", "nobody"} {
		_, err := connect(t, addr, user, "wrong", nil)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "28P01" || pe.Severity != "FATAL" {
			t.Fatalf("user %s, wrong password: %v", user, err)
		}
		msgs = append(msgs, strings.Replace(pe.Message, `"`+user+`"`, `"X"`, 1))
	}
	if msgs[0] != msgs[1] || msgs[0] != `password authentication failed for user "X"` {
		t.Fatalf("messages differ or wrong: %q", msgs)
	}
}

func TestSimpleAndExtendedTypes(t *testing.T) {
	_, addr := startServer(t, Config{Users: scramUsers}, nil)
	c := mustConnect(t, addr, nil)
	want := []any{
		true, int16(math.MinInt16), int32(math.MaxInt32), int64(math.MinInt64), int16(255),
		"18446744073709551615", float32(1.5), 0.1, 1e100, "12345.678", "-0.5",
		`a "quoted" \ text`, []byte{0xde, 0xad, 0xbe, 0xef}, testDate,
		pgtype.Time{Microseconds: testTime, Valid: true}, testTS, testTSTZ,
		pgtype.Interval{Microseconds: testIVus, Days: 3, Months: 14, Valid: true},
		testUUID, []any{int64(1), nil, int64(3)}, []any{"a b", "NULL", "", `q"`},
	}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement, pgx.QueryExecModeDescribeExec} {
		rows, err := c.Query(context.Background(), "types", mode)
		if err != nil {
			t.Fatal(err)
		}
		var got [][]any
		for rows.Next() {
			v, err := rows.Values()
			if err != nil {
				t.Fatal(mode, err)
			}
			got = append(got, v)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(mode, err)
		}
		if tag := rows.CommandTag().String(); tag != "SELECT 2" {
			t.Errorf("%v: tag %q", mode, tag)
		}
		if len(got) != 2 {
			t.Fatalf("%v: %d rows", mode, len(got))
		}
		for i, w := range want {
			if g := normalize(got[0][i]); !reflect.DeepEqual(g, w) {
				t.Errorf("%v: column %s: got %#v, want %#v", mode, typesSchema.Field(i).Name, g, w)
			}
			if got[1][i] != nil {
				t.Errorf("%v: column %s: NULL row gave %#v", mode, typesSchema.Field(i).Name, got[1][i])
			}
		}
	}
}

// normalize makes decoded values comparable: numerics as minimal decimal strings,
// times in UTC.
func normalize(v any) any {
	switch x := v.(type) {
	case pgtype.Numeric:
		r := new(big.Rat).SetInt(x.Int)
		e := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(int(x.Exp)))), nil)
		if x.Exp < 0 {
			r.Quo(r, new(big.Rat).SetInt(e))
		} else {
			r.Mul(r, new(big.Rat).SetInt(e))
		}
		s := r.FloatString(10)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		return s
	case time.Time:
		return x.UTC()
	}
	return v
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

func TestBindParams(t *testing.T) {
	_, addr := startServer(t, Config{Users: scramUsers}, nil)
	c := mustConnect(t, addr, nil)
	pc := c.PgConn()
	types := "echo int2 int4 int8 float4 float8 bool text bytea date timestamp timestamptz numeric uuid unknown"
	want := []string{
		"int64:-7", "int64:100000", "int64:9000000000", "float64:1.5", "float64:0.25", "bool:true", "string:héllo",
		"[]uint8:00ff", "time.Time:2024-02-29T00:00:00Z", "time.Time:2024-01-02T03:04:05.123456Z",
		"time.Time:2024-01-02T03:04:05.5Z", "string:-12345.678", "string:550e8400-e29b-41d4-a716-446655440000", "string:x",
	}
	check := func(name string, res *pgconn.ResultReader) {
		t.Helper()
		r := res.Read()
		if r.Err != nil {
			t.Fatalf("%s: %v", name, r.Err)
		}
		if len(r.Rows) != 1 {
			t.Fatalf("%s: rows %d", name, len(r.Rows))
		}
		for i, w := range want {
			if g := string(r.Rows[0][i]); g != w {
				t.Errorf("%s: param %d: got %q want %q", name, i+1, g, w)
			}
		}
	}
	text := [][]byte{[]byte("-7"), []byte("100000"), []byte("9000000000"), []byte("1.5"), []byte("0.25"), []byte("t"),
		[]byte("héllo"), []byte(`\x00ff`), []byte("2024-02-29"), []byte("2024-01-02 03:04:05.123456"),
		[]byte("2024-01-02 04:04:05.5+01"), []byte("-12345.678"), []byte("550E8400-E29B-41D4-A716-446655440000"), []byte("x")}
	check("text", pc.ExecParams(context.Background(), types, text, nil, nil, nil))

	// Binary: encode with pgx's own codecs.
	m := pgtype.NewMap()
	oids := []uint32{OIDInt2, OIDInt4, OIDInt8, OIDFloat4, OIDFloat8, OIDBool, OIDText, OIDBytea, OIDDate, OIDTimestamp, OIDTimestamptz, OIDNumeric, OIDUUID, OIDText}
	vals := []any{int16(-7), int32(100000), int64(9000000000), float32(1.5), 0.25, true, "héllo", []byte{0, 0xff},
		pgtype.Date{Time: testDate, Valid: true}, testTS, time.Date(2024, 1, 2, 4, 4, 5, 5e8, time.FixedZone("", 3600)),
		"-12345.678", testUUID, "x"}
	var bin [][]byte
	formats := make([]int16, len(vals))
	for i, v := range vals {
		var n pgtype.Numeric
		if s, ok := v.(string); ok && oids[i] == OIDNumeric {
			if err := n.Scan(s); err != nil {
				t.Fatal(err)
			}
			v = n
		}
		b, err := m.Encode(oids[i], pgtype.BinaryFormatCode, v, nil)
		if err != nil {
			t.Fatalf("encode %d: %v", i, err)
		}
		bin = append(bin, b)
		formats[i] = 1
	}
	check("binary", pc.ExecParams(context.Background(), types, bin, oids, formats, nil))

	// NULL and errors.
	r := pc.ExecParams(context.Background(), "echo int4", [][]byte{nil}, nil, nil, nil).Read()
	if r.Err != nil || r.Rows[0][0] != nil {
		t.Fatalf("null param: %v %v", r.Err, r.Rows)
	}
	for _, tc := range []struct {
		sql    string
		val    []byte
		format int16
		code   string
	}{
		{"echo int4", []byte("abc"), 0, "22P02"},
		{"echo int2", []byte("99999"), 0, "22003"},
		{"echo int4", []byte{0, 1}, 1, "08P01"},
		{"echo int4", []byte{0, 0, 0, 1, 2}, 1, "22P03"},
		{"echo numeric", []byte("1.2.3"), 0, "22P02"},
		{"echo date", []byte("yesterday-ish"), 0, "22007"},
	} {
		r := pc.ExecParams(context.Background(), tc.sql, [][]byte{tc.val}, nil, []int16{tc.format}, nil).Read()
		if pgCode(r.Err) != tc.code {
			t.Errorf("%s %q: got %v, want %s", tc.sql, tc.val, r.Err, tc.code)
		}
	}
	// The connection is still usable after errors.
	var n int64
	if err := c.QueryRow(context.Background(), "ints 1").Scan(&n); err != nil || n != 1 {
		t.Fatal(n, err)
	}
}

func TestErrorsAndTags(t *testing.T) {
	_, addr := startServer(t, Config{Users: scramUsers}, nil)
	c := mustConnect(t, addr, nil)
	ctx := context.Background()
	_, err := c.Exec(ctx, "fail")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42P01" || pe.Detail != "some detail" || pe.Hint != "some hint" || pe.Position != 15 {
		t.Fatalf("fail: %#v", err)
	}
	_, err = c.Exec(ctx, "bogus")
	if pgCode(err) != "42601" {
		t.Fatalf("bogus: %v", err)
	}
	tag, err := c.Exec(ctx, "set application_name = 'x1'")
	if err != nil || tag.String() != "SET" {
		t.Fatal(tag, err)
	}
	if got := c.PgConn().ParameterStatus("application_name"); got != "x1" {
		t.Fatalf("ParameterStatus application_name = %q", got)
	}
	// Transaction status follows the session; errors fail the transaction.
	if _, err := c.Exec(ctx, "begin", pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatal(err)
	}
	if s := c.PgConn().TxStatus(); s != 'T' {
		t.Fatalf("tx status %c", s)
	}
	c.Exec(ctx, "fail", pgx.QueryExecModeSimpleProtocol)
	if s := c.PgConn().TxStatus(); s != 'E' {
		t.Fatalf("tx status after error %c", s)
	}
	c.Exec(ctx, "commit", pgx.QueryExecModeSimpleProtocol)
	// Multi-statement simple query stops at the first error.
	results, err := c.PgConn().Exec(ctx, "ints 2; fail; ints 3").ReadAll()
	if pgCode(err) != "42P01" || len(results) < 1 || len(results[0].Rows) != 2 {
		t.Fatalf("multi: %v %d", err, len(results))
	}
	// Ping sends "-- ping": EmptyQueryResponse.
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	// A large result streams.
	var sum, count int64
	rows, _ := c.Query(ctx, "ints 250000")
	for rows.Next() {
		var n int64
		rows.Scan(&n)
		sum += n
		count++
	}
	if rows.Err() != nil || count != 250000 || sum != 250000*250001/2 {
		t.Fatalf("large: %v %d %d", rows.Err(), count, sum)
	}
	// A panicking statement ends only its connection, with XX000.
	_, err = c.Exec(ctx, "panic")
	if pgCode(err) != "XX000" {
		t.Fatalf("panic: %v", err)
	}
	c2 := mustConnect(t, addr, nil)
	if err := c2.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestCancelAndTimeout(t *testing.T) {
	h := newTestHandler()
	_, addr := startServer(t, Config{Users: scramUsers}, h)

	// pgx context cancellation sends a CancelRequest.
	c := mustConnect(t, addr, func(cfg *pgx.ConnConfig) {
		cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
			return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 10 * time.Second}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-h.started; cancel() }()
	_, err := c.Exec(ctx, "sleep")
	if cause := <-h.canceled; cause != errUserCancel {
		t.Fatalf("cause %v", cause)
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" || pe.Message != "canceling statement due to user request" {
		t.Fatalf("cancel: %v", err)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("after cancel: %v", err)
	}

	// The low-level CancelRequest, while Run itself blocks.
	go func() { <-h.started; c.PgConn().CancelRequest(context.Background()) }()
	_, err = c.Exec(context.Background(), "sleeprun")
	<-h.canceled
	if pgCode(err) != "57014" {
		t.Fatalf("CancelRequest: %v", err)
	}

	// statement_timeout, set by SET and as a startup option.
	if _, err := c.Exec(context.Background(), "set statement_timeout = 50ms"); err != nil {
		t.Fatal(err)
	}
	_, err = c.Exec(context.Background(), "sleep")
	<-h.canceled
	if !errors.As(err, &pe) || pe.Code != "57014" || pe.Message != "canceling statement due to statement timeout" {
		t.Fatalf("timeout: %v", err)
	}
	c3 := mustConnect(t, addr, func(cfg *pgx.ConnConfig) { cfg.RuntimeParams["options"] = "-c statement_timeout=30" })
	_, err = c3.Exec(context.Background(), "sleep")
	<-h.canceled
	if !errors.As(err, &pe) || pe.Message != "canceling statement due to statement timeout" {
		t.Fatalf("timeout via options: %v", err)
	}
}

func TestBackendKeysDistinct(t *testing.T) {
	_, addr := startServer(t, Config{Users: scramUsers}, nil)
	seen := map[uint32]bool{}
	for i := 0; i < 8; i++ {
		c := mustConnect(t, addr, nil)
		pid := c.PgConn().PID()
		if seen[pid] {
			t.Fatalf("duplicate pid %d", pid)
		}
		seen[pid] = true
		if len(c.PgConn().SecretKey()) != 4 {
			t.Fatalf("secret key length %d", len(c.PgConn().SecretKey()))
		}
	}
}

func TestCopyOut(t *testing.T) {
	_, addr := startServer(t, Config{Users: scramUsers}, nil)
	c := mustConnect(t, addr, nil)
	for _, tc := range []struct{ sql, want string }{
		{"copy text", "1\tplain\t1.5\n2\ttab\\there, \"q\"\\nnewline\\\\\t-Infinity\n3\t\\N\t\\N\n"},
		{"copy csv header", "id,s,f\n1,plain,1.5\n2,\"tab\there, \"\"q\"\"\nnewline\\\",-Infinity\n3,,\n"},
	} {
		var buf bytes.Buffer
		tag, err := c.PgConn().CopyTo(context.Background(), &buf, tc.sql)
		if err != nil || tag.String() != "COPY 3" {
			t.Fatalf("%s: %v %v", tc.sql, tag, err)
		}
		if buf.String() != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.sql, buf.String(), tc.want)
		}
	}
	var buf bytes.Buffer
	if _, err := c.PgConn().CopyTo(context.Background(), &buf, "copy binary"); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, binaryCopyHeader) || !bytes.HasSuffix(b, []byte{0xff, 0xff}) {
		t.Fatalf("binary copy framing: %x", b)
	}
	// First tuple: 3 fields, int8 1, text "plain", float8 1.5.
	tuple := b[len(binaryCopyHeader):]
	wantTuple := []byte{0, 3, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 5, 'p', 'l', 'a', 'i', 'n', 0, 0, 0, 8, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0}
	if !bytes.HasPrefix(tuple, wantTuple) {
		t.Fatalf("binary tuple: %x", tuple[:len(wantTuple)])
	}
}

func TestStartupParameters(t *testing.T) {
	h := newTestHandler()
	_, addr := startServer(t, Config{Users: scramUsers}, h)
	c := mustConnect(t, addr, func(cfg *pgx.ConnConfig) {
		cfg.RuntimeParams["application_name"] = "app"
		cfg.RuntimeParams["options"] = `-c search_path=a\ b --extra-float-digits=2`
		cfg.RuntimeParams["DateStyle"] = "ISO"
	})
	_ = c
	h.mu.Lock()
	info := h.infos[len(h.infos)-1]
	h.mu.Unlock()
	p := info.Parameters
	if info.User != "u" || info.Database != "db" || p["application_name"] != "app" || p["search_path"] != "a b" ||
		p["extra_float_digits"] != "2" || p["DateStyle"] != "ISO" || p["options"] == "" {
		t.Fatalf("startup info: %+v", info)
	}
	if _, err := connect(t, addr, "u", "secret", func(cfg *pgx.ConnConfig) { cfg.Database = "nodb" }); pgCode(err) != "3D000" {
		t.Fatalf("nodb: %v", err)
	}
}

func TestMaxConnectionsAndTrust(t *testing.T) {
	_, addr := startServer(t, Config{AuthMethod: AuthTrust, MaxConnections: 1}, nil)
	mustConnect(t, addr, nil)
	_, err := connect(t, addr, "u", "", nil)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "53300" || pe.Message != "sorry, too many clients already" {
		t.Fatalf("second connection: %v", err)
	}
	if _, err := NewServer(Config{AuthMethod: AuthTrust, ListenAddress: "0.0.0.0:5433"}, newTestHandler()); err == nil {
		t.Fatal("trust on a non-loopback address must be refused")
	}
}

func TestShutdownCancelsRunningQueries(t *testing.T) {
	h := newTestHandler()
	s, addr := startServer(t, Config{Users: scramUsers}, h)
	c := mustConnect(t, addr, nil)
	idle := mustConnect(t, addr, nil)
	errc := make(chan error, 1)
	go func() { _, err := c.Exec(context.Background(), "sleep"); errc <- err }()
	<-h.started
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	s.Shutdown(ctx)
	if cause := <-h.canceled; cause != errAdminShutdown {
		t.Fatalf("cause %v", cause)
	}
	if err := <-errc; pgCode(err) != "57P01" {
		t.Fatalf("running query: %v", err)
	}
	if err := idle.Ping(context.Background()); err == nil {
		t.Fatal("idle connection still open after Shutdown")
	}
}
