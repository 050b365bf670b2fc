package pgserver

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestStartQueryStop(t *testing.T) {
	if _, err := BinDir(""); err != nil {
		t.Fatalf("PostgreSQL must be installed for the tests (make test-deps): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{Dir: t.TempDir(), Settings: map[string]string{"work_mem": "8MB"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if err := s.CreateDatabase(ctx, "cat"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateDatabase(ctx, "cat"); err != nil {
		t.Fatalf("second CreateDatabase must be a no-op: %v", err)
	}
	c, err := pgx.Connect(ctx, s.DSN("cat"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var wm string
	if err := c.QueryRow(ctx, "SHOW work_mem").Scan(&wm); err != nil || wm != "8MB" {
		t.Fatalf("work_mem = %q, %v; want 8MB", wm, err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := pgx.Connect(ctx, s.DSN("cat")); err == nil {
		t.Fatal("server still accepts connections after Stop")
	}
}
