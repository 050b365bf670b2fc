package planner

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// filterFor turns a scan's conjuncts into an Iceberg expression with the bound
// parameter values. Conjuncts that cannot be expressed are left out: pruning may only
// keep too much, never too little, and DuckDB applies the whole WHERE clause anyway.
func filterFor(r *scanRef, params []any) iceberg.BooleanExpression {
	schema := r.schema
	if schema == nil {
		schema = r.table.Metadata().CurrentSchema()
	}
	var out iceberg.BooleanExpression = iceberg.AlwaysTrue{}
	for _, c := range r.conjuncts {
		if e, ok := toIceberg(c, schema, params); ok {
			out = iceberg.NewAnd(out, e)
		}
	}
	return out
}

func toIceberg(n *pg.Node, schema *iceberg.Schema, params []any) (iceberg.BooleanExpression, bool) {
	switch x := n.Node.(type) {
	case *pg.Node_BoolExpr:
		var parts []iceberg.BooleanExpression
		for _, a := range x.BoolExpr.Args {
			e, ok := toIceberg(a, schema, params)
			if !ok {
				return nil, false
			}
			parts = append(parts, e)
		}
		switch x.BoolExpr.Boolop {
		case pg.BoolExprType_AND_EXPR:
			return andAll(parts), true
		case pg.BoolExprType_OR_EXPR:
			out := parts[0]
			for _, p := range parts[1:] {
				out = iceberg.NewOr(out, p)
			}
			return out, true
		case pg.BoolExprType_NOT_EXPR:
			return iceberg.NewNot(parts[0]), true
		}
	case *pg.Node_NullTest:
		col, f, ok := column(x.NullTest.Arg, schema)
		if !ok {
			return nil, false
		}
		_ = f
		if x.NullTest.Nulltesttype == pg.NullTestType_IS_NULL {
			return iceberg.IsNull(iceberg.Reference(col)), true
		}
		return iceberg.NotNull(iceberg.Reference(col)), true
	case *pg.Node_ColumnRef: // a boolean column on its own
		col, f, ok := column(n, schema)
		if ok && f.Type.Equals(iceberg.PrimitiveTypes.Bool) {
			return iceberg.EqualTo(iceberg.Reference(col), true), true
		}
	case *pg.Node_AExpr:
		return aexpr(x.AExpr, schema, params)
	}
	return nil, false
}

func andAll(parts []iceberg.BooleanExpression) iceberg.BooleanExpression {
	var out iceberg.BooleanExpression = iceberg.AlwaysTrue{}
	for _, p := range parts {
		out = iceberg.NewAnd(out, p)
	}
	return out
}

