package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/jackc/pgx/v5"
)

// TestHotTables checks the in-memory copies of hot table snapshots: a snapshot read
// twice is copied, later statements read the copy (the log and EXPLAIN say so) and
// get exactly the rows the files give — deletes of both kinds applied, a renamed
// column under its new name — while time travel, a new commit and a repeatable read
// transaction each read their own snapshot. A newer copy replaces the older one, also
// while a statement still reads the old one; a copy over cache.tables_bytes is refused.
func TestHotTables(t *testing.T) {
	l := newIceLake(t)
	sc := iceberg.NewSchema(0, field(1, "id", iceberg.PrimitiveTypes.Int64), field(2, "name", iceberg.PrimitiveTypes.String),
		field(3, "v", iceberg.PrimitiveTypes.Float64))
	hot := l.create(t, "hot", sc, nil, v2Props)
	var rows []string
	for i := 1; i <= 40; i++ {
		rows = append(rows, fmt.Sprintf(`{"id":%d,"name":"n%d","v":%d.5}`, i, i%7, i))
	}
	hot = appendJSON(t, hot, "["+strings.Join(rows[:20], ",")+"]")
	hot = appendJSON(t, hot, "["+strings.Join(rows[20:], ",")+"]")
	first := hot.Metadata().CurrentSnapshot().SnapshotID
	hot = deleteWhere(t, hot, iceberg.LessThan(iceberg.Reference("id"), int64(6))) // position deletes: ids 1-5
	hot = deleteEqual(t, hot, []string{"name"}, `[{"name":"n3"}]`)                 // ids 3, 10, 17, 24, 31, 38
	tx := hot.NewTransaction()
	if err := tx.UpdateSchema(true, false).RenameColumn([]string{"name"}, "label").Commit(); err != nil {
		t.Fatal(err)
	}
	hot = commit(t, tx)
	small := l.create(t, "small", iceberg.NewSchema(0, field(1, "id", iceberg.PrimitiveTypes.Int64)), nil, v2Props)
	appendJSON(t, small, `[{"id":1},{"id":2}]`)

	l.serve(t, "")
	c := l.connect(t, "ice")
	logPath := filepath.Join(l.dir, "gateway.log")

	var live []int // ids the current snapshot holds
	for i := 6; i <= 40; i++ {
		if i%7 != 3 {
			live = append(live, i)
		}
	}
	want := func(ids []int) (all, filtered []string, sum float64) {
		for _, id := range ids {
			all = append(all, fmt.Sprintf("%d|n%d", id, id%7))
			if id >= 20 && id < 30 {
				filtered = append(filtered, fmt.Sprintf("%d|%g", id, float64(id)+0.5))
			}
			sum += float64(id) + 0.5
		}
		return all, filtered, sum
	}
	check := func(ids []int) {
		t.Helper()
		all, filtered, sum := want(ids)
		wantRows(t, c, all, "SELECT id, label FROM t.hot ORDER BY id")
		wantRows(t, c, filtered, "SELECT id, v FROM t.hot WHERE id >= $1 AND id < $2 ORDER BY id", 20, 30)
		wantRows(t, c, []string{fmt.Sprintf("%d|%g", len(ids), sum)}, "SELECT count(*), sum(v) FROM t.hot")
	}
	check(live) // from files, twice: the snapshot is copied
	waitHot(t, c, "SELECT * FROM t.hot")
	check(live)
	if n := inMemoryRecords(t, logPath, "t.hot"); n < 3 {
		t.Errorf("%d statements logged reading t.hot from memory, want the last 3", n)
	}

	// Time travel reads its own snapshot, from files.
	wantRows(t, c, []string{"40"}, fmt.Sprintf(`SELECT count(*) FROM t."hot@%d"`, first))

	// A repeatable read transaction keeps the copied snapshot; a commit's rows show
	// at once outside it.
	rr := l.connect(t, "ice")
	ctx := testCtx(t)
	if _, err := rr.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ"); err != nil {
		t.Fatal(err)
	}
	wantRows(t, rr, []string{fmt.Sprint(len(live))}, "SELECT count(*) FROM t.hot")
	// A statement still reading the old copy when the new one replaces it.
	cur, err := rr.Query(ctx, "SELECT id FROM t.hot ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	hot = appendJSON(t, hot, `[{"id":41,"label":"new","v":41.5}]`)
	live = append(live, 41)
	wantRows(t, c, []string{"1"}, "SELECT count(*) FROM t.hot WHERE id = 41")
	wantRows(t, c, []string{fmt.Sprint(len(live))}, "SELECT count(*) FROM t.hot")
	waitHot(t, c, "SELECT * FROM t.hot")
	wantRows(t, c, []string{"41|new"}, "SELECT id, label FROM t.hot WHERE id > 40")
	var got []string
	for cur.Next() {
		var id int64
		if err := cur.Scan(&id); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprint(id))
	}
	if err := cur.Err(); err != nil || len(got) != len(live)-1 {
		t.Errorf("the statement reading the replaced copy got %d rows (%v), want %d", len(got), err, len(live)-1)
	}
	wantRows(t, rr, []string{fmt.Sprint(len(live) - 1)}, "SELECT count(*) FROM t.hot")
	if _, err := rr.Exec(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if !logHas(t, logPath, `"msg":"hot table evicted"`) {
		t.Error("the older copy of t.hot was not evicted when the newer one was made")
	}

	// Client SQL cannot name the copies.
	wantCode(t, c, "0A000", "SELECT * FROM lakegate_hot.main.t1_1")

	// A gateway whose bound is smaller than the table refuses to copy it.
	l2 := *l
	l2.serveAs(t, "small-cache", "", "cache:\n  tables_bytes: 1024\n")
	c2 := l2.connect(t, "ice")
	for range 3 {
		wantRows(t, c2, []string{"1|2"}, "SELECT min(id), max(id) FROM t.small")
	}
	plan := strings.Join(queryStrings(t, c2, "EXPLAIN SELECT * FROM t.small"), "\n")
	if !strings.Contains(plan, "Hot table: not copied to memory") {
		t.Errorf("EXPLAIN under a 1 KiB cache.tables_bytes:\n%s", plan)
	}
}

// waitHot runs sql until EXPLAIN says its table is read from memory.
func waitHot(t *testing.T, c *pgx.Conn, sql string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; {
		plan := strings.Join(queryStrings(t, c, "EXPLAIN "+sql), "\n")
		if strings.Contains(plan, "Hot table: read from its in-memory copy") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the table never got its in-memory copy:\n%s", plan)
		}
		queryStrings(t, c, sql)
		time.Sleep(100 * time.Millisecond)
	}
}

// inMemoryRecords counts query records that read table from its in-memory copy.
func inMemoryRecords(t *testing.T, logPath, table string) int {
	t.Helper()
	time.Sleep(300 * time.Millisecond) // the log is flushed every 200 ms
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), `"in_memory":["`+table+`"]`)
}

func logHas(t *testing.T, logPath, s string) bool {
	t.Helper()
	time.Sleep(300 * time.Millisecond)
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), s)
}
