package pushdown

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/iceberg-go"
)

// DataFile is one Parquet data file to read.
type DataFile struct {
	Location string // as written in metadata
	Path     string // local path after remapping
	Records  int64
	Bytes    int64
}

// DeleteFile is one delete file that applies to a FileGroup.
type DeleteFile struct {
	Location string
	Path     string
	// EqualityIDs are the field ids of an equality delete; empty for position deletes.
	EqualityIDs []int
}

// FileGroup is a set of data files that share the same delete files, so one scan with
// one anti-join reads them all.
type FileGroup struct {
	Files           []DataFile
	PositionDeletes []DeleteFile
	EqualityDeletes []DeleteFile
}

// PruneStats counts what pruning considered and kept.
type PruneStats struct {
	ManifestsTotal int
	DataFilesTotal int
	DataFilesKept  int
	RowsTotal      int64
	RowsKept       int64
	BytesKept      int64
	DeleteFiles    int
}

// ScanSpec is what the engine reads for one lake table reference in one statement.
type ScanSpec struct {
	Table      string // qualified name, for messages
	SnapshotID int64  // 0 for a table without snapshots (empty)
	Schema     *iceberg.Schema
	Groups     []FileGroup
	Stats      PruneStats
	Filter     string // the predicate that pruned, as text ("" if none)
}

// groupKey identifies the delete files of a task.
func groupKey(pos, eq []DeleteFile) string {
	var b strings.Builder
	for _, d := range pos {
		b.WriteString("p:" + d.Location + "\x00")
	}
	for _, d := range eq {
		b.WriteString("e:" + d.Location + "\x00")
	}
	return b.String()
}

func sortDeletes(ds []DeleteFile) {
	slices.SortFunc(ds, func(a, b DeleteFile) int { return cmp.Compare(a.Location, b.Location) })
}

// String summarises the spec for EXPLAIN and logs.
func (s *ScanSpec) String() string {
	st := s.Stats
	return fmt.Sprintf("snapshot %d: data files %d of %d (skipped %d), rows %d of %d, %d bytes, delete files %d",
		s.SnapshotID, st.DataFilesKept, st.DataFilesTotal, st.DataFilesTotal-st.DataFilesKept,
		st.RowsKept, st.RowsTotal, st.BytesKept, st.DeleteFiles)
}
