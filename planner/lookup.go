package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
)

// The lookup lane answers point lookups from memory instead of DuckDB: a Java
// backend's product page sends the same prepared statement thousands of times a
// second, each selecting a few rows of one table by key, and DuckDB decodes whole
// row groups for each. A table small enough for the cache (cache.rows_bytes) that
// such statements keep reading is loaded once per snapshot, through the normal scan
// (deletes, schema evolution and defaults applied), sorted by the key column; the
// lane then finds the key by binary search and evaluates the rest of the statement
// itself. Anything it cannot answer exactly goes to DuckDB as before.

// lookupShape is a statement the lane can answer: SELECT of plain columns of one
// lake table, WHERE a conjunction of column-versus-constant comparisons with at
// least one equality, optional ORDER BY columns and LIMIT/OFFSET.
type lookupShape struct {
	ref    *scanRef
	cols   []string // output columns, by source column name
	preds  []lookupPred
	keys   []string // columns compared by equality, in statement order
	order  []lookupOrder
	limit  *pg.Node // A_Const or ParamRef; nil for none
	offset *pg.Node
}

// lookupPred is column op arg, arg a constant or a parameter; or, for op "in",
// column IN (list) or column = ANY(list), list the items or one array (a parameter or
// an ARRAY[...] of constants).
type lookupPred struct {
	col  string
	op   string // = <> != < <= > >= (flipped, predicates.go, lists them), in
	arg  *pg.Node
	list []*pg.Node
}

type lookupOrder struct {
	col        string
	desc       bool
	nullsFirst bool
}

