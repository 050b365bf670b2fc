// Command gateway is lakegate's binary: `gateway demo` builds and serves a demo
// lakehouse, `gateway serve --config FILE` serves the configured Iceberg catalogs to
// PostgreSQL clients.
package main