var flipped = map[string]string{"=": "=", "<>": "<>", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

var ops = map[string]iceberg.Operation{
	"=": iceberg.OpEQ, "<>": iceberg.OpNEQ, "!=": iceberg.OpNEQ,
	"<": iceberg.OpLT, "<=": iceberg.OpLTEQ, ">": iceberg.OpGT, ">=": iceberg.OpGTEQ,
}

func aexpr(a *pg.A_Expr, schema *iceberg.Schema, params []any) (iceberg.BooleanExpression, bool) {
	op := ""
	if len(a.Name) == 1 {
		op = strVal(a.Name[0])
	}
	switch a.Kind {
	case pg.A_Expr_Kind_AEXPR_OP:
		left, right := a.Lexpr, a.Rexpr
		col, f, ok := column(left, schema)
		if !ok {
			if col, f, ok = column(right, schema); !ok {
				return nil, false
			}
			left, right = right, left
			op = flipped[op]
		}
		iop, known := ops[op]
		if !known {
			return nil, false
		}
		lit, ok := literal(right, f.Type, params)
		if !ok {
			return nil, false
		}
		_ = left
		return iceberg.LiteralPredicate(iop, iceberg.Reference(col), lit), true
	case pg.A_Expr_Kind_AEXPR_IN:
		col, f, ok := column(a.Lexpr, schema)
		list := a.Rexpr.GetList()
		if !ok || list == nil {
			return nil, false
		}
		lits := make([]iceberg.Literal, 0, len(list.Items))
		for _, it := range list.Items {
			l, ok := literal(it, f.Type, params)
			if !ok {
				return nil, false
			}
			lits = append(lits, l)
		}
		e := iceberg.SetPredicate(iceberg.OpIn, iceberg.Reference(col), lits)
		if op == "<>" {
			return iceberg.NewNot(e), true
		}
		return e, true
	case pg.A_Expr_Kind_AEXPR_BETWEEN, pg.A_Expr_Kind_AEXPR_NOT_BETWEEN:
		col, f, ok := column(a.Lexpr, schema)
		list := a.Rexpr.GetList()
		if !ok || list == nil || len(list.Items) != 2 {
			return nil, false
		}
		lo, ok1 := literal(list.Items[0], f.Type, params)
		hi, ok2 := literal(list.Items[1], f.Type, params)
		if !ok1 || !ok2 {
			return nil, false
		}
		e := iceberg.NewAnd(iceberg.LiteralPredicate(iceberg.OpGTEQ, iceberg.Reference(col), lo),
			iceberg.LiteralPredicate(iceberg.OpLTEQ, iceberg.Reference(col), hi))
		if a.Kind == pg.A_Expr_Kind_AEXPR_NOT_BETWEEN {
			return iceberg.NewNot(e), true
		}
		return e, true
	case pg.A_Expr_Kind_AEXPR_LIKE:
		col, f, ok := column(a.Lexpr, schema)
		if !ok || op != "~~" || !f.Type.Equals(iceberg.PrimitiveTypes.String) {
			return nil, false
		}
		v, ok := constant(a.Rexpr, params)
		s, isStr := v.(string)
		if !ok || !isStr {
			return nil, false
		}
		prefix, rest, found := strings.Cut(s, "%")
		if !found || rest != "" || strings.ContainsAny(prefix, `_\`) || prefix == "" {
			return nil, false
		}
		return iceberg.LiteralPredicate(iceberg.OpStartsWith, iceberg.Reference(col), iceberg.NewLiteral(prefix)), true
	}
	return nil, false
}

// column returns the column a node names (plain or qualified; qualification was
// checked when the conjunct was attached to its scan).
func column(n *pg.Node, schema *iceberg.Schema) (string, iceberg.NestedField, bool) {
	cr := n.GetColumnRef()
	if cr == nil || len(cr.Fields) == 0 {
		return "", iceberg.NestedField{}, false
	}
	name := strVal(cr.Fields[len(cr.Fields)-1])
	f, ok := schema.FindFieldByName(name)
	if !ok {
		return "", iceberg.NestedField{}, false
	}
	return name, f, true
}

// literal converts a constant to an Iceberg literal of the column's type, or reports
// false when the conversion is not exact.
func literal(n *pg.Node, t iceberg.Type, params []any) (iceberg.Literal, bool) {
	v, ok := constant(n, params)
	if !ok {
		return nil, false
	}
	switch t.(type) {
	case iceberg.Int32Type, iceberg.Int64Type:
		i, ok := toInt(v)
		if !ok {
			return nil, false
		}
		if _, is32 := t.(iceberg.Int32Type); is32 {
			if i < math.MinInt32 || i > math.MaxInt32 {
				return nil, false
			}
			return iceberg.NewLiteral(int32(i)), true
		}
		return iceberg.NewLiteral(i), true
	case iceberg.Float32Type, iceberg.Float64Type:
		f, ok := toFloat(v)
		if !ok {
			return nil, false
		}
		if _, is32 := t.(iceberg.Float32Type); is32 {
			return nil, false // float4 comparisons round; not worth the risk
		}
		return iceberg.NewLiteral(f), true
	case iceberg.DecimalType:
		s := toText(v)
		if s == "" {
			return nil, false
		}
		l, err := iceberg.NewLiteral(s).To(t)
		return l, err == nil
	case iceberg.StringType:
		s, ok := v.(string)
		return iceberg.NewLiteral(s), ok
	case iceberg.BooleanType:
		switch b := v.(type) {
		case bool:
			return iceberg.NewLiteral(b), true
		case string:
			if pb, err := strconv.ParseBool(b); err == nil {
				return iceberg.NewLiteral(pb), true
			}
		}
	case iceberg.DateType:
		tm, ok := toTime(v)
		if !ok || tm.Hour() != 0 || tm.Minute() != 0 || tm.Second() != 0 || tm.Nanosecond() != 0 {
			return nil, false
		}
		return iceberg.NewLiteral(iceberg.Date(tm.Unix() / 86400)), true
	case iceberg.TimestampType:
		tm, ok := toTime(v)
		if !ok {
			return nil, false
		}
		return iceberg.NewLiteral(iceberg.Timestamp(tm.UnixMicro())), true
	case iceberg.TimestampTzType:
		tm, ok := toTimeTz(v)
		if !ok {
			return nil, false
		}
		return iceberg.NewLiteral(iceberg.Timestamp(tm.UnixMicro())), true
	}
	return nil, false
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	case string:
		i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return i, err == nil
	}
	return 0, false
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil && !math.IsNaN(f)
	}
	return 0, false
}

func toText(v any) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return strings.TrimSpace(x)
	}
	return ""
}

var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02",
}

// toTime reads a timestamp without time zone: wall-clock fields as UTC.
func toTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case dateVal:
		return x.t, true
	case time.Time:
		return time.Date(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second(), x.Nanosecond(), time.UTC), true
	case string:
		for _, l := range timeLayouts {
			if t, err := time.ParseInLocation(l, strings.TrimSpace(x), time.UTC); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// toTimeTz reads a timestamp with time zone; strings need an explicit offset.
func toTimeTz(v any) (time.Time, bool) {
	switch x := v.(type) {
	case tzTime:
		return x.t, true
	case time.Time:
		return x, true
	case string:
		for _, l := range []string{"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z07", "2006-01-02T15:04:05.999999999Z07:00"} {
			if t, err := time.Parse(l, strings.TrimSpace(x)); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// propagateEqualities extends the conjuncts of the tables of one SELECT through inner
// joins: conjuncts in the ON clause of an inner join constrain its tables like WHERE
// conjuncts, and a column equality a.x = b.y (in WHERE or an inner ON) copies every
// conjunct on a.x alone to b.y and back (a.x = b.y AND a.x = 5 prunes b by y = 5).
// Tables on the nullable side of an outer join are left alone.
func propagateEqualities(sel *pg.SelectStmt, items []*scanRef, allLake bool) {
	var where, on []*pg.Node
	if sel.WhereClause != nil {
		where = splitAnd(sel.WhereClause)
	}
	for _, f := range sel.FromClause {
		innerQuals(f, &on)
	}
	for _, c := range on {
		if r := conjunctTable(c, items, allLake); r != nil && !r.nullable {
			r.conjuncts = append(r.conjuncts, c)
		}
	}
	type side struct {
		r   *scanRef
		col string
	}
	var eqs [][2]side
	for _, c := range append(where, on...) {
		a := c.GetAExpr()
		if a == nil || a.Kind != pg.A_Expr_Kind_AEXPR_OP || len(a.Name) != 1 || strVal(a.Name[0]) != "=" {
			continue
		}
		lc, rc := a.Lexpr.GetColumnRef(), a.Rexpr.GetColumnRef()
		if lc == nil || rc == nil {
			continue
		}
		lr, rr := columnOwner(lc, items, allLake), columnOwner(rc, items, allLake)
		if lr == nil || rr == nil || lr == rr || lr.nullable || rr.nullable {
			continue
		}
		eqs = append(eqs, [2]side{{lr, lastName(lc)}, {rr, lastName(rc)}})
	}
	// Two rounds carry a constant along a chain of three tables.
	for round := 0; round < 2 && len(eqs) > 0; round++ {
		for _, e := range eqs {
			for _, d := range [][2]side{{e[0], e[1]}, {e[1], e[0]}} {
				from, to := d[0], d[1]
				for _, c := range slices.Clone(from.r.conjuncts) {
					if !onlyColumn(c, from.col) {
						continue
					}
					cp := proto.Clone(c).(*pg.Node)
					renameColumns(cp, to.r.alias, to.col)
					if !slices.ContainsFunc(to.r.conjuncts, func(x *pg.Node) bool { return proto.Equal(x, cp) }) {
						to.r.conjuncts = append(to.r.conjuncts, cp)
					}
				}
			}
		}
	}
}

// innerQuals collects the ON conjuncts of inner joins (not below an outer join's
// nullable side: their tables are marked nullable and get nothing).
func innerQuals(n *pg.Node, out *[]*pg.Node) {
	j := n.GetJoinExpr()
	if j == nil {
		return
	}
	if j.Jointype == pg.JoinType_JOIN_INNER && j.Quals != nil {
		*out = append(*out, splitAnd(j.Quals)...)
	}
	innerQuals(j.Larg, out)
	innerQuals(j.Rarg, out)
}

func lastName(cr *pg.ColumnRef) string { return strVal(cr.Fields[len(cr.Fields)-1]) }

// onlyColumn reports whether every column c references is col, and c has at least one
// and no subquery.
func onlyColumn(c *pg.Node, col string) bool {
	n, ok := 0, true
	walk(c, func(m protoreflect.Message) bool {
		switch x := m.Interface().(type) {
		case *pg.SubLink:
			ok = false
		case *pg.ColumnRef:
			n++
			if len(x.Fields) == 0 || x.Fields[len(x.Fields)-1].GetString_() == nil || lastName(x) != col {
				ok = false
			}
		}
		return ok
	})
	return ok && n > 0
}

// renameColumns points every column reference in n at alias.col.
func renameColumns(n *pg.Node, alias, col string) {
	walk(n, func(m protoreflect.Message) bool {
		if cr, ok := m.Interface().(*pg.ColumnRef); ok {
			cr.Fields = []*pg.Node{pg.MakeStrNode(alias), pg.MakeStrNode(col)}
		}
		return true
	})
}
