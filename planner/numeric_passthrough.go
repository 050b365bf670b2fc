package planner

import (
	"slices"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// A quotient defined in a FROM subquery or CTE and returned unchanged by the
// outermost SELECT (SELECT q FROM (SELECT price / 7 AS q ...) s) is computed
// as PostgreSQL's text in the subquery, as is a scalar subquery's quotient
// that is a result column. That is safe only while nothing but the result
// columns reads the column on its way out: each level it passes may only name
// it as a plain result column (and in ORDER BY, which then orders by the text
// cast back to DECIMAL(38,20)), never in WHERE, GROUP BY, a join, an
// expression, a window or DISTINCT, where the text would compare as a string.
// A CTE qualifies when it is read once.

// subqueryColumns makes the result columns that are a scalar subquery
// returning a quotient numeric text; before keptQuotients, which would turn
// quotients in subqueries back into DuckDB's division. Not under DISTINCT, which
// would tell the texts apart.
func (ty *exprTyper) subqueryColumns(sel *pg.SelectStmt) {
	if len(sel.DistinctClause) > 0 {
		return
	}
	for i, t := range sel.TargetList {
		rt := t.GetResTarget()
		if rt == nil || rt.Val == nil || rt.Name == "" || !ty.subqueryText(rt.Val) {
			continue
		}
		orderByDecimal(sel, sortsNaming(sel, i, rt.Name), []int{i})
		rt.Name += numericTextMarker
	}
}

// subqueryText makes a scalar subquery whose result column is a quotient (or
// passes one through) return its text, and reports whether it did.
func (ty *exprTyper) subqueryText(n *pg.Node) bool {
	sl := n.GetSubLink()
	if sl == nil || sl.SubLinkType != pg.SubLinkType_EXPR_SUBLINK {
		return false
	}
	sub := sl.Subselect.GetSelectStmt()
	return sub != nil && len(sub.TargetList) == 1 && ty.textOutput(sub, 0, onceReadCTEs(sub))
}

// fromSource is a relation of a FROM clause, for resolving column references.
type fromSource struct {
	alias  string
	cols   []string
	opaque bool // columns not known
	// sel is the subquery or CTE body the columns come from (nil for a lake
	// table); def is its definition, not searched for references.
	sel *pg.SelectStmt
	def proto.Message
}

// passThroughQuotients makes the result columns of the outermost SELECT that
// pass a subquery's quotient through numeric text.
func (ty *exprTyper) passThroughQuotients(sel *pg.SelectStmt) {
	if sel.Op != pg.SetOperation_SETOP_NONE || len(sel.GroupClause) > 0 || sel.HavingClause != nil ||
		len(sel.DistinctClause) > 0 {
		return
	}
	ctes := onceReadCTEs(sel)
	converted := false
	if hasStar(sel) {
		orig := sel.TargetList
		if !ty.expandStars(sel, ctes) {
			return
		}
		defer func() {
			if !converted {
				sel.TargetList = orig
			}
		}()
	}
	done := map[[2]any]bool{}
	for _, t := range sel.TargetList {
		cr := t.GetResTarget().GetVal().GetColumnRef()
		if cr == nil {
			continue
		}
		srcs, using := ty.fromSources(sel.FromClause, ctes)
		src, col := resolveSource(srcs, using, cr)
		if src == nil || src.sel == nil || done[[2]any{src.def, col}] {
			continue
		}
		done[[2]any{src.def, col}] = true
		var targets []int
		for i, u := range sel.TargetList {
			if c := u.GetResTarget().GetVal().GetColumnRef(); c != nil {
				if s, k := resolveSource(srcs, using, c); s == src && k == col {
					targets = append(targets, i)
				}
			}
		}
		sorts, ok := passedThrough(sel, src, col, targets, srcs, using)
		if !ok || !ty.textOutput(src.sel, col, ctes) {
			continue
		}
		orderByDecimal(sel, sorts, targets)
		converted = true
		for _, i := range targets {
			rt := sel.TargetList[i].GetResTarget()
			if rt.Name == "" {
				rt.Name = src.cols[col]
			}
			rt.Name += numericTextMarker
		}
	}
}

// expandStars replaces the * and s.* result columns of sel by the columns they
// stand for, when each names only FROM subqueries and CTEs, all with an alias
// and known columns, and no two result columns share a name. It reports
// whether it did.
func (ty *exprTyper) expandStars(sel *pg.SelectStmt, ctes map[string]*pg.CommonTableExpr) bool {
	srcs, using := ty.fromSources(sel.FromClause, ctes)
	if len(using) > 0 {
		return false
	}
	var out []*pg.Node
	seen := map[string]bool{}
	add := func(name string, n *pg.Node) bool {
		if seen[name] {
			return false
		}
		seen[name] = true
		out = append(out, n)
		return true
	}
	for _, t := range sel.TargetList {
		rt := t.GetResTarget()
		cr := rt.GetVal().GetColumnRef()
		if cr == nil || cr.Fields[len(cr.Fields)-1].GetAStar() == nil {
			name := rt.GetName()
			if name == "" && cr != nil {
				name = strVal(cr.Fields[len(cr.Fields)-1])
			}
			if !add(name, t) {
				return false
			}
			continue
		}
		qual := names(cr.Fields[:len(cr.Fields)-1])
		if len(qual) > 1 {
			return false
		}
		for _, s := range srcs {
			if len(qual) == 1 && s.alias != qual[0] {
				continue
			}
			if s.opaque || s.sel == nil || s.alias == "" {
				return false
			}
			for _, c := range s.cols {
				ref := &pg.Node{Node: &pg.Node_ColumnRef{ColumnRef: &pg.ColumnRef{
					Fields: []*pg.Node{pg.MakeStrNode(s.alias), pg.MakeStrNode(c)}}}}
				if !add(c, &pg.Node{Node: &pg.Node_ResTarget{ResTarget: &pg.ResTarget{Val: ref}}}) {
					return false
				}
			}
		}
	}
	sel.TargetList = out
	return true
}

// textOutput makes result column i of a subquery numeric text: a quotient (or a
// CASE or COALESCE over quotients) as its text, or a column passed through from
// a subquery of its own. It reports whether it did.
func (ty *exprTyper) textOutput(sel *pg.SelectStmt, i int, ctes map[string]*pg.CommonTableExpr) bool {
	if sel.Op != pg.SetOperation_SETOP_NONE || len(sel.DistinctClause) > 0 || hasStar(sel) || i >= len(sel.TargetList) {
		return false
	}
	rt := sel.TargetList[i].GetResTarget()
	if rt == nil || rt.Val == nil {
		return false
	}
	name := rt.Name
	if name == "" {
		name = figureColname(rt.Val)
	}
	if slices.ContainsFunc(sel.GroupClause, func(g *pg.Node) bool { return refersTo(g, i, name) }) {
		return false
	}
	keptQuotients(sel)
	if text := ty.numericTextOf(rt.Val); text != nil {
		for _, o := range sel.SortClause {
			if sb := o.GetSortBy(); sb != nil && refersTo(sb.Node, i, name) {
				sb.Node = cloneNode(rt.Val)
			}
		}
		rt.Val, rt.Name = text, name
		return true
	}
	cr := rt.Val.GetColumnRef()
	if cr == nil || len(sel.GroupClause) > 0 || sel.HavingClause != nil {
		return false
	}
	srcs, using := ty.fromSources(sel.FromClause, ctes)
	src, col := resolveSource(srcs, using, cr)
	if src == nil || src.sel == nil {
		return false
	}
	sorts, ok := passedThrough(sel, src, col, []int{i}, srcs, using)
	if !ok || !ty.textOutput(src.sel, col, ctes) {
		return false
	}
	orderByDecimal(sel, sorts, []int{i})
	return true
}

// orderByDecimal makes the sort items (that name the column or the result
// columns targets) order by the first target's value, numeric text, cast back
// to DECIMAL(38,20). The target's value, not the item, since a result column's
// name changes.
func orderByDecimal(sel *pg.SelectStmt, sorts []*pg.SortBy, targets []int) {
	for _, sb := range sorts {
		sb.Node = castTypmod(cloneNode(sel.TargetList[targets[0]].GetResTarget().Val), "numeric", 38, 20)
	}
}

// hasStar reports whether a SELECT's result columns include a * or t.*.
func hasStar(sel *pg.SelectStmt) bool {
	return slices.ContainsFunc(sel.TargetList, func(t *pg.Node) bool {
		cr := t.GetResTarget().GetVal().GetColumnRef()
		return cr != nil && len(cr.Fields) > 0 && cr.Fields[len(cr.Fields)-1].GetAStar() != nil
	})
}

// onceReadCTEs returns the CTEs of a statement's WITH that are read exactly
// once, and not shadowed by a nested WITH.
func onceReadCTEs(sel *pg.SelectStmt) map[string]*pg.CommonTableExpr {
	out := map[string]*pg.CommonTableExpr{}
	w := sel.WithClause
	if w == nil || w.Recursive {
		return out
	}
	for _, c := range w.Ctes {
		if cte := c.GetCommonTableExpr(); cte != nil && cte.Ctequery.GetSelectStmt() != nil {
			out[cte.Ctename] = cte
		}
	}
	reads, defs := map[string]int{}, map[string]int{}
	walk(sel, func(m protoreflect.Message) bool {
		switch x := m.Interface().(type) {
		case *pg.RangeVar:
			if x.Schemaname == "" && x.Catalogname == "" {
				reads[x.Relname]++
			}
		case *pg.CommonTableExpr:
			defs[x.Ctename]++ // a nested WITH of the same name would shadow it
		}
		return true
	})
	for name := range out {
		if reads[name] != 1 || defs[name] != 1 {
			delete(out, name)
		}
	}
	return out
}

// fromSources lists the relations of a FROM clause, and the column names joins
// merge (USING); a NATURAL join or a join with an alias makes its relations
// opaque.
func (ty *exprTyper) fromSources(from []*pg.Node, ctes map[string]*pg.CommonTableExpr) ([]*fromSource, map[string]bool) {
	var out []*fromSource
	using := map[string]bool{}
	colNames := func(cols []scopeCol) []string {
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = c.name
		}
		return out
	}
	var add func(n *pg.Node)
	add = func(n *pg.Node) {
		switch x := n.Node.(type) {
		case *pg.Node_RangeVar:
			rv := x.RangeVar
			s := &fromSource{alias: rv.Relname, opaque: true}
			if rv.Alias != nil {
				s.alias = rv.Alias.Aliasname
			}
			if r, ok := ty.scans[rv.Relname]; ok {
				if cols, ok := scanColumnTypes(r); ok {
					s.cols, s.opaque = colNames(aliasedCols(cols, rv.Alias)), false
				}
			} else if cte, ok := ctes[rv.Relname]; ok && rv.Schemaname == "" {
				body := cte.Ctequery.GetSelectStmt()
				if cols := ty.outputs[body]; cols != nil {
					cols = aliasedCols(aliasedCols(cols, &pg.Alias{Colnames: cte.Aliascolnames}), rv.Alias)
					s.cols, s.opaque, s.sel, s.def = colNames(cols), false, body, cte
				}
			} else if cols, ok := ty.ctes[rv.Relname]; ok && rv.Schemaname == "" && cols != nil {
				s.cols, s.opaque = colNames(aliasedCols(cols, rv.Alias)), false
			}
			out = append(out, s)
		case *pg.Node_RangeSubselect:
			rs := x.RangeSubselect
			s := &fromSource{opaque: true}
			if rs.Alias != nil {
				s.alias = rs.Alias.Aliasname
			}
			if sub := rs.Subquery.GetSelectStmt(); sub != nil {
				if cols := ty.outputs[sub]; cols != nil {
					s.cols, s.opaque, s.sel, s.def = colNames(aliasedCols(cols, rs.Alias)), false, sub, rs
				}
			}
			out = append(out, s)
		case *pg.Node_JoinExpr:
			j := x.JoinExpr
			if j.Alias != nil || j.IsNatural {
				out = append(out, &fromSource{opaque: true})
				return
			}
			for _, u := range j.UsingClause {
				using[strVal(u)] = true
			}
			add(j.Larg)
			add(j.Rarg)
		default:
			out = append(out, &fromSource{opaque: true})
		}
	}
	for _, n := range from {
		add(n)
	}
	return out, using
}

