package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// nameResultColumns gives every unnamed output column of a query the name PostgreSQL
// would (FigureColname): count(*) is "count", x::date is "x", a constant "?column?".
// DuckDB would name them after the expression text, which clients then show.
func nameResultColumns(stmt *pg.Node) {
	sel := stmt.GetSelectStmt()
	for sel != nil && sel.Op != pg.SetOperation_SETOP_NONE {
		sel = sel.Larg
	}
	if sel == nil {
		return
	}
	for _, t := range sel.TargetList {
		rt := t.GetResTarget()
		if rt == nil || rt.Name != "" || rt.Val == nil {
			continue
		}
		if cr := rt.Val.GetColumnRef(); cr != nil {
			continue // a column (or *) keeps its own name
		}
		rt.Name = figureColname(rt.Val)
	}
}

func figureColname(n *pg.Node) string {
	switch x := n.Node.(type) {
	case *pg.Node_ColumnRef:
		f := x.ColumnRef.Fields
		if len(f) > 0 {
			if s := strVal(f[len(f)-1]); s != "" {
				return s
			}
		}
	case *pg.Node_FuncCall:
		fn := names(x.FuncCall.Funcname)
		return fn[len(fn)-1]
	case *pg.Node_TypeCast:
		if name := figureColname(x.TypeCast.Arg); name != "?column?" {
			return name
		}
		if tn := x.TypeCast.TypeName; tn != nil && len(tn.Names) > 0 {
			return typeColname(strVal(tn.Names[len(tn.Names)-1]))
		}
	case *pg.Node_CaseExpr:
		return "case"
	case *pg.Node_CoalesceExpr:
		return "coalesce"
	case *pg.Node_MinMaxExpr:
		if x.MinMaxExpr.Op == pg.MinMaxOp_IS_GREATEST {
			return "greatest"
		}
		return "least"
	case *pg.Node_NullIfExpr:
		return "nullif"
	case *pg.Node_SqlvalueFunction:
		return strings.ToLower(strings.TrimPrefix(x.SqlvalueFunction.Op.String(), "SVFOP_"))
	case *pg.Node_SubLink:
		switch x.SubLink.SubLinkType {
		case pg.SubLinkType_EXISTS_SUBLINK:
			return "exists"
		case pg.SubLinkType_ARRAY_SUBLINK:
			return "array"
		case pg.SubLinkType_EXPR_SUBLINK:
			if sel := x.SubLink.Subselect.GetSelectStmt(); sel != nil && len(sel.TargetList) == 1 {
				if rt := sel.TargetList[0].GetResTarget(); rt != nil {
					if rt.Name != "" {
						return rt.Name
					}
					return figureColname(rt.Val)
				}
			}
		}
	case *pg.Node_AArrayExpr:
		return "array"
	case *pg.Node_RowExpr:
		return "row"
	case *pg.Node_AIndirection:
		ind := x.AIndirection.Indirection
		if len(ind) > 0 {
			if s := strVal(ind[len(ind)-1]); s != "" {
				return s
			}
		}
		return figureColname(x.AIndirection.Arg)
	}
	return "?column?"
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
