package wire

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/lakegate/lakegate/internal/pgserver"
)

// Protocol scripts: testdata/scripts/*.txt hold exchanges of frontend messages and the
// backend messages expected back, run against a Server with the fixture handler
// (TestScripts) and against a real PostgreSQL (TestScriptsPostgres), so that the
// expectations are PostgreSQL's. The format, one block per directive, blocks
// separated by blank lines:
//
//	send                          frontend messages, one per line: Type {json of the
//	Parse {"Query": "SELECT 1"}   pgproto3 struct}, or Raw <hex> for bytes as they are
//	Sync
//
//	until                         read backend messages until each listed type has
//	ReadyForQuery                 arrived in turn ("closed": until the server hangs up)
//	----
//	ParseComplete                 what arrived, one per line: Type {json}; errors keep
//	ReadyForQuery {"TxStatus":"I"}  only severity and SQLSTATE
//
// A line "# postgres: skip <reason>" anywhere keeps a script from running against
// PostgreSQL (where lakegate deliberately differs). go test -run TestScripts -rewrite
// rewrites the expectations from the fixture server.

var rewrite = flag.Bool("rewrite", false, "rewrite testdata/scripts expectations from the fixture server")

type scriptBlock struct {
	comments []string // the comment lines before the block
	cmd      string
	input    []string
	expected []string
	hasSep   bool
}

func parseScript(text string) ([]scriptBlock, bool, error) {
	var blocks []scriptBlock
	skipPG := false
	var cur *scriptBlock
	var comments []string
	inExpected := false
	for n, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			if strings.HasPrefix(trimmed, "# postgres: skip") {
				skipPG = true
			}
			comments = append(comments, trimmed)
			continue
		}
		if trimmed == "" {
			cur, inExpected = nil, false
			continue
		}
		switch {
		case cur == nil:
			if trimmed != "send" && trimmed != "until" {
				return nil, false, fmt.Errorf("line %d: unknown directive %q", n+1, trimmed)
			}
			blocks = append(blocks, scriptBlock{cmd: trimmed, comments: comments})
			cur, comments = &blocks[len(blocks)-1], nil
		case trimmed == "----":
			cur.hasSep, inExpected = true, true
		case inExpected:
			cur.expected = append(cur.expected, trimmed)
		default:
			cur.input = append(cur.input, trimmed)
		}
	}
	return blocks, skipPG, nil
}

func formatScript(blocks []scriptBlock) string {
	var b strings.Builder
	for i, bl := range blocks {
		if i > 0 {
			b.WriteString("\n")
		}
		for _, c := range bl.comments {
			b.WriteString(c + "\n")
		}
		if i == 0 && len(bl.comments) > 0 {
			b.WriteString("\n")
		}
		b.WriteString(bl.cmd + "\n")
		for _, l := range bl.input {
			b.WriteString(l + "\n")
		}
		if bl.cmd == "until" {
			b.WriteString("----\n")
			for _, l := range bl.expected {
				b.WriteString(l + "\n")
			}
		}
	}
	return b.String()
}

// frontendMessage builds one "Type {json}" line.
func frontendMessage(line string) (pgproto3.FrontendMessage, []byte, error) {
	typ, js, _ := strings.Cut(line, " ")
	if typ == "Raw" {
		b, err := hex.DecodeString(strings.ReplaceAll(js, " ", ""))
		return nil, b, err
	}
	var m pgproto3.FrontendMessage
	switch typ {
	case "Query":
		m = &pgproto3.Query{}
	case "Parse":
		m = &pgproto3.Parse{}
	case "Bind":
		m = &pgproto3.Bind{}
	case "Describe":
		m = &pgproto3.Describe{}
	case "Execute":
		m = &pgproto3.Execute{}
	case "Close":
		m = &pgproto3.Close{}
	case "Sync":
		m = &pgproto3.Sync{}
	case "Flush":
		m = &pgproto3.Flush{}
	case "Terminate":
		m = &pgproto3.Terminate{}
	case "FunctionCall":
		m = &pgproto3.FunctionCall{}
	default:
		return nil, nil, fmt.Errorf("unknown frontend message %q", typ)
	}
	if js = strings.TrimSpace(js); js != "" {
		if err := json.Unmarshal([]byte(js), m); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", typ, err)
		}
	}
	return m, nil, nil
}

