package planner

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/wire"
)

// PostgreSQL computes timestamptz in the session's TimeZone: casts to and from
// timestamp, date and time, date_trunc, extract, to_char, adding days and months,
// and zone-less literals all read or produce local wall-clock time. DuckDB's
// TimeZone is locked to UTC (lock_configuration), so rewriteTimeZones routes these
// through three functions whose zone is filled in when the statement runs:
//
//	lakegate_tzlocal(tstz)    local wall time of an instant   PostgreSQL: timezone(Z, tstz)
//	lakegate_tzutc(ts)        instant of a local wall time    PostgreSQL: timezone(Z, ts)
//	lakegate_tzadd(tstz, i)   tstz + i, months and days in local time
//
// As written they are DuckDB macros computing in UTC, so a statement describes and
// runs unchanged for a UTC session. For another zone, zonedSQL swaps them for
// ICU's timezone(Z, ...) (zone names) or offset arithmetic (fixed offsets) at each
// run: the TimeZone in force when a statement executes is the one that counts, as
// in PostgreSQL, also after SET between PREPARE and EXECUTE.
//
// The same pass makes date - date an integer, date_trunc of a date a timestamptz
// and numeric division exact (numeric_semantics.go), as in PostgreSQL. Expression
// types come from exprtypes.go; an expression whose type is not known is left
// alone. A zone name DuckDB's ICU does not know fails the statement when it runs.

// The zone-dependent functions in rewritten statements.
const (
	tzLocalFunc = "lakegate_tzlocal"
	tzUTCFunc   = "lakegate_tzutc"
	tzAddFunc   = "lakegate_tzadd"
)

// tzSetup defines the zone functions for UTC, and the fixed-offset and named-zone
// forms zonedSQL substitutes.
var tzSetup = []string{
	`CREATE MACRO lakegate_tzlocal(x) AS CAST(x AS TIMESTAMP)`,
	`CREATE MACRO lakegate_tzutc(t) AS CAST(t AS TIMESTAMPTZ)`,
	`CREATE MACRO lakegate_tzadd(x, i) AS x + i`,
	// PostgreSQL's text of a timestamptz from its local time l and instant x:
	// 2025-03-09 03:30:00-04, +05:30 with minutes.
	`CREATE MACRO lakegate_tzoffset_text(s) AS CASE WHEN s < 0 THEN '-' ELSE '+' END
		|| lpad(CAST(abs(s) // 3600 AS VARCHAR), 2, '0')
		|| CASE WHEN abs(s) % 3600 <> 0 THEN ':' || lpad(CAST(abs(s) % 3600 // 60 AS VARCHAR), 2, '0') ELSE '' END`,
	`CREATE MACRO lakegate_tztext(l, x) AS CAST(l AS VARCHAR) || lakegate_tzoffset_text((epoch_us(l) - epoch_us(x)) // 1000000)`,
	`CREATE MACRO lakegate_tzlocal_off(off, x) AS CAST(x AS TIMESTAMP) + to_seconds(off)`,
	`CREATE MACRO lakegate_tzutc_off(off, t) AS CAST(t - to_seconds(off) AS TIMESTAMPTZ)`,
	`CREATE MACRO lakegate_tzadd_off(off, x, i) AS lakegate_tzutc_off(off, lakegate_tzlocal_off(off, x) + i)`,
	// PostgreSQL's timestamptz + interval: months in local time, then days in local
	// time (each step, if any, resolved to an instant again), then the time part as
	// elapsed time.
	`CREATE MACRO lakegate_tzadd_step(z, x, i) AS CASE WHEN i = INTERVAL 0 SECONDS THEN x ELSE timezone(z, timezone(z, x) + i) END`,
	`CREATE MACRO lakegate_interval_months(i) AS to_months(CAST(datepart('year', i) * 12 + datepart('month', i) AS INTEGER))`,
	`CREATE MACRO lakegate_tzadd_zone(z, x, i) AS lakegate_tzadd_step(z, lakegate_tzadd_step(z, x, lakegate_interval_months(i)),
		to_days(CAST(datepart('day', i) AS INTEGER))) + (i - lakegate_interval_months(i) - to_days(CAST(datepart('day', i) AS INTEGER)))`,
}

