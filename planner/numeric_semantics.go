package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/lakegate/lakegate/engine"
	"github.com/lakegate/lakegate/wire"
)

// PostgreSQL divides numerics (numeric / numeric, numeric / integer, and avg of
// integers and numerics, which is sum / count) exactly, rounding half away from
// zero at a scale it picks per value (select_div_scale in numeric.c): enough for
// 16 significant digits, at least the operands' scales. DuckDB answers a double.
// lakegate computes PostgreSQL's quotient in Go functions of the engine
// (engine/numericdiv.go) and carries it as PostgreSQL's text, so every row keeps
// its own scale:
//
//   - a result column that is such a quotient is sent as that text, described as
//     numeric (its name carries numericTextMarker until fieldsFor reads it);
//   - a quotient inside +, - or * with another integer or numeric continues as
//     text, with the scale PostgreSQL gives the result (s1 + s2 for *, the larger
//     of the two for + and -), so avg(price) * 2 prints as PostgreSQL prints it;
//   - a quotient cast to text or concatenated with || is its text, anywhere;
//   - CASE and COALESCE result columns over quotients, a quotient the statement
//     groups by, DISTINCT, and a subquery's quotient passed through to the
//     result unchanged carry the text too (numeric_text.go,
//     numeric_passthrough.go);
//   - anywhere else inside an expression (round, comparisons, CASE conditions)
//     the quotient continues as DECIMAL(38,20).
//
// Exactness is kept where the value reaches the client: in the outermost
// SELECT's result columns and ORDER BY. There a quotient computed for every row
// costs about 0.35 µs a row (1M rows: ~0.35 s against DuckDB's 0.02 s for a
// double), so quotients per row are kept only outside aggregates, subqueries and
// grouped statements (but for the columns numeric_text.go takes); quotients
// computed once per group (avg, sums divided by counts, constants: see
// oncePerGroup) are always kept. Elsewhere (WHERE, HAVING, GROUP BY, FROM and
// WITH subqueries but for passed-through columns) plainQuotients turns them
// back into DuckDB's division. A quotient of 10^18 or more that continues as
// DECIMAL(38,20) is an error instead of a wrong value.

// numericTextMarker ends the engine name of a result column holding numeric text.
// It begins with dupMarker, so clientName removes it.
const numericTextMarker = dupMarker + "numeric"

// The macros over the engine's text arithmetic, and the operator each computes.
const (
	numericDivFunc = "lakegate_numeric_div"
	numericMulFunc = "lakegate_numeric_mul"
	numericAddFunc = "lakegate_numeric_add"
	numericSubFunc = "lakegate_numeric_sub"
)

// numericTextOps maps each text arithmetic macro to its operator.
var numericTextOps = map[string]string{numericDivFunc: "/", numericMulFunc: "*", numericAddFunc: "+", numericSubFunc: "-"}

// numericSetup defines the macros over the engine's Go functions, which read both
// operands from their text (DuckDB writes a DECIMAL with exactly its type's
// scale; a text operand is an earlier result) and raise division by zero.
var numericSetup = []string{
	`CREATE MACRO lakegate_numeric_div(a, b) AS ` + engine.NumericDivFunc + `(CAST(a AS VARCHAR), CAST(b AS VARCHAR))`,
	`CREATE MACRO lakegate_numeric_mul(a, b) AS ` + engine.NumericMulFunc + `(CAST(a AS VARCHAR), CAST(b AS VARCHAR))`,
	`CREATE MACRO lakegate_numeric_add(a, b) AS ` + engine.NumericAddFunc + `(CAST(a AS VARCHAR), CAST(b AS VARCHAR))`,
	`CREATE MACRO lakegate_numeric_sub(a, b) AS ` + engine.NumericSubFunc + `(CAST(a AS VARCHAR), CAST(b AS VARCHAR))`,
}

func init() { CompatSetup = append(CompatSetup, numericSetup...) }