// renderBackend is one backend message as a script line.
func renderBackend(m pgproto3.BackendMessage) string {
	name := fmt.Sprintf("%T", m)[len("*pgproto3."):]
	if e, ok := m.(*pgproto3.ErrorResponse); ok {
		return fmt.Sprintf(`%s {"Severity":%q,"Code":%q}`, name, e.Severity, e.Code)
	}
	js, err := json.Marshal(m)
	if err != nil {
		return name + " (unmarshalable)"
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(js, &fields) != nil {
		return name
	}
	delete(fields, "Type")
	if len(fields) == 0 {
		return name
	}
	rest, _ := json.Marshal(fields) // map keys sorted: stable
	return name + " " + string(rest)
}

// scriptConn is a started session a script drives.
type scriptConn struct {
	nc net.Conn
	fe *pgproto3.Frontend
}

func startScriptConn(t *testing.T, addr, user, db string) *scriptConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	sc := &scriptConn{nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
	sc.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": user, "database": db}})
	if err := sc.fe.Flush(); err != nil {
		t.Fatal(err)
	}
	for {
		nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		m, err := sc.fe.Receive()
		if err != nil {
			t.Fatalf("startup: %v", err)
		}
		switch m := m.(type) {
		case *pgproto3.ReadyForQuery:
			return sc
		case *pgproto3.ErrorResponse:
			t.Fatalf("startup: %s", m.Message)
		}
	}
}

// run executes the blocks and returns them with the expectations actually seen.
func (sc *scriptConn) run(blocks []scriptBlock) ([]scriptBlock, error) {
	out := make([]scriptBlock, len(blocks))
	for i, bl := range blocks {
		out[i] = bl
		switch bl.cmd {
		case "send":
			for _, line := range bl.input {
				m, raw, err := frontendMessage(line)
				if err != nil {
					return nil, err
				}
				if raw != nil {
					if err := sc.fe.Flush(); err != nil {
						return nil, err
					}
					if _, err := sc.nc.Write(raw); err != nil {
						return nil, err
					}
					continue
				}
				sc.fe.Send(m)
			}
			if err := sc.fe.Flush(); err != nil {
				return nil, err
			}
		case "until":
			var got []string
			for _, want := range bl.input {
				for {
					sc.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
					m, err := sc.fe.Receive()
					if want == "closed" && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err)) {
						got = append(got, "(closed)")
						break
					}
					if err != nil {
						return nil, fmt.Errorf("until %s: %w (so far: %q)", want, err, got)
					}
					line := renderBackend(m)
					got = append(got, line)
					if strings.HasPrefix(line+" ", want+" ") {
						break
					}
				}
			}
			out[i].expected = got
		}
	}
	return out, nil
}

func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && strings.Contains(ne.Err.Error(), "reset")
}

func scriptFiles(t *testing.T) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "scripts", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	return files
}

func compareScript(t *testing.T, want, got []scriptBlock) {
	t.Helper()
	for i := range want {
		if want[i].cmd != "until" {
			continue
		}
		if strings.Join(want[i].expected, "\n") != strings.Join(got[i].expected, "\n") {
			t.Errorf("block %d (until %s):\n got:\n  %s\n want:\n  %s", i+1, strings.Join(want[i].input, ", "),
				strings.Join(got[i].expected, "\n  "), strings.Join(want[i].expected, "\n  "))
		}
	}
}

func TestScripts(t *testing.T) {
	addr := trustServer(t, nil)
	for _, file := range scriptFiles(t) {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			text, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			blocks, _, err := parseScript(string(text))
			if err != nil {
				t.Fatal(err)
			}
			got, err := startScriptConn(t, addr, "u", "db").run(blocks)
			if err != nil {
				t.Fatal(err)
			}
			if *rewrite {
				if err := os.WriteFile(file, []byte(formatScript(got)), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			compareScript(t, blocks, got)
		})
	}
}

// TestScriptsPostgres runs the same scripts against PostgreSQL 15, so the expected
// messages are PostgreSQL's. It is skipped when PostgreSQL is not installed.
func TestScriptsPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	srv := pgserver.ForTest(t, pgserver.Options{Version: "15"})
	addr := net.JoinHostPort(srv.Host, fmt.Sprint(srv.Port))
	for _, file := range scriptFiles(t) {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			text, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			blocks, skip, err := parseScript(string(text))
			if err != nil {
				t.Fatal(err)
			}
			if skip {
				t.Skip("script marked postgres: skip")
			}
			got, err := startScriptConn(t, addr, srv.User, "postgres").run(blocks)
			if err != nil {
				t.Fatal(err)
			}
			compareScript(t, blocks, got)
		})
	}
}