func init() { CompatSetup = append(CompatSetup, tzSetup...) }

// zonedSQL fills the session's TimeZone into a rewritten statement's zone
// functions.
func (s *Session) zonedSQL(sql string) string {
	if !strings.Contains(sql, "lakegate_tz") {
		return sql
	}
	zone, _ := s.settings.Get("timezone")
	return zoneFunctions(sql, zone)
}

// zoneFunctions substitutes the zone functions of sql for zone.
func zoneFunctions(sql, zone string) string {
	loc, ok := wire.ParseTimeZone(zone)
	if !ok || loc == time.UTC {
		return sql
	}
	var local, utc, add string
	if _, err := time.LoadLocation(zone); err == nil && zone != "Local" {
		z := catalog.QuoteLiteral(zone)
		local, utc, add = "timezone("+z+", ", "timezone("+z+", ", "lakegate_tzadd_zone("+z+", "
	} else {
		_, off := time.Date(2000, 1, 1, 0, 0, 0, 0, loc).Zone()
		if off == 0 {
			return sql
		}
		o := strconv.Itoa(off) + ", "
		local, utc, add = "lakegate_tzlocal_off("+o, "lakegate_tzutc_off("+o, "lakegate_tzadd_off("+o
	}
	return strings.NewReplacer(tzLocalFunc+"(", local, tzUTCFunc+"(", utc, tzAddFunc+"(", add).Replace(sql)
}

// rewriteTimeZones rewrites a statement whose lake tables are the placeholders of
// scans. A statement that names the zone functions itself (in a name or a string)
// is left alone, so zonedSQL never changes what the client wrote.
func rewriteTimeZones(root *pg.Node, scans []*scanRef) {
	clash := false
	walk(root, func(m protoreflect.Message) bool {
		if s, ok := m.Interface().(*pg.String); ok && strings.Contains(strings.ToLower(s.Sval), "lakegate_tz") {
			clash = true
		}
		return !clash
	})
	if clash {
		return
	}
	ty := newExprTyper(scans)
	walkNodes(root, ty.rewriteSeries)
	ty.visit(root.ProtoReflect(), nil)
	ty.numericResultColumns(root.GetSelectStmt())
	plainQuotients(root)
}

// rewriteNode rewrites one expression whose operands are already rewritten.
func (ty *exprTyper) rewriteNode(n *pg.Node, sc *exprScope) {
	switch x := n.Node.(type) {
	case *pg.Node_TypeCast:
		tc := x.TypeCast
		if len(tc.TypeName.GetTypmods()) > 0 {
			return
		}
		from := ty.typeOf(tc.Arg, sc)
		switch typeNameOf(tc.TypeName) {
		case tyTimestamptz:
			if e := ty.toTimestamptz(tc.Arg, from); e != nil {
				n.Node = e.Node
			}
		case tyTimestamp:
			if from == tyTimestamptz {
				n.Node = call(tzLocalFunc, tc.Arg)
			}
		case tyDate, tyTime:
			if from == tyTimestamptz {
				tc.Arg = &pg.Node{Node: call(tzLocalFunc, tc.Arg)}
			}
		case "text":
			if from == tyTimestamptz {
				n.Node = timestamptzText(tc.Arg).Node
			}
		}
	case *pg.Node_FuncCall:
		ty.rewriteCall(n, x.FuncCall, sc)
	case *pg.Node_AExpr:
		ty.rewriteAExpr(n, x.AExpr, sc)
	case *pg.Node_SqlvalueFunction:
		now := &pg.Node{Node: call("now")}
		switch x.SqlvalueFunction.Op {
		case pg.SQLValueFunctionOp_SVFOP_CURRENT_DATE:
			n.Node = castTo(&pg.Node{Node: call(tzLocalFunc, now)}, "date").Node
		case pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP:
			n.Node = call(tzLocalFunc, now)
		case pg.SQLValueFunctionOp_SVFOP_LOCALTIME:
			n.Node = castTo(&pg.Node{Node: call(tzLocalFunc, now)}, "time").Node
		}
	}
}

