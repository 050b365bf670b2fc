package wire

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/lakegate/lakegate/pgerr"
)

const defaultMax = 100

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("wire: server closed")

// User is one login role. Give either Password or Verifier. A Password is kept only as
// a derived SCRAM verifier, plus its md5 hash when some rule uses md5. A Verifier is a
// stored form: what ScramVerifier produces, or PostgreSQL's md5 form
// ("md5" + hex md5(password + user name)), which only md5 and password rules accept.
type User struct {
	Name     string
	Password string
	Verifier string
}

// Config configures a Server. Zero values take the defaults noted.
type Config struct {
	ListenAddress string // used by ListenAndServe, e.g. "127.0.0.1:5433"
	Users         []User // roles that may log in with a password
	// AuthMethod applies to every connection when HBA is empty: "scram-sha-256"
	// (default), "md5", "password" or "trust" (loopback only).
	AuthMethod string
	// HBA, when set, replaces AuthMethod: the first rule matching the connection
	// decides; no match means 28000.
	HBA []HBARule
	// TLS, when set, makes the server answer SSLRequest with 'S' and upgrade. With a
	// single certificate, SCRAM-SHA-256-PLUS (tls-server-end-point) is offered on TLS.
	TLS *tls.Config
	// RequireTLS refuses plaintext connections (28000); LoopbackPlaintext exempts
	// loopback clients from it.
	RequireTLS        bool
	LoopbackPlaintext bool
	MaxConnections    int           // default 100
	MaxMessageSize    int           // bytes per client message, default 64 MiB
	StartupTimeout    time.Duration // startup + authentication, default 10s
	Logger            *zap.Logger   // default no-op
}

// Server accepts PostgreSQL v3 connections and hands their SQL to a Handler.
type Server struct {
	cfg     Config
	handler Handler
	log     *zap.Logger
	creds   map[string]credential
	fakeKey []byte // derives stable fake SCRAM salts for unknown users
	keys    *cancelRegistry
	hba     []hbaRule
	cbData  []byte // tls-server-end-point channel binding data; nil: no SCRAM-PLUS

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
	switch cfg.AuthMethod {
	case AuthSCRAM, AuthMD5, AuthPassword, AuthTrust:
	default:
		return nil, fmt.Errorf("wire: unknown auth method %q (want scram-sha-256, md5, password or trust)", cfg.AuthMethod)
	}
	rules := cfg.HBA
	if len(rules) == 0 {
		rules = []HBARule{{Type: HBAHost, Database: "all", User: "all", Address: "all", Method: cfg.AuthMethod}}
	}
	hba, err := compileHBA(rules)
	if err != nil {
		return nil, err
	}
	if cfg.ListenAddress != "" && !isLoopbackAddr(cfg.ListenAddress) {
		if err := checkTrustRules(hba, cfg.ListenAddress); err != nil {
			return nil, err
		}
	}
	if cfg.RequireTLS && cfg.TLS == nil {
		return nil, errors.New("wire: RequireTLS without a TLS configuration")
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
		creds:     make(map[string]credential, len(cfg.Users)),
		hba:       hba,
		fakeKey:   randomBytes(32),
		keys:      newCancelRegistry(),
		listeners: map[net.Listener]struct{}{},
		conns:     map[*conn]struct{}{},
		draining:  make(chan struct{}),
	}
	md5Used := false
	for _, r := range hba {
		md5Used = md5Used || r.Method == AuthMD5
	}
	for _, u := range cfg.Users {
		c, err := newCredential(u, md5Used)
		if err != nil {
			return nil, fmt.Errorf("wire: user %q: %w", u.Name, err)
		}
		s.creds[u.Name] = c
	}
	if cfg.TLS != nil {
		s.cbData = endPointBinding(cfg.TLS)
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
	if !isLoopbackAddr(ln.Addr().String()) {
		if err := checkTrustRules(s.hba, ln.Addr().String()); err != nil {
			ln.Close()
			return err
		}
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
			c.raw.Close()
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

// checkTrustRules refuses trust for clients that may come from another machine.
func checkTrustRules(rules []hbaRule, listen string) error {
	for i := range rules {
		if rules[i].Method == AuthTrust && !rules[i].loopbackOnly() {
			return fmt.Errorf("wire: auth method trust is only allowed on a loopback address, not %q (give the rule a loopback address such as 127.0.0.1/32)", listen)
		}
	}
	return nil
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

	errIdleInTransaction = &pgerr.Error{Severity: "FATAL", Code: pgerr.IdleInTransactionTimeout, Message: "terminating connection due to idle-in-transaction timeout"}
	errIdleSession       = &pgerr.Error{Severity: "FATAL", Code: pgerr.IdleSessionTimeout, Message: "terminating connection due to idle-session timeout"}
)