// detectLookup returns the lookup shape of a resolved statement, or nil.
func detectLookup(stmt *pg.Node, scans []*scanRef) *lookupShape {
	sel := stmt.GetSelectStmt()
	if sel == nil || len(scans) != 1 || scans[0].meta != "" || scans[0].schema == nil {
		return nil
	}
	if sel.Op != pg.SetOperation_SETOP_NONE || sel.WithClause != nil || len(sel.DistinctClause) > 0 ||
		len(sel.GroupClause) > 0 || sel.HavingClause != nil || len(sel.WindowClause) > 0 ||
		len(sel.ValuesLists) > 0 || len(sel.LockingClause) > 0 || sel.IntoClause != nil ||
		len(sel.FromClause) != 1 || sel.WhereClause == nil ||
		sel.LimitOption == pg.LimitOption_LIMIT_OPTION_WITH_TIES {
		return nil
	}
	r := scans[0]
	rv := sel.FromClause[0].GetRangeVar()
	if rv == nil || rv.Relname != r.placeholder || rv.Schemaname != "" || rv.Catalogname != "" {
		return nil
	}
	sh := &lookupShape{ref: r}
	col := func(n *pg.Node) (string, bool) {
		cr := n.GetColumnRef()
		if cr == nil || len(cr.Fields) == 0 || len(cr.Fields) > 2 {
			return "", false
		}
		if len(cr.Fields) == 2 && strVal(cr.Fields[0]) != r.alias {
			return "", false
		}
		name := strVal(cr.Fields[len(cr.Fields)-1])
		if name == "" || !r.hasColumn(name) {
			return "", false
		}
		return name, true
	}
	for _, t := range sel.TargetList {
		rt := t.GetResTarget()
		if rt == nil || rt.Val == nil {
			return nil
		}
		if cr := rt.Val.GetColumnRef(); cr != nil && cr.Fields[len(cr.Fields)-1].GetAStar() != nil {
			if rt.Name != "" || len(cr.Fields) > 2 || len(cr.Fields) == 2 && strVal(cr.Fields[0]) != r.alias {
				return nil
			}
			for _, f := range r.schema.Fields() {
				sh.cols = append(sh.cols, f.Name)
			}
			continue
		}
		name, ok := col(rt.Val)
		if !ok {
			return nil
		}
		sh.cols = append(sh.cols, name)
	}
	for _, c := range splitAnd(sel.WhereClause) {
		a := c.GetAExpr()
		if a == nil || len(a.Name) != 1 {
			return nil
		}
		op := strVal(a.Name[0])
		switch a.Kind {
		case pg.A_Expr_Kind_AEXPR_OP:
			if _, ok := flipped[op]; !ok || a.Lexpr == nil || a.Rexpr == nil {
				return nil
			}
			name, arg := "", (*pg.Node)(nil)
			if n, ok := col(a.Lexpr); ok && constLike(a.Rexpr) {
				name, arg = n, a.Rexpr
			} else if n, ok := col(a.Rexpr); ok && constLike(a.Lexpr) {
				name, arg, op = n, a.Lexpr, flipped[op]
			} else {
				return nil
			}
			sh.preds = append(sh.preds, lookupPred{col: name, op: op, arg: arg})
			if op == "=" {
				sh.keys = append(sh.keys, name)
			}
		case pg.A_Expr_Kind_AEXPR_IN, pg.A_Expr_Kind_AEXPR_OP_ANY:
			name, ok := col(a.Lexpr)
			if !ok || op != "=" || a.Rexpr == nil {
				return nil // NOT IN, <> ANY, ...
			}
			var items []*pg.Node
			if l := a.Rexpr.GetList(); l != nil && a.Kind == pg.A_Expr_Kind_AEXPR_IN {
				items = l.Items
			} else if ae := a.Rexpr.GetAArrayExpr(); ae != nil && a.Kind == pg.A_Expr_Kind_AEXPR_OP_ANY {
				items = ae.Elements
			} else if a.Kind == pg.A_Expr_Kind_AEXPR_OP_ANY && a.Rexpr.GetParamRef() != nil {
				items = []*pg.Node{a.Rexpr} // an array parameter
			} else {
				return nil
			}
			for _, it := range items {
				if !constLike(it) {
					return nil
				}
			}
			sh.preds = append(sh.preds, lookupPred{col: name, op: "in", list: items})
			sh.keys = append(sh.keys, name)
		case pg.A_Expr_Kind_AEXPR_BETWEEN:
			name, ok := col(a.Lexpr)
			bounds := a.Rexpr.GetList()
			if !ok || bounds == nil || len(bounds.Items) != 2 || !constLike(bounds.Items[0]) || !constLike(bounds.Items[1]) {
				return nil
			}
			sh.preds = append(sh.preds, lookupPred{col: name, op: ">=", arg: bounds.Items[0]},
				lookupPred{col: name, op: "<=", arg: bounds.Items[1]})
		default:
			return nil
		}
	}
	if len(sh.keys) == 0 {
		return nil
	}
	for _, s := range sel.SortClause {
		sb := s.GetSortBy()
		if sb == nil || len(sb.UseOp) > 0 {
			return nil
		}
		var name string
		if i, ok := ordinal(sb.Node); ok {
			if i < 1 || i > len(sh.cols) {
				return nil
			}
			name = sh.cols[i-1]
		} else if n, ok := col(sb.Node); ok {
			name = n
		} else {
			return nil
		}
		o := lookupOrder{col: name, desc: sb.SortbyDir == pg.SortByDir_SORTBY_DESC}
		switch sb.SortbyNulls {
		case pg.SortByNulls_SORTBY_NULLS_FIRST:
			o.nullsFirst = true
		case pg.SortByNulls_SORTBY_NULLS_LAST:
		default:
			o.nullsFirst = o.desc // PostgreSQL: NULLs are larger than every value
		}
		sh.order = append(sh.order, o)
	}
	for _, n := range []*pg.Node{sel.LimitCount, sel.LimitOffset} {
		if n != nil && !constLike(n) {
			return nil
		}
	}
	sh.limit, sh.offset = sel.LimitCount, sel.LimitOffset
	// Keep the values as PostgreSQL wrote them: later rewrites change the tree.
	for i := range sh.preds {
		p := &sh.preds[i]
		p.arg = cloneNode(p.arg)
		for j := range p.list {
			p.list[j] = cloneNode(p.list[j])
		}
	}
	sh.limit, sh.offset = cloneNode(sh.limit), cloneNode(sh.offset)
	return sh
}

func cloneNode(n *pg.Node) *pg.Node {
	if n == nil {
		return nil
	}
	return proto.Clone(n).(*pg.Node)
}

// constLike reports whether n is a constant, a parameter or a cast of one of them.
func constLike(n *pg.Node) bool {
	switch x := n.Node.(type) {
	case *pg.Node_AConst, *pg.Node_ParamRef:
		return true
	case *pg.Node_TypeCast:
		return constLike(x.TypeCast.Arg)
	}
	return false
}

// ordinal reads ORDER BY n.
func ordinal(n *pg.Node) (int, bool) {
	c := n.GetAConst()
	if c == nil || c.GetIval() == nil {
		return 0, false
	}
	return int(c.GetIval().Ival), true
}
