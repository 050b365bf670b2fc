package planner

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"go.uber.org/zap"

	"github.com/lakegate/lakegate/cache"
	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/engine"
	"github.com/lakegate/lakegate/pgerr"
	"github.com/lakegate/lakegate/wire"
)

// Gateway answers sessions over the configured catalogs with one engine.
type Gateway struct {
	catalogs map[string]*catalog.Catalog
	engine   *engine.Engine
	log      *zap.Logger
	queryID  atomic.Int64
	shadow   shadowCatalog
	colIDs   columnIDCache   // pg_class/pg_attribute numbers of lake columns (rowdesc.go)
	pgRels   map[string]bool // relations installed in lakegate_pg
	lane     *lookupLane     // point lookups answered from memory (lookup.go)
	hot      *hotTables      // copies of hot table snapshots in DuckDB (hottables.go)
}

// NewGateway serves catalogs (keyed by database name) on engine. log may be nil.
func NewGateway(catalogs map[string]*catalog.Catalog, eng *engine.Engine, log *zap.Logger) *Gateway {
	if log == nil {
		log = zap.NewNop()
	}
	return &Gateway{catalogs: catalogs, engine: eng, log: log, pgRels: map[string]bool{}, lane: newLookupLane(),
		hot: newHotTables(eng, log, cache.DefaultTablesBytes, cache.DefaultTablesAfter)}
}

// ConfigureHotTables bounds the in-memory copies of hot table snapshots
// (cache.tables_bytes; 0 turns them off) and sets how many statements must read a
// snapshot from files before it is copied (cache.tables_after). Call it before
// serving.
// The copies may take at most half of DuckDB's memory_limit: queries need the rest.
func (g *Gateway) ConfigureHotTables(maxBytes int64, after int) {
	if limit := g.engine.MemoryLimit(context.Background()); limit > 0 && maxBytes > limit/2 {
		g.log.Info("cache.tables_bytes lowered to half of engine.memory_limit",
			zap.Int64("configured", maxBytes), zap.Int64("memory_limit", limit), zap.Int64("tables_bytes", limit/2))
		maxBytes = limit / 2
	}
	g.hot.close()
	g.hot = newHotTables(g.engine, g.log, maxBytes, after)
}

// Close stops background work (a hot table copy under way); call it before closing
// the engine.
func (g *Gateway) Close() { g.hot.close() }

// Start installs the catalog views clients introspect and lists the catalogs once.
// A catalog that cannot be listed now is retried when a client asks.
func (g *Gateway) Start(ctx context.Context) error {
	if err := g.installPGCatalog(ctx); err != nil {
		return err
	}
	if err := g.SyncCatalog(ctx); err != nil {
		g.log.Warn("catalog listing failed at start; clients will see it when it is reachable", zap.Error(err))
	}
	return nil
}

var _ wire.Handler = (*Gateway)(nil)

// NewSession implements wire.Handler: the database must be a configured catalog, and
// startup parameters become session settings.
func (g *Gateway) NewSession(ctx context.Context, info wire.StartupInfo) (wire.Session, error) {
	db, ok := g.catalogs[info.Database]
	if !ok {
		return nil, pgerr.New(pgerr.InvalidCatalogName, "database %q does not exist", info.Database)
	}
	s := &Session{g: g, db: db, user: info.User, settings: newSettings(info.User)}
	for k, v := range info.Parameters {
		switch k {
		case "user", "database", "options", "replication":
			continue
		}
		if _, err := s.settings.Set(k, v, true); err != nil {
			return nil, fmt.Errorf("startup parameter %s: %w", k, err)
		}
	}
	// options=-c name=value (libpq's PGOPTIONS) wins over plain parameters, as in
	// PostgreSQL.
	opts, err := parseOptions(info.Parameters["options"])
	if err != nil {
		return nil, err
	}
	for _, kv := range opts {
		if _, err := s.settings.Set(kv[0], kv[1], true); err != nil {
			return nil, fmt.Errorf("startup option %s: %w", kv[0], err)
		}
	}
	return s, nil
}

// parseOptions reads the startup "options" parameter: command-line switches
// separated by spaces (a backslash escapes the next character); -c name=value and
// --name=value set parameters. Other switches are refused with 08P01, as PostgreSQL
// refuses switches it does not know.
func parseOptions(opt string) ([][2]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(opt); i++ {
		c := opt[i]
		switch {
		case c == '\\' && i+1 < len(opt):
			i++
			cur.WriteByte(opt[i])
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	var out [][2]string
	for i := 0; i < len(words); i++ {
		w := words[i]
		var kv string
		switch {
		case w == "-c" && i+1 < len(words):
			i++
			kv = words[i]
		case strings.HasPrefix(w, "-c") && len(w) > 2:
			kv = w[2:]
		case strings.HasPrefix(w, "--"):
			kv = w[2:]
		default:
			return nil, pgerr.New(pgerr.ProtocolViolation, "invalid command-line argument for server process: %s", w)
		}
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, pgerr.New(pgerr.SyntaxError, "-c %s requires a value", kv)
		}
		out = append(out, [2]string{strings.ReplaceAll(name, "-", "_"), value})
	}
	return out, nil
}

// ServerParameters implements wire.Handler.
func (g *Gateway) ServerParameters(ws wire.Session) map[string]string {
	s := ws.(*Session)
	out := map[string]string{}
	for name, def := range settings {
		if def.report {
			v, _ := s.settings.Get(name)
			out[displayName(name)] = v
		}
	}
	return out
}