// toTimestamptz converts an expression of type from to timestamptz as
// PostgreSQL does, in the session zone; nil when DuckDB's conversion is already
// right or the type is not known.
func (ty *exprTyper) toTimestamptz(e *pg.Node, from string) *pg.Node {
	switch from {
	case tyTimestamp:
		return &pg.Node{Node: call(tzUTCFunc, e)}
	case tyDate:
		return &pg.Node{Node: call(tzUTCFunc, castTo(e, "timestamp"))}
	case tyUnknownLit:
		s, ok := stringConst(e)
		if !ok {
			return nil
		}
		w, off, hasOff, digits, ok := parseTimestampText(s)
		switch {
		case !ok:
			return nil // another spelling: DuckDB reads it or fails
		case hasOff && (digits > 6 || timestampText.FindStringSubmatch(strings.TrimSpace(s))[6] != ""):
			return nil // DuckDB reads it right
		case hasOff:
			// DuckDB wants seconds before an offset (PostgreSQL does not).
			return castTo(&pg.Node{Node: constNode(w.Format("2006-01-02 15:04:05.999999") + offsetText(off))}, "timestamptz")
		}
		return &pg.Node{Node: call(tzUTCFunc, castTo(e, "timestamp"))}
	}
	return nil
}

// offsetText writes a UTC offset as +hh:mm[:ss].
func offsetText(off int) string {
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	s := fmt.Sprintf("%s%02d:%02d", sign, off/3600, off%3600/60)
	if off%60 != 0 {
		s += fmt.Sprintf(":%02d", off%60)
	}
	return s
}

// timestamptzText is PostgreSQL's text of a timestamptz: local time and UTC offset.
func timestamptzText(x *pg.Node) *pg.Node {
	return &pg.Node{Node: call("lakegate_tztext", &pg.Node{Node: call(tzLocalFunc, x)}, x)}
}

// timestamptzLocalFields are the extract fields PostgreSQL computes from a
// timestamptz's local time (epoch and the zone fields are not).
var timestamptzLocalFields = map[string]bool{
	"epoch": false, "timezone": false, "timezone_hour": false, "timezone_minute": false,
}

