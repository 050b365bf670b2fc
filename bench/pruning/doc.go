// Command pruning measures lakegate's scan planning on a large Iceberg table: 10,000
// data files in 200 manifests. It plans selective queries (one day, one product id)
// and broad ones with cold and warm caches, counts the footers opened against the
// files that can hold matching rows, reports the memory planning allocates, and runs
// a selective query end to end on DuckDB with pruning on and off.
//
//	go run -tags duckdb_arrow ./bench/pruning [-dir DIR] [-runs N]
package main
