package pushdown

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/apache/iceberg-go"
	iceio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/pgerr"
)

// Request is what the planner asks for one lake table reference.
type Request struct {
	Name       string
	Table      *table.Table
	SnapshotID int64 // 0 = the current snapshot
	// Filter is the conjunction of the predicates that apply to this table's rows;
	// nil or AlwaysTrue for none. Pruning never changes results: DuckDB still applies
	// the full WHERE clause.
	Filter iceberg.BooleanExpression
	Remap  *catalog.Remapper
	// NoPruning hands every file of the snapshot to the engine (for comparisons);
	// NoRowGroups stops after manifest and file pruning; IcebergPlanner plans with
	// iceberg-go's scan even when the snapshot has no delete files.
	NoPruning, NoRowGroups, IcebergPlanner bool
}

// Plan prunes the table's files with the filter and groups what is left by delete files.
func Plan(ctx context.Context, req Request) (*ScanSpec, error) {
	meta := req.Table.Metadata()
	spec := &ScanSpec{Table: req.Name, Schema: meta.CurrentSchema()}
	var snap *table.Snapshot
	if req.SnapshotID != 0 {
		snap = meta.SnapshotByID(req.SnapshotID)
		if snap == nil {
			return nil, pgerr.New(pgerr.UndefinedObject, "snapshot %d of table %q does not exist", req.SnapshotID, req.Name)
		}
	} else {
		snap = meta.CurrentSnapshot()
	}
	if snap == nil {
		return spec, nil // a table without snapshots has no rows
	}
	spec.SnapshotID = snap.SnapshotID
	if snap.Summary != nil {
		spec.Stats.DataFilesTotal = atoi(snap.Summary.Properties["total-data-files"])
		spec.Stats.RowsTotal = int64(atoi(snap.Summary.Properties["total-records"]))
		spec.Stats.BytesTotal = int64(atoi(snap.Summary.Properties["total-files-size"]))
	}

	start := time.Now()
	filter := req.Filter
	if req.NoPruning || (filter != nil && filter.Op() == iceberg.OpTrue) {
		filter = nil
	}
	if filter != nil {
		spec.Filter = filter.String()
	}
	schema := snapshotSchema(meta, snap)
	spec.NamesMatch = namesMatch(meta, schema)
	var tasks []table.FileScanTask
	err := errNeedsIcebergPlanner
	if !req.IcebergPlanner {
		tasks, err = planDataFiles(ctx, req.Table, snap, schema, filter, &spec.Stats)
	}
	if errors.Is(err, errNeedsIcebergPlanner) {
		tasks, err = icebergPlan(ctx, req.Table, snap, filter, &spec.Stats)
	}
	spec.Stats.FilePruning = time.Since(start)
	spec.Stats.DataFilesAfterFiles = len(tasks)
	if err == nil && filter != nil && !req.NoRowGroups {
		start = time.Now()
		tasks, err = pruneRowGroups(ctx, req.Table, schema, filter, tasks, &spec.Stats)
		spec.Stats.RowGroupPruning = time.Since(start)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, pgerr.Wrap(err, pgerr.IOError, "could not plan scan of table %q: %v", req.Name, err)
	}

	groups := map[string]int{}
	deletes := map[string]bool{}
	var fsys iceio.IO
	for _, task := range tasks {
		df, err := dataFile(req.Remap, task.File)
		if err != nil {
			return nil, pgerr.Wrap(err, pgerr.IOError, "table %q: %v", req.Name, err)
		}
		df.Identity = identityValues(meta, task.File)
		df.FirstRowID, df.DataSequenceNumber = task.FirstRowID, task.DataSequenceNumber
		var pos, eq []DeleteFile
		positionDeletes := task.DeleteFiles
		dvs := uniqueBlobs(task.DeletionVectorFiles)
		switch len(dvs) {
		case 0:
		case 1:
			// Per the v3 spec a deletion vector holds every earlier position delete
			// of its data file, so those are not applied (iceberg-go's planner
			// already leaves them out).
			positionDeletes = nil
			if fsys == nil {
				if fsys, err = req.Table.FS(ctx); err != nil {
					return nil, pgerr.Wrap(err, pgerr.IOError, "table %q: %v", req.Name, err)
				}
			}
			d, err := deletionVectorFile(fsys, req.Remap, req.Name, dvs[0], task.File.FilePath())
			if err != nil {
				return nil, err
			}
			pos = append(pos, d)
			deletes[d.Location] = true
		default:
			return nil, pgerr.New(pgerr.DataCorrupted, "table %q has %d deletion vectors for data file %s; the spec allows one",
				req.Name, len(dvs), task.File.FilePath())
		}
		for _, d := range positionDeletes {
			p, err := req.Remap.Local(d.FilePath())
			if err != nil {
				return nil, pgerr.Wrap(err, pgerr.IOError, "table %q: %v", req.Name, err)
			}
			pos = append(pos, DeleteFile{Location: d.FilePath(), Path: p})
			deletes[d.FilePath()] = true
		}
		for _, d := range task.EqualityDeleteFiles {
			p, err := req.Remap.Local(d.FilePath())
			if err != nil {
				return nil, pgerr.Wrap(err, pgerr.IOError, "table %q: %v", req.Name, err)
			}
			eq = append(eq, DeleteFile{Location: d.FilePath(), Path: p, EqualityIDs: d.EqualityFieldIDs()})
			deletes[d.FilePath()] = true
		}
		sortDeletes(pos)
		sortDeletes(eq)
		key := groupKey(pos, eq)
		i, ok := groups[key]
		if !ok {
			i = len(spec.Groups)
			groups[key] = i
			spec.Groups = append(spec.Groups, FileGroup{PositionDeletes: pos, EqualityDeletes: eq})
		}
		spec.Groups[i].Files = append(spec.Groups[i].Files, df)
		spec.Stats.DataFilesKept++
		spec.Stats.RowsKept += df.Records
		spec.Stats.BytesKept += df.Bytes
	}
	spec.Stats.DeleteFiles = len(deletes)
	if spec.Stats.DataFilesTotal < spec.Stats.DataFilesAfterFiles {
		spec.Stats.DataFilesTotal = spec.Stats.DataFilesAfterFiles // no snapshot summary
	}
	return spec, nil
}

