package engine

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// TestQueryThreadNice: while interactive statements are answered, a query's DuckDB
// calls run on a thread whose nice value is raised (otherwise in place), the calling
// goroutine's thread keeps its priority, and the thread ends with the query.
func TestQueryThreadNice(t *testing.T) {
	niceOf := func() int {
		// The raw getpriority system call returns 20 - nice.
		p, err := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
		if err != nil {
			t.Fatal(err)
		}
		return 20 - p
	}
	runtime.LockOSThread()
	base := niceOf()
	runtime.UnlockOSThread()
	qt := newQueryThread(7)
	var got int
	qt.run(func() { got = niceOf() })
	qt.stop()
	if got != min(base+7, 19) {
		t.Fatalf("query thread nice %d, want %d (the caller's %d + 7)", got, min(base+7, 19), base)
	}
	runtime.LockOSThread()
	after := niceOf()
	runtime.UnlockOSThread()
	if after != base {
		t.Fatalf("the caller's thread nice changed from %d to %d", base, after)
	}
	if newQueryThread(0) != nil {
		t.Fatal("nice 0 must run calls in place")
	}

	// Queries on an engine with Nice stream their rows as before, and their threads end.
	e, err := Open(context.Background(), Config{AllowedDirs: []string{t.TempDir()}, Connections: 2, Threads: 2, Nice: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	before := runtime.NumGoroutine()
	for i := range 4 {
		interactive := i%2 == 1
		if interactive {
			e.MarkInteractive()
		} else {
			e.interactive.Store(0)
		}
		r, err := e.Query(context.Background(), "SELECT range AS x FROM range(100000) ORDER BY x DESC", nil)
		if err != nil {
			t.Fatal(err)
		}
		if (r.thread != nil) != interactive {
			t.Fatalf("interactive traffic %v, query on its own thread %v", interactive, r.thread != nil)
		}
		vals := collectInt64(t, r)
		if len(vals) != 100000 || vals[0] != 99999 || vals[99999] != 0 {
			t.Fatalf("%d rows, first %d", len(vals), vals[0])
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after the queries, %d before: query threads leak", n, before)
	}
}
