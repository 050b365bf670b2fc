package catalog

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

// TestSQLiteCounter: every commit changes the counter, reads do not; a file replaced
// by another is followed; WAL databases and in-memory URIs are not trusted.
func TestSQLiteCounter(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	exec("CREATE TABLE t (x int)")
	w := newSQLiteCounter("file://" + path + "?_pragma=busy_timeout(100)")
	defer w.close()
	c1, ok := w.read()
	if !ok {
		t.Fatal("counter of a rollback-journal database not read")
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if c, _ := w.read(); c != c1 {
		t.Fatalf("a read changed the counter %d -> %d", c1, c)
	}
	exec("INSERT INTO t VALUES (1)")
	c2, ok := w.read()
	if !ok || c2 == c1 {
		t.Fatalf("a commit left the counter at %d (ok %v)", c2, ok)
	}

	// Another database renamed over the file: its counter is read.
	other := filepath.Join(dir, "other.db")
	odb, err := sql.Open("sqlite", "file:"+other)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"CREATE TABLE a (x int)", "CREATE TABLE b (x int)", "CREATE TABLE c (x int)", "CREATE TABLE d (x int)"} {
		if _, err := odb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	odb.Close()
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	fresh := newSQLiteCounter("file:" + path)
	want, _ := fresh.read()
	fresh.close()
	if c, ok := w.read(); !ok || c != want {
		t.Fatalf("after the file was replaced: counter %d %v, want the new file's %d", c, ok, want)
	}

	wal := filepath.Join(dir, "wal.db")
	wdb, err := sql.Open("sqlite", "file:"+wal)
	if err != nil {
		t.Fatal(err)
	}
	defer wdb.Close()
	if _, err := wdb.Exec("PRAGMA journal_mode=WAL; CREATE TABLE t (x int)"); err != nil {
		t.Fatal(err)
	}
	if _, ok := newSQLiteCounter("file:" + wal).read(); ok {
		t.Fatal("a WAL database's counter was trusted")
	}
	if newSQLiteCounter("file::memory:?cache=shared") != nil || newSQLiteCounter("file:x.db?mode=memory") != nil {
		t.Fatal("an in-memory database was watched")
	}
}
