package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/iceberg-go"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/pgerr"
	"github.com/lakegate/lakegate/pushdown"
)

// fileColumn is the name given to read_parquet's filename column where position
// deletes need it; chosen so it cannot collide with a user column by accident.
const fileColumn = "__lakegate_file"

// ScanOptions tune how TableScanSQL reads a table's files.
type ScanOptions struct {
	// CheckFieldIDs reads each data file's footer (once; cached by location) to find
	// files written without Parquet field ids, as Hive-migrated tables hold. Those are
	// read by column name through NameMapping, or by position when the table has none,
	// as Iceberg's Java reader does.
	CheckFieldIDs bool
	// NameMapping is the table's schema.name-mapping.default.
	NameMapping iceberg.NameMapping
}

// ScanSQL returns a relation (a parenthesised query) that reads the spec's files with
// the table's current schema: columns matched by Parquet field id, renamed and typed as
// the schema says, missing ones NULL, delete files applied. An empty spec yields an
// empty relation of the right column types, which is also what Describe plans with.
func ScanSQL(spec *pushdown.ScanSpec, remap *catalog.Remapper) string {
	sql, _ := TableScanSQL(spec, remap, ScanOptions{})
	return sql
}

// TableScanSQL is ScanSQL with options. It fails when a footer cannot be read and,
// with 0A000, when equality deletes name a column the schema read lacks.
func TableScanSQL(spec *pushdown.ScanSpec, remap *catalog.Remapper, opts ScanOptions) (string, error) {
	fields := spec.Schema.Fields()
	for _, f := range fields {
		if name := unreadableType(f.Type); name != "" {
			// DuckDB would hand out the raw encoding (variant's metadata and value
			// bytes) as if it were the value.
			return "", pgerr.New(pgerr.FeatureNotSupported,
				"table %q has column %q of type %s, which lakegate cannot read", spec.Table, f.Name, name)
		}
	}
	if len(spec.Groups) == 0 {
		return emptyRelation(fields), nil
	}
	for _, g := range spec.Groups {
		for _, d := range g.EqualityDeletes {
			for _, id := range d.EqualityIDs {
				if _, ok := spec.Schema.FindFieldByID(id); !ok {
					// Matching on fewer columns would delete too much.
					return "", pgerr.New(pgerr.FeatureNotSupported,
						"table %q has equality deletes on field id %d, which the schema read does not have; lakegate cannot apply them", spec.Table, id)
				}
			}
		}
	}
	var noIDs map[string]*fileColumns
	if opts.CheckFieldIDs {
		var err error
		if noIDs, err = filesWithoutIDs(spec); err != nil {
			return "", err
		}
	}
	byName := nameMappingIDs(opts.NameMapping)
	parts := make([]string, 0, len(spec.Groups))
	for _, g := range spec.Groups {
		parts = append(parts, groupSQL(g, spec.Schema, remap, noIDs, byName, spec.NamesMatch))
	}
	return "(" + strings.Join(parts, "\nUNION ALL\n") + ")", nil
}

// unreadableType names the type within t that lakegate cannot decode (variant,
// geometry, geography); "" when there is none.
func unreadableType(t iceberg.Type) string {
	switch t := t.(type) {
	case iceberg.VariantType, iceberg.GeometryType, iceberg.GeographyType:
		return t.String()
	case *iceberg.ListType:
		return unreadableType(t.Element)
	case *iceberg.MapType:
		if n := unreadableType(t.KeyType); n != "" {
			return n
		}
		return unreadableType(t.ValueType)
	case *iceberg.StructType:
		for _, f := range t.FieldList {
			if n := unreadableType(f.Type); n != "" {
				return n
			}
		}
	}
	return ""
}

// EmptyScanSQL returns the empty relation with the table's columns.
func EmptyScanSQL(schema *iceberg.Schema) string { return emptyRelation(schema.Fields()) }

func emptyRelation(fields []iceberg.NestedField) string {
	sel := make([]string, len(fields))
	for i, f := range fields {
		sel[i] = fmt.Sprintf("CAST(NULL AS %s) AS %s", catalog.DuckDBType(f.Type), catalog.QuoteIdent(f.Name))
	}
	return "(SELECT " + strings.Join(sel, ", ") + " LIMIT 0)"
}

func columnList(fields []iceberg.NestedField, prefix string) string {
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = prefix + catalog.QuoteIdent(f.Name)
	}
	return strings.Join(cols, ", ")
}

