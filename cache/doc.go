// Package cache holds the bounded, process-wide caches every layer shares: immutable
// Iceberg metadata files (table metadata, manifest lists, manifests) and Parquet footer
// summaries, each keyed by its immutable location and bounded in bytes.
package cache