// exactNumeric reports whether PostgreSQL divides values of these types as numerics.
func exactNumeric(l, r string) bool {
	ok := func(t string) bool { return t == "numeric" || t == "int2" || t == "int4" || t == "int8" }
	return ok(l) && ok(r) && (l == "numeric" || r == "numeric")
}

// numericArith rewrites a / b of integers and numerics as the exact quotient, and
// a + b, a - b, a * b where one operand is such a quotient as text arithmetic. It
// reports whether it rewrote n.
func numericArith(n *pg.Node, a *pg.A_Expr, op, l, r string) bool {
	if !exactNumeric(l, r) {
		return false
	}
	switch op {
	case "/":
		n.Node = numericQuotient(a.Lexpr, a.Rexpr).Node
	case "*", "+", "-":
		if quotientText(a.Lexpr) == nil && quotientText(a.Rexpr) == nil {
			return false
		}
		fn := map[string]string{"*": numericMulFunc, "+": numericAddFunc, "-": numericSubFunc}[op]
		n.Node = numericText(fn, a.Lexpr, a.Rexpr).Node
	default:
		return false
	}
	return true
}

// negateQuotient rewrites -q of a quotient q as the text arithmetic 0 - q, which
// keeps q's scale (DuckDB would negate the DECIMAL(38,20)).
func negateQuotient(n *pg.Node) {
	a := n.GetAExpr()
	if a == nil || a.Kind != pg.A_Expr_Kind_AEXPR_OP || a.Lexpr != nil || len(a.Name) != 1 || strVal(a.Name[0]) != "-" ||
		quotientText(a.Rexpr) == nil {
		return
	}
	zero := &pg.Node{Node: &pg.Node_AConst{AConst: &pg.A_Const{Val: &pg.A_Const_Ival{Ival: &pg.Integer{Ival: 0}}}}}
	n.Node = numericText(numericSubFunc, zero, a.Rexpr).Node
}

// aggregateFuncs are the aggregates whose result oncePerGroup accepts.
var aggregateFuncs = map[string]bool{"sum": true, "count": true, "avg": true, "min": true, "max": true}

// otherAggregates are further aggregates: a quotient per row in their arguments
// runs for every input row, so it is not made exact.
var otherAggregates = map[string]bool{"stddev": true, "stddev_samp": true, "stddev_pop": true, "variance": true,
	"var_samp": true, "var_pop": true, "string_agg": true, "array_agg": true, "bool_and": true, "bool_or": true,
	"every": true, "median": true, "mode": true, "percentile_cont": true, "percentile_disc": true, "corr": true,
	"covar_pop": true, "covar_samp": true, "regr_slope": true, "regr_intercept": true, "bit_and": true, "bit_or": true,
	"json_agg": true, "jsonb_agg": true, "any_value": true, "first": true, "last": true, "list": true}

// isAggregateCall reports whether a call aggregates (or is a window function).
func isAggregateCall(fc *pg.FuncCall) bool {
	if fc.Over != nil || fc.AggStar || fc.AggDistinct || fc.AggFilter != nil || len(fc.AggOrder) > 0 {
		return true
	}
	fn := names(fc.Funcname)
	name := strings.ToLower(fn[len(fn)-1])
	return aggregateFuncs[name] || otherAggregates[name]
}

// oncePerGroup reports whether an expression is evaluated once per group or per
// statement: constants and aggregates, no column outside an aggregate.
func oncePerGroup(n *pg.Node) bool {
	ok := true
	walk(n, func(m protoreflect.Message) bool {
		switch x := m.Interface().(type) {
		case *pg.ColumnRef, *pg.SubLink, *pg.ParamRef:
			ok = false
		case *pg.FuncCall:
			fn := names(x.Funcname)
			if x.Over == nil && len(fn) == 1 && aggregateFuncs[strings.ToLower(fn[0])] {
				return false
			}
		}
		return ok
	})
	return ok
}

