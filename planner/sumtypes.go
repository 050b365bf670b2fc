package planner

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
)

// PostgreSQL's sum of smallint or integer is bigint; DuckDB's is HUGEINT, which
// clients would see as numeric. Two passes cast such sums to bigint:
//   - the typed rewrite (exprwalk.go) casts every sum whose argument it knows to be
//     a smallint or integer, wherever it appears: sum(qty) + 1 is bigint as in
//     PostgreSQL (sum of bigint stays numeric, as PostgreSQL's is);
//   - result columns of the outermost SELECT that are still a plain sum(x) (or
//     sum(x) OVER ...), x of a type the rewrite could not tell, are checked at
//     describe time: a probe statement with min(x) in their place tells x's type,
//     and where that is an integer narrower than bigint the sum is cast to bigint.

// rewriteSum casts n to bigint when it is a sum of a smallint or integer.
func (ty *exprTyper) rewriteSum(n *pg.Node, sc *exprScope) {
	fc := n.GetFuncCall()
	if fc == nil || len(fc.Args) != 1 || fc.AggStar {
		return
	}
	fn := names(fc.Funcname)
	if len(fn) == 2 && fn[0] == "pg_catalog" {
		fn = fn[1:]
	}
	if len(fn) != 1 || !strings.EqualFold(fn[0], "sum") {
		return
	}
	if t := ty.typeOf(fc.Args[0], sc); t == "int2" || t == "int4" {
		n.Node = castTo(&pg.Node{Node: n.Node}, "int8").Node
	}
}

// sumColumns returns the indexes of the outermost SELECT's result columns that are a
// plain sum of one argument.
func sumColumns(stmt *pg.Node) []int {
	sel := stmt.GetSelectStmt()
	if sel == nil || sel.Op != pg.SetOperation_SETOP_NONE {
		return nil
	}
	var out []int
	for i, t := range sel.TargetList {
		rt := t.GetResTarget()
		if rt == nil || rt.Val == nil {
			continue
		}
		if cr := rt.Val.GetColumnRef(); cr != nil && cr.Fields[len(cr.Fields)-1].GetAStar() != nil {
			return nil // * expands: result columns no longer line up with the target list
		}
		if fc := rt.Val.GetFuncCall(); fc != nil && len(fc.Args) == 1 && !fc.AggStar {
			if fn := names(fc.Funcname); len(fn) == 1 && strings.EqualFold(fn[0], "sum") {
				out = append(out, i)
			}
		}
	}
	return out
}

// withSums returns a copy of stmt in which the sums of cols are changed by fn.
func withSums(stmt *pg.Node, cols []int, fn func(rt *pg.ResTarget)) *pg.Node {
	c := proto.Clone(stmt).(*pg.Node)
	tl := c.GetSelectStmt().TargetList
	for _, i := range cols {
		fn(tl[i].GetResTarget())
	}
	return c
}

// isHugeint reports whether an Arrow result column is DuckDB's HUGEINT.
func isHugeint(t arrow.DataType) bool {
	d, ok := t.(*arrow.Decimal128Type)
	return ok && d.Precision == 38 && d.Scale == 0
}

// bigintSums returns the statement with sum(x) cast to bigint where x is a
// smallint or integer, or "" when no column needs it. schema is the statement's
// described result.
func (q *queryStmt) bigintSums(schema *arrow.Schema) string {
	var huge []int
	for _, i := range q.sums {
		if i < schema.NumFields() && isHugeint(schema.Field(i).Type) {
			huge = append(huge, i)
		}
	}
	if len(huge) == 0 {
		return ""
	}
	probe := withSums(q.ast, huge, func(rt *pg.ResTarget) {
		rt.Val.GetFuncCall().Funcname = []*pg.Node{pg.MakeStrNode("min")}
	})
	sql, err := q.deparse(probe)
	if err != nil {
		return ""
	}
	d, err := q.s.g.engine.Describe(context.Background(), q.withEmptyScans(sql))
	if err != nil {
		return ""
	}
	var narrow []int
	for _, i := range huge {
		switch d.Schema.Field(i).Type.ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.UINT8, arrow.UINT16:
			narrow = append(narrow, i)
		}
	}
	if len(narrow) == 0 {
		return ""
	}
	cast := withSums(q.ast, narrow, func(rt *pg.ResTarget) { rt.Val = castTo(rt.Val, "int8") })
	sql, err = q.deparse(cast)
	if err != nil {
		return ""
	}
	return sql
}

// withEmptyScans replaces each lake scan placeholder of sql with an empty relation.
func (q *queryStmt) withEmptyScans(sql string) string {
	for _, r := range q.scans {
		sql = strings.ReplaceAll(sql, r.placeholder, r.emptySQL())
	}
	return sql
}
