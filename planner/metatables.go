package planner

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	icebergio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"
	"github.com/google/uuid"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/pgerr"
)

// Metadata tables: shop."sales$snapshots" and the like, with Trino's column names.
// Each is computed from the table's Iceberg metadata when a statement runs and
// handed to DuckDB as a VALUES relation, so it joins and filters like any relation.
// Trino's map and row columns are json here (as Iceberg maps and structs are);
// readable_metrics of $files and the data column of $partitions are left out.
// They are never listed in pg_class: they exist only when named.

// metaColumn is one column of a metadata table, typed for DuckDB.
type metaColumn struct{ name, typ string }

// metaTable describes one metadata table kind.
type metaTable struct {
	columns []metaColumn
	// rows returns SQL literals, one slice per row in column order. snap is the
	// snapshot read ($files, $manifests, $partitions), nil for a table without one.
	rows func(ctx context.Context, t *table.Table, snap *table.Snapshot) ([][]string, error)
}

var metaTables = map[string]*metaTable{
	"snapshots": {columns: []metaColumn{
		{"committed_at", "TIMESTAMPTZ"}, {"snapshot_id", "BIGINT"}, {"parent_id", "BIGINT"},
		{"operation", "VARCHAR"}, {"manifest_list", "VARCHAR"}, {"summary", "JSON"},
	}, rows: snapshotsRows},
	"history": {columns: []metaColumn{
		{"made_current_at", "TIMESTAMPTZ"}, {"snapshot_id", "BIGINT"}, {"parent_id", "BIGINT"},
		{"is_current_ancestor", "BOOLEAN"},
	}, rows: historyRows},
	"refs": {columns: []metaColumn{
		{"name", "VARCHAR"}, {"type", "VARCHAR"}, {"snapshot_id", "BIGINT"},
		{"max_reference_age_in_ms", "BIGINT"}, {"min_snapshots_to_keep", "INTEGER"},
		{"max_snapshot_age_in_ms", "BIGINT"},
	}, rows: refsRows},
	"manifests": {columns: []metaColumn{
		{"path", "VARCHAR"}, {"length", "BIGINT"}, {"partition_spec_id", "INTEGER"},
		{"added_snapshot_id", "BIGINT"}, {"added_data_files_count", "INTEGER"}, {"added_rows_count", "BIGINT"},
		{"existing_data_files_count", "INTEGER"}, {"existing_rows_count", "BIGINT"},
		{"deleted_data_files_count", "INTEGER"}, {"deleted_rows_count", "BIGINT"},
		{"partition_summaries", "JSON"},
	}, rows: manifestsRows},
	"files": {columns: []metaColumn{
		{"content", "INTEGER"}, {"file_path", "VARCHAR"}, {"file_format", "VARCHAR"}, {"spec_id", "INTEGER"},
		{"partition", "JSON"}, {"record_count", "BIGINT"}, {"file_size_in_bytes", "BIGINT"},
		{"column_sizes", "JSON"}, {"value_counts", "JSON"}, {"null_value_counts", "JSON"},
		{"nan_value_counts", "JSON"}, {"lower_bounds", "JSON"}, {"upper_bounds", "JSON"},
		{"key_metadata", "BLOB"}, {"split_offsets", "BIGINT[]"}, {"equality_ids", "INTEGER[]"},
		{"sort_order_id", "INTEGER"},
	}, rows: filesRows},
	"partitions": {columns: []metaColumn{
		{"partition", "JSON"}, {"record_count", "BIGINT"}, {"file_count", "BIGINT"}, {"total_size", "BIGINT"},
	}, rows: partitionsRows},
}

// metaTableSQL returns the relation for a metadata table reference.
func metaTableSQL(ctx context.Context, r *scanRef, t *table.Table, v tableVersion) (string, error) {
	mt := metaTables[r.meta]
	var snap *table.Snapshot
	if v.snapshotID != 0 {
		snap = t.Metadata().SnapshotByID(v.snapshotID)
	}
	rows, err := mt.rows(ctx, t, snap)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", pgerr.Wrap(err, pgerr.IOError, "could not read metadata of table %q for %s$%s: %v", r.ref.String(), r.ref.Name, r.meta, err)
	}
	if len(rows) > maxMetaRows {
		return "", pgerr.New(pgerr.ProgramLimitExceeded, "%s$%s has %d rows; lakegate shows metadata tables of at most %d rows",
			r.ref.String(), r.meta, len(rows), maxMetaRows)
	}
	return valuesRelation(mt.columns, rows), nil
}

