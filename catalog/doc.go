// Package catalog opens the configured Iceberg catalogs (each one a database clients
// connect to), loads tables and their snapshots, maps Iceberg types to PostgreSQL and
// DuckDB types, and remaps file locations written on other machines to local paths.
package catalog