// schemaMapSQL is read_parquet's schema argument: Parquet field id -> name, type, default.
func schemaMapSQL(fields []iceberg.NestedField) string {
	entries := make([]string, len(fields))
	for i, f := range fields {
		// Every default is given as text (DuckDB casts it to the column's type):
		// the MAP's values must share one struct type.
		def := "NULL"
		if text, ok := defaultText(f.Type, f.InitialDefault); ok {
			def = catalog.QuoteLiteral(text)
		}
		entries[i] = fmt.Sprintf("%d: {name: %s, type: %s, default_value: CAST(%s AS VARCHAR)}", f.ID,
			catalog.QuoteLiteral(f.Name), catalog.QuoteLiteral(catalog.DuckDBType(f.Type)), def)
	}
	return "MAP {" + strings.Join(entries, ", ") + "}"
}

func pathList(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = catalog.QuoteLiteral(p)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// groupSQL reads one file group: the files with field ids in one read_parquet, each
// file without them by name, identity partition values filled in, then the group's
// delete files applied as anti-joins.
func groupSQL(g pushdown.FileGroup, schema *iceberg.Schema, remap *catalog.Remapper, noIDs map[string]*fileColumns, mapping map[string]int, namesMatch bool) string {
	fields := schema.Fields()
	cols := columnList(fields, "")
	// read is read_parquet over paths yielding the schema's columns (then extra)
	// with opts added. When the files' column names and types are the schema's
	// (spec.NamesMatch), columns are read by name and cast to the schema's types
	// (casts to the same type vanish; filters still reach the Parquet reader);
	// otherwise through a field-id schema map. DuckDB estimates no rows for a
	// read_parquet with a schema map, which misleads its join ordering.
	read := func(paths []string, extra, opts string) string {
		if namesMatch {
			return fmt.Sprintf("SELECT %s%s FROM read_parquet(%s, hive_partitioning=false%s)",
				castColumns(fields), extra, pathList(paths), opts)
		}
		return fmt.Sprintf("SELECT %s%s FROM read_parquet(%s, hive_partitioning=false%s, schema=%s)",
			cols, extra, pathList(paths), opts, schemaMapSQL(fields))
	}
	var withIDs []pushdown.DataFile
	var withoutIDs []pushdown.DataFile
	for _, f := range g.Files {
		if noIDs[f.Path] != nil {
			withoutIDs = append(withoutIDs, f)
		} else {
			withIDs = append(withIDs, f)
		}
	}
	representativeFirst(withIDs)
	deletes := len(g.PositionDeletes) > 0 || len(g.EqualityDeletes) > 0
	identity := identityColumns(g.Files, schema)
	// Row lineage columns stored in a file are found by field id only (lineage.go).
	lineage := hasLineage(fields)
	// Files of identity-partitioned tables may lack the partition columns (Hive
	// layouts): only the schema map reads a missing column as NULL.
	namesMatch = namesMatch && len(identity) == 0 && !lineage
	if !deletes && len(identity) == 0 && len(withoutIDs) == 0 && !lineage {
		return read(filePaths(withIDs), "", "")
	}
	positions := deletes || lineage
	rowNumber := ""
	if positions {
		rowNumber = ", file_row_number=true"
	}
	// Every part yields the schema's columns, the file name and, for deletes and
	// row lineage, the row number.
	extra := ", " + fileColumn
	if positions {
		extra += ", file_row_number"
	}
	var parts []string
	if len(withIDs) > 0 {
		parts = append(parts, read(filePaths(withIDs), extra, ", filename="+catalog.QuoteLiteral(fileColumn)+rowNumber))
	}
	for _, f := range withoutIDs {
		parts = append(parts, fmt.Sprintf("SELECT %s%s FROM read_parquet(%s, hive_partitioning=false, filename=%s%s)",
			byNameColumns(fields, noIDs[f.Path], mapping), extra, pathList([]string{f.Path}), catalog.QuoteLiteral(fileColumn), rowNumber))
	}
	scan := "(" + strings.Join(parts, " UNION ALL ") + ")"
	if len(identity) > 0 {
		scan = identityScanSQL(scan, g.Files, schema, identity, positions)
	}
	var b strings.Builder
	if lineage {
		fmt.Fprintf(&b, "SELECT %s FROM %s d", lineageColumns(fields), scan)
		b.WriteString(lineageJoinSQL(g.Files))
	} else {
		fmt.Fprintf(&b, "SELECT %s FROM %s d", columnList(fields, "d."), scan)
	}
	if len(g.PositionDeletes) > 0 {
		dp := make([]string, len(g.PositionDeletes))
		for i, d := range g.PositionDeletes {
			dp[i] = d.Path
		}
		// Position deletes name data files by their location as written in metadata.
		fmt.Fprintf(&b, "\nANTI JOIN (SELECT %s AS path, pos FROM read_parquet(%s, hive_partitioning=false)) pd ON d.%s = pd.path AND d.file_row_number = pd.pos",
			localPathSQL("file_path", remap), pathList(dp), fileColumn)
	}
	for i, set := range equalitySets(g.EqualityDeletes) {
		eqFields := make([]iceberg.NestedField, 0, len(set.ids))
		for _, id := range set.ids {
			if f, ok := schema.FindFieldByID(id); ok {
				eqFields = append(eqFields, f)
			}
		}
		conds := make([]string, len(eqFields))
		for j, f := range eqFields {
			q := catalog.QuoteIdent(f.Name)
			conds[j] = fmt.Sprintf("d.%s IS NOT DISTINCT FROM e%d.%s", q, i, q)
		}
		fmt.Fprintf(&b, "\nANTI JOIN (SELECT %s FROM read_parquet(%s, hive_partitioning=false, schema=%s)) e%d ON %s",
			columnList(eqFields, ""), pathList(set.paths), schemaMapSQL(eqFields), i, strings.Join(conds, " AND "))
	}
	return b.String()
}

// representativeFirst moves to the front the file whose row count is closest to
// the files' mean. DuckDB estimates a multi-file read_parquet as the first file's
// rows times the number of files; a small first file (a late append, a sparse
// partition) made it plan joins as if a large table were tiny.
func representativeFirst(files []pushdown.DataFile) {
	if len(files) < 2 {
		return
	}
	var total int64
	for _, f := range files {
		total += f.Records
	}
	mean := total / int64(len(files))
	best := 0
	for i, f := range files {
		if abs64(f.Records-mean) < abs64(files[best].Records-mean) {
			best = i
		}
	}
	files[0], files[best] = files[best], files[0]
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// castColumns selects each field by name, cast to the schema's type.
func castColumns(fields []iceberg.NestedField) string {
	cols := make([]string, len(fields))
	for i, f := range fields {
		q := catalog.QuoteIdent(f.Name)
		cols[i] = fmt.Sprintf("CAST(%s AS %s) AS %s", q, catalog.DuckDBType(f.Type), q)
	}
	return strings.Join(cols, ", ")
}

func filePaths(files []pushdown.DataFile) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Path
	}
	return out
}

