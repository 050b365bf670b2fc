package cache

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func TestLRUBoundedInBytes(t *testing.T) {
	c := NewLRU[string]("t", 100)
	for i, k := range []string{"a", "b", "c"} {
		c.Add(k, k, 40)
		if st := c.Stats(); st.Bytes > 100 || st.Entries != min(i+1, 2) {
			t.Fatalf("after %s: %+v", k, st)
		}
	}
	if _, ok := c.Peek("a"); ok {
		t.Error("a should have been evicted first")
	}
	c.Peek("b") // b is now the most recently used
	c.Add("d", "d", 40)
	if _, ok := c.Peek("c"); ok {
		t.Error("c should have been evicted before b")
	}
	c.Add("huge", "x", 101)
	if _, ok := c.Peek("huge"); ok {
		t.Error("a value larger than the bound was cached")
	}
	c.SetMaxBytes(40)
	if st := c.Stats(); st.Entries != 1 || st.Bytes != 40 || st.Evictions != 3 {
		t.Errorf("after shrinking: %+v", st)
	}
}

func TestLRUOneLoadPerKey(t *testing.T) {
	c := NewLRU[int]("t", 1<<20)
	var loads atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.Get(context.Background(), "k", func() (int, int64, error) {
				loads.Add(1)
				<-release
				return 42, 8, nil
			})
			if err != nil || v != 42 {
				t.Errorf("got %d, %v", v, err)
			}
		}()
	}
	// Goroutines that reach Get while the load is blocked share it; later ones find
	// the value cached. Either way there is exactly one load.
	for c.misses.Load() == 0 {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Errorf("%d loads, want 1", n)
	}
	_, err := c.Get(context.Background(), "bad", func() (int, int64, error) { return 0, 0, errors.New("boom") })
	if err == nil {
		t.Error("error not returned")
	}
	if _, ok := c.Peek("bad"); ok {
		t.Error("an error was cached")
	}
}
