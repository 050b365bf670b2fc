package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/lakegate/lakegate/cache"
	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/engine"
	"github.com/lakegate/lakegate/planner"
	"github.com/lakegate/lakegate/pushdown"
	"github.com/lakegate/lakegate/wire"
)

const usage = `lakegate: PostgreSQL clients over an Apache Iceberg lakehouse

Usage:
  gateway demo  [--dir DIR] [--listen ADDR] [--scale N]   build (first run) and serve a demo lakehouse
  gateway serve --config FILE [flags]                     serve the configured catalogs
  gateway scram-verifier PASSWORD                         print a SCRAM-SHA-256 verifier for users[].verifier

Run "gateway serve --help" for the flags of serve.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "demo":
		err = runDemo(ctx, os.Args[2:])
	case "serve":
		err = runServe(ctx, os.Args[2:])
	case "scram-verifier":
		if len(os.Args) != 3 {
			err = errors.New("usage: gateway scram-verifier PASSWORD")
		} else {
			fmt.Println(wire.ScramVerifier(os.Args[2]))
		}
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

func runServe(ctx context.Context, args []string) error {
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	serveFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(fs)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, nil)
}

func newLogger(level string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, err
	}
	// JSON records on stderr, as zap's production configuration writes them, but
	// buffered: one record per query would otherwise cost a write system call per
	// query. Records reach stderr within logFlushInterval, at once from Warn up,
	// and at exit (serve's deferred Sync).
	out := &zapcore.BufferedWriteSyncer{WS: zapcore.Lock(os.Stderr), Size: 256 << 10, FlushInterval: logFlushInterval}
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	core := zapcore.NewCore(enc, out, zap.NewAtomicLevelAt(lvl))
	return zap.New(core, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel),
		zap.WrapCore(func(c zapcore.Core) zapcore.Core { return flushAtWarn{c, out} })), nil
}

// logFlushInterval bounds how long a buffered log record waits for the write.
const logFlushInterval = 200 * time.Millisecond

// flushAtWarn writes warnings and errors through the buffer at once.
type flushAtWarn struct {
	zapcore.Core
	out *zapcore.BufferedWriteSyncer
}

func (f flushAtWarn) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if f.Enabled(e.Level) {
		return ce.AddCore(e, f)
	}
	return ce
}

func (f flushAtWarn) With(fields []zapcore.Field) zapcore.Core {
	return flushAtWarn{f.Core.With(fields), f.out}
}

func (f flushAtWarn) Write(e zapcore.Entry, fields []zapcore.Field) error {
	err := f.Core.Write(e, fields)
	if e.Level >= zapcore.WarnLevel {
		if serr := f.out.Sync(); err == nil {
			err = serr
		}
	}
	return err
}

// serve runs the gateway until ctx ends, then shuts down gracefully. ready, if set, is
// called with the listening address.
func serve(ctx context.Context, cfg Config, ready func(net.Addr)) error {
	log, err := newLogger(cfg.LogLevel)
	if err != nil {
		return err
	}
	defer log.Sync()
	startDebugListener(log)
	tlsCfg, err := cfg.TLS.serverTLS()
	if err != nil {
		return err
	}

	cache.Configure(cfg.Cache)
	dvDir, err := deletionVectorDir(cfg.CacheDir)
	if err != nil {
		return err
	}
	pushdown.SetDeletionVectorDir(dvDir)
	if n, err := pushdown.PruneDeletionVectorDir(7 * 24 * time.Hour); err != nil {
		log.Warn("pruning decoded deletion vectors", zap.String("dir", dvDir), zap.Error(err))
	} else if n > 0 {
		log.Info("pruned decoded deletion vectors unused for a week", zap.String("dir", dvDir), zap.Int("files", n))
	}
	cats := map[string]*catalog.Catalog{}
	for db, cc := range cfg.Catalogs {
		c, err := catalog.Open(db, cc)
		if err != nil {
			return err
		}
		defer c.Close()
		cats[db] = c
	}
	eng, err := engine.Open(ctx, engine.Config{
		AllowedDirs: append(allowedDirs(cfg), dvDir),
		MemoryLimit: cfg.Engine.MemoryLimit,
		Threads:     cfg.Engine.Threads,
		// Statements DuckDB works on at once are engine.connections; open cursors
		// and suspended portals hold a connection without working, so the pool
		// also has room for four per client.
		Running:              cfg.Engine.Connections,
		Connections:          cfg.Engine.Connections + 4*cfg.MaxConnections,
		Nice:                 cfg.Engine.Nice,
		BlockAllocatorMemory: cfg.Engine.BlockAllocatorMemory,
		Setup:                planner.CompatSetup,
		Logger:               log,
	})
	if err != nil {
		return err
	}
	defer eng.Close()

	users := make([]wire.User, len(cfg.Users))
	for i, u := range cfg.Users {
		users[i] = wire.User{Name: u.Name, Password: u.Password, Verifier: u.Verifier}
	}
	hba := make([]wire.HBARule, len(cfg.HBA))
	for i, r := range cfg.HBA {
		hba[i] = wire.HBARule{Type: r.Type, Database: r.Database, User: r.User, Address: r.Address, Method: r.Method}
	}
	gw := planner.NewGateway(cats, eng, log)
	gw.ConfigureHotTables(cfg.Cache.TablesBytes, cfg.Cache.TablesAfter)
	defer gw.Close()
	if err := gw.Start(ctx); err != nil {
		return err
	}
	srv, err := wire.NewServer(wire.Config{
		ListenAddress:     cfg.Listen,
		Users:             users,
		AuthMethod:        cfg.Auth,
		HBA:               hba,
		TLS:               tlsCfg,
		RequireTLS:        cfg.TLS.Require,
		LoopbackPlaintext: cfg.TLS.AllowLoopbackPlaintext,
		MaxConnections:    cfg.MaxConnections,
		MaxMessageSize:    cfg.MaxMessageSize,
		StartupTimeout:    cfg.StartupTimeout,
		Logger:            log,
	}, gw)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	log.Info("listening", zap.String("address", ln.Addr().String()), zap.Bool("tls", tlsCfg != nil), zap.Int("hba_rules", len(hba)))
	_ = log.Sync() // whoever waits for this record gets it now
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(context.Background(), ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", zap.Duration("deadline", cfg.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown", zap.Error(err))
	}
	if err := <-errc; err != nil && !errors.Is(err, wire.ErrServerClosed) {
		return err
	}
	return nil
}
