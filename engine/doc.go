// Package engine is the only package that imports DuckDB. It opens one sandboxed
// in-memory DuckDB (only the warehouse and cache directories readable, no external
// access, configuration locked), turns each planned lake table scan into a read_parquet
// relation over exactly the planned files with the Iceberg field-id column mapping and
// the delete files applied, runs statements on pooled connections, and streams results
// as Arrow record batches. Cancelling the query's context interrupts DuckDB.
package engine
