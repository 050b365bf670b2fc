package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lakegate/lakegate/demolake"
)

// scale keeps the lake small (about 40,000 sales, 40 products) so the whole package
// runs in well under a minute or two of test time, yet every table has several
// files, snapshots and a delete file.
const scale = 0.02

const (
	user     = "gw"
	password = "gw"
	dbName   = "lake"
	// shutdownTimeout is the gateway's shutdown_timeout; the process must exit 0
	// within it (plus slack) after SIGTERM.
	shutdownTimeout = 10 * time.Second
)

// env is the running gateway every test talks to.
var env struct {
	tmp     string // scratch directory for the whole run
	bin     string // the gateway binary
	lakeDir string
	addr    string // host:port the gateway listens on
	host    string
	port    string
	logPath string
	data    *lakeData
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) (code int) {
	tmp, err := os.MkdirTemp("", "lakegate-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	keep := os.Getenv("LAKEGATE_KEEP_TMP") != ""
	defer func() {
		if keep {
			fmt.Fprintln(os.Stderr, "integration: scratch directory kept:", tmp)
			return
		}
		if code != 0 {
			fmt.Fprintln(os.Stderr, "integration: set LAKEGATE_KEEP_TMP=1 to keep the lake and the gateway log, LAKEGATE_DUMP_LOG=1 to print the log's tail")
		}
		os.RemoveAll(tmp)
	}()
	env.tmp = tmp
	env.lakeDir = filepath.Join(tmp, "lake")
	env.logPath = filepath.Join(tmp, "gateway.log")

	// The binary build and the lake build are independent: run them side by side.
	var wg sync.WaitGroup
	var buildErr, lakeErr, dataErr error
	wg.Add(2)
	go func() { defer wg.Done(); buildErr = buildGateway(tmp) }()
	go func() {
		defer wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if _, lakeErr = demolake.Build(ctx, demolake.Options{Dir: env.lakeDir, Scale: scale}); lakeErr != nil {
			return
		}
		env.data, dataErr = loadLakeData(scale)
	}()
	wg.Wait()
	for _, err := range []error{buildErr, lakeErr, dataErr} {
		if err != nil {
			fmt.Fprintln(os.Stderr, "integration: setup:", err)
			return 1
		}
	}

	cfgPath := filepath.Join(tmp, "gateway.yaml")
	if err := writeConfig(cfgPath); err != nil {
		fmt.Fprintln(os.Stderr, "integration: config:", err)
		return 1
	}
	gw, err := startGateway(cfgPath, env.logPath, dbName)
	if err == nil {
		env.addr = gw.addr
		env.host, env.port = splitHostPort(gw.addr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration: start gateway:", err)
		dumpLog()
		return 1
	}
	code = m.Run()
	if err := gw.stop(); err != nil {
		fmt.Fprintln(os.Stderr, "integration: gateway shutdown:", err)
		dumpLog()
		code = 1
	}
	if code != 0 && os.Getenv("LAKEGATE_DUMP_LOG") != "" {
		dumpLog()
	}
	return code
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// buildGateway compiles cmd/gateway into tmp. LAKEGATE_GATEWAY_BIN, if set, names a
// prebuilt binary to use instead.
func buildGateway(tmp string) error {
	if bin := os.Getenv("LAKEGATE_GATEWAY_BIN"); bin != "" {
		env.bin = bin
		return nil
	}
	root, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	env.bin = filepath.Join(tmp, "gateway")
	cmd := exec.Command(goTool(), "build", "-tags", "duckdb_arrow", "-o", env.bin, "./cmd/gateway")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build ./cmd/gateway: %w\n%s", err, out)
	}
	return nil
}

func writeConfig(path string) error {
	cfg := fmt.Sprintf(`listen: 127.0.0.1:0
auth: scram-sha-256
log_level: info
shutdown_timeout: %s
engine:
  threads: 2
catalogs:
  lake:
    type: sql
    name: %s
    uri: file:%s
    warehouse: file://%s
users:
  - name: %s
    password: %s
`, shutdownTimeout, demolake.DefaultCatalogName,
		filepath.Join(env.lakeDir, "catalog.db"), filepath.Join(env.lakeDir, "warehouse"), user, password)
	return os.WriteFile(path, []byte(cfg), 0o600)
}

type gatewayProc struct {
	addr   string // host:port it listens on
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // Wait's result, valid once exited is closed
	logs   sync.WaitGroup
}

// startGateway runs `gateway serve --config cfgPath` with its log in logPath and waits
// for its "listening" log record, which carries the address the kernel picked for port
// 0 (use listen: 127.0.0.1:0). Tests that need a gateway with another configuration
// (other catalogs, TLS, other users) start their own with it and stop it when done;
// the config must keep a user gw/gw, which the readiness check logs in as to db.
func startGateway(cfgPath, logPath, db string) (*gatewayProc, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(env.bin, "serve", "--config", cfgPath)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LAKEGATE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdout = logFile
	dieWithParent(cmd)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	gw := &gatewayProc{cmd: cmd, exited: make(chan struct{})}
	addrc := make(chan string, 1)
	gw.logs.Add(1)
	go func() {
		defer gw.logs.Done()
		defer logFile.Close()
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			line := sc.Bytes()
			logFile.Write(append(line, '\n'))
			var rec struct {
				Msg     string `json:"msg"`
				Address string `json:"address"`
			}
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" && rec.Address != "" {
				select {
				case addrc <- rec.Address:
				default:
				}
			}
		}
		io.Copy(logFile, stderr)
	}()
	go func() {
		gw.logs.Wait()
		gw.err = cmd.Wait()
		close(gw.exited)
	}()

	select {
	case addr := <-addrc:
		gw.addr = addr
	case <-gw.exited:
		return nil, fmt.Errorf("gateway exited before listening: %v", gw.err)
	case <-time.After(2 * time.Minute):
		gw.kill()
		return nil, errors.New("gateway did not log \"listening\" within 2 minutes")
	}
	if err := waitAccepting(gw.addr, db, time.Minute); err != nil {
		gw.kill()
		return nil, err
	}
	return gw, nil
}

