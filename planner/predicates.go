package planner

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/iceberg-go"
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// filterFor turns a scan's conjuncts into an Iceberg expression with the bound
// parameter values and the session's TimeZone in force when the statement runs.
func (q *queryStmt) filterFor(r *scanRef, params []any) iceberg.BooleanExpression {
	return filterFor(r, foldEnv{params: params, paramOIDs: q.ParamOIDs(), zone: q.s.timeZone()})
}

// filterFor turns a scan's conjuncts into an Iceberg expression. Conjuncts that
// cannot be expressed are left out: pruning may only keep too much, never too
// little, and DuckDB applies the whole WHERE clause anyway.
func filterFor(r *scanRef, env foldEnv) iceberg.BooleanExpression {
	schema := r.schema
	if schema == nil {
		schema = r.table.Metadata().CurrentSchema()
	}
	var out iceberg.BooleanExpression = iceberg.AlwaysTrue{}
	for _, c := range r.conjuncts {
		if e, ok := toIceberg(c, schema, env); ok {
			out = iceberg.NewAnd(out, e)
		}
	}
	return out
}

func toIceberg(n *pg.Node, schema *iceberg.Schema, env foldEnv) (iceberg.BooleanExpression, bool) {
	switch x := n.Node.(type) {
	case *pg.Node_BoolExpr:
		var parts []iceberg.BooleanExpression
		for _, a := range x.BoolExpr.Args {
			e, ok := toIceberg(a, schema, env)
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
			// NOT of a widened range would drop matching rows: only exact
			// predicates are negated.
			if !exactPredicate(x.BoolExpr.Args[0], schema, env) {
				return nil, false
			}
			return iceberg.NewNot(parts[0]), true
		}
	case *pg.Node_NullTest:
		col, _, ok := column(x.NullTest.Arg, schema)
		if !ok {
			return nil, false
		}
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
		return aexpr(x.AExpr, schema, env)
	}
	return nil, false
}

