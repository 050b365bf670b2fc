package planner

import (
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// nameResultColumns gives every unnamed output column of a query the name PostgreSQL
// would (FigureColname): count(*) is "count", x::date is "x", a constant "?column?".
// DuckDB would name them after the expression text, which clients then show.
// PostgreSQL also allows two columns of one name, where DuckDB renames the second
// ("x_1"): a repeated name gets a suffix after dupMarker, which clientName removes.
func nameResultColumns(stmt *pg.Node) {
	sel := stmt.GetSelectStmt()
	for sel != nil && sel.Op != pg.SetOperation_SETOP_NONE {
		sel = sel.Larg
	}
	if sel == nil {
		return
	}
	castNullTargets(stmt)
	seen := map[string]bool{}
	for i, t := range sel.TargetList {
		rt := t.GetResTarget()
		if rt == nil || rt.Val == nil {
			continue
		}
		name := rt.Name
		if name == "" {
			if cr := rt.Val.GetColumnRef(); cr != nil {
				if f := cr.Fields; len(f) > 0 && f[len(f)-1].GetAStar() == nil {
					name = strVal(f[len(f)-1])
				}
			} else {
				name = figureColname(rt.Val)
				rt.Name = name
			}
		}
		if name == "" {
			continue
		}
		if seen[strings.ToLower(name)] {
			rt.Name = name + dupMarker + strconv.Itoa(i)
		}
		seen[strings.ToLower(name)] = true
	}
}

// castNullTargets types the bare NULL output columns of every SELECT as text, as
// PostgreSQL resolves them (DuckDB would say integer). Branches of UNION and other
// set operations are left alone: there the other branches decide the type.
func castNullTargets(root *pg.Node) {
	branches := map[*pg.SelectStmt]bool{}
	walk(root, func(m protoreflect.Message) bool {
		if sel, ok := m.Interface().(*pg.SelectStmt); ok && sel.Op != pg.SetOperation_SETOP_NONE {
			branches[sel.Larg], branches[sel.Rarg] = true, true
		}
		return true
	})
	walk(root, func(m protoreflect.Message) bool {
		sel, ok := m.Interface().(*pg.SelectStmt)
		if !ok || branches[sel] {
			return true
		}
		for _, t := range sel.TargetList {
			rt := t.GetResTarget()
			if rt == nil || rt.Val == nil {
				continue
			}
			if c := rt.Val.GetAConst(); c != nil && c.Isnull {
				if rt.Name == "" {
					rt.Name = "?column?"
				}
				rt.Val = &pg.Node{Node: &pg.Node_TypeCast{TypeCast: &pg.TypeCast{Arg: rt.Val,
					TypeName: &pg.TypeName{Names: []*pg.Node{pg.MakeStrNode("varchar")}, Typemod: -1}}}}
			}
		}
		return true
	})
}

// dupMarker separates a repeated column name from the suffix that keeps it unique
// inside DuckDB.
const dupMarker = "\x1f"

// clientName is the column name a client sees for a result column of the engine.
func clientName(name string) string {
	if i := strings.Index(name, dupMarker); i >= 0 {
		return name[:i]
	}
	return name
}

func figureColname(n *pg.Node) string {
	name, _ := colnameStrength(n)
	return name
}

// colnameStrength is PostgreSQL's FigureColnameInternal: the name and how strongly
// the expression suggests it (2: a column, function or keyword; 1: only a type
// name; 0: nothing, "?column?").
func colnameStrength(n *pg.Node) (string, int) {
	switch x := n.Node.(type) {
	case *pg.Node_ColumnRef:
		f := x.ColumnRef.Fields
		if len(f) > 0 {
			if s := strVal(f[len(f)-1]); s != "" {
				return s, 2
			}
		}
	case *pg.Node_FuncCall:
		fn := names(x.FuncCall.Funcname)
		return fn[len(fn)-1], 2
	case *pg.Node_TypeCast:
		if name, st := colnameStrength(x.TypeCast.Arg); st > 1 {
			return name, st
		}
		if tn := x.TypeCast.TypeName; tn != nil && len(tn.Names) > 0 {
			return typeColname(strVal(tn.Names[len(tn.Names)-1])), 1
		}
	case *pg.Node_CaseExpr:
		if d := x.CaseExpr.Defresult; d != nil {
			if name, st := colnameStrength(d); st > 1 {
				return name, st
			}
		}
		return "case", 1
	case *pg.Node_CoalesceExpr:
		return "coalesce", 2
	case *pg.Node_MinMaxExpr:
		if x.MinMaxExpr.Op == pg.MinMaxOp_IS_GREATEST {
			return "greatest", 2
		}
		return "least", 2
	case *pg.Node_NullIfExpr:
		return "nullif", 2
	case *pg.Node_SqlvalueFunction:
		return strings.ToLower(strings.TrimPrefix(x.SqlvalueFunction.Op.String(), "SVFOP_")), 2
	case *pg.Node_SubLink:
		switch x.SubLink.SubLinkType {
		case pg.SubLinkType_EXISTS_SUBLINK:
			return "exists", 2
		case pg.SubLinkType_ARRAY_SUBLINK:
			return "array", 2
		case pg.SubLinkType_EXPR_SUBLINK:
			if sel := x.SubLink.Subselect.GetSelectStmt(); sel != nil && len(sel.TargetList) == 1 {
				if rt := sel.TargetList[0].GetResTarget(); rt != nil {
					if rt.Name != "" {
						return rt.Name, 2
					}
					return colnameStrength(rt.Val)
				}
			}
		}
	case *pg.Node_AArrayExpr:
		return "array", 2
	case *pg.Node_RowExpr:
		return "row", 2
	case *pg.Node_AIndirection:
		ind := x.AIndirection.Indirection
		if len(ind) > 0 {
			if s := strVal(ind[len(ind)-1]); s != "" {
				return s, 2
			}
		}
		return colnameStrength(x.AIndirection.Arg)
	}
	return "?column?", 0
}

// typeColname is the column name of a bare cast like '1'::int, as PostgreSQL names it.
func typeColname(t string) string {
	switch t {
	case "int4":
		return "int4"
	case "bpchar":
		return "bpchar"
	}
	return t
}
