package integration

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/jackc/pgx/v5"
)

// lineageRow is one row's expected lineage: computed from the snapshot that
// appended it (its first-row-id and sequence number in the table metadata) and its
// position in the appended batch, never by asking the gateway.
type lineageRow struct {
	id, rowID, seq int64
}

// appendLineage appends ids (one data file) and returns the table and the rows'
// lineage as the spec assigns it: first-row-id of the snapshot plus position, and
// the snapshot's sequence number.
func appendLineage(t *testing.T, tbl *table.Table, ids ...int64) (*table.Table, []lineageRow) {
	t.Helper()
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf(`{"id":%d,"name":"n%d"}`, id, id)
	}
	tbl = appendJSON(t, tbl, "["+strings.Join(parts, ",")+"]")
	snap := tbl.Metadata().CurrentSnapshot()
	if snap.FirstRowID == nil {
		t.Fatalf("iceberg-go wrote no first-row-id for snapshot %d of a v3 table", snap.SnapshotID)
	}
	if n := snap.Summary.Properties["added-data-files"]; n != "1" {
		t.Fatalf("append wrote %s data files; the expected row ids assume one", n)
	}
	rows := make([]lineageRow, len(ids))
	for i, id := range ids {
		rows[i] = lineageRow{id: id, rowID: *snap.FirstRowID + int64(i), seq: snap.SequenceNumber}
	}
	return tbl, rows
}

func lineageStrings(rows []lineageRow, drop ...int64) []string {
	var out []string
	for _, r := range rows {
		if !slices.Contains(drop, r.id) {
			out = append(out, fmt.Sprintf("%d|%d|%d", r.id, r.rowID, r.seq))
		}
	}
	return out
}