// byNameColumns selects the schema's columns from a file without field ids: each
// column the name mapping (or, without one, the column's position) assigns its field
// id, cast to the schema's type; NULL (or the initial default) for the others.
func byNameColumns(fields []iceberg.NestedField, fc *fileColumns, mapping map[string]int) string {
	idToName := map[int]string{}
	for i, name := range fc.names {
		if mapping != nil {
			if id, ok := mapping[name]; ok {
				idToName[id] = name
			}
		} else {
			idToName[i+1] = name
		}
	}
	sel := make([]string, len(fields))
	for i, f := range fields {
		typ := catalog.DuckDBType(f.Type)
		src := defaultSQL(f)
		if name, ok := idToName[f.ID]; ok {
			src = fmt.Sprintf("CAST(%s AS %s)", catalog.QuoteIdent(name), typ)
		}
		sel[i] = src + " AS " + catalog.QuoteIdent(f.Name)
	}
	return strings.Join(sel, ", ")
}

// nameMappingIDs maps top-level column names to field ids; nil without a mapping.
func nameMappingIDs(m iceberg.NameMapping) map[string]int {
	if m == nil {
		return nil // no mapping: by position; an empty one maps nothing
	}
	out := map[string]int{}
	for _, f := range m {
		if f.FieldID == nil {
			continue
		}
		for _, n := range f.Names {
			out[n] = *f.FieldID
		}
	}
	return out
}

