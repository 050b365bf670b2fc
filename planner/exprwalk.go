package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The walk of the typed rewrite (tzrewrite.go, numeric_semantics.go): every
// SELECT opens a scope of its FROM items, expressions are rewritten bottom-up.

// visit rewrites the expressions below m; SELECTs open a scope of their own.
func (ty *exprTyper) visit(m protoreflect.Message, sc *exprScope) {
	switch x := m.Interface().(type) {
	case *pg.Node:
		ty.rewriteExpr(x, sc)
	case *pg.SelectStmt:
		ty.rewriteSelect(x, sc)
	default:
		ty.visitChildren(m, sc)
	}
}

func (ty *exprTyper) visitChildren(m protoreflect.Message, sc *exprScope) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				ty.visit(l.Get(i).Message(), sc)
			}
		case fd.Message() != nil && !fd.IsMap():
			ty.visit(v.Message(), sc)
		}
		return true
	})
}

// rewriteExpr rewrites an expression bottom-up: its operands first, so that the
// node itself is typed over rewritten (and still correctly typed) operands.
func (ty *exprTyper) rewriteExpr(n *pg.Node, sc *exprScope) {
	if n == nil || n.Node == nil {
		return
	}
	if sel := n.GetSelectStmt(); sel != nil {
		ty.rewriteSelect(sel, sc)
		return
	}
	ty.visitChildren(n.ProtoReflect(), sc)
	ty.rewriteNode(n, sc)
	ty.rewriteSum(n, sc)       // sumtypes.go
	negateQuotient(n)          // numeric_semantics.go
	ty.noteTextBranches(n, sc) // numeric_text.go
	ty.quotientAsText(n, sc)   // numeric_text.go
}

// rewriteSelect rewrites one SELECT (and those nested in it) and records its
// output columns.
func (ty *exprTyper) rewriteSelect(sel *pg.SelectStmt, outer *exprScope) {
	if sel == nil {
		return
	}
	if w := sel.WithClause; w != nil {
		for _, c := range w.Ctes {
			cte := c.GetCommonTableExpr()
			if cte == nil {
				continue
			}
			if q := cte.Ctequery.GetSelectStmt(); q != nil {
				ty.rewriteSelect(q, outer)
				ty.ctes[cte.Ctename] = aliasedCols(ty.outputs[q], &pg.Alias{Colnames: cte.Aliascolnames})
			} else {
				ty.visit(cte.ProtoReflect(), outer)
			}
		}
	}
	if sel.Op != pg.SetOperation_SETOP_NONE {
		ty.rewriteSelect(sel.Larg, outer)
		ty.rewriteSelect(sel.Rarg, outer)
		for _, n := range sel.SortClause {
			ty.rewriteExpr(n, outer)
		}
		ty.outputs[sel] = ty.selectOutputs(sel, outer)
		return
	}
	sc := &exprScope{parent: outer}
	var quals []*pg.Node
	for _, f := range sel.FromClause {
		ty.addFromItem(f, sc, &quals)
	}
	for _, l := range sel.ValuesLists {
		ty.rewriteExpr(l, outer)
	}
	for _, q := range quals {
		ty.rewriteExpr(q, sc)
	}
	for _, t := range sel.TargetList {
		rt := t.GetResTarget()
		if rt == nil || rt.Val == nil {
			continue
		}
		before, name := rt.Val.Node, rt.Name
		if name == "" {
			name = figureColname(rt.Val)
		}
		ty.rewriteExpr(rt.Val, sc)
		if rt.Name == "" && rt.Val.Node != before {
			rt.Name = name // DuckDB would name the column after the rewritten expression
		}
	}
	for _, list := range [][]*pg.Node{{sel.WhereClause, sel.HavingClause, sel.LimitCount, sel.LimitOffset},
		sel.GroupClause, sel.SortClause, sel.DistinctClause, sel.WindowClause} {
		for _, n := range list {
			ty.rewriteExpr(n, sc)
		}
	}
	ty.outputs[sel] = ty.selectOutputs(sel, sc)
}

// addFromItem adds a FROM item's relations to the scope, rewriting subqueries in
// it; join conditions are collected in quals, to be rewritten with the whole scope.
func (ty *exprTyper) addFromItem(n *pg.Node, sc *exprScope, quals *[]*pg.Node) {
	switch x := n.Node.(type) {
	case *pg.Node_RangeVar:
		rv := x.RangeVar
		alias := rv.Relname
		if rv.Alias != nil {
			alias = rv.Alias.Aliasname
		}
		if r, ok := ty.scans[rv.Relname]; ok {
			if cols, ok := scanColumnTypes(r); ok {
				sc.rels = append(sc.rels, &scopeRel{alias: alias, cols: aliasedCols(cols, rv.Alias), lake: true})
				return
			}
		} else if cols, ok := ty.ctes[rv.Relname]; ok && rv.Schemaname == "" && cols != nil {
			sc.rels = append(sc.rels, &scopeRel{alias: alias, cols: aliasedCols(cols, rv.Alias)})
			return
		}
		sc.rels = append(sc.rels, &scopeRel{alias: alias, opaque: true})
	case *pg.Node_RangeSubselect:
		rs := x.RangeSubselect
		inner := sc.parent
		if rs.Lateral {
			inner = sc
		}
		alias := ""
		if rs.Alias != nil {
			alias = rs.Alias.Aliasname
		}
		if sel := rs.Subquery.GetSelectStmt(); sel != nil {
			ty.rewriteSelect(sel, inner)
			if cols := ty.outputs[sel]; cols != nil {
				sc.rels = append(sc.rels, &scopeRel{alias: alias, cols: aliasedCols(cols, rs.Alias)})
				return
			}
		}
		sc.rels = append(sc.rels, &scopeRel{alias: alias, opaque: true})
	case *pg.Node_JoinExpr:
		j := x.JoinExpr
		if j.Alias != nil {
			// A join with an alias hides its inputs' names: type nothing through it.
			sub := &exprScope{parent: sc.parent}
			ty.addFromItem(j.Larg, sub, quals)
			ty.addFromItem(j.Rarg, sub, quals)
			sc.rels = append(sc.rels, &scopeRel{alias: j.Alias.Aliasname, opaque: true})
			return
		}
		ty.addFromItem(j.Larg, sc, quals)
		ty.addFromItem(j.Rarg, sc, quals)
		if j.Quals != nil {
			*quals = append(*quals, j.Quals)
		}
	case *pg.Node_RangeFunction:
		// Arguments may be lateral references: rewrite them in the scope so far.
		ty.visitChildren(n.ProtoReflect(), sc)
		alias := ""
		if x.RangeFunction.Alias != nil {
			alias = x.RangeFunction.Alias.Aliasname
		}
		if name, cols := ty.functionColumns(x.RangeFunction, sc); cols != nil {
			if alias == "" {
				alias = name
			}
			sc.rels = append(sc.rels, &scopeRel{alias: alias, cols: cols})
			return
		}
		sc.rels = append(sc.rels, &scopeRel{alias: alias, opaque: true})
	default:
		ty.visitChildren(n.ProtoReflect(), sc)
		sc.rels = append(sc.rels, &scopeRel{opaque: true})
	}
}
