// Package planner turns SQL text into work: it parses with the PostgreSQL grammar
// (pg_query_go), lets only reads through, answers session statements (SET, SHOW,
// BEGIN/COMMIT) itself, resolves every table reference through the session's database
// and search_path to an Iceberg table, pins one snapshot per table per statement,
// extracts per-table predicates for pruning, asks pushdown/ for the files to read,
// rewrites each lake table into a scan relation of exactly those files, and hands the
// resulting SQL to the engine.
//
// Flow of one statement: Session.Parse (parse, classify, resolve names; no I/O but the
// catalog) -> Statement.Fields / ParamOIDs (lazily: DuckDB prepares the statement over
// empty scans to learn types) -> Statement.Run with the bound parameters (load tables,
// prune with the real parameter values, run, stream Arrow batches).
package planner
