// Package integration holds lakegate's end-to-end tests: real clients (pgx, psql,
// pgjdbc) against a real gateway process serving a freshly built demo lakehouse,
// with every expected answer computed independently from demolake's generators.
//
// TestMain builds cmd/gateway (with -tags duckdb_arrow), builds the demo lake at a
// small scale in a temporary directory, starts `gateway serve --config FILE` on a
// loopback port with SCRAM user gw/gw, and stops it with SIGTERM at the end, failing
// the run if it does not exit cleanly. Everything lives in one package so the
// DuckDB-linking build happens once per run. A client whose tool is missing on the
// machine skips; `make test` installs them all (scripts/install-test-deps.sh).
package integration