func fieldNames(t *testing.T, c *pgx.Conn, sql string) []string {
	t.Helper()
	rows, err := c.Query(testCtx(t), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out []string
	for _, f := range rows.FieldDescriptions() {
		out = append(out, f.Name)
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// TestLineage reads the row lineage columns of format v3 tables written by
// iceberg-go: rows that inherit them from their file's first_row_id and data
// sequence number, rows whose file stores them (a copy-on-write delete rewrote the
// file), rows next to merge-on-read deletes, at every snapshot; hidden from *; and
// unknown on a v2 table.
func TestLineage(t *testing.T) {
	l := newIceLake(t)
	sc := iceberg.NewSchema(0, field(1, "id", iceberg.PrimitiveTypes.Int64), field(2, "name", iceberg.PrimitiveTypes.String))

	// cow: two appends, then a copy-on-write delete that rewrites the first file; the
	// rows it keeps must keep their lineage (iceberg-go stores it in the new file).
	cow := l.create(t, "cow", sc, nil, iceberg.Properties{table.PropertyFormatVersion: "3"})
	cow, first := appendLineage(t, cow, 1, 2, 3, 4)
	cowFirst := cow.Metadata().CurrentSnapshot().SnapshotID
	cow, second := appendLineage(t, cow, 5, 6, 7)
	cowRows := append(slices.Clone(first), second...)
	cow = deleteWhere(t, cow, iceberg.EqualTo(iceberg.Reference("id"), int64(2)))
	if cow.Metadata().Version() != 3 {
		t.Fatalf("table is format v%d", cow.Metadata().Version())
	}

	// mor: merge-on-read delete; the rows left keep their positions.
	mor := l.create(t, "mor", sc, nil, iceberg.Properties{table.PropertyFormatVersion: "3", table.WriteDeleteModeKey: table.WriteModeMergeOnRead})
	mor, morRows := appendLineage(t, mor, 11, 12, 13)
	mor, more := appendLineage(t, mor, 14, 15, 16)
	morRows = append(morRows, more...)
	mor = deleteWhere(t, mor, iceberg.IsIn(iceberg.Reference("id"), int64(12), int64(15)))
	morDeleteFiles := mor.Metadata().CurrentSnapshot().Summary.Properties["added-delete-files"]
	if morDeleteFiles == "" || morDeleteFiles == "0" {
		t.Fatalf("the merge-on-read delete wrote no delete files: %v", mor.Metadata().CurrentSnapshot().Summary)
	}

	old := l.create(t, "old", sc, nil, v2Props)
	appendJSON(t, old, `[{"id":1,"name":"a"}]`)

	// up: written as v2, upgraded to v3, appended to. Its v2 snapshot has no lineage;
	// at the v3 snapshot the old file has the row ids its manifest got in the first
	// v3 manifest list, and the sequence number of the append that wrote it.
	up := l.create(t, "up", sc, nil, v2Props)
	up = appendJSON(t, up, `[{"id":21,"name":"a"},{"id":22,"name":"b"}]`)
	upV2 := *up.Metadata().CurrentSnapshot()
	tx := up.NewTransaction()
	if err := tx.UpgradeFormatVersion(3); err != nil {
		t.Fatal(err)
	}
	up = commit(t, tx)
	up, upRows := appendLineage(t, up, 23)
	fs, err := up.FS(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	manifests, err := up.Metadata().CurrentSnapshot().Manifests(fs)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range manifests {
		if m.SnapshotID() == upV2.SnapshotID {
			if m.FirstRowID() == nil {
				t.Fatal("the pre-upgrade manifest has no first_row_id in the v3 manifest list")
			}
			for i, id := range []int64{21, 22} {
				upRows = append(upRows, lineageRow{id: id, rowID: *m.FirstRowID() + int64(i), seq: upV2.SequenceNumber})
			}
		}
	}
	slices.SortFunc(upRows, func(a, b lineageRow) int { return int(a.id - b.id) })
	if len(upRows) != 3 {
		t.Fatalf("upgraded table: %d rows with expected lineage", len(upRows))
	}

	l.serve(t, "")
	c := l.connect(t, "ice")
	const q = "SELECT id, _row_id, _last_updated_sequence_number FROM t.%s ORDER BY id"

	t.Run("Inherited", func(t *testing.T) {
		wantRows(t, c, lineageStrings(first), fmt.Sprintf(`SELECT id, _row_id, _last_updated_sequence_number FROM t."cow@%d" ORDER BY id`, cowFirst))
		wantRows(t, c, lineageStrings(morRows, 12, 15), fmt.Sprintf(q, "mor"))
		// Qualified, in WHERE and ORDER BY, through a parameter.
		wantRows(t, c, []string{"14"}, "SELECT m.id FROM t.mor m WHERE m._row_id = $1", morRows[3].rowID)
		wantRows(t, c, []string{strconv.FormatInt(morRows[5].rowID, 10)}, "SELECT max(_row_id) FROM t.mor")
	})
	t.Run("Stored", func(t *testing.T) {
		// After the rewrite the kept rows of the first file keep their row ids and
		// sequence numbers: inheriting from the new file would give others.
		wantRows(t, c, lineageStrings(cowRows, 2), fmt.Sprintf(q, "cow"))
	})
	t.Run("Hidden", func(t *testing.T) {
		if got := fieldNames(t, c, "SELECT * FROM t.cow"); !slices.Equal(got, []string{"id", "name"}) {
			t.Errorf("SELECT * has columns %q", got)
		}
		if got := fieldNames(t, c, "SELECT *, _row_id FROM t.cow"); !slices.Equal(got, []string{"id", "name", "_row_id"}) {
			t.Errorf("SELECT *, _row_id has columns %q", got)
		}
		if got := fieldNames(t, c, "SELECT a.*, b._last_updated_sequence_number FROM t.cow a JOIN t.mor b ON a.id + 10 = b.id"); !slices.Equal(got, []string{"id", "name", "_last_updated_sequence_number"}) {
			t.Errorf("SELECT a.*, b._last_updated_sequence_number has columns %q", got)
		}
		// A subquery's * does not pass them on, as in PostgreSQL for system columns.
		wantCode(t, c, "42703", "SELECT _row_id FROM (SELECT * FROM t.cow) s")
		// Joined: each side its own.
		var want []string
		for _, a := range cowRows {
			for _, b := range morRows {
				if a.id != 2 && b.id != 12 && b.id != 15 && a.id+10 == b.id {
					want = append(want, fmt.Sprintf("%d|%d|%d", a.id, a.rowID, b.rowID))
				}
			}
		}
		wantRows(t, c, want, "SELECT a.id, a._row_id, b._row_id FROM t.cow a JOIN t.mor b ON a.id + 10 = b.id ORDER BY a.id")
		wantCode(t, c, "0A000", "SELECT * FROM t.cow NATURAL JOIN t.mor WHERE _row_id > 0")
	})
	t.Run("Upgraded", func(t *testing.T) {
		wantRows(t, c, []string{"21|NULL|NULL", "22|NULL|NULL"},
			fmt.Sprintf(`SELECT id, _row_id, _last_updated_sequence_number FROM t."up@%d" ORDER BY id`, upV2.SnapshotID))
		wantRows(t, c, lineageStrings(upRows), fmt.Sprintf(q, "up"))
	})
	t.Run("Unknown", func(t *testing.T) {
		wantCode(t, c, "42703", "SELECT _row_id FROM t.old")
		wantCode(t, c, "42703", "SELECT id FROM t.old WHERE _last_updated_sequence_number = 1")
	})
	t.Run("HotCopies", func(t *testing.T) {
		// A copy of the snapshot without lineage columns and one with them are kept
		// apart: each statement reads the columns it names.
		waitHot(t, c, "SELECT id, name FROM t.mor")
		wantRows(t, c, lineageStrings(morRows, 12, 15), fmt.Sprintf(q, "mor"))
		waitHot(t, c, fmt.Sprintf(q, "mor"))
		wantRows(t, c, lineageStrings(morRows, 12, 15), fmt.Sprintf(q, "mor"))
		if got := fieldNames(t, c, "SELECT * FROM t.mor"); !slices.Equal(got, []string{"id", "name"}) {
			t.Errorf("SELECT * has columns %q after a lineage copy", got)
		}
	})
}