// maxMetaRows bounds a metadata table: it is handed to DuckDB as SQL text.
const maxMetaRows = 200_000

// metaEmptySQL is the relation Describe plans a metadata table with.
func metaEmptySQL(kind string) string { return valuesRelation(metaTables[kind].columns, nil) }

func valuesRelation(cols []metaColumn, rows [][]string) string {
	var b strings.Builder
	if len(rows) == 0 {
		b.WriteString("(SELECT ")
		for i, c := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "CAST(NULL AS %s) AS %s", c.typ, catalog.QuoteIdent(c.name))
		}
		b.WriteString(" LIMIT 0)")
		return b.String()
	}
	b.WriteString("(SELECT * FROM (VALUES ")
	for i, row := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j, v := range row {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "CAST(%s AS %s)", v, cols[j].typ)
		}
		b.WriteByte(')')
	}
	b.WriteString(") AS m(")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(catalog.QuoteIdent(c.name))
	}
	b.WriteString("))")
	return b.String()
}

// SQL literal helpers.

func sqlNull() string         { return "NULL" }
func sqlInt(v int64) string   { return strconv.FormatInt(v, 10) }
func sqlText(v string) string { return catalog.QuoteLiteral(v) }
func sqlBool(v bool) string   { return strconv.FormatBool(v) }
func sqlMillis(ms int64) string {
	return sqlText(time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05.000+00"))
}

func sqlIntPtr[T int | int32 | int64](v *T) string {
	if v == nil {
		return sqlNull()
	}
	return sqlInt(int64(*v))
}

func sqlJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return sqlNull()
	}
	return sqlText(string(b))
}

func sqlBlob(v []byte) string {
	if v == nil {
		return sqlNull()
	}
	var b strings.Builder
	for _, c := range v {
		fmt.Fprintf(&b, "\\x%02X", c)
	}
	return sqlText(b.String())
}

