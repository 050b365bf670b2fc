package pgserver

import (
	"context"
	"testing"
	"time"
)

// ForTest starts a server for a test in a fresh directory under t.TempDir() (opts.Dir
// is set) and stops it when the test ends. PostgreSQL is a test dependency that
// `make test` installs, so a missing server fails the test rather than skipping it.
func ForTest(t testing.TB, opts Options) *Server {
	t.Helper()
	if _, err := BinDir(opts.Version); err != nil {
		t.Fatalf("PostgreSQL is required by this test (make test-deps installs it): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	opts.Dir = t.TempDir()
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}
