package planner

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"go.uber.org/zap"

	"github.com/lakegate/lakegate/catalog"
)

// The engine's own pg_catalog and information_schema describe the relations DuckDB
// knows. The gateway keeps one empty "shadow" table in DuckDB per lake table, with
// the lake table's schema, namespace, column types, NOT NULL and comments, so catalog
// queries from psql, pgjdbc and BI tools list the lake. Shadow tables are never read
// for data: the planner resolves lake names to scans before DuckDB sees them.
type shadowCatalog struct {
	mu       sync.Mutex
	synced   time.Time
	tables   map[string]string // "ns"."table" -> metadata location it was built from
	interval time.Duration
}

// shadowRefresh is how stale the shadow catalog may be when a catalog query runs.
const shadowRefresh = 2 * time.Second

// SyncCatalog brings the shadow tables up to date with every catalog now.
func (g *Gateway) SyncCatalog(ctx context.Context) error {
	g.shadow.mu.Lock()
	defer g.shadow.mu.Unlock()
	return g.syncLocked(ctx)
}

// syncIfStale refreshes the shadow tables when they are older than shadowRefresh.
func (g *Gateway) syncIfStale(ctx context.Context) {
	g.shadow.mu.Lock()
	defer g.shadow.mu.Unlock()
	if time.Since(g.shadow.synced) < shadowRefresh {
		return
	}
	if err := g.syncLocked(ctx); err != nil {
		g.log.Warn("catalog refresh failed", zap.Error(err))
	}
}

func (g *Gateway) syncLocked(ctx context.Context) error {
	if g.shadow.tables == nil {
		g.shadow.tables = map[string]string{}
	}
	seen := map[string]bool{}
	schemas := map[string]bool{}
	var firstErr error
	for _, cat := range g.catalogs {
		nss, err := cat.Namespaces(ctx)
		if err != nil {
			firstErr = err
			continue
		}
		for _, ns := range nss {
			schemas[ns] = true
			tables, err := cat.Tables(ctx, ns)
			if err != nil {
				firstErr = err
				continue
			}
			if err := g.engine.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+catalog.QuoteIdent(ns)); err != nil {
				return err
			}
			for _, name := range tables {
				key := catalog.QuoteIdent(ns) + "." + catalog.QuoteIdent(name)
				seen[key] = true
				t, err := cat.LoadTable(ctx, catalog.TableRef{Namespace: ns, Name: name})
				if err != nil {
					firstErr = err
					continue
				}
				if g.shadow.tables[key] == t.MetadataLocation() {
					continue
				}
				if err := g.engine.Exec(ctx, shadowDDL(key, t.Metadata().CurrentSchema(), t.Metadata().Properties())); err != nil {
					return fmt.Errorf("shadow table %s: %w", key, err)
				}
				if err := g.engine.Exec(ctx, statsDML(ns, name, t.CurrentSnapshot())); err != nil {
					return fmt.Errorf("table statistics %s: %w", key, err)
				}
				g.shadow.tables[key] = t.MetadataLocation()
			}
		}
	}
	for key := range g.shadow.tables {
		if !seen[key] && firstErr == nil {
			if err := g.engine.Exec(ctx, "DROP TABLE IF EXISTS "+key); err != nil {
				return err
			}
			if err := g.engine.Exec(ctx, statsDML(key, "", nil)); err != nil {
				return err
			}
			delete(g.shadow.tables, key)
		}
	}
	g.shadow.synced = time.Now()
	return firstErr
}

// statsDML replaces a table's row in lakegate_pg.lake_stats with the counts of its
// current snapshot's summary: live rows (records minus deleted ones), data files,
// bytes of all files, deleted rows. With name "", ns is a quoted key being dropped.
func statsDML(ns, name string, snap *table.Snapshot) string {
	if name == "" {
		return fmt.Sprintf(`DELETE FROM %s.lake_stats WHERE %s = '"' || replace(schema_name, '"', '""') || '"."' || replace(table_name, '"', '""') || '"'`,
			pgSchema, catalog.QuoteLiteral(ns))
	}
	where := fmt.Sprintf("schema_name = %s AND table_name = %s", catalog.QuoteLiteral(ns), catalog.QuoteLiteral(name))
	var rows, files, bytes, deleted int64
	if snap != nil && snap.Summary != nil {
		p := snap.Summary.Properties
		num := func(k string) int64 {
			v, _ := strconv.ParseInt(p[k], 10, 64)
			return v
		}
		deleted = num("total-position-deletes") + num("total-equality-deletes")
		rows = max(num("total-records")-deleted, 0)
		files, bytes = num("total-data-files"), num("total-files-size")
	}
	return fmt.Sprintf("BEGIN; DELETE FROM %[1]s.lake_stats WHERE %[2]s; INSERT INTO %[1]s.lake_stats VALUES (%[3]s, %[4]s, %[5]d, %[6]d, %[7]d, %[8]d); COMMIT;",
		pgSchema, where, catalog.QuoteLiteral(ns), catalog.QuoteLiteral(name), rows, files, bytes, deleted)
}

func shadowDDL(key string, schema *iceberg.Schema, props iceberg.Properties) string {
	var b strings.Builder
	fmt.Fprintf(&b, "BEGIN; CREATE OR REPLACE TABLE %s (", key)
	ids := map[int]bool{}
	for _, id := range schema.IdentifierFieldIDs {
		ids[id] = true
	}
	var pk []string
	for i, f := range schema.Fields() {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", catalog.QuoteIdent(f.Name), catalog.DuckDBType(f.Type))
		if f.Required {
			b.WriteString(" NOT NULL")
		}
		if ids[f.ID] {
			pk = append(pk, catalog.QuoteIdent(f.Name))
		}
	}
	if len(pk) > 0 {
		fmt.Fprintf(&b, ", PRIMARY KEY (%s)", strings.Join(pk, ", "))
	}
	b.WriteString(");")
	if c := props["comment"]; c != "" {
		fmt.Fprintf(&b, " COMMENT ON TABLE %s IS %s;", key, catalog.QuoteLiteral(c))
	}
	for _, f := range schema.Fields() {
		if f.Doc != "" {
			fmt.Fprintf(&b, " COMMENT ON COLUMN %s.%s IS %s;", key, catalog.QuoteIdent(f.Name), catalog.QuoteLiteral(f.Doc))
		}
	}
	b.WriteString(" COMMIT;")
	return b.String()
}
