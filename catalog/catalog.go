package catalog

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	_ "github.com/apache/iceberg-go/catalog/rest" // registers the "rest" catalog type
	_ "github.com/apache/iceberg-go/catalog/sql"  // registers the "sql" catalog type
	"github.com/apache/iceberg-go/table"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx" for SQL catalogs in PostgreSQL
	_ "modernc.org/sqlite"             // driver "sqlite" for SQL catalogs in SQLite

	"github.com/lakegate/lakegate/cache"
	"github.com/lakegate/lakegate/pgerr"
)

// Catalog is one configured Iceberg catalog, served as one database.
type Catalog struct {
	Database string
	cfg      Config
	remap    *Remapper
	io       readOnlyIO

	mu    sync.Mutex
	ice   icecat.Catalog // nil for static catalogs; opened lazily so an unreachable catalog does not stop the gateway
	ptr   *pointerReader // the SQL catalog's table pointers, read directly (current.go)
	opErr error
}

// TableRef names a table inside a catalog.
type TableRef struct {
	Namespace string // dotted for nested namespaces
	Name      string
}

func (r TableRef) String() string { return r.Namespace + "." + r.Name }

// Open prepares a catalog. SQL catalogs connect on first use.
func Open(database string, cfg Config) (*Catalog, error) {
	switch cfg.Type {
	case "", "sql":
		cfg.Type = "sql"
		if cfg.URI == "" {
			return nil, fmt.Errorf("catalog %q: uri is required for a sql catalog", database)
		}
	case "rest":
		if cfg.URI == "" {
			return nil, fmt.Errorf("catalog %q: uri is required for a rest catalog", database)
		}
	case "static":
	default:
		return nil, fmt.Errorf("catalog %q: unsupported type %q (supported: sql, rest, static)", database, cfg.Type)
	}
	if cfg.Name == "" {
		cfg.Name = database
	}
	r := NewRemapper(cfg.Remap)
	return &Catalog{Database: database, cfg: cfg, remap: r, io: readOnlyIO{remap: r}}, nil
}

// Remapper returns the catalog's location remapping.
func (c *Catalog) Remapper() *Remapper { return c.remap }

// Close releases the catalog's connections.
func (c *Catalog) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ptr != nil && c.ptr.counter != nil {
		c.ptr.counter.close()
	}
	if c.ptr != nil && c.ptr.db != nil {
		c.ptr.db.Close()
	}
	if cl, ok := c.ice.(icecat.Closer); ok {
		return cl.Close()
	}
	return nil
}

// props are the iceberg-go properties of the catalog: the configured ones, with the
// SQL driver and dialect inferred from the URI when not given.
func (c *Catalog) props() iceberg.Properties {
	props := iceberg.Properties{"type": c.cfg.Type, "uri": c.cfg.URI}
	if c.cfg.Warehouse != "" {
		props["warehouse"] = c.cfg.Warehouse
	}
	maps.Copy(props, c.cfg.Properties)
	if c.cfg.Type == "sql" && (props["sql.driver"] == "" || props["sql.dialect"] == "") {
		driver, dialect := "sqlite", "sqlite"
		if strings.HasPrefix(c.cfg.URI, "postgres://") || strings.HasPrefix(c.cfg.URI, "postgresql://") {
			driver, dialect = "pgx", "postgres"
		}
		if props["sql.driver"] == "" {
			props["sql.driver"] = driver
		}
		if props["sql.dialect"] == "" {
			props["sql.dialect"] = dialect
		}
	}
	if c.cfg.Type == "sql" && props["sql.driver"] == "sqlite" && !strings.Contains(props["uri"], "busy_timeout") {
		// A writer's commit locks the SQLite file for a moment: wait for it instead
		// of failing the statement that reads the catalog meanwhile.
		sep := "?"
		if strings.Contains(props["uri"], "?") {
			sep = "&"
		}
		props["uri"] += sep + "_pragma=busy_timeout(" + strconv.Itoa(sqliteBusyTimeoutMS) + ")"
	}
	return props
}

// sqliteBusyTimeoutMS is how long a read of an SQLite catalog waits for a writer's lock.
const sqliteBusyTimeoutMS = 10000

