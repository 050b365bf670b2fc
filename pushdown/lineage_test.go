package pushdown_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/pushdown"
)

// TestRowLineageConstants checks that every planned data file carries its
// first_row_id and data sequence number, with lakegate's planner and with
// iceberg-go's: a table written as v2 (no row ids), then upgraded to v3 and
// appended to, when its pre-upgrade manifest gets a first_row_id in the new
// manifest list. The v2 snapshot is planned first, so a manifest cached without
// inherited row ids must not be served for the v3 snapshot.
func TestRowLineageConstants(t *testing.T) {
	l := newLake(t)
	ctx := context.Background()
	tbl, err := l.ice.CreateTable(ctx, table.Identifier{"ns", "lineage"}, testSchema,
		icecat.WithProperties(iceberg.Properties{table.PropertyFormatVersion: "2"}))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := table.SchemaToArrowSchema(tbl.Schema(), nil, true, false)
	if err != nil {
		t.Fatal(err)
	}
	appendCommit := func(k int) {
		t.Helper()
		rec := batch(t, sc, k)
		tx := tbl.NewTransaction()
		rdr, err := array.NewRecordReader(sc, []arrow.RecordBatch{rec})
		if err != nil {
			t.Fatal(err)
		}
		defer rdr.Release()
		if err := tx.Append(ctx, rdr, nil); err != nil {
			t.Fatal(err)
		}
		if tbl, err = tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	appendCommit(0)
	tx := tbl.NewTransaction()
	if err := tx.UpgradeFormatVersion(3); err != nil {
		t.Fatal(err)
	}
	if tbl, err = tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	appendCommit(1)
	appendCommit(2)

	lt, err := l.cat.LoadTable(ctx, catalog.TableRef{Namespace: "ns", Name: "lineage"})
	if err != nil {
		t.Fatal(err)
	}
	meta := lt.Metadata()
	if meta.Version() != 3 {
		t.Fatalf("table is format v%d", meta.Version())
	}
	snaps := meta.Snapshots()
	if len(snaps) != 3 {
		t.Fatalf("%d snapshots", len(snaps))
	}
	files := func(spec *pushdown.ScanSpec) []pushdown.DataFile {
		var out []pushdown.DataFile
		for _, g := range spec.Groups {
			out = append(out, g.Files...)
		}
		return out
	}
	for _, icebergPlanner := range []bool{false, true} {
		t.Run(fmt.Sprintf("IcebergPlanner=%v", icebergPlanner), func(t *testing.T) {
			// The v2 snapshot: no row ids, the data sequence number is the snapshot's.
			v2 := files(planWith(t, l, lt, pushdown.Request{SnapshotID: snaps[0].SnapshotID, IcebergPlanner: icebergPlanner}))
			if len(v2) != 1 || v2[0].FirstRowID != nil || v2[0].DataSequenceNumber == nil || *v2[0].DataSequenceNumber != snaps[0].SequenceNumber {
				t.Fatalf("v2 snapshot: %+v", v2)
			}
			// The current snapshot: the file each v3 append added starts at that
			// snapshot's first-row-id (one manifest and file per append), and the
			// old file got an id range of its own; the ranges are disjoint and below
			// the table's next-row-id.
			cur := files(planWith(t, l, lt, pushdown.Request{IcebergPlanner: icebergPlanner}))
			if len(cur) != 3 {
				t.Fatalf("%d files", len(cur))
			}
			type span struct{ lo, hi int64 }
			var spans []span
			for _, f := range cur {
				if f.FirstRowID == nil || f.DataSequenceNumber == nil {
					t.Fatalf("file %s: first_row_id %v, data sequence number %v", f.Location, f.FirstRowID, f.DataSequenceNumber)
				}
				spans = append(spans, span{*f.FirstRowID, *f.FirstRowID + f.Records})
				if *f.DataSequenceNumber == snaps[0].SequenceNumber {
					continue // the pre-upgrade file
				}
				i := slices.IndexFunc(snaps, func(s table.Snapshot) bool { return s.SequenceNumber == *f.DataSequenceNumber })
				if i < 1 || snaps[i].FirstRowID == nil || *snaps[i].FirstRowID != *f.FirstRowID {
					t.Errorf("file %s: first_row_id %d, data sequence number %d; snapshots %+v", f.Location, *f.FirstRowID, *f.DataSequenceNumber, snaps)
				}
			}
			slices.SortFunc(spans, func(a, b span) int { return int(a.lo - b.lo) })
			for i, s := range spans {
				if s.lo < 0 || s.hi > meta.NextRowID() || i > 0 && s.lo < spans[i-1].hi {
					t.Errorf("row id ranges %v overlap or pass next-row-id %d", spans, meta.NextRowID())
				}
			}
		})
	}
}