func splitHostPort(addr string) (string, string) {
	i := strings.LastIndexByte(addr, ':')
	return addr[:i], addr[i+1:]
}

// waitAccepting waits until a SCRAM login and SELECT 1 succeed.
func waitAccepting(addr, db string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := ping(ctx, addr, db)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gateway at %s does not answer: %w", addr, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (gw *gatewayProc) kill() {
	gw.cmd.Process.Kill()
	<-gw.exited
}

// stop sends SIGTERM and requires a zero exit within the shutdown timeout.
func (gw *gatewayProc) stop() error {
	if err := gw.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-gw.exited:
		if gw.err != nil {
			return fmt.Errorf("gateway exited with %v after SIGTERM", gw.err)
		}
		return nil
	case <-time.After(shutdownTimeout + 10*time.Second):
		gw.kill()
		return fmt.Errorf("gateway still running %s after SIGTERM; killed", shutdownTimeout+10*time.Second)
	}
}

func dumpLog() {
	b, err := os.ReadFile(env.logPath)
	if err != nil {
		return
	}
	const max = 16 << 10
	if len(b) > max {
		b = b[len(b)-max:]
	}
	fmt.Fprintf(os.Stderr, "---- gateway log (tail) ----\n%s\n----\n", b)
}

// need skips the test when an external tool is not installed.
func need(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if filepath.IsAbs(p) {
			if _, err := os.Stat(p); err != nil {
				t.Skipf("%s is not installed (run scripts/install-test-deps.sh): %v", p, err)
			}
			continue
		}
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is not installed (run scripts/install-test-deps.sh): %v", p, err)
		}
	}
}
