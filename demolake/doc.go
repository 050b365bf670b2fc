// Package demolake builds the demo lakehouse — a small retail chain's sales
// in an Iceberg SQL catalog (SQLite) with Parquet data — and the tiny
// lakehouses that tests run against.
//
// A lakehouse lives in one directory:
//
//	DIR/catalog.db     Iceberg SQL catalog (SQLite, driver modernc.org/sqlite)
//	DIR/warehouse/     table metadata and Parquet data (file:// locations)
//
// Namespace shop holds four format-v2 tables:
//
//	products      unpartitioned, one snapshot
//	stores        unpartitioned, one snapshot
//	sales         partitioned by day(ts), three snapshots: the load of
//	              2024-01-01..2025-11-30, the append of December 2025, and a
//	              merge-on-read delete (store 7, March 2025) that writes
//	              position delete files
//	product_kpis  partitioned by month(day), two snapshots (2024, 2025)
//
// All data comes from deterministic generators seeded with fixed PCG
// seeds. The same generators are exported (ProductRows, StoreRows,
// SalesRows, SalesRowsAsOf, KPIRows) so tests can compute expected answers
// in plain Go without reading the lake; Build writes exactly those rows.
//
// Rows are produced and written one day at a time (one Arrow record batch
// per day), so memory stays bounded whatever the scale. Writes go through
// iceberg-go: table.WriteRecords with the clustered writer produces the data
// files, and one transaction per snapshot commits them (AddDataFiles) or
// deletes rows (Delete).
package demolake
