package wire

import (
	"crypto/subtle"
	"encoding/binary"
	"strconv"
	"strings"
	"sync"
	"time"
)

// backendKey is what BackendKeyData tells a client and a CancelRequest gives back.
type backendKey struct {
	pid    uint32
	secret [4]byte
}

// cancelRegistry maps live connections' process ids to the connection; the secret
// must match for a CancelRequest to act.
type cancelRegistry struct {
	mu    sync.Mutex
	conns map[uint32]*conn
}

func newCancelRegistry() *cancelRegistry {
	return &cancelRegistry{conns: map[uint32]*conn{}}
}

// register gives c a process id unique among live connections and a random secret,
// setting c.key before c becomes visible to cancel.
func (r *cancelRegistry) register(c *conn) {
	var k backendKey
	copy(k.secret[:], randomBytes(4))
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		k.pid = binary.BigEndian.Uint32(randomBytes(4)) & 0x7fffffff
		if _, taken := r.conns[k.pid]; k.pid != 0 && !taken {
			break
		}
	}
	c.key = k
	r.conns[k.pid] = c
}

func (r *cancelRegistry) remove(k backendKey) {
	if k.pid == 0 {
		return
	}
	r.mu.Lock()
	delete(r.conns, k.pid)
	r.mu.Unlock()
}

// cancel cancels the running statement of the connection with that key, if any.
// Like PostgreSQL it says nothing about whether it found one.
func (r *cancelRegistry) cancel(pid uint32, secret []byte) {
	r.mu.Lock()
	c := r.conns[pid]
	r.mu.Unlock()
	if c == nil || subtle.ConstantTimeCompare(c.key.secret[:], secret) != 1 {
		return
	}
	c.cancelActive()
}

// parseStatementTimeout reads statement_timeout as PostgreSQL accepts it: a number
// of milliseconds, or a number with a unit (us, ms, s, min, h, d). 0, "" or anything
// unreadable means no timeout.
func parseStatementTimeout(v string) time.Duration {
	v = strings.TrimSpace(strings.Trim(strings.TrimSpace(v), "'"))
	if v == "" {
		return 0
	}
	i := 0
	for i < len(v) && (v[i] >= '0' && v[i] <= '9' || v[i] == '.') {
		i++
	}
	n, err := strconv.ParseFloat(v[:i], 64)
	if err != nil || n <= 0 {
		return 0
	}
	unit := time.Millisecond
	switch strings.ToLower(strings.TrimSpace(v[i:])) {
	case "", "ms":
	case "us":
		unit = time.Microsecond
	case "s":
		unit = time.Second
	case "min":
		unit = time.Minute
	case "h":
		unit = time.Hour
	case "d":
		unit = 24 * time.Hour
	default:
		return 0
	}
	return time.Duration(n * float64(unit))
}