// resolveSource finds the relation and column index a column reference names,
// or nil when it is not certain (a relation of unknown columns, two
// candidates, a column merged by USING).
func resolveSource(srcs []*fromSource, using map[string]bool, cr *pg.ColumnRef) (*fromSource, int) {
	f := names(cr.Fields)
	if len(f) == 0 || len(f) > 2 || cr.Fields[len(f)-1].GetAStar() != nil || using[f[len(f)-1]] {
		return nil, 0
	}
	name := f[len(f)-1]
	var hit *fromSource
	col := 0
	for _, s := range srcs {
		if len(f) == 2 && s.alias != f[0] {
			continue
		}
		if s.opaque {
			return nil, 0
		}
		for i, c := range s.cols {
			if c == name {
				if hit != nil {
					return nil, 0
				}
				hit, col = s, i
			}
		}
	}
	return hit, col
}

// passedThrough reports whether column col of src is read in sel only as the
// result columns targets and as ORDER BY items, which it returns.
func passedThrough(sel *pg.SelectStmt, src *fromSource, col int, targets []int, srcs []*fromSource,
	using map[string]bool) ([]*pg.SortBy, bool) {
	name := src.cols[col]
	skip := map[protoreflect.Message]bool{src.def.ProtoReflect(): true}
	for _, i := range targets {
		skip[sel.TargetList[i].ProtoReflect()] = true
	}
	var sorts []*pg.SortBy
	for _, o := range sel.SortClause {
		sb := o.GetSortBy()
		if sb == nil {
			continue
		}
		if cr := sb.Node.GetColumnRef(); cr != nil {
			if s, k := resolveSource(srcs, using, cr); s == src && k == col {
				sorts, skip[o.ProtoReflect()] = append(sorts, sb), true
				continue
			}
		}
		for _, i := range targets {
			rt := sel.TargetList[i].GetResTarget()
			n := rt.Name
			if n == "" {
				n = name
			}
			if refersTo(sb.Node, i, n) {
				sorts, skip[o.ProtoReflect()] = append(sorts, sb), true
				break
			}
		}
	}
	ok := true
	walk(sel, func(m protoreflect.Message) bool {
		if skip[m] {
			return false
		}
		if cr, isRef := m.Interface().(*pg.ColumnRef); isRef {
			f := names(cr.Fields)
			wholeRow := src.alias != "" && len(f) > 0 && f[0] == src.alias &&
				(len(f) == 1 || cr.Fields[len(f)-1].GetAStar() != nil)
			if len(f) > 0 && f[len(f)-1] == name || wholeRow {
				ok = false
			}
		}
		return ok
	})
	return sorts, ok
}