func dataFile(remap *catalog.Remapper, f iceberg.DataFile) (DataFile, error) {
	if f.FileFormat() != iceberg.ParquetFile {
		return DataFile{}, pgerr.New(pgerr.FeatureNotSupported, "data file %s is %s; lakegate reads Parquet only", f.FilePath(), f.FileFormat())
	}
	p, err := remap.Local(f.FilePath())
	if err != nil {
		return DataFile{}, err
	}
	return DataFile{Location: f.FilePath(), Path: p, Records: f.Count(), Bytes: f.FileSizeBytes()}, nil
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// snapshotSchema is the schema iceberg-go binds the filter to when scanning a given
// snapshot: the snapshot's own schema, else the current one.
func snapshotSchema(meta table.Metadata, snap *table.Snapshot) *iceberg.Schema {
	if snap.SchemaID != nil {
		for _, s := range meta.Schemas() {
			if s.ID == *snap.SchemaID {
				return s
			}
		}
	}
	return meta.CurrentSchema()
}

// identityValues maps source field id to value for the identity fields of the file's
// partition spec.
func identityValues(meta table.Metadata, f iceberg.DataFile) map[int]any {
	spec := meta.PartitionSpecByID(int(f.SpecID()))
	if spec == nil {
		return nil
	}
	var out map[int]any
	part := f.Partition()
	for _, pf := range spec.Fields() {
		if _, ok := pf.Transform.(iceberg.IdentityTransform); !ok || len(pf.SourceIDs) != 1 {
			continue
		}
		v, ok := part[pf.FieldID]
		if !ok {
			continue
		}
		if out == nil {
			out = map[int]any{}
		}
		out[pf.SourceID()] = v
	}
	return out
}

// icebergPlan plans with iceberg-go's scan, which also pairs delete files with data
// files; its report carries the manifest counts.
func icebergPlan(ctx context.Context, t *table.Table, snap *table.Snapshot, filter iceberg.BooleanExpression, st *PruneStats) ([]table.FileScanTask, error) {
	rep := &reportCatcher{}
	opts := []table.ScanOption{table.WithSnapshotID(snap.SnapshotID), table.WithReporter(rep)}
	if filter != nil {
		opts = append(opts, table.WithRowFilter(filter))
	}
	tasks, err := t.Scan(opts...).PlanFiles(ctx)
	rep.apply(st)
	return tasks, err
}