// exactPredicate reports whether every value n compares a column with converts
// exactly (no widened range), so that its negation may be pushed too.
func exactPredicate(n *pg.Node, schema *iceberg.Schema, env foldEnv) bool {
	exact := true
	walk(n, func(m protoreflect.Message) bool {
		a, ok := m.Interface().(*pg.A_Expr)
		if !ok || !exact {
			return exact
		}
		_, f, ok := column(a.Lexpr, schema)
		vals := []*pg.Node{a.Rexpr}
		if l := a.Rexpr.GetList(); l != nil {
			vals = l.Items
		}
		if !ok {
			if _, f, ok = column(a.Rexpr, schema); !ok {
				return true
			}
			vals = []*pg.Node{a.Lexpr}
		}
		for _, v := range vals {
			if lo, hi, ok := bounds(v, f.Type, env); ok && !lo.Equals(hi) {
				exact = false
			}
		}
		return exact
	})
	return exact
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

func aexpr(a *pg.A_Expr, schema *iceberg.Schema, env foldEnv) (iceberg.BooleanExpression, bool) {
	op := ""
	if len(a.Name) == 1 {
		op = strVal(a.Name[0])
	}
	switch a.Kind {
	case pg.A_Expr_Kind_AEXPR_OP:
		right := a.Rexpr
		col, f, ok := column(a.Lexpr, schema)
		if !ok {
			if col, f, ok = column(a.Rexpr, schema); !ok {
				return nil, false
			}
			right = a.Lexpr
			op = flipped[op]
		}
		iop, known := ops[op]
		if !known {
			return nil, false
		}
		lo, hi, ok := bounds(right, f.Type, env)
		if !ok {
			return nil, false
		}
		ref := iceberg.Reference(col)
		if lo.Equals(hi) {
			return iceberg.LiteralPredicate(iop, ref, lo), true
		}
		// A range of values (a local time the zone skips or repeats): the column
		// compares with the value somewhere in it.
		switch iop {
		case iceberg.OpEQ:
			return iceberg.NewAnd(iceberg.LiteralPredicate(iceberg.OpGTEQ, ref, lo), iceberg.LiteralPredicate(iceberg.OpLTEQ, ref, hi)), true
		case iceberg.OpLT, iceberg.OpLTEQ:
			return iceberg.LiteralPredicate(iceberg.OpLTEQ, ref, hi), true
		case iceberg.OpGT, iceberg.OpGTEQ:
			return iceberg.LiteralPredicate(iceberg.OpGTEQ, ref, lo), true
		}
		return nil, false
	case pg.A_Expr_Kind_AEXPR_IN:
		col, f, ok := column(a.Lexpr, schema)
		list := a.Rexpr.GetList()
		if !ok || list == nil {
			return nil, false
		}
		lits := make([]iceberg.Literal, 0, len(list.Items))
		for _, it := range list.Items {
			l, ok := literal(it, f.Type, env)
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
		lo, loHi, ok1 := bounds(list.Items[0], f.Type, env)
		hiLo, hi, ok2 := bounds(list.Items[1], f.Type, env)
		if !ok1 || !ok2 {
			return nil, false
		}
		e := iceberg.NewAnd(iceberg.LiteralPredicate(iceberg.OpGTEQ, iceberg.Reference(col), lo),
			iceberg.LiteralPredicate(iceberg.OpLTEQ, iceberg.Reference(col), hi))
		if a.Kind == pg.A_Expr_Kind_AEXPR_NOT_BETWEEN {
			if !lo.Equals(loHi) || !hiLo.Equals(hi) {
				return nil, false
			}
			return iceberg.NewNot(e), true
		}
		return e, true
	case pg.A_Expr_Kind_AEXPR_LIKE:
		col, f, ok := column(a.Lexpr, schema)
		if !ok || op != "~~" || !f.Type.Equals(iceberg.PrimitiveTypes.String) {
			return nil, false
		}
		v, ok := env.fold(a.Rexpr)
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

// literal converts a constant to one Iceberg literal of the column's type, or
// reports false when the conversion is not exact.
func literal(n *pg.Node, t iceberg.Type, env foldEnv) (iceberg.Literal, bool) {
	lo, hi, ok := bounds(n, t, env)
	if !ok || !lo.Equals(hi) {
		return nil, false
	}
	return lo, true
}

// bounds converts a constant to Iceberg literals of the column's type: the value,
// or the least and greatest values it can stand for where a time zone makes it a
// range (a local time the zone skips or repeats; an instant compared with a
// timestamp column near a change of the zone's offset). It reports false when
// no conversion is exact.
func bounds(n *pg.Node, t iceberg.Type, env foldEnv) (lo, hi iceberg.Literal, ok bool) {
	v, ok := env.fold(n)
	if !ok {
		return nil, nil, false
	}
	one := func(l iceberg.Literal, ok bool) (iceberg.Literal, iceberg.Literal, bool) { return l, l, ok }
	switch t.(type) {
	case iceberg.Int32Type, iceberg.Int64Type:
		i, ok := toInt(v)
		if !ok {
			return nil, nil, false
		}
		if _, is32 := t.(iceberg.Int32Type); is32 {
			if i < math.MinInt32 || i > math.MaxInt32 {
				return nil, nil, false
			}
			return one(iceberg.NewLiteral(int32(i)), true)
		}
		return one(iceberg.NewLiteral(i), true)
	case iceberg.Float32Type, iceberg.Float64Type:
		f, ok := toFloat(v)
		if !ok {
			return nil, nil, false
		}
		if _, is32 := t.(iceberg.Float32Type); is32 {
			return nil, nil, false // float4 comparisons round; not worth the risk
		}
		return one(iceberg.NewLiteral(f), true)
	case iceberg.DecimalType:
		s := toText(v)
		if s == "" {
			return nil, nil, false
		}
		l, err := iceberg.NewLiteral(s).To(t)
		return one(l, err == nil)
	case iceberg.StringType:
		s, ok := v.(string)
		return one(iceberg.NewLiteral(s), ok)
	case iceberg.BooleanType:
		switch b := v.(type) {
		case bool:
			return one(iceberg.NewLiteral(b), true)
		case string:
			if pb, err := strconv.ParseBool(b); err == nil {
				return one(iceberg.NewLiteral(pb), true)
			}
		}
	case iceberg.DateType:
		if _, isTz := v.(tzTime); isTz {
			return nil, nil, false
		}
		tm, ok := toTime(v)
		if !ok || tm.Hour() != 0 || tm.Minute() != 0 || tm.Second() != 0 || tm.Nanosecond() != 0 {
			return nil, nil, false
		}
		return one(iceberg.NewLiteral(iceberg.Date(tm.Unix()/86400)), true)
	case iceberg.TimestampType:
		if tz, isTz := v.(tzTime); isTz {
			// PostgreSQL compares the column's local time, read in the session's
			// zone, with the instant.
			if env.zone == nil {
				return nil, nil, false
			}
			l, h := wallBounds(tz, env.zone)
			return micros(l), micros(h), true
		}
		tm, ok := toTime(v)
		if !ok {
			return nil, nil, false
		}
		return one(micros(tm), true)
	case iceberg.TimestampTzType:
		tz, ok := env.instant(v)
		if !ok {
			return nil, nil, false
		}
		return micros(tz.lo), micros(tz.hi), true
	}
	return nil, nil, false
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
