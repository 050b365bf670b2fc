package cache

import (
	"path"
	"strings"

	"github.com/apache/iceberg-go/table"
)

// Default sizes of the shared caches.
const (
	DefaultMetadataBytes = 256 << 20
	DefaultFooterBytes   = 64 << 20
	DefaultManifestBytes = 256 << 20
	DefaultRowsBytes     = 512 << 20
	// DefaultTablesBytes bounds the in-memory copies of hot table snapshots the
	// planner keeps in DuckDB (they count toward engine.memory_limit).
	DefaultTablesBytes = 2 << 30
	// DefaultTablesAfter is how many statements read a snapshot from its files
	// before it is copied to memory.
	DefaultTablesAfter = 2
)

// Metadata holds immutable Iceberg metadata files by location: table metadata
// (*.metadata.json), manifest lists (snap-*.avro) and manifests (*.avro). Iceberg never
// rewrites a file in place, so a location always names the same bytes.
var Metadata = NewLRU[[]byte]("metadata", DefaultMetadataBytes)

// Tables holds parsed table metadata by the location of its metadata file, so a
// table whose current metadata did not change is not parsed again. It shares the
// metadata bound.
var Tables = NewLRU[table.Metadata]("tables", DefaultMetadataBytes)

// Footers holds decoded Parquet footer summaries by data file location (the value
// type belongs to the package that decodes footers).
var Footers = NewLRU[any]("footers", DefaultFooterBytes)

// Manifests holds decoded manifest lists and manifests by location (the value type
// belongs to the package that decodes them).
var Manifests = NewLRU[any]("manifests", DefaultManifestBytes)

// Rows holds table snapshots in memory for point lookups, by table, snapshot and
// key column (the value type belongs to the planner, which loads them).
var Rows = NewLRU[any]("rows", DefaultRowsBytes)

// Sizes bounds the shared caches, in bytes; 0 disables a cache.
type Sizes struct {
	MetadataBytes int64 `koanf:"metadata_bytes"`
	FooterBytes   int64 `koanf:"footer_bytes"`
	ManifestBytes int64 `koanf:"manifest_bytes"`
	RowsBytes     int64 `koanf:"rows_bytes"`
	// TablesBytes and TablesAfter configure the planner's hot table copies, which
	// live in DuckDB (see planner.Gateway.ConfigureHotTables), not in this package.
	TablesBytes int64 `koanf:"tables_bytes"`
	TablesAfter int   `koanf:"tables_after"`
}

// DefaultSizes are the bounds the caches start with.
var DefaultSizes = Sizes{MetadataBytes: DefaultMetadataBytes, FooterBytes: DefaultFooterBytes, ManifestBytes: DefaultManifestBytes,
	RowsBytes: DefaultRowsBytes, TablesBytes: DefaultTablesBytes, TablesAfter: DefaultTablesAfter}

// Configure sets the bounds of the shared caches.
func Configure(s Sizes) {
	Metadata.SetMaxBytes(s.MetadataBytes)
	Tables.SetMaxBytes(s.MetadataBytes)
	Footers.SetMaxBytes(s.FooterBytes)
	Manifests.SetMaxBytes(s.ManifestBytes)
	Rows.SetMaxBytes(s.RowsBytes)
}

// AllStats returns the counters of every shared cache.
func AllStats() []Stats {
	return []Stats{Metadata.Stats(), Tables.Stats(), Manifests.Stats(), Footers.Stats(), Rows.Stats()}
}

// PurgeAll empties every shared cache (for cold-cache measurements).
func PurgeAll() {
	Metadata.Purge()
	Tables.Purge()
	Manifests.Purge()
	Footers.Purge()
	Rows.Purge()
}

// ImmutableMetadata reports whether a location names an Iceberg metadata file that is
// never rewritten: a table metadata file, a manifest list or a manifest. version-hint
// files and anything else are read through.
func ImmutableMetadata(location string) bool {
	base := path.Base(location)
	return strings.HasSuffix(base, ".metadata.json") || strings.HasSuffix(base, ".avro")
}
