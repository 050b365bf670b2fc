package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/apache/iceberg-go"

	"github.com/lakegate/lakegate/pgerr"
)

// Row lineage columns (Iceberg format v3): _row_id and _last_updated_sequence_number
// are hidden columns of every v3 table, as in Trino and Spark, and like PostgreSQL's
// system columns: a statement that names one reads it, and * never includes it. A
// reference whose statement names either column gets both appended to the schema
// it reads (scanRef.lineage; the engine computes them, engine/lineage.go), and every
// * that would expand over such a reference is written out as its table's columns.
// A v1 or v2 table has no such columns: naming one is an unknown column (42703).

// lineageNames are the row lineage column names.
var lineageNames = map[string]bool{
	iceberg.RowIDColumnName:                     true,
	iceberg.LastUpdatedSequenceNumberColumnName: true,
}

// lineageSchemaOffset keeps the schema read with lineage columns apart from the
// table's own schema in keys that name a schema by id (hot tables, lookup rows).
const lineageSchemaOffset = -1 << 20

// lineageSchema is s with the row lineage columns appended.
func lineageSchema(s *iceberg.Schema) *iceberg.Schema {
	out := iceberg.SchemaWithRowLineage(s)
	return iceberg.NewSchemaWithIdentifiers(lineageSchemaOffset-s.ID, out.IdentifierFieldIDs, out.Fields()...)
}

// withLineage adds the lineage columns to the schema a version is read with when
// the statement names them.
func (r *scanRef) withLineage(v tableVersion, err error) tableVersion {
	if err == nil && r.lineage && v.schema != nil {
		v.schema = lineageSchema(v.schema)
	}
	return v
}

// markLineage gives the references of format v3 tables the lineage columns when the
// statement names one (unqualified, or qualified by the reference's alias), then
// writes out the * expansions over them.
func markLineage(root *pg.Node, refs []*scanRef) error {
	unqualified := false
	qualifiers := map[string]bool{}
	walk(root, func(m protoreflect.Message) bool {
		cr, ok := m.Interface().(*pg.ColumnRef)
		if !ok || len(cr.Fields) == 0 || !lineageNames[strVal(cr.Fields[len(cr.Fields)-1])] {
			return true
		}
		if len(cr.Fields) == 1 {
			unqualified = true
		} else {
			qualifiers[strVal(cr.Fields[len(cr.Fields)-2])] = true
		}
		return true
	})
	if !unqualified && len(qualifiers) == 0 {
		return nil
	}
	byPlaceholder := map[string]*scanRef{}
	for _, r := range refs {
		if r.meta != "" || r.schema == nil || r.table == nil || r.table.Metadata().Version() < 3 ||
			!unqualified && !qualifiers[r.alias] || userLineageColumn(r.schema) {
			continue
		}
		r.lineage = true
		r.schema = lineageSchema(r.schema)
		byPlaceholder[r.placeholder] = r
	}
	if len(byPlaceholder) == 0 {
		return nil
	}
	return expandLineageStars(root, byPlaceholder)
}

// userLineageColumn reports whether a table has a column of its own under a lineage
// name; that column is what the name reads.
func userLineageColumn(s *iceberg.Schema) bool {
	for name := range lineageNames {
		if f, ok := s.FindFieldByName(name); ok && !iceberg.IsMetadataColumn(f.ID) {
			return true
		}
	}
	return false
}

// expandLineageStars replaces *, alias.* in target lists over references with
// lineage columns by those references' own columns, and refuses the forms that
// would still reach the hidden columns (whole-row references, NATURAL joins).
func expandLineageStars(root *pg.Node, refs map[string]*scanRef) error {
	byAlias := map[string]*scanRef{}
	for _, r := range refs {
		byAlias[r.alias] = r
	}
	var firstErr error
	fail := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	rewritten := map[*pg.ColumnRef]bool{}
	walk(root, func(m protoreflect.Message) bool {
		if firstErr != nil {
			return false
		}
		switch x := m.Interface().(type) {
		case *pg.SelectStmt:
			direct := lineageFromItems(x.FromClause, refs)
			var out []*pg.Node
			changed := false
			for _, t := range x.TargetList {
				rt := t.GetResTarget()
				cr := rt.GetVal().GetColumnRef()
				if cr == nil || len(cr.Fields) == 0 || cr.Fields[len(cr.Fields)-1].GetAStar() == nil {
					out = append(out, t)
					continue
				}
				exp, ok, err := expandStar(cr, x.FromClause, direct, byAlias, refs)
				if err != nil {
					fail(err)
					return false
				}
				if !ok {
					rewritten[cr] = true // a star over no lineage reference: kept
					out = append(out, t)
					continue
				}
				out = append(out, exp...)
				changed = true
			}
			if changed {
				x.TargetList = out
			}
		case *pg.JoinExpr:
			if x.IsNatural && (joinHasLineage(x.Larg, refs) || joinHasLineage(x.Rarg, refs)) {
				fail(pgerr.New(pgerr.FeatureNotSupported,
					"NATURAL JOIN of a table whose row lineage columns the statement reads is not supported; join with ON or USING"))
				return false
			}
		case *pg.ColumnRef:
			if rewritten[x] {
				return true
			}
			f := x.Fields
			if len(f) == 2 && f[1].GetAStar() != nil && byAlias[strVal(f[0])] != nil ||
				len(f) == 1 && byAlias[strVal(f[0])] != nil && !byAlias[strVal(f[0])].hasColumn(strVal(f[0])) {
				r := byAlias[strVal(f[0])]
				fail(pgerr.New(pgerr.FeatureNotSupported,
					"a whole-row reference to table %q is not supported in a statement that reads its row lineage columns; name the columns", r.ref.String()))
				return false
			}
		}
		return true
	})
	return firstErr
}