func sqlIntList[T int | int64](v []T) string {
	if v == nil {
		return sqlNull()
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatInt(int64(x), 10)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func snapshotsRows(_ context.Context, t *table.Table, _ *table.Snapshot) ([][]string, error) {
	var out [][]string
	for _, s := range t.Metadata().Snapshots() {
		op, summary := "", map[string]string{}
		if s.Summary != nil {
			op = string(s.Summary.Operation)
			maps.Copy(summary, s.Summary.Properties)
		}
		opSQL := sqlNull()
		if op != "" {
			opSQL = sqlText(op)
		}
		out = append(out, []string{sqlMillis(s.TimestampMs), sqlInt(s.SnapshotID), sqlIntPtr(s.ParentSnapshotID),
			opSQL, sqlText(s.ManifestList), sqlJSON(summary)})
	}
	return out, nil
}

func historyRows(_ context.Context, t *table.Table, _ *table.Snapshot) ([][]string, error) {
	meta := t.Metadata()
	ancestors := map[int64]bool{}
	for s := meta.CurrentSnapshot(); s != nil && !ancestors[s.SnapshotID]; {
		ancestors[s.SnapshotID] = true
		if s.ParentSnapshotID == nil {
			break
		}
		s = meta.SnapshotByID(*s.ParentSnapshotID)
	}
	var out [][]string
	for e := range meta.SnapshotLogs() {
		parent := sqlNull()
		if s := meta.SnapshotByID(e.SnapshotID); s != nil {
			parent = sqlIntPtr(s.ParentSnapshotID)
		}
		out = append(out, []string{sqlMillis(e.TimestampMs), sqlInt(e.SnapshotID), parent, sqlBool(ancestors[e.SnapshotID])})
	}
	return out, nil
}

func refsRows(_ context.Context, t *table.Table, _ *table.Snapshot) ([][]string, error) {
	var out [][]string
	for name, ref := range t.Metadata().Refs() {
		out = append(out, []string{sqlText(name), sqlText(strings.ToUpper(string(ref.SnapshotRefType))), sqlInt(ref.SnapshotID),
			sqlIntPtr(ref.MaxRefAgeMs), sqlIntPtr(ref.MinSnapshotsToKeep), sqlIntPtr(ref.MaxSnapshotAgeMs)})
	}
	slices.SortFunc(out, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	return out, nil
}

func snapshotManifests(ctx context.Context, t *table.Table, snap *table.Snapshot) ([]iceberg.ManifestFile, icebergio.IO, error) {
	if snap == nil {
		return nil, nil, nil
	}
	fs, err := t.FS(ctx)
	if err != nil {
		return nil, nil, err
	}
	ms, err := snap.Manifests(fs)
	return ms, fs, err
}

// partitionResultTypes maps each partition field id of a spec to its value type.
func partitionResultTypes(meta table.Metadata, specID int) map[int]iceberg.PartitionField {
	out := map[int]iceberg.PartitionField{}
	spec := meta.PartitionSpecByID(specID)
	if spec == nil {
		return out
	}
	for _, f := range spec.Fields() {
		out[f.FieldID] = f
	}
	return out
}

func sourceType(meta table.Metadata, f iceberg.PartitionField) iceberg.Type {
	for _, sc := range append([]*iceberg.Schema{meta.CurrentSchema()}, meta.Schemas()...) {
		if nf, ok := sc.FindFieldByID(f.SourceID()); ok {
			return f.Transform.ResultType(nf.Type)
		}
	}
	return nil
}

func manifestsRows(ctx context.Context, t *table.Table, snap *table.Snapshot) ([][]string, error) {
	ms, _, err := snapshotManifests(ctx, t, snap)
	if err != nil {
		return nil, err
	}
	meta := t.Metadata()
	var out [][]string
	for _, m := range ms {
		fields := partitionResultTypes(meta, int(m.PartitionSpecID()))
		spec := meta.PartitionSpecByID(int(m.PartitionSpecID()))
		var order []iceberg.PartitionField
		if spec != nil {
			for _, f := range spec.Fields() {
				order = append(order, f)
			}
		}
		summaries := make([]map[string]any, 0, len(m.Partitions()))
		for i, p := range m.Partitions() {
			var typ iceberg.Type
			if i < len(order) {
				typ = sourceType(meta, fields[order[i].FieldID])
			}
			summaries = append(summaries, map[string]any{
				"contains_null": p.ContainsNull, "contains_nan": p.ContainsNaN,
				"lower_bound": boundText(typ, p.LowerBound), "upper_bound": boundText(typ, p.UpperBound),
			})
		}
		out = append(out, []string{sqlText(m.FilePath()), sqlInt(m.Length()), sqlInt(int64(m.PartitionSpecID())),
			sqlInt(m.SnapshotID()), sqlInt(int64(m.AddedDataFiles())), sqlInt(m.AddedRows()),
			sqlInt(int64(m.ExistingDataFiles())), sqlInt(m.ExistingRows()),
			sqlInt(int64(m.DeletedDataFiles())), sqlInt(m.DeletedRows()), sqlJSON(summaries)})
	}
	return out, nil
}

// boundText renders a serialized bound as text, as Trino shows it.
func boundText(typ iceberg.Type, b *[]byte) any {
	if b == nil {
		return nil
	}
	if typ == nil {
		return fmt.Sprintf("%x", *b)
	}
	lit, err := iceberg.LiteralFromBytes(typ, *b)
	if err != nil {
		return fmt.Sprintf("%x", *b)
	}
	return literalText(lit)
}

func literalText(lit iceberg.Literal) string {
	switch l := lit.(type) {
	case iceberg.DateLiteral:
		return iceberg.Date(l).ToTime().Format("2006-01-02")
	case iceberg.TimestampLiteral:
		return iceberg.Timestamp(l).ToTime().UTC().Format("2006-01-02 15:04:05.999999")
	}
	return lit.String()
}

// liveFiles lists the data and delete files a snapshot holds.
func liveFiles(ctx context.Context, t *table.Table, snap *table.Snapshot, withDeletes bool) ([]iceberg.DataFile, error) {
	ms, fs, err := snapshotManifests(ctx, t, snap)
	if err != nil {
		return nil, err
	}
	var out []iceberg.DataFile
	for _, m := range ms {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !withDeletes && m.ManifestContent() != iceberg.ManifestContentData {
			continue
		}
		entries, err := m.FetchEntries(fs, true)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			out = append(out, e.DataFile())
		}
	}
	return out, nil
}

// partitionJSON names a file's partition values by partition field name.
func partitionJSON(meta table.Metadata, f iceberg.DataFile) map[string]any {
	out := map[string]any{}
	fields := partitionResultTypes(meta, int(f.SpecID()))
	for id, v := range f.Partition() {
		pf, ok := fields[id]
		if !ok {
			continue
		}
		out[pf.Name] = partitionValue(v)
	}
	return out
}

func partitionValue(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case iceberg.Date:
		return x.ToTime().Format("2006-01-02")
	case iceberg.Timestamp:
		return x.ToTime().UTC().Format("2006-01-02 15:04:05.999999")
	case iceberg.Decimal:
		return x.String()
	case uuid.UUID:
		return x.String()
	case []byte:
		return fmt.Sprintf("\\x%x", x)
	case fmt.Stringer:
		return x.String()
	}
	return v
}

func idMap[T any](m map[int]T, conv func(T) any) any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[strconv.Itoa(k)] = conv(v)
	}
	return out
}

