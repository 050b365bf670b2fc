package catalog

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"time"

	"github.com/apache/iceberg-go/table"

	"github.com/lakegate/lakegate/cache"
)

// A table's metadata file never changes once written, so a statement only needs the
// table's current metadata location from the catalog: when that location is one
// already parsed, the table is served from cache.Tables without reading or parsing
// JSON again. For SQL catalogs the location is read with one indexed query on the
// catalog's iceberg_tables table (the layout iceberg-go shares with the Java JDBC
// catalog); anything unusual (an encoded or dotted namespace, a schema without
// iceberg_type, a missing row, an error) falls back to iceberg-go's LoadTable, which
// stays the authority on errors.

// pointerReader holds a database/sql handle on the SQL catalog's database.
type pointerReader struct {
	db    *sql.DB
	query string

	prepMu sync.Mutex
	stmt   *sql.Stmt // prepared on first use (database/sql prepares it per connection)
	err    error     // set once opening failed: never retried, iceberg-go answers instead

	mu    sync.Mutex
	reads map[TableRef]*pointerRead // the latest read of each table

	// For SQLite catalogs: the file's change counter (sqlitewatch.go), and each
	// table's pointer with the counter read before the query that returned it.
	counter *sqliteCounter
	known   map[TableRef]knownPointer
}

type knownPointer struct {
	loc     string
	counter uint32
}

// pointerRead is one catalog query for a table's metadata location. A statement must
// see every commit that completed before it started, so it may use a read that
// started after it did: concurrent statements on a hot table share one read instead
// of each sending their own, and none sees an older pointer than its own read would.
type pointerRead struct {
	start time.Time
	done  chan struct{}
	loc   string
	ok    bool
}

func (c *Catalog) pointers() *pointerReader {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ptr != nil {
		return c.ptr
	}
	props := c.props()
	c.ptr = &pointerReader{}
	db, err := sql.Open(props["sql.driver"], props["uri"])
	if err != nil {
		c.ptr.err = err
		return c.ptr
	}
	db.SetMaxIdleConns(2)
	c.ptr.db = db
	c.ptr.reads = map[TableRef]*pointerRead{}
	if props["sql.driver"] == "sqlite" {
		c.ptr.counter = newSQLiteCounter(props["uri"])
		c.ptr.known = map[TableRef]knownPointer{}
	}
	ph := func(int) string { return "?" }
	if props["sql.dialect"] == "postgres" {
		ph = func(i int) string { return "$" + string(rune('0'+i)) }
	}
	c.ptr.query = "SELECT metadata_location FROM iceberg_tables WHERE catalog_name = " + ph(1) +
		" AND table_namespace = " + ph(2) + " AND table_name = " + ph(3) +
		" AND (iceberg_type IS NULL OR iceberg_type = 'TABLE')"
	return c.ptr
}

// currentLocation returns the table's current metadata location from a SQL
// catalog, or ok=false when iceberg-go should be asked instead.
func (c *Catalog) currentLocation(ctx context.Context, ref TableRef) (string, bool) {
	if c.cfg.Type != "sql" || strings.Contains(ref.Namespace, "__iceberg_namespace_v1__:") {
		return "", false
	}
	p := c.pointers()
	if p.err != nil {
		return "", false
	}
	if p.counter != nil {
		// The counter is read before the statement's start, so every read this
		// statement may use below queried the catalog after it.
		if n, ok := p.counter.read(); ok {
			p.mu.Lock()
			k, hit := p.known[ref]
			p.mu.Unlock()
			if hit && k.counter == n {
				return k.loc, true
			}
			loc, ok := c.sharedRead(ctx, p, ref, time.Now())
			if ok {
				p.mu.Lock()
				if len(p.known) > 10000 {
					clear(p.known)
				}
				p.known[ref] = knownPointer{loc: loc, counter: n}
				p.mu.Unlock()
			}
			return loc, ok
		}
	}
	return c.sharedRead(ctx, p, ref, time.Now())
}

// sharedRead returns the table's pointer from a catalog read that started at or
// after asOf: one under way, or a new one.
func (c *Catalog) sharedRead(ctx context.Context, p *pointerReader, ref TableRef, asOf time.Time) (string, bool) {
	p.mu.Lock()
	for {
		r := p.reads[ref]
		if r == nil || r.start.Before(asOf) {
			if r != nil {
				select {
				case <-r.done:
				default:
					// A read older than this statement is under way: wait for it,
					// then share or start the next one.
					p.mu.Unlock()
					if !wait(ctx, r.done) {
						return "", false
					}
					p.mu.Lock()
					continue
				}
			}
			r = &pointerRead{start: time.Now(), done: make(chan struct{})}
			p.reads[ref] = r
			p.mu.Unlock()
			r.loc, r.ok = c.readLocation(ctx, p, ref)
			close(r.done)
			if !r.ok {
				p.mu.Lock()
				if p.reads[ref] == r {
					delete(p.reads, ref) // never share a failure with later statements
				}
				p.mu.Unlock()
			}
			return r.loc, r.ok
		}
		p.mu.Unlock()
		if !wait(ctx, r.done) {
			return "", false
		}
		return r.loc, r.ok
	}
}

// wait waits for done or the end of ctx, and reports whether done came first.
func wait(ctx context.Context, done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// readLocation runs the pointer query once.
func (c *Catalog) readLocation(ctx context.Context, p *pointerReader, ref TableRef) (string, bool) {
	p.prepMu.Lock()
	if p.stmt == nil {
		stmt, err := p.db.PrepareContext(ctx, p.query)
		if err != nil {
			p.prepMu.Unlock()
			return "", false
		}
		p.stmt = stmt
	}
	stmt := p.stmt
	p.prepMu.Unlock()
	var loc sql.NullString
	if err := stmt.QueryRowContext(ctx, c.cfg.Name, ref.Namespace, ref.Name).Scan(&loc); err != nil || !loc.Valid {
		return "", false
	}
	return loc.String, true
}

// fromLocation builds the table at metadata location loc, parsing the file only if
// no session parsed it before. Compressed metadata goes through iceberg-go.
func (c *Catalog) fromLocation(ctx context.Context, ident table.Identifier, loc string) (*table.Table, error) {
	if strings.HasSuffix(loc, ".gz.metadata.json") {
		return table.NewFromLocation(ctx, ident, loc, c.io.fsysF(), nil)
	}
	md, err := cache.Tables.Get(ctx, loc, func() (table.Metadata, int64, error) {
		b, err := c.io.cached(loc)
		if err != nil {
			return nil, 0, err
		}
		md, err := table.ParseMetadataBytes(b)
		if err != nil {
			return nil, 0, err
		}
		return md, metadataWeight(md), nil
	})
	if err != nil {
		return nil, err
	}
	return table.New(ident, md, loc, c.io.fsysF(), nil), nil
}

// metadataWeight estimates a parsed metadata's memory for the cache bound: a few
// hundred bytes per snapshot, schema field and partition spec, plus a base.
func metadataWeight(md table.Metadata) int64 {
	n := int64(4 << 10)
	n += int64(len(md.Snapshots())) * 512
	for _, s := range md.Schemas() {
		n += int64(s.NumFields()) * 256
	}
	n += int64(len(md.PartitionSpecs())) * 256
	return n
}
