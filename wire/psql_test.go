package wire

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestPsql runs the real psql 15 client against the server.
func TestPsql(t *testing.T) {
	const psql = "/usr/bin/psql"
	if _, err := os.Stat(psql); err != nil {
		t.Skip("psql not installed")
	}
	_, addr := startServer(t, Config{Users: []User{{Name: "u", Password: "pw"}}}, nil)
	host, port, _ := net.SplitHostPort(addr)
	run := func(args ...string) (string, error) {
		cmd := exec.Command(psql, append([]string{"-X", "-h", host, "-p", port, "-U", "u", "-d", "db"}, args...)...)
		cmd.Env = append(os.Environ(), "PGPASSWORD=pw", "PGCONNECT_TIMEOUT=5", "PGSSLMODE=prefer")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("-c", "ints 3")
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	if want := " n \n---\n 1\n 2\n 3\n(3 rows)\n\n"; out != want {
		t.Fatalf("psql output:\n%q\nwant\n%q", out, want)
	}
	out, err = run("-A", "-t", "-F", "|", "-c", "types")
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	want := `t|-32768|2147483647|-9223372036854775808|255|18446744073709551615|1.5|0.1|1e+100|12345.678|-0.50|a "quoted" \ text|\xdeadbeef|2024-02-29|13:14:15.5|2024-01-02 03:04:05.123456|2024-01-02 03:04:05.5+00|1 year 2 mons 3 days 04:05:06.5|550e8400-e29b-41d4-a716-446655440000|{1,NULL,3}|{"a b","NULL","","q\""}`
	if lines := strings.Split(strings.TrimSpace(out), "\n"); lines[0] != want {
		t.Fatalf("psql types:\n%s\nwant\n%s", lines[0], want)
	}
	if out, err = run("-c", "fail"); err == nil || !strings.Contains(out, `ERROR:  relation "nope" does not exist`) {
		t.Fatalf("psql error: %v\n%s", err, out)
	}
	cmd := exec.Command(psql, "-X", "-h", host, "-p", port, "-U", "u", "-d", "db", "-c", "ints 1")
	cmd.Env = append(os.Environ(), "PGPASSWORD=wrong")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), `password authentication failed for user "u"`) {
		t.Fatalf("psql wrong password: %v\n%s", err, out)
	}
}
