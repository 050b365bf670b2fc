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
//
// Between resolving and handing SQL to DuckDB the tree is rewritten for PostgreSQL's
// semantics: result names (colnames.go), integer-returning functions and EXTRACT
// (pgsemantics.go), DuckDB spellings (compat.go), and a typed pass (exprtypes.go,
// exprscope.go, exprwalk.go) that infers expression types from the Iceberg schemas
// and routes timestamptz work through the session's TimeZone (tzrewrite.go) and
// numeric quotients through exact division (numeric_semantics.go). Pruning and the
// lookup lane read the predicates as the client wrote them (cloned before these
// rewrites). Point lookups repeated on one table snapshot are answered from memory
// by the lookup lane (lookup.go, lookup_rows.go, lookup_run.go) without DuckDB. A
// table snapshot read repeatedly is copied into DuckDB's memory and later statements
// read the copy instead of its files (hottables.go).
package planner
