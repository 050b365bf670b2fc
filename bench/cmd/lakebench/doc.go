// Command lakebench runs lakegate's benchmarks: TPC-H through the gateway
// against DuckDB directly and PostgreSQL 15, point lookups, result streaming,
// a mixed load and the gateway's memory, and prints one Markdown report.
//
//	go run -tags duckdb_arrow ./bench/cmd/lakebench -sf 0.1
//
// Run it from the module root. Data is cached under -cache by scale factor,
// so reruns skip generation; PostgreSQL is loaded afresh each run.
package main
