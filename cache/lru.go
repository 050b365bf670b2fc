package cache

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/sync/singleflight"
)

// LRU is a least-recently-used cache bounded by the total size of its values. Loads
// of the same key under concurrency share one call (singleflight). A zero or negative
// bound disables caching: every Get loads.
type LRU[V any] struct {
	name string

	mu       sync.Mutex
	maxBytes int64
	lru      *simplelru.LRU[string, sized[V]]
	bytes    int64

	group singleflight.Group

	hits, misses, evictions atomic.Int64
}

type sized[V any] struct {
	v    V
	size int64
}

// NewLRU returns a cache holding at most maxBytes of values.
func NewLRU[V any](name string, maxBytes int64) *LRU[V] {
	c := &LRU[V]{name: name, maxBytes: maxBytes}
	// The entry count is unbounded; the byte bound is enforced in add.
	c.lru, _ = simplelru.NewLRU[string, sized[V]](int(^uint(0)>>1), func(_ string, e sized[V]) {
		c.bytes -= e.size
		c.evictions.Add(1)
	})
	return c
}

// Get returns the cached value for key, or calls load once (shared by concurrent
// callers of the same key) and caches what it returns with the size it reports.
// Errors are not cached.
func (c *LRU[V]) Get(ctx context.Context, key string, load func() (V, int64, error)) (V, error) {
	if v, ok := c.Peek(key); ok {
		c.hits.Add(1)
		return v, nil
	}
	c.misses.Add(1)
	ch := c.group.DoChan(key, func() (any, error) {
		if v, ok := c.Peek(key); ok {
			return v, nil
		}
		v, size, err := load()
		if err != nil {
			return nil, err
		}
		c.Add(key, v, size)
		return v, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			var zero V
			return zero, r.Err
		}
		return r.Val.(V), nil
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// Peek returns the cached value for key and marks it recently used.
func (c *LRU[V]) Peek(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lru.Get(key)
	return e.v, ok
}

// Add caches v under key. A value larger than the whole bound is not cached.
func (c *LRU[V]) Add(key string, v V, size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if size > c.maxBytes {
		return
	}
	if old, ok := c.lru.Peek(key); ok {
		c.bytes -= old.size
	}
	c.lru.Add(key, sized[V]{v: v, size: size})
	c.bytes += size
	c.shrink()
}

// SetMaxBytes changes the bound, evicting what no longer fits.
func (c *LRU[V]) SetMaxBytes(n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.maxBytes = n
	c.shrink()
}

func (c *LRU[V]) shrink() {
	for c.bytes > c.maxBytes {
		if _, _, ok := c.lru.RemoveOldest(); !ok {
			break
		}
	}
}

// Purge empties the cache (counters are kept).
func (c *LRU[V]) Purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Purge()
	c.bytes = 0
}

// Stats is a snapshot of a cache's counters.
type Stats struct {
	Name                    string
	Entries                 int
	Bytes, MaxBytes         int64
	Hits, Misses, Evictions int64
}

// Stats returns the cache's current counters.
func (c *LRU[V]) Stats() Stats {
	c.mu.Lock()
	n, b, max := c.lru.Len(), c.bytes, c.maxBytes
	c.mu.Unlock()
	return Stats{Name: c.name, Entries: n, Bytes: b, MaxBytes: max,
		Hits: c.hits.Load(), Misses: c.misses.Load(), Evictions: c.evictions.Load()}
}
