package wire

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/xdg-go/scram"
	"go.uber.org/zap"

	"github.com/lakegate/lakegate/pgerr"
)

// Auth methods a Config may name.
const (
	AuthSCRAM  = "scram-sha-256"
	AuthTrust  = "trust"
	defaultMax = 100
)

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("wire: server closed")

// User is one login role. Give either Password (kept only as a derived SCRAM verifier)
// or Verifier (the stored form ScramVerifier produces).
type User struct {
	Name     string
	Password string
	Verifier string
}

// Config configures a Server. Zero values take the defaults noted.
type Config struct {
	ListenAddress  string        // used by ListenAndServe, e.g. "127.0.0.1:5433"
	Users          []User        // roles that may log in with scram-sha-256
	AuthMethod     string        // "scram-sha-256" (default) or "trust" (loopback only)
	MaxConnections int           // default 100
	MaxMessageSize int           // bytes per client message, default 64 MiB
	StartupTimeout time.Duration // startup + authentication, default 10s
	Logger         *zap.Logger   // default no-op
}

// Server accepts PostgreSQL v3 connections and hands their SQL to a Handler.
type Server struct {
	cfg     Config
	handler Handler
	log     *zap.Logger
	creds   map[string]scram.StoredCredentials
	fakeKey []byte // derives stable fake SCRAM salts for unknown users
	keys    *cancelRegistry

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	active    int // connections past the startup packet, for MaxConnections
	draining  chan struct{}
	drainOnce sync.Once
	wg        sync.WaitGroup
}

// NewServer validates cfg and derives the in-memory SCRAM verifiers.
func NewServer(cfg Config, h Handler) (*Server, error) {
	if h == nil {
		return nil, errors.New("wire: nil Handler")
	}
	if cfg.AuthMethod == "" {
		cfg.AuthMethod = AuthSCRAM
	}
	if cfg.AuthMethod != AuthSCRAM && cfg.AuthMethod != AuthTrust {
		return nil, fmt.Errorf("wire: unknown auth method %q (want %q or %q)", cfg.AuthMethod, AuthSCRAM, AuthTrust)
	}
	if cfg.AuthMethod == AuthTrust && cfg.ListenAddress != "" && !isLoopbackAddr(cfg.ListenAddress) {
		return nil, fmt.Errorf("wire: auth method trust is only allowed on a loopback address, not %q", cfg.ListenAddress)
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = defaultMax
	}
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = 64 << 20
	}
	if cfg.StartupTimeout <= 0 {
		cfg.StartupTimeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	s := &Server{
		cfg:       cfg,
		handler:   h,
		log:       cfg.Logger,
		creds:     make(map[string]scram.StoredCredentials, len(cfg.Users)),
		fakeKey:   randomBytes(32),
		keys:      newCancelRegistry(),
		listeners: map[net.Listener]struct{}{},
		conns:     map[*conn]struct{}{},
		draining:  make(chan struct{}),
	}
	for _, u := range cfg.Users {
		v := u.Verifier
		if v == "" {
			v = ScramVerifier(u.Password)
		}
		c, err := parseScramVerifier(v)
		if err != nil {
			return nil, fmt.Errorf("wire: user %q: %w", u.Name, err)
		}
		s.creds[u.Name] = c
	}
	return s, nil
}

// ListenAndServe listens on Config.ListenAddress and serves until ctx ends or Shutdown.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.ListenAddress)
	if err != nil {
		return fmt.Errorf("wire: listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve accepts connections on ln until ctx ends or Shutdown is called. Ending ctx
// also cancels the queries of the connections it accepted and closes them.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.cfg.AuthMethod == AuthTrust && !isLoopbackAddr(ln.Addr().String()) {
		ln.Close()
		return fmt.Errorf("wire: auth method trust is only allowed on a loopback address, not %s", ln.Addr())
	}
	s.mu.Lock()
	select {
	case <-s.draining:
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	default:
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
	}()

	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()

	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-s.draining:
				return ErrServerClosed
			default:
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("wire: accept: %w", err)
		}
		delay = 0
		c := newConn(ctx, s, nc)
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			c.serve()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

// Shutdown stops accepting, closes idle connections, lets running queries finish
// until ctx ends, then cancels them and closes their connections.
func (s *Server) Shutdown(ctx context.Context) error {
	s.drainOnce.Do(func() { close(s.draining) })
	s.mu.Lock()
	for ln := range s.listeners {
		ln.Close()
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	for c := range s.conns {
		c.cancel(errAdminShutdown)
	}
	s.mu.Unlock()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		// A Rows.Next that ignores its context must not hang Shutdown forever.
		s.mu.Lock()
		for c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
		<-done
	}
	return ctx.Err()
}

// admit counts a connection against MaxConnections.
func (s *Server) admit() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active >= s.cfg.MaxConnections {
		return false
	}
	s.active++
	return true
}

func (s *Server) release() {
	s.mu.Lock()
	s.active--
	s.mu.Unlock()
}

func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Causes put on a query's context; pgerr.From turns them into the client's error.
var (
	errUserCancel       = pgerr.New(pgerr.QueryCanceled, "canceling statement due to user request")
	errStatementTimeout = pgerr.New(pgerr.QueryCanceled, "canceling statement due to statement timeout")
	errAdminShutdown    = &pgerr.Error{Severity: "FATAL", Code: pgerr.AdminShutdown, Message: "terminating connection due to administrator command"}
	errClientGone       = errors.New("wire: client connection closed")
)
