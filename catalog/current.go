package catalog

import (
	"context"
	"database/sql"
	"strings"

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
	err   error // set once opening failed: never retried, iceberg-go answers instead
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
	var loc sql.NullString
	if err := p.db.QueryRowContext(ctx, p.query, c.cfg.Name, ref.Namespace, ref.Name).Scan(&loc); err != nil || !loc.Valid {
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