func (c *Catalog) iceberg(ctx context.Context) (icecat.Catalog, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ice != nil {
		return c.ice, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ice, err := icecat.Load(ctx, c.cfg.Name, c.props())
	if err != nil {
		return nil, unreachable(c.Database, err)
	}
	c.ice = ice
	return ice, nil
}

// connectionLost reports whether err says the catalog's database cannot be
// reached (refused, reset, shut down), as opposed to an answer from it.
func connectionLost(err error) bool {
	var netErr net.Error
	var connErr *pgconn.ConnectError
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &netErr), errors.As(err, &connErr),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNREFUSED):
		return true
	case errors.As(err, &pgErr):
		// Class 08 (connection exception) and 57P01-57P03 (shutdown, crash, cannot connect now).
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	return false
}

func unreachable(db string, err error) error {
	return pgerr.Wrap(err, pgerr.ConnectionFailure, "catalog of database %q is unreachable: %v", db, err)
}

// Namespaces lists the catalog's namespaces, nested ones joined with dots.
func (c *Catalog) Namespaces(ctx context.Context) ([]string, error) {
	if c.cfg.Type == "static" {
		seen := map[string]bool{}
		for k := range c.cfg.Tables {
			if i := strings.LastIndex(k, "."); i > 0 {
				seen[k[:i]] = true
			}
		}
		return slices.Sorted(maps.Keys(seen)), nil
	}
	ice, err := c.iceberg(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	var walk func(parent table.Identifier) error
	walk = func(parent table.Identifier) error {
		nss, err := ice.ListNamespaces(ctx, parent)
		if err != nil {
			return err
		}
		for _, ns := range nss {
			name := strings.Join(ns, ".")
			// Only proper children: some catalogs answer a parent with itself.
			if seen[name] || len(ns) <= len(parent) || !slices.Equal(ns[:len(parent)], parent) {
				continue
			}
			seen[name] = true
			out = append(out, name)
			if err := walk(ns); err != nil && !errors.Is(err, icecat.ErrNoSuchNamespace) {
				continue // catalogs without nested namespaces may refuse a parent
			}
		}
		return nil
	}
	if err := walk(nil); err != nil {
		return nil, unreachable(c.Database, err)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Tables lists the tables of a namespace.
func (c *Catalog) Tables(ctx context.Context, namespace string) ([]string, error) {
	if c.cfg.Type == "static" {
		var out []string
		for k := range c.cfg.Tables {
			if i := strings.LastIndex(k, "."); i > 0 && k[:i] == namespace {
				out = append(out, k[i+1:])
			}
		}
		slices.Sort(out)
		return out, nil
	}
	ice, err := c.iceberg(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for id, err := range ice.ListTables(ctx, strings.Split(namespace, ".")) {
		if err != nil {
			if errors.Is(err, icecat.ErrNoSuchNamespace) {
				return nil, nil
			}
			return nil, unreachable(c.Database, err)
		}
		out = append(out, id[len(id)-1])
	}
	slices.Sort(out)
	return out, nil
}

// LoadTable loads a table's current metadata. A missing table is 42P01.
func (c *Catalog) LoadTable(ctx context.Context, ref TableRef) (*table.Table, error) {
	ident := append(strings.Split(ref.Namespace, "."), ref.Name)
	if c.cfg.Type == "static" {
		loc, ok := c.cfg.Tables[ref.String()]
		if !ok {
			return nil, pgerr.New(pgerr.UndefinedTable, "relation %q does not exist", ref.String())
		}
		t, err := c.fromLocation(ctx, ident, loc)
		if err != nil {
			return nil, pgerr.Wrap(err, pgerr.IOError, "could not read metadata of table %q: %v", ref.String(), err)
		}
		return t, nil
	}
	if loc, ok := c.currentLocation(ctx, ref); ok {
		if t, err := c.fromLocation(ctx, ident, loc); err == nil {
			return t, nil
		}
	}
	ice, err := c.iceberg(ctx)
	if err != nil {
		return nil, err
	}
	t, err := ice.LoadTable(ctx, ident)
	if err != nil {
		if errors.Is(err, icecat.ErrNoSuchTable) || errors.Is(err, icecat.ErrNoSuchNamespace) {
			return nil, pgerr.New(pgerr.UndefinedTable, "relation %q does not exist", ref.String())
		}
		if connectionLost(err) {
			return nil, unreachable(c.Database, err)
		}
		return nil, pgerr.Wrap(err, pgerr.IOError, "could not load table %q: %v", ref.String(), err)
	}
	// Read every file through the remapping, read-only file system.
	cache.Tables.Add(t.MetadataLocation(), t.Metadata(), metadataWeight(t.Metadata()))
	return table.New(t.Identifier(), t.Metadata(), t.MetadataLocation(), c.io.fsysF(), nil), nil
}
