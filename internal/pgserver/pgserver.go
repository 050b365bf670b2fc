package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options shape the cluster.
type Options struct {
	// Dir is the scratch directory; the cluster lives in Dir/data. Required.
	Dir string
	// Settings are passed as -c name=value to the server (shared_buffers, work_mem...).
	Settings map[string]string
	// Version picks /usr/lib/postgresql/<Version>/bin; empty picks the newest installed.
	Version string
}

// Server is a running PostgreSQL server.
type Server struct {
	Host string
	Port int
	// User is the superuser name (no password; loopback trust auth).
	User    string
	BinDir  string
	dataDir string
	cred    *syscall.Credential
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
}

// BinDir finds the PostgreSQL server binaries, preferring version if non-empty.
func BinDir(version string) (string, error) {
	if version != "" {
		dir := filepath.Join("/usr/lib/postgresql", version, "bin")
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err != nil {
			return "", fmt.Errorf("pgserver: PostgreSQL %s not installed (%w)", version, err)
		}
		return dir, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
		return "", errors.New("pgserver: PostgreSQL server binaries not found (apt-get install postgresql)")
	}
	sort.Slice(matches, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(matches[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(matches[j]))))
		return vi > vj
	})
	return filepath.Dir(matches[0]), nil
}

// Start initialises a cluster in opts.Dir and starts the server. It returns once the
// server accepts connections.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("pgserver: Options.Dir is required")
	}
	bin, err := BinDir(opts.Version)
	if err != nil {
		return nil, err
	}
	s := &Server{Host: "127.0.0.1", User: "postgres", BinDir: bin,
		dataDir: filepath.Join(opts.Dir, "data"), logPath: filepath.Join(opts.Dir, "postgres.log"),
		exited: make(chan struct{})}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("pgserver: running as root needs the postgres system user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(opts.Dir, uid, gid); err != nil {
			return nil, err
		}
		// The postgres user must be able to reach Dir through its parents.
		for p := filepath.Dir(opts.Dir); p != "/" && p != "."; p = filepath.Dir(p) {
			if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o001 == 0 {
				_ = os.Chmod(p, fi.Mode().Perm()|0o001)
			}
		}
	}
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", s.dataDir, "-U", s.User,
		"-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	s.prepare(initdb)
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgserver: initdb: %w\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s.Port = port
	args := []string{"-D", s.dataDir, "-p", strconv.Itoa(port), "-h", s.Host, "-k", opts.Dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"}
	names := make([]string, 0, len(opts.Settings))
	for k := range opts.Settings {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		args = append(args, "-c", k+"="+opts.Settings[k])
	}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return nil, err
	}
	if s.cred != nil {
		_ = os.Chown(s.logPath, int(s.cred.Uid), int(s.cred.Gid))
	}
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), args...)
	s.prepare(s.cmd)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	s.cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("pgserver: start postgres: %w", err)
	}
	go func() { _ = s.cmd.Wait(); logFile.Close(); close(s.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := pgx.Connect(ctx, s.DSN("postgres"))
		if err == nil {
			c.Close(ctx)
			return s, nil
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("pgserver: postgres exited at start: %s", s.logTail())
		case <-ctx.Done():
			_ = s.Stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = s.Stop()
			return nil, fmt.Errorf("pgserver: postgres not ready after 60 s: %v; %s", err, s.logTail())
		}
	}
}

func (s *Server) prepare(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	if s.cred != nil {
		cmd.SysProcAttr.Credential = s.cred
	}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
}

// DSN is a postgres:// URL for database db as the superuser.
func (s *Server) DSN(db string) string {
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", s.User, s.Host, s.Port, db)
}

// CreateDatabase creates database name (no error if it exists).
func (s *Server) CreateDatabase(ctx context.Context, name string) error {
	c, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	var exists bool
	if err := c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err
}

// PID is the postmaster's process id (to measure its memory, for instance).
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Stop shuts the server down fast and waits for it to exit.
func (s *Server) Stop() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	select {
	case <-s.exited:
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT) // fast shutdown
	select {
	case <-s.exited:
		return nil
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return errors.New("pgserver: postgres did not stop within 30 s; killed")
	}
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