func filesRows(ctx context.Context, t *table.Table, snap *table.Snapshot) ([][]string, error) {
	files, err := liveFiles(ctx, t, snap, true)
	if err != nil {
		return nil, err
	}
	meta := t.Metadata()
	schema := meta.CurrentSchema()
	bounds := func(m map[int][]byte) string {
		if m == nil {
			return sqlNull()
		}
		out := make(map[string]any, len(m))
		for id, b := range m {
			var typ iceberg.Type
			if f, ok := schema.FindFieldByID(id); ok {
				typ = f.Type
			}
			out[strconv.Itoa(id)] = boundText(typ, &b)
		}
		return sqlJSON(out)
	}
	counts := func(m map[int]int64) string {
		v := idMap(m, func(x int64) any { return x })
		if v == nil {
			return sqlNull()
		}
		return sqlJSON(v)
	}
	var out [][]string
	for _, f := range files {
		sortOrder := sqlNull()
		if f.SortOrderID() != nil {
			sortOrder = sqlInt(int64(*f.SortOrderID()))
		}
		out = append(out, []string{
			sqlInt(int64(f.ContentType())), sqlText(f.FilePath()), sqlText(strings.ToUpper(string(f.FileFormat()))),
			sqlInt(int64(f.SpecID())), sqlJSON(partitionJSON(meta, f)), sqlInt(f.Count()), sqlInt(f.FileSizeBytes()),
			counts(f.ColumnSizes()), counts(f.ValueCounts()), counts(f.NullValueCounts()), counts(f.NaNValueCounts()),
			bounds(f.LowerBoundValues()), bounds(f.UpperBoundValues()), sqlBlob(f.KeyMetadata()),
			sqlIntList(f.SplitOffsets()), sqlIntList(f.EqualityFieldIDs()), sortOrder,
		})
	}
	return out, nil
}

func partitionsRows(ctx context.Context, t *table.Table, snap *table.Snapshot) ([][]string, error) {
	files, err := liveFiles(ctx, t, snap, false)
	if err != nil {
		return nil, err
	}
	meta := t.Metadata()
	type agg struct {
		partition      string
		records, files int64
		size           int64
	}
	byKey := map[string]*agg{}
	var order []string
	for _, f := range files {
		if f.ContentType() != iceberg.EntryContentData {
			continue
		}
		p, err := json.Marshal(partitionJSON(meta, f))
		if err != nil {
			return nil, err
		}
		key := string(p)
		a := byKey[key]
		if a == nil {
			a = &agg{partition: key}
			byKey[key] = a
			order = append(order, key)
		}
		a.records += f.Count()
		a.files++
		a.size += f.FileSizeBytes()
	}
	slices.Sort(order)
	out := make([][]string, 0, len(order))
	for _, k := range order {
		a := byKey[k]
		out = append(out, []string{sqlText(a.partition), sqlInt(a.records), sqlInt(a.files), sqlInt(a.size)})
	}
	return out, nil
}
