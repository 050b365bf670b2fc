package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/iceberg-go"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/pushdown"
)

// fileColumn is the name given to read_parquet's filename column where position
// deletes need it; chosen so it cannot collide with a user column by accident.
const fileColumn = "__lakegate_file"

// ScanSQL returns a relation (a parenthesised query) that reads the spec's files with
// the table's current schema: columns matched by Parquet field id, renamed and typed as
// the schema says, missing ones NULL, delete files applied. An empty spec yields an
// empty relation of the right column types, which is also what Describe plans with.
func ScanSQL(spec *pushdown.ScanSpec, remap *catalog.Remapper) string {
	fields := spec.Schema.Fields()
	if len(spec.Groups) == 0 {
		return emptyRelation(fields)
	}
	schemaMap := schemaMapSQL(fields)
	cols := columnList(fields, "")
	parts := make([]string, 0, len(spec.Groups))
	for _, g := range spec.Groups {
		parts = append(parts, groupSQL(g, cols, schemaMap, spec.Schema, remap))
	}
	return "(" + strings.Join(parts, "\nUNION ALL\n") + ")"
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
		entries[i] = fmt.Sprintf("%d: {name: %s, type: %s, default_value: %s}", f.ID,
			catalog.QuoteLiteral(f.Name), catalog.QuoteLiteral(catalog.DuckDBType(f.Type)), defaultSQL(f))
	}
	return "MAP {" + strings.Join(entries, ", ") + "}"
}

func defaultSQL(f iceberg.NestedField) string {
	if f.InitialDefault == nil {
		return "NULL"
	}
	return fmt.Sprintf("CAST(%s AS %s)", catalog.QuoteLiteral(fmt.Sprint(f.InitialDefault)), catalog.DuckDBType(f.Type))
}

func pathList(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = catalog.QuoteLiteral(p)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func groupSQL(g pushdown.FileGroup, cols, schemaMap string, schema *iceberg.Schema, remap *catalog.Remapper) string {
	paths := make([]string, len(g.Files))
	for i, f := range g.Files {
		paths[i] = f.Path
	}
	if len(g.PositionDeletes) == 0 && len(g.EqualityDeletes) == 0 {
		return fmt.Sprintf("SELECT %s FROM read_parquet(%s, hive_partitioning=false, schema=%s)",
			cols, pathList(paths), schemaMap)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "SELECT %s FROM read_parquet(%s, hive_partitioning=false, filename=%s, file_row_number=true, schema=%s) d",
		columnList(schema.Fields(), "d."), pathList(paths), catalog.QuoteLiteral(fileColumn), schemaMap)
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
		fields := make([]iceberg.NestedField, 0, len(set.ids))
		for _, id := range set.ids {
			if f, ok := schema.FindFieldByID(id); ok {
				fields = append(fields, f)
			}
		}
		conds := make([]string, len(fields))
		for j, f := range fields {
			q := catalog.QuoteIdent(f.Name)
			conds[j] = fmt.Sprintf("d.%s IS NOT DISTINCT FROM e%d.%s", q, i, q)
		}
		fmt.Fprintf(&b, "\nANTI JOIN (SELECT %s FROM read_parquet(%s, hive_partitioning=false, schema=%s)) e%d ON %s",
			columnList(fields, ""), pathList(set.paths), schemaMapSQL(fields), i, strings.Join(conds, " AND "))
	}
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
		fmt.Fprintf(&b, " ELSE %s END", col)
		expr = b.String()
	}
	return fmt.Sprintf("regexp_replace(%s, '^file:(//)?', '')", expr)
}
