// Package bench measures lakegate against DuckDB run directly over the same
// Parquet files (the ceiling) and against PostgreSQL 15 holding the same rows:
// TPC-H, point lookups, result streaming, a mixed load and the gateway's
// memory. Every figure is printed next to its baseline measured in the same
// run; nothing here is a test. cmd/lakebench is the program `make bench` runs.
package bench
