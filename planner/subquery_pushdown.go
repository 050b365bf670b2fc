package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// pushIntoSubqueries lets WHERE conjuncts on a subquery in FROM, or on a CTE referenced
// once, prune the lake table the subquery reads: SELECT ... FROM (SELECT ... FROM
// sales) s WHERE s.product_id = 5 prunes sales by product_id = 5. Only a plain
// subquery over one lake table qualifies (no GROUP BY, DISTINCT, LIMIT, window
// functions or set operations), and only conjuncts whose columns all map to plain
// columns of that table: every output row is then one row of the table, unchanged.
func pushIntoSubqueries(root *pg.Node, sel *pg.SelectStmt, byName map[string]*scanRef) {
	if sel.WhereClause == nil {
		return
	}
	type source struct {
		alias string
		query *pg.SelectStmt
	}
	var sources []source
	for _, f := range sel.FromClause {
		switch x := f.Node.(type) {
		case *pg.Node_RangeSubselect:
			rs := x.RangeSubselect
			if rs.Lateral || rs.Alias == nil || len(rs.Alias.Colnames) > 0 {
				continue
			}
			if q := rs.Subquery.GetSelectStmt(); q != nil {
				sources = append(sources, source{rs.Alias.Aliasname, q})
			}
		case *pg.Node_RangeVar:
			rv := x.RangeVar
			if rv.Schemaname != "" || sel.WithClause == nil || sel.WithClause.Recursive {
				continue
			}
			for _, c := range sel.WithClause.Ctes {
				cte := c.GetCommonTableExpr()
				if cte == nil || cte.Ctename != rv.Relname || len(cte.Aliascolnames) > 0 || references(root, rv.Relname) != 1 {
					continue
				}
				alias := rv.Relname
				if rv.Alias != nil {
					if len(rv.Alias.Colnames) > 0 {
						continue
					}
					alias = rv.Alias.Aliasname
				}
				if q := cte.Ctequery.GetSelectStmt(); q != nil {
					sources = append(sources, source{alias, q})
				}
			}
		}
	}
	for _, src := range sources {
		inner, cols := plainScan(src.query, byName)
		if inner == nil {
			continue
		}
		for _, c := range splitAnd(sel.WhereClause) {
			if cp := mapColumns(c, src.alias, len(sel.FromClause) == 1, inner.alias, cols); cp != nil {
				inner.conjuncts = append(inner.conjuncts, cp)
			}
		}
	}
}

// plainScan returns the lake scan a plain single-table SELECT reads and its output
// columns that are plain columns of the table (output name -> column name).
func plainScan(q *pg.SelectStmt, byName map[string]*scanRef) (*scanRef, map[string]string) {
	if q.Op != pg.SetOperation_SETOP_NONE || len(q.FromClause) != 1 || len(q.GroupClause) > 0 || q.HavingClause != nil ||
		len(q.DistinctClause) > 0 || q.LimitCount != nil || q.LimitOffset != nil || len(q.WindowClause) > 0 ||
		q.WithClause != nil || len(q.ValuesLists) > 0 {
		return nil, nil
	}
	rv := q.FromClause[0].GetRangeVar()
	if rv == nil {
		return nil, nil
	}
	r, ok := byName[rv.Relname]
	if !ok || r.nullable || r.meta != "" {
		return nil, nil
	}
	cols := map[string]string{}
	for _, t := range q.TargetList {
		rt := t.GetResTarget()
		if rt == nil || hasWindow(rt.Val) {
			return nil, nil
		}
		cr := rt.Val.GetColumnRef()
		if cr == nil {
			continue
		}
		if len(cr.Fields) > 0 && cr.Fields[len(cr.Fields)-1].GetAStar() != nil {
			if r.schema == nil {
				continue
			}
			for _, f := range r.schema.Fields() {
				if _, taken := cols[f.Name]; !taken {
					cols[f.Name] = f.Name
				}
			}
			continue
		}
		name := lastName(cr)
		if !r.hasColumn(name) {
			continue
		}
		out := name
		if rt.Name != "" {
			out = rt.Name
		}
		cols[out] = name
	}
	return r, cols
}

func hasWindow(n *pg.Node) bool {
	found := false
	walk(n, func(m protoreflect.Message) bool {
		if fc, ok := m.Interface().(*pg.FuncCall); ok && fc.Over != nil {
			found = true
		}
		return !found
	})
	return found
}

// mapColumns copies a conjunct over the subquery's columns into one over the inner
// table's columns, or returns nil when a column does not map (or belongs elsewhere).
func mapColumns(c *pg.Node, alias string, only bool, innerAlias string, cols map[string]string) *pg.Node {
	ok, n := true, 0
	walk(c, func(m protoreflect.Message) bool {
		switch x := m.Interface().(type) {
		case *pg.SubLink:
			ok = false
		case *pg.ColumnRef:
			n++
			f := names(x.Fields)
			switch {
			case len(f) == 2 && f[0] == alias:
				_, ok = cols[f[1]]
			case len(f) == 1 && only:
				_, ok = cols[f[0]]
			default:
				ok = false
			}
		}
		return ok
	})
	if !ok || n == 0 {
		return nil
	}
	cp := proto.Clone(c).(*pg.Node)
	walk(cp, func(m protoreflect.Message) bool {
		if cr, ok := m.Interface().(*pg.ColumnRef); ok {
			f := names(cr.Fields)
			cr.Fields = []*pg.Node{pg.MakeStrNode(innerAlias), pg.MakeStrNode(cols[f[len(f)-1]])}
		}
		return true
	})
	return cp
}

// references counts the range references to a (CTE) name in the statement.
func references(root *pg.Node, name string) int {
	n := 0
	walk(root, func(m protoreflect.Message) bool {
		if rv, ok := m.Interface().(*pg.RangeVar); ok && rv.Schemaname == "" && rv.Relname == name {
			n++
		}
		return true
	})
	return n
}
