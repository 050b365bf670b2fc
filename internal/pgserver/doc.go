// Package pgserver starts a throwaway PostgreSQL server from the Debian packages for
// tests and benchmarks: a fresh cluster in a scratch directory, listening on a free
// loopback port, stopped and removed by Stop. When the caller runs as root it runs the
// server as the "postgres" system user, since PostgreSQL refuses to run as root.
package pgserver
