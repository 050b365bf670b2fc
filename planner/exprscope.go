package planner

import (
	"strconv"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// The relations a SELECT level sees, for typing column references (exprtypes.go).

// scopeCol is one output column of a relation in scope.
type scopeCol struct{ name, typ string }

// scopeRel is one FROM item of a SELECT: its name and columns. opaque marks a
// relation whose columns are not known (a catalog table, a function): an
// unqualified name not found elsewhere may belong to it.
type scopeRel struct {
	alias  string
	cols   []scopeCol
	opaque bool
	lake   bool // a lake table's scan
}

// exprScope is the relations one SELECT level sees; parent is the enclosing
// level, for correlated references.
type exprScope struct {
	rels   []*scopeRel
	parent *exprScope
}

// lookup resolves a column reference in the scope chain.
func (sc *exprScope) lookup(fields []string) string {
	for s := sc; s != nil; s = s.parent {
		typ, found, opaque := s.find(fields)
		if found {
			return typ
		}
		if opaque {
			return ""
		}
	}
	return ""
}

// find looks a reference up at one level: found says a relation has it; opaque
// that a relation with unknown columns might.
func (sc *exprScope) find(fields []string) (typ string, found, opaque bool) {
	switch len(fields) {
	case 1:
		var types []string
		for _, r := range sc.rels {
			if r.opaque {
				opaque = true
			}
			for _, c := range r.cols {
				if c.name == fields[0] {
					types = append(types, c.typ)
				}
			}
		}
		if len(types) == 0 {
			return "", false, opaque
		}
		for _, t := range types[1:] {
			if t != types[0] {
				return "", true, false
			}
		}
		return types[0], true, false
	case 2:
		for _, r := range sc.rels {
			if r.alias != fields[0] {
				continue
			}
			for _, c := range r.cols {
				if c.name == fields[1] {
					return c.typ, true, false
				}
			}
			return "", true, r.opaque
		}
	}
	return "", false, false
}

// selectOutputs returns a SELECT's output columns with their types, or nil when
// they are not known (a * over relations of unknown columns).
func (ty *exprTyper) selectOutputs(sel *pg.SelectStmt, sc *exprScope) []scopeCol {
	if sel.Op != pg.SetOperation_SETOP_NONE {
		if sel.Larg != nil {
			return ty.outputs[sel.Larg]
		}
		return nil
	}
	if len(sel.ValuesLists) > 0 {
		l := sel.ValuesLists[0].GetList()
		if l == nil {
			return nil
		}
		out := make([]scopeCol, len(l.Items))
		for i := range l.Items {
			var col []*pg.Node
			for _, row := range sel.ValuesLists {
				if r := row.GetList(); r != nil && i < len(r.Items) {
					col = append(col, r.Items[i])
				}
			}
			out[i] = scopeCol{"column" + strconv.Itoa(i+1), ty.commonType(col, sc)}
		}
		return out
	}
	var out []scopeCol
	for _, t := range sel.TargetList {
		rt := t.GetResTarget()
		if rt == nil || rt.Val == nil {
			return nil
		}
		if cr := rt.Val.GetColumnRef(); cr != nil && cr.Fields[len(cr.Fields)-1].GetAStar() != nil {
			f := names(cr.Fields[:len(cr.Fields)-1])
			for _, r := range sc.rels {
				if len(f) > 0 && r.alias != f[len(f)-1] {
					continue
				}
				if r.opaque {
					return nil
				}
				out = append(out, r.cols...)
			}
			continue
		}
		name := rt.Name
		if name == "" {
			name = figureColname(rt.Val)
		}
		out = append(out, scopeCol{name, ty.typeOf(rt.Val, sc)})
	}
	return out
}

// aliasedCols applies an alias's column list to a relation's columns.
func aliasedCols(cols []scopeCol, alias *pg.Alias) []scopeCol {
	if alias == nil || len(alias.Colnames) == 0 {
		return cols
	}
	out := append([]scopeCol(nil), cols...)
	for i, c := range alias.Colnames {
		if i < len(out) {
			out[i].name = strVal(c)
		}
	}
	return out
}

// lakeColumn reports whether a column reference resolves, at this level, to a
// column of a lake table.
func (sc *exprScope) lakeColumn(fields []string) bool {
	if len(fields) > 2 {
		fields = fields[len(fields)-2:]
	}
	var hit []*scopeRel
	for _, r := range sc.rels {
		if r.opaque && (len(fields) == 1 || r.alias == fields[0]) {
			return false
		}
		if len(fields) == 2 && r.alias != fields[0] {
			continue
		}
		for _, c := range r.cols {
			if c.name == fields[len(fields)-1] {
				hit = append(hit, r)
			}
		}
	}
	return len(hit) == 1 && hit[0].lake
}