// identityColumns are the fields of schema that some file of the group has an
// identity partition value for, in schema order.
func identityColumns(files []pushdown.DataFile, schema *iceberg.Schema) []iceberg.NestedField {
	ids := map[int]bool{}
	for _, f := range files {
		for id := range f.Identity {
			ids[id] = true
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var out []iceberg.NestedField
	for _, f := range schema.Fields() {
		if ids[f.ID] && isPrimitive(f.Type) {
			out = append(out, f)
		}
	}
	return out
}

func isPrimitive(t iceberg.Type) bool {
	switch t.(type) {
	case *iceberg.ListType, *iceberg.MapType, *iceberg.StructType:
		return false
	}
	return true
}

// identityScanSQL wraps a scan so that identity-partitioned columns take the value of
// the file's partition tuple when the file does not hold the column (a file that
// holds it has that value in every row, so COALESCE is exact). The result keeps the
// file name and row number columns the delete joins use.
func identityScanSQL(scan string, files []pushdown.DataFile, schema *iceberg.Schema, identity []iceberg.NestedField, deletes bool) string {
	var b strings.Builder
	sel := make([]string, 0, len(schema.Fields())+2)
	isIdentity := map[int]int{}
	for i, f := range identity {
		isIdentity[f.ID] = i
	}
	for _, f := range schema.Fields() {
		q := catalog.QuoteIdent(f.Name)
		if i, ok := isIdentity[f.ID]; ok {
			sel = append(sel, fmt.Sprintf("COALESCE(s.%s, p.v%d) AS %s", q, i, q))
		} else {
			sel = append(sel, "s."+q)
		}
	}
	sel = append(sel, "s."+fileColumn)
	if deletes {
		sel = append(sel, "s.file_row_number")
	}
	fmt.Fprintf(&b, "(SELECT %s FROM %s s JOIN (VALUES ", strings.Join(sel, ", "), scan)
	for i, f := range files {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + catalog.QuoteLiteral(f.Path))
		for _, col := range identity {
			v, ok := f.Identity[col.ID]
			lit := "NULL"
			if ok {
				lit = literalSQL(v, col.Type)
			}
			fmt.Fprintf(&b, ", CAST(%s AS %s)", lit, catalog.DuckDBType(col.Type))
		}
		b.WriteString(")")
	}
	b.WriteString(") p(path")
	for i := range identity {
		fmt.Fprintf(&b, ", v%d", i)
	}
	fmt.Fprintf(&b, ") ON s.%s = p.path)", fileColumn)
	return b.String()
}

type equalitySet struct {
	ids   []int
	paths []string
}

// equalitySets groups equality delete files by their equality field ids: each set is
// one anti-join on those columns.
func equalitySets(ds []pushdown.DeleteFile) []equalitySet {
	var sets []equalitySet
	for _, d := range ds {
		ids := slices.Clone(d.EqualityIDs)
		slices.Sort(ids)
		i := slices.IndexFunc(sets, func(s equalitySet) bool { return slices.Equal(s.ids, ids) })
		if i < 0 {
			sets = append(sets, equalitySet{ids: ids})
			i = len(sets) - 1
		}
		sets[i].paths = append(sets[i].paths, d.Path)
	}
	return sets
}

// localPathSQL maps a location column to the local path DuckDB read, applying the
// remap rules in SQL, as catalog.Remapper.Local does in Go.
func localPathSQL(col string, remap *catalog.Remapper) string {
	expr := col
	if rules := remap.Rules(); len(rules) > 0 {
		var b strings.Builder
		b.WriteString("CASE")
		for _, r := range rules {
			fmt.Fprintf(&b, " WHEN starts_with(%s, %s) THEN %s || %s[%d:]", col, catalog.QuoteLiteral(r[0]),
				catalog.QuoteLiteral(r[1]), col, len(r[0])+1)
		}
		// As catalog.Remapper.Location: failing a literal match, a qualified path
		// (hdfs://host:port/p) matches a rule for /p, and /p one for hdfs://host:port/p.
		unqualified := fmt.Sprintf("regexp_replace(%s, '^[A-Za-z][A-Za-z0-9+.-]*://[^/]*', '')", col)
		for _, r := range rules {
			if _, p := catalog.SplitAuthority(r[0]); p == r[0] && strings.HasPrefix(p, "/") {
				fmt.Fprintf(&b, " WHEN NOT starts_with(%s, '/') AND starts_with(%s, %s) THEN %s || %s[%d:]", col, unqualified,
					catalog.QuoteLiteral(p), catalog.QuoteLiteral(r[1]), unqualified, len(p)+1)
			} else if strings.HasPrefix(p, "/") {
				fmt.Fprintf(&b, " WHEN starts_with(%s, %s) THEN %s || %s[%d:]", col, catalog.QuoteLiteral(p),
					catalog.QuoteLiteral(r[1]), col, len(p)+1)
			}
		}
		fmt.Fprintf(&b, " ELSE %s END", col)
		expr = b.String()
	}
	return fmt.Sprintf("regexp_replace(%s, '^file:(//)?', '')", expr)
}
