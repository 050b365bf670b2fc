package catalog_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"

	"github.com/lakegate/lakegate/cache"
	"github.com/lakegate/lakegate/catalog"
)

// TestCurrentMetadataFromCache: a table whose metadata did not change is served
// from the parsed-metadata cache, and a commit by another writer is seen by the
// next LoadTable.
func TestCurrentMetadataFromCache(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	uri := "file:" + filepath.Join(dir, "catalog.db")
	wh := "file://" + filepath.Join(dir, "warehouse")
	props := iceberg.Properties{"type": "sql", "uri": uri, "sql.driver": "sqlite", "sql.dialect": "sqlite", "warehouse": wh}
	written := writeTable(t, props, table.Identifier{"ns"}, "items")

	c, err := catalog.Open("lake", catalog.Config{Type: "sql", Name: "writer", URI: uri, Warehouse: wh})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ref := catalog.TableRef{Namespace: "ns", Name: "items"}
	first, err := c.LoadTable(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if first.MetadataLocation() != written.MetadataLocation() {
		t.Fatalf("metadata location %s, want %s", first.MetadataLocation(), written.MetadataLocation())
	}
	before := cache.Tables.Stats()
	again, err := c.LoadTable(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	after := cache.Tables.Stats()
	if after.Hits != before.Hits+1 || after.Misses != before.Misses {
		t.Fatalf("second LoadTable: hits %d→%d, misses %d→%d; want one hit and no parse", before.Hits, after.Hits, before.Misses, after.Misses)
	}
	if again.CurrentSnapshot().SnapshotID != first.CurrentSnapshot().SnapshotID {
		t.Fatal("the cached table differs from the first load")
	}

	// Another writer appends: the pointer moves and the next load sees the new snapshot.
	cat, err := icecat.Load(ctx, "writer", props)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.(icecat.Closer).Close()
	committed := appendID(t, cat, 4)
	now, err := c.LoadTable(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if now.MetadataLocation() != committed.MetadataLocation() || now.CurrentSnapshot().SnapshotID == first.CurrentSnapshot().SnapshotID {
		t.Fatalf("after a commit: location %s snapshot %d, want %s and a new snapshot", now.MetadataLocation(), now.CurrentSnapshot().SnapshotID, committed.MetadataLocation())
	}
	checkReadable(t, c, ref, 4)
}

// TestConcurrentLoadsSeeEarlierCommits: concurrent statements share catalog reads
// of a hot table, yet every LoadTable that starts after a commit returned sees that
// commit or a later one.
func TestConcurrentLoadsSeeEarlierCommits(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	uri := "file:" + filepath.Join(dir, "catalog.db")
	wh := "file://" + filepath.Join(dir, "warehouse")
	props := iceberg.Properties{"type": "sql", "uri": uri, "sql.driver": "sqlite", "sql.dialect": "sqlite", "warehouse": wh}
	writeTable(t, props, table.Identifier{"ns"}, "items")
	// The writer waits for the readers' shared locks instead of failing.
	props["uri"] = uri + "?_pragma=busy_timeout(10000)"
	c, err := catalog.Open("lake", catalog.Config{Type: "sql", Name: "writer", URI: uri, Warehouse: wh})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ref := catalog.TableRef{Namespace: "ns", Name: "items"}
	cat, err := icecat.Load(ctx, "writer", props)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.(icecat.Closer).Close()

	type read struct {
		start time.Time
		seq   int64
	}
	const commits = 6
	var committed [commits]time.Time // when commit i (sequence number i+2) had returned
	var mu sync.Mutex
	var reads []read
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				tb, err := c.LoadTable(ctx, ref)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				reads = append(reads, read{start: start, seq: tb.Metadata().LastSequenceNumber()})
				mu.Unlock()
			}
		}()
	}
	for i := range commits {
		appendID(t, cat, 9)
		committed[i] = time.Now()
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, r := range reads {
		want := int64(0)
		for i, at := range committed {
			if at.Before(r.start) {
				want = int64(i + 1)
			}
		}
		if r.seq < want+1 { // the table's first snapshot has sequence number 1
			t.Fatalf("a LoadTable started after commit %d returned saw sequence number %d", want, r.seq)
		}
	}
	if len(reads) < commits*2 {
		t.Fatalf("only %d reads", len(reads))
	}
}

// appendID commits one row {"id": id} to ns.items through an iceberg-go catalog.
func appendID(t *testing.T, cat icecat.Catalog, id int) *table.Table {
	t.Helper()
	ctx := context.Background()
	tbl, err := cat.LoadTable(ctx, table.Identifier{"ns", "items"})
	if err != nil {
		t.Fatal(err)
	}
	asc, err := table.SchemaToArrowSchema(tbl.Schema(), nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, asc, strings.NewReader(fmt.Sprintf(`[{"id":%d}]`, id)))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	tx := tbl.NewTransaction()
	if err := tx.AppendTable(ctx, array.NewTableFromRecords(asc, []arrow.RecordBatch{rec}), 1, nil); err != nil {
		t.Fatal(err)
	}
	committed, err := tx.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return committed
}