// numericQuotient is PostgreSQL's quotient of a and b as a DECIMAL(38,20) for use
// inside expressions; quotientText takes the text back out for a result column.
func numericQuotient(a, b *pg.Node) *pg.Node { return numericText(numericDivFunc, a, b) }

// numericText is the text arithmetic fn over a and b as a DECIMAL(38,20); an
// operand that is itself text arithmetic is passed on as its text, so that its
// own scale counts.
func numericText(fn string, a, b *pg.Node) *pg.Node {
	arg := func(x *pg.Node) *pg.Node {
		if t := quotientText(x); t != nil {
			return t
		}
		return x
	}
	return castTypmod(&pg.Node{Node: call(fn, arg(a), arg(b))}, "numeric", 38, 20)
}

// quotientText returns the text of a numericText node, or nil.
func quotientText(n *pg.Node) *pg.Node {
	tc := n.GetTypeCast()
	if tc == nil {
		return nil
	}
	if isNumericTextCall(tc.Arg) {
		return tc.Arg
	}
	return nil
}

// isNumericTextCall reports whether n calls one of the text arithmetic macros.
func isNumericTextCall(n *pg.Node) bool {
	fc := n.GetFuncCall()
	return fc != nil && len(fc.Funcname) == 1 && len(fc.Args) == 2 && numericTextOps[strVal(fc.Funcname[0])] != ""
}

// avgQuotient rewrites avg(x) of integers or numerics as sum(x) / count(x).
func avgQuotient(fc *pg.FuncCall) *pg.Node {
	agg := func(name string) *pg.Node {
		return &pg.Node{Node: &pg.Node_FuncCall{FuncCall: &pg.FuncCall{Funcname: []*pg.Node{pg.MakeStrNode(name)},
			Args: fc.Args, AggDistinct: fc.AggDistinct, AggFilter: fc.AggFilter, Funcformat: fc.Funcformat}}}
	}
	return numericQuotient(agg("sum"), agg("count"))
}

// keptQuotients decides which exact quotients of the outermost SELECT's result
// columns and ORDER BY stay: those computed once per group always; those
// computed per row only outside aggregates (whose arguments run for every input
// row) and subqueries, and in a statement that groups only when every column
// they read is itself a GROUP BY item (DuckDB would refuse price / 3 grouped by
// price / 3 once the two differ). The others become DuckDB's division again.
func keptQuotients(sel *pg.SelectStmt) {
	grouped := len(sel.GroupClause) > 0 || sel.HavingClause != nil
	groupCols := map[string]bool{}
	for _, g := range sel.GroupClause {
		if cr := g.GetColumnRef(); cr != nil {
			groupCols[strings.Join(names(cr.Fields), ".")] = true
		}
	}
	var visit func(m protoreflect.Message, sub, agg bool)
	visit = func(m protoreflect.Message, sub, agg bool) {
		if !m.IsValid() {
			return
		}
		switch x := m.Interface().(type) {
		case *pg.Node:
			if quotientText(x) != nil && (sub || !oncePerGroup(x) && (agg || grouped && !readsOnly(x, groupCols))) {
				plainQuotient(x)
			}
		case *pg.SubLink:
			sub = true
		case *pg.FuncCall:
			agg = agg || isAggregateCall(x)
		}
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsList() && fd.Message() != nil:
				l := v.List()
				for i := 0; i < l.Len(); i++ {
					visit(l.Get(i).Message(), sub, agg)
				}
			case fd.Message() != nil && !fd.IsMap():
				visit(v.Message(), sub, agg)
			}
			return true
		})
	}
	for _, list := range [][]*pg.Node{sel.TargetList, sel.SortClause} {
		for _, n := range list {
			visit(n.ProtoReflect(), false, false)
		}
	}
}

