package catalog

import (
	"encoding/binary"
	"os"
	"strings"
	"sync"
)

// SQLite increments a database's file change counter (a big-endian uint32 at byte
// 24 of the header) in every write transaction, and writes it into the file before
// the transaction commits; SQLite's pager itself compares it to decide whether its
// page cache is still valid. A statement that reads the counter unchanged since a
// catalog read that came after an earlier reading of it knows that no commit
// completed in between, so the table pointer that read returned is still current.
// That saves the locked read (a dozen system calls) per statement on a hot table.
// Databases in WAL mode do not maintain the counter: they are always read.

// sqliteCounter reads an SQLite database file's change counter.
type sqliteCounter struct {
	path string

	mu sync.Mutex
	f  *os.File
	fi os.FileInfo // of f, to notice the file being replaced
}

// newSQLiteCounter watches the database file a modernc.org/sqlite URI names, or
// returns nil for URIs it cannot map to one file (in-memory databases).
func newSQLiteCounter(uri string) *sqliteCounter {
	path, query, _ := strings.Cut(uri, "?")
	path = strings.TrimPrefix(path, "file:")
	if strings.HasPrefix(path, "//") {
		path = path[2:] // file:///abs/path
	}
	if path == "" || strings.Contains(path, ":memory:") || strings.Contains(query, "mode=memory") {
		return nil
	}
	return &sqliteCounter{path: path}
}

// read returns the change counter, or false when it cannot be trusted: the file is
// missing, not an SQLite database, or in WAL mode.
func (w *sqliteCounter) read() (uint32, bool) {
	fi, err := os.Stat(w.path)
	if err != nil {
		return 0, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil || !os.SameFile(fi, w.fi) {
		if w.f != nil {
			w.f.Close()
			w.f = nil
		}
		f, err := os.Open(w.path)
		if err != nil {
			return 0, false
		}
		ofi, err := f.Stat()
		if err != nil {
			f.Close()
			return 0, false
		}
		w.f, w.fi = f, ofi
	}
	var hdr [100]byte
	if n, _ := w.f.ReadAt(hdr[:], 0); n < len(hdr) || string(hdr[:16]) != "SQLite format 3\x00" {
		return 0, false
	}
	if hdr[18] == 2 || hdr[19] == 2 { // WAL
		return 0, false
	}
	return binary.BigEndian.Uint32(hdr[24:28]), true
}

func (w *sqliteCounter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
}
