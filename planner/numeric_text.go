package planner

import (
	"slices"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Result columns that carry PostgreSQL's numeric text (numeric_semantics.go)
// beyond a quotient that is itself the column:
//
//   - CASE and COALESCE whose branches are quotients, integers, numeric
//     literals, lake numeric columns or NULL: each branch as its text (DuckDB
//     writes integers and DECIMAL columns as PostgreSQL does);
//   - a quotient per row that the statement groups by (GROUP BY price / 4):
//     groups stay DuckDB's division, and each group shows the exact quotient
//     of one of its rows (anyRowQuotient), which all print alike;
//   - plain DISTINCT over such columns: DISTINCT ON their values (as DuckDB
//     divides, like the groups above), returning the text, so that two texts
//     of one value (1.5 and 1.50) are not two rows;
//   - UNION ALL whose branches' column is such a value, NULL or a constant;
//   - a quotient column of a FROM subquery or CTE that the outermost SELECT
//     passes through unchanged (SELECT q FROM (SELECT price / 7 AS q ...) s),
//     and a scalar subquery returning a quotient: computed as text in the
//     subquery (numeric_passthrough.go).

// numericResultColumns sends the quotients that are result columns of the
// outermost SELECT as PostgreSQL's text. ORDER BY items naming such a column
// order by the quotient itself; columns the statement groups by keep the
// DECIMAL unless groupedQuotients takes them. Quotients per row that would cost
// too much or not run are first turned back into DuckDB's division
// (keptQuotients).
func (ty *exprTyper) numericResultColumns(sel *pg.SelectStmt) {
	if sel == nil {
		return
	}
	if sel.Op != pg.SetOperation_SETOP_NONE {
		ty.unionAllColumns(sel)
		return
	}
	groupedQuotients(sel)
	ty.subqueryColumns(sel)
	keptQuotients(sel)
	if len(sel.DistinctClause) > 0 && !ty.distinctOnDecimals(sel) {
		return
	}
	for i, t := range sel.TargetList {
		rt := t.GetResTarget()
		if rt == nil || rt.Val == nil || rt.Name == "" || slices.ContainsFunc(sel.GroupClause, func(g *pg.Node) bool {
			return refersTo(g, i, rt.Name)
		}) {
			continue
		}
		text := ty.numericTextOf(rt.Val)
		if text == nil {
			continue
		}
		for _, o := range sel.SortClause {
			if sb := o.GetSortBy(); sb != nil && refersTo(sb.Node, i, rt.Name) {
				sb.Node = proto.Clone(rt.Val).(*pg.Node)
			}
		}
		rt.Val = text
		rt.Name += numericTextMarker
	}
	ty.passThroughQuotients(sel)
}

// sortsNaming returns the ORDER BY items that name result column i, called
// name, by its name or position.
func sortsNaming(sel *pg.SelectStmt, i int, name string) []*pg.SortBy {
	var out []*pg.SortBy
	for _, o := range sel.SortClause {
		if sb := o.GetSortBy(); sb != nil && refersTo(sb.Node, i, name) {
			out = append(out, sb)
		}
	}
	return out
}

// refersTo reports whether a GROUP BY, ORDER BY or DISTINCT ON item names
// result column i, called name, by its name or its position.
func refersTo(n *pg.Node, i int, name string) bool {
	if cr := n.GetColumnRef(); cr != nil && len(cr.Fields) == 1 {
		return strVal(cr.Fields[0]) == name
	}
	c := n.GetAConst()
	return c != nil && c.GetIval() != nil && int(c.GetIval().Ival) == i+1
}

// numericTextOf returns the text form of a result column's value: a quotient's
// text, or a CASE or COALESCE over such texts (see noteTextBranches); nil when
// the value has none.
func (ty *exprTyper) numericTextOf(n *pg.Node) *pg.Node {
	if t := quotientText(n); t != nil {
		return t
	}
	quotient := false
	branch := func(b *pg.Node) (*pg.Node, bool) {
		switch {
		case b == nil:
			return nil, true
		case b.GetAConst() != nil && b.GetAConst().Isnull:
			return proto.Clone(b).(*pg.Node), true
		case ty.textBranches[b]:
			return castTo(proto.Clone(b).(*pg.Node), "text"), true
		}
		if t := ty.numericTextOf(b); t != nil {
			quotient = true
			return proto.Clone(t).(*pg.Node), true
		}
		return nil, false
	}
	switch x := n.Node.(type) {
	case *pg.Node_CaseExpr:
		c := x.CaseExpr
		out := &pg.CaseExpr{Arg: cloneNode(c.Arg), Location: c.Location}
		for _, w := range c.Args {
			cw := w.GetCaseWhen()
			if cw == nil {
				return nil
			}
			r, ok := branch(cw.Result)
			if !ok {
				return nil
			}
			out.Args = append(out.Args, &pg.Node{Node: &pg.Node_CaseWhen{CaseWhen: &pg.CaseWhen{Expr: cloneNode(cw.Expr), Result: r}}})
		}
		d, ok := branch(c.Defresult)
		if !ok || !quotient {
			return nil
		}
		out.Defresult = d
		return &pg.Node{Node: &pg.Node_CaseExpr{CaseExpr: out}}
	case *pg.Node_CoalesceExpr:
		out := &pg.CoalesceExpr{Location: x.CoalesceExpr.Location}
		for _, a := range x.CoalesceExpr.Args {
			t, ok := branch(a)
			if !ok || t == nil {
				return nil
			}
			out.Args = append(out.Args, t)
		}
		if !quotient {
			return nil
		}
		return &pg.Node{Node: &pg.Node_CoalesceExpr{CoalesceExpr: out}}
	}
	return nil
}

// noteTextBranches records the branches of a CASE or COALESCE whose DuckDB text
// is PostgreSQL's numeric text: integers, numeric literals and lake numeric
// columns (DECIMAL with the column's scale).
func (ty *exprTyper) noteTextBranches(n *pg.Node, sc *exprScope) {
	var branches []*pg.Node
	switch x := n.Node.(type) {
	case *pg.Node_CaseExpr:
		for _, w := range x.CaseExpr.Args {
			if cw := w.GetCaseWhen(); cw != nil {
				branches = append(branches, cw.Result)
			}
		}
		branches = append(branches, x.CaseExpr.Defresult)
	case *pg.Node_CoalesceExpr:
		branches = x.CoalesceExpr.Args
	default:
		return
	}
	for _, b := range branches {
		if b == nil {
			continue
		}
		switch t := ty.typeOf(b, sc); {
		case t == "int2" || t == "int4" || t == "int8":
		case t == "numeric" && b.GetAConst() != nil:
		case t == "numeric" && b.GetColumnRef() != nil && sc.lakeColumn(names(b.GetColumnRef().Fields)):
		default:
			continue
		}
		if ty.textBranches == nil {
			ty.textBranches = map[*pg.Node]bool{}
		}
		ty.textBranches[b] = true
	}
}

// groupedQuotients takes the result columns that are a quotient per row the
// statement groups by (GROUP BY price / 4, or by the column's name or
// position): the group key stays DuckDB's division, the column becomes the
// exact quotient of any row of the group. Not with grouping sets, where a
// super-aggregate row shows NULL for the key.
func groupedQuotients(sel *pg.SelectStmt) {
	if len(sel.GroupClause) == 0 || len(sel.DistinctClause) > 0 || slices.ContainsFunc(sel.GroupClause, func(g *pg.Node) bool {
		return g.GetGroupingSet() != nil
	}) {
		return
	}
	groupCols := map[string]bool{}
	for _, g := range sel.GroupClause {
		if cr := g.GetColumnRef(); cr != nil {
			groupCols[strings.Join(names(cr.Fields), ".")] = true
		}
	}
	for i, t := range sel.TargetList {
		rt := t.GetResTarget()
		if rt == nil || rt.Val == nil || rt.Name == "" || quotientText(rt.Val) == nil || oncePerGroup(rt.Val) ||
			readsOnly(rt.Val, groupCols) || hasAggregateOrSubquery(rt.Val) {
			continue
		}
		grouped := false
		for j, g := range sel.GroupClause {
			switch {
			case refersTo(g, i, rt.Name):
				sel.GroupClause[j] = cloneNode(rt.Val)
				grouped = true
			case sameExpr(g, rt.Val):
				grouped = true
			}
		}
		if !grouped {
			continue
		}
		for _, o := range sel.SortClause {
			if sb := o.GetSortBy(); sb != nil && refersTo(sb.Node, i, rt.Name) {
				key := cloneNode(rt.Val)
				plainQuotient(key)
				walkNodes(key, func(n *pg.Node) {
					if quotientText(n) != nil {
						plainQuotient(n)
					}
				})
				sb.Node = key
			}
		}
		rt.Val = anyRowQuotient(quotientText(rt.Val))
		rt.Name += numericTextMarker
	}
}

// anyRowQuotient is the text of a quotient per row computed for any one row of
// its group. A quotient of one column is computed once per group, from any
// value of the column (any_value skips NULLs, so it is NULL only when the
// group's rows all are: the key is the quotient of that, too); over several
// columns, whose any_values could come from different rows, for every row.
func anyRowQuotient(text *pg.Node) *pg.Node {
	text = cloneNode(text)
	var refs []*pg.Node
	cols := map[string]bool{}
	walkNodes(text, func(n *pg.Node) {
		if cr := n.GetColumnRef(); cr != nil {
			refs = append(refs, n)
			cols[strings.Join(names(cr.Fields), ".")] = true
		}
	})
	if len(cols) != 1 {
		return &pg.Node{Node: call("any_value", text)}
	}
	for _, n := range refs {
		n.Node = call("any_value", &pg.Node{Node: n.Node})
	}
	return text
}

// hasAggregateOrSubquery reports whether n calls an aggregate or window
// function or holds a subquery.
func hasAggregateOrSubquery(n *pg.Node) bool {
	found := false
	walk(n, func(m protoreflect.Message) bool {
		switch x := m.Interface().(type) {
		case *pg.SubLink:
			found = true
		case *pg.FuncCall:
			found = found || isAggregateCall(x)
		}
		return !found
	})
	return found
}

// distinctOnDecimals turns a plain DISTINCT whose result columns have numeric
// text into DISTINCT ON their values (plainQuotients makes the quotients there
// DuckDB's division), so the text columns do not decide which rows are
// distinct. It reports whether the statement may have numeric text columns.
func (ty *exprTyper) distinctOnDecimals(sel *pg.SelectStmt) bool {
	if len(sel.DistinctClause) != 1 || sel.DistinctClause[0] == nil || sel.DistinctClause[0].Node != nil {
		return false // DISTINCT ON: its items may name the columns
	}
	text := false
	var keys []*pg.Node
	for i, t := range sel.TargetList {
		rt := t.GetResTarget()
		if rt == nil || rt.Val == nil {
			return false
		}
		if cr := rt.Val.GetColumnRef(); cr != nil && cr.Fields[len(cr.Fields)-1].GetAStar() != nil {
			return false
		}
		if rt.Name != "" && !slices.ContainsFunc(sel.GroupClause, func(g *pg.Node) bool { return refersTo(g, i, rt.Name) }) &&
			ty.numericTextOf(rt.Val) != nil {
			text = true
		}
		keys = append(keys, cloneNode(rt.Val))
	}
	if text {
		sel.DistinctClause = keys
	}
	return text
}

// sameExpr reports whether two expressions are the same but for where they
// were written.
func sameExpr(a, b *pg.Node) bool {
	strip := func(n *pg.Node) *pg.Node {
		c := cloneNode(n)
		walk(c, func(m protoreflect.Message) bool {
			if fd := m.Descriptor().Fields().ByName("location"); fd != nil {
				m.Clear(fd)
			}
			return true
		})
		return c
	}
	return proto.Equal(strip(a), strip(b))
}

// quotientAsText gives a quotient cast to text or varchar, or concatenated with
// || to a text, PostgreSQL's text of it rather than the DECIMAL(38,20)'s,
// wherever it is: text compares as text in PostgreSQL too.
func (ty *exprTyper) quotientAsText(n *pg.Node, sc *exprScope) {
	switch x := n.Node.(type) {
	case *pg.Node_TypeCast:
		tc := x.TypeCast
		if tc.TypeName == nil || len(tc.TypeName.Typmods) > 0 || len(tc.TypeName.ArrayBounds) > 0 || len(tc.TypeName.Names) == 0 {
			return
		}
		switch strings.ToLower(strVal(tc.TypeName.Names[len(tc.TypeName.Names)-1])) {
		case "text", "varchar":
			if t := quotientText(tc.Arg); t != nil {
				n.Node = t.Node
			}
		}
	case *pg.Node_AExpr:
		a := x.AExpr
		if a.Kind != pg.A_Expr_Kind_AEXPR_OP || len(a.Name) != 1 || strVal(a.Name[0]) != "||" {
			return
		}
		isText := func(o *pg.Node) bool {
			t := ty.typeOf(o, sc)
			return t == "text" || t == tyUnknownLit
		}
		if t := quotientText(a.Lexpr); t != nil && isText(a.Rexpr) {
			a.Lexpr = t
		}
		if t := quotientText(a.Rexpr); t != nil && isText(a.Lexpr) {
			a.Rexpr = t
		}
	}
}

// unionAllColumns makes the result columns of a UNION ALL numeric text where
// every branch's column is a quotient (or CASE, COALESCE or scalar subquery
// over one), NULL or a numeric constant. Not other set operations, which would
// tell texts apart, and not columns the ORDER BY of the whole names (it could
// name the column only by the name that changes, or order the text).
func (ty *exprTyper) unionAllColumns(sel *pg.SelectStmt) {
	var leaves []*pg.SelectStmt
	var collect func(s *pg.SelectStmt) bool
	collect = func(s *pg.SelectStmt) bool {
		switch {
		case s == nil:
			return false
		case s.Op == pg.SetOperation_SETOP_NONE:
			if len(s.ValuesLists) > 0 || len(s.DistinctClause) > 0 || hasStar(s) {
				return false
			}
			leaves = append(leaves, s)
			return true
		case s.Op == pg.SetOperation_SETOP_UNION && s.All:
			return collect(s.Larg) && collect(s.Rarg)
		}
		return false
	}
	if !collect(sel) {
		return
	}
	n := len(leaves[0].TargetList)
	for _, l := range leaves {
		if len(l.TargetList) != n {
			return
		}
		keptQuotients(l)
	}
	for i := 0; i < n; i++ {
		first := leaves[0].TargetList[i].GetResTarget()
		if first == nil || first.Name == "" || slices.ContainsFunc(sel.SortClause, func(o *pg.Node) bool {
			sb := o.GetSortBy()
			return sb == nil || refersTo(sb.Node, i, first.Name)
		}) {
			continue
		}
		texts := make([]*pg.Node, len(leaves))
		quotient := false
		for j, l := range leaves {
			rt := l.TargetList[i].GetResTarget()
			if rt == nil || rt.Val == nil || slices.ContainsFunc(l.GroupClause, func(g *pg.Node) bool {
				return refersTo(g, i, rt.Name)
			}) {
				texts = nil
				break
			}
			c := rt.Val.GetAConst()
			switch {
			case c != nil && (c.Isnull || c.GetIval() != nil || c.GetFval() != nil && !strings.ContainsAny(c.GetFval().Fval, "eE")):
				if !c.Isnull {
					texts[j] = castTo(cloneNode(rt.Val), "text")
				}
				continue
			}
			if t := ty.numericTextOf(rt.Val); t != nil {
				texts[j], quotient = t, true
				continue
			}
			texts = nil
			break
		}
		if texts == nil || !quotient {
			continue
		}
		for j, l := range leaves {
			if rt := l.TargetList[i].GetResTarget(); texts[j] != nil {
				rt.Val = texts[j]
			}
		}
		first.Name += numericTextMarker
	}
}
