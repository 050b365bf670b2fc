package demolake

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/apache/iceberg-go/table"
)

// Snapshot summary keys (Iceberg spec) that Info reads.
const (
	sumTotalRecords     = "total-records"
	sumTotalPosDeletes  = "total-position-deletes"
	sumTotalEqDeletes   = "total-equality-deletes"
	sumTotalDataFiles   = "total-data-files"
	sumTotalDeleteFiles = "total-delete-files"
)

func summaryInt(s *table.Snapshot, key string) int64 {
	if s == nil || s.Summary == nil {
		return 0
	}
	n, _ := strconv.ParseInt(s.Summary.Properties[key], 10, 64)

	return n
}

// liveRows is what a reader sees at snapshot s: records minus deletes.
func liveRows(s *table.Snapshot) int64 {
	return summaryInt(s, sumTotalRecords) - summaryInt(s, sumTotalPosDeletes) - summaryInt(s, sumTotalEqDeletes)
}

// snapshotsInOrder returns the table's snapshots, oldest first.
func snapshotsInOrder(tbl *table.Table) []table.Snapshot {
	snaps := slices.Clone(tbl.Metadata().Snapshots())
	slices.SortStableFunc(snaps, func(a, b table.Snapshot) int {
		if a.SequenceNumber != b.SequenceNumber {
			return int(a.SequenceNumber - b.SequenceNumber)
		}

		return int(a.TimestampMs - b.TimestampMs)
	})

	return snaps
}

func tableInfo(tbl *table.Table) TableInfo {
	var ti TableInfo
	for _, s := range snapshotsInOrder(tbl) {
		ti.SnapshotIDs = append(ti.SnapshotIDs, s.SnapshotID)
		ti.LiveRows = append(ti.LiveRows, liveRows(&s))
	}
	cur := tbl.CurrentSnapshot()
	ti.DataFiles = summaryInt(cur, sumTotalDataFiles)
	ti.DeleteFiles = summaryInt(cur, sumTotalDeleteFiles)
	ti.PositionDeletes = summaryInt(cur, sumTotalPosDeletes)

	return ti
}

// verify compares what was committed with what the generators produced.
func (b *builder) verify(name string, ti TableInfo) error {
	want := b.expect[name]
	if !slices.Equal(ti.LiveRows, want) {
		return fmt.Errorf("demolake: %s.%s: live rows per snapshot %v, generators say %v",
			Namespace, name, ti.LiveRows, want)
	}
	if name == TableSales && want[1] == want[2] {
		return fmt.Errorf("demolake: %s.%s: the delete matched no rows at this scale", Namespace, name)
	}
	if name == TableSales && ti.DeleteFiles == 0 {
		return fmt.Errorf("demolake: %s.%s: the delete wrote no delete files (rewrote data instead?)",
			Namespace, name)
	}

	return nil
}