func (ty *exprTyper) rewriteCall(n *pg.Node, fc *pg.FuncCall, sc *exprScope) {
	fn := names(fc.Funcname)
	if len(fn) == 2 && fn[0] == "pg_catalog" {
		fn = fn[1:]
	}
	if len(fn) != 1 || fc.AggStar || fc.Over != nil {
		return
	}
	switch strings.ToLower(fn[0]) {
	case "date_trunc":
		if len(fc.Args) != 2 {
			return
		}
		switch ty.typeOf(fc.Args[1], sc) {
		case tyTimestamptz:
			unit, ok := stringConst(fc.Args[0])
			if !ok {
				return
			}
			x := fc.Args[1]
			fc.Args[1] = &pg.Node{Node: call(tzLocalFunc, x)}
			if subDayUnits[strings.ToLower(unit)] {
				// Below a day PostgreSQL keeps the instant's own UTC offset: it
				// takes the local remainder off as elapsed time.
				rem := &pg.Node{Node: &pg.Node_AExpr{AExpr: &pg.A_Expr{Kind: pg.A_Expr_Kind_AEXPR_OP,
					Name: []*pg.Node{pg.MakeStrNode("-")}, Lexpr: &pg.Node{Node: call(tzLocalFunc, x)}, Rexpr: &pg.Node{Node: n.Node}}}}
				n.Node = &pg.Node_AExpr{AExpr: &pg.A_Expr{Kind: pg.A_Expr_Kind_AEXPR_OP,
					Name: []*pg.Node{pg.MakeStrNode("-")}, Lexpr: x, Rexpr: rem}}
				return
			}
		case tyDate:
			fc.Args[1] = castTo(fc.Args[1], "timestamp")
		default:
			return
		}
		n.Node = call(tzUTCFunc, &pg.Node{Node: n.Node})
	case "extract", "date_part":
		if len(fc.Args) != 2 || ty.typeOf(fc.Args[1], sc) != tyTimestamptz {
			return
		}
		field, ok := stringConst(fc.Args[0])
		if local, listed := timestamptzLocalFields[strings.ToLower(field)]; !ok || listed && !local {
			return
		}
		fc.Args[1] = &pg.Node{Node: call(tzLocalFunc, fc.Args[1])}
	case "to_char":
		if len(fc.Args) == 2 && ty.typeOf(fc.Args[0], sc) == tyTimestamptz {
			fc.Args[0] = &pg.Node{Node: call(tzLocalFunc, fc.Args[0])}
		}
	case "age":
		// PostgreSQL subtracts the local times of the two instants.
		switch {
		case len(fc.Args) == 2 && ty.typeOf(fc.Args[0], sc) == tyTimestamptz && ty.typeOf(fc.Args[1], sc) == tyTimestamptz:
			fc.Args[0] = &pg.Node{Node: call(tzLocalFunc, fc.Args[0])}
			fc.Args[1] = &pg.Node{Node: call(tzLocalFunc, fc.Args[1])}
		case len(fc.Args) == 1 && ty.typeOf(fc.Args[0], sc) == tyTimestamptz:
			today := &pg.Node{Node: call("date_trunc", &pg.Node{Node: constNode("day")},
				&pg.Node{Node: call(tzLocalFunc, &pg.Node{Node: call("now")})})}
			fc.Args = []*pg.Node{today, {Node: call(tzLocalFunc, fc.Args[0])}}
		}
	case "avg":
		if len(fc.Args) == 1 && len(fc.AggOrder) == 0 && exactNumeric(ty.typeOf(fc.Args[0], sc), "numeric") {
			n.Node = avgQuotient(fc).Node
		}
	case "make_timestamptz":
		if len(fc.Args) == 6 {
			fc.Funcname = []*pg.Node{pg.MakeStrNode("make_timestamp")}
			n.Node = call(tzUTCFunc, &pg.Node{Node: n.Node})
		}
	}
}

// subDayUnits are date_trunc's units below a day, in PostgreSQL's spellings.
var subDayUnits = map[string]bool{"hour": true, "hours": true, "hr": true, "hrs": true, "h": true,
	"minute": true, "minutes": true, "min": true, "mins": true, "m": true, "second": true, "seconds": true,
	"sec": true, "secs": true, "s": true, "millisecond": true, "milliseconds": true, "ms": true, "msec": true,
	"msecs": true, "microsecond": true, "microseconds": true, "us": true, "usec": true, "usecs": true}

