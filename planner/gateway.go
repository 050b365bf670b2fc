package planner

import (
	"context"
	"fmt"
	"sync/atomic"

	"go.uber.org/zap"

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
	pgRels   map[string]bool // relations installed in lakegate_pg
}

// NewGateway serves catalogs (keyed by database name) on engine. log may be nil.
func NewGateway(catalogs map[string]*catalog.Catalog, eng *engine.Engine, log *zap.Logger) *Gateway {
	if log == nil {
		log = zap.NewNop()
	}
	return &Gateway{catalogs: catalogs, engine: eng, log: log, pgRels: map[string]bool{}}
}

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
	return s, nil
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