// readsOnly reports whether the columns an expression reads outside aggregates
// are all among cols (as written: the same qualification), and it has no subquery.
func readsOnly(n *pg.Node, cols map[string]bool) bool {
	ok := true
	walk(n, func(m protoreflect.Message) bool {
		switch x := m.Interface().(type) {
		case *pg.ColumnRef:
			ok = ok && cols[strings.Join(names(x.Fields), ".")]
		case *pg.SubLink:
			ok = false
		case *pg.FuncCall:
			if isAggregateCall(x) && x.Over == nil {
				return false
			}
		}
		return ok
	})
	return ok
}

// plainQuotients turns the exact quotients outside the outermost SELECT's result
// columns and ORDER BY (in WHERE, HAVING, GROUP BY, FROM and WITH subqueries) back
// into DuckDB's division. Exactness matters where the value reaches the client;
// elsewhere the function's cost per value buys little that a double comparison
// does not decide, and TPC-H's Q17, Q20 and Q22 compare with quotients in
// subqueries over every row.
func plainQuotients(root *pg.Node) {
	if sel := root.GetSelectStmt(); sel != nil && sel.Op == pg.SetOperation_SETOP_NONE {
		tl, sc := sel.TargetList, sel.SortClause
		sel.TargetList, sel.SortClause = nil, nil
		defer func() { sel.TargetList, sel.SortClause = tl, sc }()
	}
	walkNodes(root, func(n *pg.Node) {
		if quotientText(n) != nil {
			plainQuotient(n)
		}
	})
}

// plainQuotient turns a numericText node back into DuckDB's operator (avg for
// avgQuotient's sum / count). Operands that are text arithmetic become
// numericText nodes again, for the caller's walk to turn back in turn.
func plainQuotient(n *pg.Node) {
	fc := quotientText(n).GetFuncCall()
	op := numericTextOps[strVal(fc.Funcname[0])]
	a, b := fc.Args[0], fc.Args[1]
	if op == "/" {
		if avg := avgOf(a, b); avg != nil {
			// avgQuotient's sum(x) / count(x): back to avg(x), a double (the
			// engine divides integers as integers).
			n.Node = avg.Node
			return
		}
	}
	wrap := func(x *pg.Node) *pg.Node {
		if isNumericTextCall(x) {
			return castTypmod(x, "numeric", 38, 20)
		}
		return x
	}
	n.Node = &pg.Node_AExpr{AExpr: &pg.A_Expr{Kind: pg.A_Expr_Kind_AEXPR_OP,
		Name: []*pg.Node{pg.MakeStrNode(op)}, Lexpr: wrap(a), Rexpr: wrap(b)}}
}

// avgOf returns avg(x) when a and b are avgQuotient's sum(x) and count(x), or nil.
func avgOf(a, b *pg.Node) *pg.Node {
	sa, sb := a.GetFuncCall(), b.GetFuncCall()
	if sa == nil || sb == nil || len(sa.Funcname) != 1 || len(sb.Funcname) != 1 ||
		strVal(sa.Funcname[0]) != "sum" || strVal(sb.Funcname[0]) != "count" || sb.AggStar ||
		len(sa.Args) != 1 || len(sb.Args) != 1 || !proto.Equal(sa.Args[0], sb.Args[0]) ||
		sa.AggDistinct != sb.AggDistinct || !proto.Equal(sa.AggFilter, sb.AggFilter) || sa.Over != nil || sb.Over != nil {
		return nil
	}
	return &pg.Node{Node: &pg.Node_FuncCall{FuncCall: &pg.FuncCall{Funcname: []*pg.Node{pg.MakeStrNode("avg")},
		Args: sa.Args, AggDistinct: sa.AggDistinct, AggFilter: sa.AggFilter, Funcformat: sa.Funcformat}}}
}

// markNumericText describes a result column holding numeric text as numeric.
func markNumericText(f *wire.Field, engineName string) {
	if strings.HasSuffix(engineName, numericTextMarker) && f.TypeOID == wire.OIDText {
		f.TypeOID, f.TypeSize, f.TypeMod = wire.OIDNumeric, -1, -1
	}
}