var comparisonOps = map[string]bool{"=": true, "<>": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

func (ty *exprTyper) rewriteAExpr(n *pg.Node, a *pg.A_Expr, sc *exprScope) {
	op := ""
	if len(a.Name) == 1 {
		op = strVal(a.Name[0])
	}
	switch a.Kind {
	case pg.A_Expr_Kind_AEXPR_OP:
		if a.Lexpr == nil || a.Rexpr == nil {
			return
		}
		l, r := ty.typeOf(a.Lexpr, sc), ty.typeOf(a.Rexpr, sc)
		switch {
		case op == "+" && l == tyTimestamptz && r == tyInterval:
			n.Node = call(tzAddFunc, a.Lexpr, a.Rexpr)
		case op == "+" && l == tyInterval && r == tyTimestamptz:
			n.Node = call(tzAddFunc, a.Rexpr, a.Lexpr)
		case op == "-" && l == tyTimestamptz && r == tyInterval:
			neg := &pg.Node{Node: &pg.Node_AExpr{AExpr: &pg.A_Expr{Kind: pg.A_Expr_Kind_AEXPR_OP,
				Name: []*pg.Node{pg.MakeStrNode("-")}, Rexpr: a.Rexpr}}}
			n.Node = call(tzAddFunc, a.Lexpr, neg)
		case op == "||" && l == tyTimestamptz:
			a.Lexpr = timestamptzText(a.Lexpr)
		case op == "||" && r == tyTimestamptz:
			a.Rexpr = timestamptzText(a.Rexpr)
		case numericArith(n, a, op, l, r): // exact numeric /, and +, -, * on quotients (numeric_semantics.go)
		case op == "-" && l == tyDate && r == tyDate:
			n.Node = castTo(&pg.Node{Node: n.Node}, "int4").Node
		case comparisonOps[op]:
			ty.compareAsTimestamptz(l, r, &a.Lexpr, &a.Rexpr)
		}
	case pg.A_Expr_Kind_AEXPR_DISTINCT, pg.A_Expr_Kind_AEXPR_NOT_DISTINCT:
		ty.compareAsTimestamptz(ty.typeOf(a.Lexpr, sc), ty.typeOf(a.Rexpr, sc), &a.Lexpr, &a.Rexpr)
	case pg.A_Expr_Kind_AEXPR_IN, pg.A_Expr_Kind_AEXPR_BETWEEN, pg.A_Expr_Kind_AEXPR_NOT_BETWEEN,
		pg.A_Expr_Kind_AEXPR_BETWEEN_SYM, pg.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM:
		l := a.Rexpr.GetList()
		if l == nil || ty.typeOf(a.Lexpr, sc) != tyTimestamptz {
			return
		}
		for i, it := range l.Items {
			if e := ty.toTimestamptz(it, ty.typeOf(it, sc)); e != nil {
				l.Items[i] = e
			}
		}
	}
}

// compareAsTimestamptz converts the other operand of a comparison with a
// timestamptz to timestamptz in the session zone, as PostgreSQL's implicit cast does.
func (ty *exprTyper) compareAsTimestamptz(l, r string, le, re **pg.Node) {
	switch {
	case l == tyTimestamptz && r != tyTimestamptz:
		if e := ty.toTimestamptz(*re, r); e != nil {
			*re = e
		}
	case r == tyTimestamptz && l != tyTimestamptz:
		if e := ty.toTimestamptz(*le, l); e != nil {
			*le = e
		}
	}
}

// seriesSQL is a generate_series over timestamptz stepping in the session's
// zone. $1, $2 and $3 are the start, the end and the step; %[1]s, %[2]s and %[3]s
// are "<=", "+" and "ASC" for a step forward (">=", "-" and "DESC" back). It is
// the series of local times from the start's local time, each read back in the
// zone. Where a local time falls into a DST gap PostgreSQL goes on from the
// shifted time: every later local time moves by the shift (the window), and the
// local end is one day further out so that shifted values before the end are
// there. The filter ends the series where PostgreSQL does, at the end instant.
const seriesSQL = `SELECT lakegate_gs_v FROM (SELECT lakegate_tzutc(lakegate_gs + coalesce(max(CASE
	WHEN lakegate_tzlocal(lakegate_tzutc(lakegate_gs)) <> lakegate_gs THEN lakegate_tzlocal(lakegate_tzutc(lakegate_gs)) - lakegate_gs END)
	OVER (ORDER BY lakegate_gs %[3]s ROWS UNBOUNDED PRECEDING), interval '0 seconds')) AS lakegate_gs_v
	FROM generate_series(lakegate_tzlocal($1), lakegate_tzlocal($2) %[2]s interval '1 day', $3) lakegate_gs(lakegate_gs)) lakegate_gs
	WHERE lakegate_gs_v %[1]s $2`

// rewriteSeries makes generate_series over timestamptz step in the session's
// zone, as PostgreSQL adds the interval to each value (a '1 day' step keeps local
// midnight across a DST change), where DuckDB steps in UTC: in FROM the function
// becomes the subquery seriesSQL, in a select list the unnest of its values.
// Only constant steps of whole days and months are rewritten: a step of hours,
// minutes or seconds is elapsed time, which DuckDB already gets right.
func (ty *exprTyper) rewriteSeries(n *pg.Node) {
	if sel := n.GetSelectStmt(); sel != nil {
		for _, t := range sel.TargetList {
			rt := t.GetResTarget()
			if rt == nil || rt.Val == nil || rt.Val.GetFuncCall() == nil {
				continue
			}
			if e := ty.seriesSQL(rt.Val.GetFuncCall(), true); e != nil {
				if rt.Name == "" {
					rt.Name = "generate_series"
				}
				rt.Val = e
			}
		}
		return
	}
	rf := n.GetRangeFunction()
	if rf == nil || rf.Ordinality || rf.IsRowsfrom || len(rf.Functions) != 1 || len(rf.Coldeflist) > 0 {
		return
	}
	l := rf.Functions[0].GetList()
	if l == nil || len(l.Items) == 0 || l.Items[0].GetFuncCall() == nil || rf.Alias != nil && len(rf.Alias.Colnames) > 1 {
		return
	}
	sel := ty.seriesSQL(l.Items[0].GetFuncCall(), false)
	if sel == nil {
		return
	}
	alias, col := "generate_series", "generate_series"
	if rf.Alias != nil {
		alias, col = rf.Alias.Aliasname, rf.Alias.Aliasname
		if len(rf.Alias.Colnames) == 1 {
			col = strVal(rf.Alias.Colnames[0])
		}
	}
	n.Node = &pg.Node_RangeSubselect{RangeSubselect: &pg.RangeSubselect{
		Lateral:  rf.Lateral,
		Subquery: sel,
		Alias:    &pg.Alias{Aliasname: alias, Colnames: []*pg.Node{pg.MakeStrNode(col)}},
	}}
}

// seriesSQL returns the rewrite of a generate_series call over timestamptz with a
// constant step of days and months: the SELECT of seriesSQL, or for a select list
// the unnest of its values in order; nil for any other call.
func (ty *exprTyper) seriesSQL(fc *pg.FuncCall, list bool) *pg.Node {
	if len(fc.Args) != 3 || fc.AggStar || fc.Over != nil || len(fc.AggOrder) > 0 || fc.AggFilter != nil {
		return nil
	}
	fn := names(fc.Funcname)
	if fn[len(fn)-1] != "generate_series" || len(fn) > 2 || len(fn) == 2 && fn[0] != "pg_catalog" {
		return nil
	}
	args := make([]*pg.Node, 3)
	tz := false
	for i, a := range fc.Args[:2] {
		switch ty.typeOf(a, nil) {
		case tyTimestamptz:
			tz = true
			args[i] = a
		case tyUnknownLit:
			args[i] = castTo(a, "timestamptz")
		default:
			return nil
		}
	}
	v, ok := foldEnv{}.fold(fc.Args[2])
	if s, isText := v.(string); ok && isText {
		v, ok = parseInterval(s)
	}
	step, isInterval := v.(interval)
	if !tz || !ok || !isInterval || step.micros != 0 || step.months*step.days < 0 || step.months == 0 && step.days == 0 {
		return nil
	}
	args[2] = castTo(fc.Args[2], "interval")
	end, sign, order := "<=", "+", "ASC"
	if step.months < 0 || step.days < 0 {
		end, sign, order = ">=", "-", "DESC"
	}
	sql := fmt.Sprintf(seriesSQL, end, sign, order)
	if list {
		sql = fmt.Sprintf("SELECT unnest((SELECT list(lakegate_gs_v ORDER BY lakegate_gs_v %s) FROM (%s) lakegate_gs_list))", order, sql)
	}
	tree, err := pg.Parse(sql)
	if err != nil {
		return nil
	}
	out := tree.Stmts[0].Stmt
	walkNodes(out, func(p *pg.Node) {
		if pr := p.GetParamRef(); pr != nil {
			p.Node = proto.Clone(args[pr.Number-1]).(*pg.Node).Node
		}
	})
	if list {
		return out.GetSelectStmt().TargetList[0].GetResTarget().Val
	}
	return out
}
