package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Gateway is a running `gateway serve` process.
type Gateway struct {
	Host string
	Port int
	cmd  *exec.Cmd
	done chan error
	log  string

	stopOnce sync.Once
	stopErr  error
}

// Gateway credentials used by the benchmark.
const (
	gwUser     = "gw"
	gwPassword = "gw"
)

// BuildGateway compiles ./cmd/gateway (run from the module root) into dir.
func BuildGateway(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "gateway")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "duckdb_arrow", "-o", bin, "./cmd/gateway")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/gateway: %w\n%s", err, out)
	}
	return bin, nil
}

// LakeCatalog is one catalog the gateway serves.
type LakeCatalog struct {
	Database string // the database name clients connect to
	Name     string // the Iceberg catalog name stored in catalog.db
	Dir      string // holds catalog.db and warehouse/
}

// GatewayConfig is what the benchmark varies in the gateway's config file.
type GatewayConfig struct {
	Catalogs []LakeCatalog
	// Engine settings; zero values keep the gateway's defaults.
	MemoryLimit string
	Threads     int
	Connections int
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// StartGateway writes a config into dir and runs `bin serve --config` on a
// free loopback port with SCRAM user gw/gw, returning once it accepts a login.
func StartGateway(ctx context.Context, bin, dir string, cfg GatewayConfig) (*Gateway, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	yaml := fmt.Sprintf("listen: 127.0.0.1:%d\nauth: scram-sha-256\nmax_connections: 400\nlog_level: info\nengine:\n", port)
	if cfg.MemoryLimit != "" {
		yaml += fmt.Sprintf("  memory_limit: %s\n", cfg.MemoryLimit)
	}
	if cfg.Threads > 0 {
		yaml += fmt.Sprintf("  threads: %d\n", cfg.Threads)
	}
	if cfg.Connections > 0 {
		yaml += fmt.Sprintf("  connections: %d\n", cfg.Connections)
	}
	yaml += "catalogs:\n"
	for _, c := range cfg.Catalogs {
		abs, err := filepath.Abs(c.Dir)
		if err != nil {
			return nil, err
		}
		yaml += fmt.Sprintf("  %s:\n    type: sql\n    name: %s\n    uri: file:%s\n    warehouse: file://%s\n",
			c.Database, c.Name, filepath.Join(abs, "catalog.db"), filepath.Join(abs, "warehouse"))
	}
	yaml += fmt.Sprintf("users:\n  - name: %s\n    password: %s\n", gwUser, gwPassword)
	cfgPath := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "gateway.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--config", cfgPath)
	for _, kv := range os.Environ() {
		// The gateway's configuration is the file alone; LAKEGATE_DEBUG_ADDR (the
		// profiler) passes, for profiling a benchmark.
		if len(kv) < 9 || kv[:9] != "LAKEGATE_" || strings.HasPrefix(kv, "LAKEGATE_DEBUG_ADDR=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	g := &Gateway{Host: "127.0.0.1", Port: port, cmd: cmd, done: make(chan error, 1), log: logPath}
	go func() { g.done <- cmd.Wait(); logFile.Close() }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		c, err := pgx.Connect(ctx, g.DSN(cfg.Catalogs[0].Database))
		if err == nil {
			c.Close(ctx)
			return g, nil
		}
		select {
		case err := <-g.done:
			return nil, fmt.Errorf("gateway exited at start (%v); log in %s", err, logPath)
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
			g.Stop()
			return nil, ctx.Err()
		}
		if time.Now().After(deadline) {
			g.Stop()
			return nil, fmt.Errorf("gateway not ready after 2 minutes: %v; log in %s", err, logPath)
		}
	}
}

// DSN is a pgx connection string for database db as gw/gw.
func (g *Gateway) DSN(db string) string {
	return fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", gwUser, gwPassword,
		net.JoinHostPort(g.Host, strconv.Itoa(g.Port)), db)
}

// PID is the gateway's process id.
func (g *Gateway) PID() int { return g.cmd.Process.Pid }

// Stop sends SIGTERM and waits up to 30 s, then kills. Later calls return the
// first call's result.
func (g *Gateway) Stop() error {
	g.stopOnce.Do(func() {
		_ = g.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-g.done:
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				g.stopErr = err
			}
		case <-time.After(30 * time.Second):
			_ = g.cmd.Process.Kill()
			<-g.done
			g.stopErr = errors.New("gateway did not stop within 30 s; killed")
		}
	})
	return g.stopErr
}
