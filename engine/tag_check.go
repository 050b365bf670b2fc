//go:build !duckdb_arrow

package engine

// The engine streams results through DuckDB's Arrow interface, which duckdb-go builds
// only with the duckdb_arrow tag. Build with: go build -tags duckdb_arrow ./...
var _ = build_with_tags_duckdb_arrow
