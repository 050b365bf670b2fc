package pushdown

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
)

// DataFile is one Parquet data file to read.
type DataFile struct {
	Location string // as written in metadata
	Path     string // local path after remapping
	Records  int64
	Bytes    int64
	// Identity holds the file's identity partition values by source field id: the
	// spec makes them the column's value in every row, also when the file lacks the
	// column (Hive-migrated tables).
	Identity map[int]any
	// FirstRowID is the file's first_row_id after First Row ID Inheritance (format v3):
	// a row without a stored _row_id has first_row_id plus its position in the file.
	// nil for files added before row lineage (an upgraded table): their rows have none.
	FirstRowID *int64
	// DataSequenceNumber is the data sequence number of the file's manifest entry: the
	// _last_updated_sequence_number of rows that do not store one. nil when unknown.
	DataSequenceNumber *int64
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

// PruneStats counts what pruning considered and kept at each level: manifests (by
// their partition summaries), data files (by partition values and column bounds in
// the manifests), and Parquet row groups (by footer statistics).
type PruneStats struct {
	ManifestsTotal, ManifestsSkipped             int // data manifests
	DeleteManifestsTotal, DeleteManifestsSkipped int
	DataFilesTotal                               int // in the snapshot
	DataFilesAfterFiles                          int // left by manifest and file pruning
	DataFilesKept                                int // left after row-group pruning: handed to the engine
	RowGroupsTotal, RowGroupsKept                int // in the files whose footers were evaluated
	FootersRead                                  int // footers read from storage (the rest came from the cache)
	RowsTotal, RowsKept                          int64
	RowGroupRowsKept                             int64 // rows in the row groups that can match
	BytesTotal, BytesKept                        int64
	DeleteFiles                                  int
	FilePruning, RowGroupPruning                 time.Duration
}

// ScanSpec is what the engine reads for one lake table reference in one statement.
type ScanSpec struct {
	Table      string // qualified name, for messages
	SnapshotID int64  // 0 for a table without snapshots (empty)
	Schema     *iceberg.Schema
	Groups     []FileGroup
	Stats      PruneStats
	Filter     string // the predicate that pruned, as text ("" if none)
	// NamesMatch says the data files can be read by column name with the schema's
	// types: the table never changed its schema, has no name mapping and only
	// primitive columns (see namesMatch). The engine then reads without a field-id
	// schema map, which keeps DuckDB's row-count estimates for join ordering.
	NamesMatch bool
}

// namesMatch reports whether every data file of the table holds the schema's
// columns under the schema's names and types: one schema ever (no column was added,
// dropped, renamed or promoted), format v2 or later, only primitive top-level
// columns, and no name mapping beyond the trivial one writers such as iceberg-go
// record (each field mapped from its own name only); a mapping with other names
// means files written elsewhere were adopted.
func namesMatch(meta table.Metadata, schema *iceberg.Schema) bool {
	if len(meta.Schemas()) != 1 || meta.Version() < 2 {
		return false
	}
	for _, f := range schema.Fields() {
		if _, ok := f.Type.(iceberg.PrimitiveType); !ok {
			return false
		}
	}
	if _, ok := meta.Properties()[table.DefaultNameMappingKey]; !ok {
		return true
	}
	nm := meta.NameMapping()
	if nm == nil {
		return false // a mapping that does not parse: keep the field-id map
	}
	for _, m := range nm {
		if m.FieldID == nil || len(m.Names) != 1 || len(m.Fields) != 0 {
			return false
		}
		f, ok := schema.FindFieldByID(*m.FieldID)
		if !ok || f.Name != m.Names[0] {
			return false
		}
	}
	return true
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
	return fmt.Sprintf("snapshot %d: manifests %d of %d, data files %d of %d (%d skipped by metadata, %d by row groups), row groups %d of %d, rows %d of %d, %d bytes, delete files %d",
		s.SnapshotID, st.ManifestsTotal-st.ManifestsSkipped, st.ManifestsTotal,
		st.DataFilesKept, st.DataFilesTotal, st.DataFilesTotal-st.DataFilesAfterFiles, st.DataFilesAfterFiles-st.DataFilesKept,
		st.RowGroupsKept, st.RowGroupsTotal, st.RowsKept, st.RowsTotal, st.BytesKept, st.DeleteFiles)
}