// lineageFromItems reports whether a FROM list holds a reference with lineage
// columns directly (through joins, not subqueries).
func lineageFromItems(from []*pg.Node, refs map[string]*scanRef) bool {
	for _, f := range from {
		if joinHasLineage(f, refs) {
			return true
		}
	}
	return false
}

func joinHasLineage(n *pg.Node, refs map[string]*scanRef) bool {
	switch x := n.Node.(type) {
	case *pg.Node_RangeVar:
		return refs[x.RangeVar.Relname] != nil
	case *pg.Node_JoinExpr:
		return joinHasLineage(x.JoinExpr.Larg, refs) || joinHasLineage(x.JoinExpr.Rarg, refs)
	}
	return false
}

// expandStar returns the targets that replace a * or alias.* target, and false when
// the star covers no reference with lineage columns.
func expandStar(cr *pg.ColumnRef, from []*pg.Node, direct bool, byAlias map[string]*scanRef, refs map[string]*scanRef) ([]*pg.Node, bool, error) {
	loc := cr.Location
	if len(cr.Fields) == 2 {
		alias := strVal(cr.Fields[0])
		r := byAlias[alias]
		if r == nil {
			return nil, false, nil
		}
		if vis := visibleItem(from, alias); vis != nil && refs[vis.Relname] != r {
			return nil, false, nil // another relation of this FROM list has that name
		}
		return refColumns(r, loc), true, nil
	}
	if len(cr.Fields) != 1 || !direct {
		return nil, false, nil
	}
	var out []*pg.Node
	for _, f := range from {
		exp, err := itemStar(f, refs, loc)
		if err != nil {
			return nil, false, err
		}
		out = append(out, exp...)
	}
	return out, true, nil
}

// itemStar is what * yields for one FROM item, written out as alias.* or, for a
// reference with lineage columns, its columns.
func itemStar(n *pg.Node, refs map[string]*scanRef, loc int32) ([]*pg.Node, error) {
	unsupported := func(what string) error {
		return pgerr.New(pgerr.FeatureNotSupported,
			"SELECT * over %s is not supported in a statement that reads row lineage columns; name the columns", what)
	}
	switch x := n.Node.(type) {
	case *pg.Node_RangeVar:
		if r := refs[x.RangeVar.Relname]; r != nil {
			return refColumns(r, loc), nil
		}
		name := x.RangeVar.Relname
		if x.RangeVar.Alias != nil {
			name = x.RangeVar.Alias.Aliasname
		}
		return []*pg.Node{qualifiedStar(name, loc)}, nil
	case *pg.Node_RangeSubselect:
		if x.RangeSubselect.Alias == nil {
			return nil, unsupported("a subquery without an alias")
		}
		return []*pg.Node{qualifiedStar(x.RangeSubselect.Alias.Aliasname, loc)}, nil
	case *pg.Node_RangeFunction:
		if x.RangeFunction.Alias == nil {
			return nil, unsupported("a function without an alias")
		}
		return []*pg.Node{qualifiedStar(x.RangeFunction.Alias.Aliasname, loc)}, nil
	case *pg.Node_JoinExpr:
		j := x.JoinExpr
		if j.Alias != nil || j.IsNatural || len(j.UsingClause) > 0 {
			return nil, unsupported("a join with an alias, NATURAL or USING")
		}
		l, err := itemStar(j.Larg, refs, loc)
		if err != nil {
			return nil, err
		}
		r, err := itemStar(j.Rarg, refs, loc)
		if err != nil {
			return nil, err
		}
		return append(l, r...), nil
	}
	return nil, unsupported("this kind of FROM item")
}

// visibleItem is the reference (RangeVar) of a FROM list, through joins, named alias.
func visibleItem(from []*pg.Node, alias string) *pg.RangeVar {
	for _, n := range from {
		switch x := n.Node.(type) {
		case *pg.Node_RangeVar:
			name := x.RangeVar.Relname
			if x.RangeVar.Alias != nil {
				name = x.RangeVar.Alias.Aliasname
			}
			if name == alias {
				return x.RangeVar
			}
		case *pg.Node_JoinExpr:
			if rv := visibleItem([]*pg.Node{x.JoinExpr.Larg, x.JoinExpr.Rarg}, alias); rv != nil {
				return rv
			}
		}
	}
	return nil
}

// refColumns are the targets alias.column for the table's own columns, in order.
func refColumns(r *scanRef, loc int32) []*pg.Node {
	var out []*pg.Node
	for _, f := range r.schema.Fields() {
		if iceberg.IsMetadataColumn(f.ID) {
			continue
		}
		out = append(out, &pg.Node{Node: &pg.Node_ResTarget{ResTarget: &pg.ResTarget{Location: loc,
			Val: &pg.Node{Node: &pg.Node_ColumnRef{ColumnRef: &pg.ColumnRef{Location: loc,
				Fields: []*pg.Node{pg.MakeStrNode(r.alias), pg.MakeStrNode(f.Name)}}}}}}})
	}
	return out
}

func qualifiedStar(alias string, loc int32) *pg.Node {
	return &pg.Node{Node: &pg.Node_ResTarget{ResTarget: &pg.ResTarget{Location: loc,
		Val: &pg.Node{Node: &pg.Node_ColumnRef{ColumnRef: &pg.ColumnRef{Location: loc,
			Fields: []*pg.Node{pg.MakeStrNode(alias), {Node: &pg.Node_AStar{AStar: &pg.A_Star{}}}}}}}}}}
}
