package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// rewriteSemantics makes functions DuckDB has under the same name return what
// PostgreSQL returns, as the differential test against PostgreSQL found them:
//   - EXTRACT(f FROM x) is numeric in PostgreSQL 15 (seconds, milliseconds and
//     epoch with their fractions), date_part(f, x) is double precision; DuckDB's
//     return bigint and drop the fraction of a second;
//   - length, char_length, octet_length, strpos/position, ascii, ntile,
//     array_length, cardinality (of an array) and GROUPING return integer
//     (DuckDB: bigint; its cardinality counts map entries only);
//   - to_char(timestamp, constant format) has no DuckDB twin: it becomes strftime;
//   - div(a, b) is PostgreSQL's truncating division (numeric).
//
// It runs after result columns are named, so the casts it adds do not rename them.
func rewriteSemantics(root *pg.Node) {
	done := map[*pg.FuncCall]bool{}
	grouping := map[*pg.GroupingFunc]bool{}
	walkNodes(root, func(n *pg.Node) {
		if gf := n.GetGroupingFunc(); gf != nil && !grouping[gf] {
			grouping[gf] = true
			n.Node = castTo(&pg.Node{Node: n.Node}, "int4").Node
			return
		}
		fc := n.GetFuncCall()
		if fc == nil || done[fc] || fc.AggStar || len(fc.AggOrder) > 0 || fc.AggDistinct {
			return
		}
		fn := names(fc.Funcname)
		if len(fn) == 2 && fn[0] == "pg_catalog" {
			fn = fn[1:]
		}
		if len(fn) != 1 {
			return
		}
		done[fc] = true
		switch name := strings.ToLower(fn[0]); name {
		case "extract", "date_part":
			if len(fc.Args) != 2 || fc.Over != nil {
				return
			}
			field, ok := stringConst(fc.Args[0])
			if !ok {
				return
			}
			rewriteDatePart(n, fc, strings.ToLower(field), name == "extract")
		case "length", "char_length", "character_length", "octet_length", "bit_length", "strpos", "position",
			"ascii", "ntile", "array_length":
			n.Node = castTo(&pg.Node{Node: n.Node}, "int4").Node
		case "to_char":
			if len(fc.Args) == 2 && fc.Over == nil {
				if f, ok := stringConst(fc.Args[1]); ok {
					if e := toCharStrftime(fc.Args[0], f); e != nil {
						n.Node = e.Node
					}
				}
			}
		case "upper":
			// PostgreSQL (towupper) keeps ß; DuckDB makes it ẞ (U+1E9E). The ß are set
			// aside as U+FDD0, a noncharacter upper leaves alone, and put back.
			if len(fc.Args) == 1 && fc.Over == nil {
				const aside = "\uFDD0"
				str := func(v string) *pg.Node {
					return &pg.Node{Node: &pg.Node_AConst{AConst: &pg.A_Const{Val: &pg.A_Const_Sval{Sval: &pg.String{Sval: v}}}}}
				}
				up := call("upper", &pg.Node{Node: call("replace", fc.Args[0], str("ß"), str(aside))})
				done[up.FuncCall] = true
				n.Node = call("replace", &pg.Node{Node: up}, str(aside), str("ß"))
			}
		case "cardinality":
			// DuckDB's cardinality counts map entries; PostgreSQL's counts array elements.
			if len(fc.Args) == 1 && fc.Over == nil {
				n.Node = castTo(&pg.Node{Node: call("len", fc.Args[0])}, "int4").Node
			}
		case "div":
			if len(fc.Args) == 2 && fc.Over == nil {
				n.Node = castTypmod(&pg.Node{Node: call("trunc", &pg.Node{Node: call("lakegate_div", fc.Args[0], fc.Args[1])})},
					"numeric", 38, 0).Node
			}
		}
	})
}

// rewriteDatePart turns extract/date_part into DuckDB's datepart with
// PostgreSQL's result type and precision.
func rewriteDatePart(n *pg.Node, fc *pg.FuncCall, field string, numeric bool) {
	part := func(f string) *pg.Node {
		return &pg.Node{Node: call("datepart", &pg.Node{Node: constNode(f)}, fc.Args[1])}
	}
	// scaled is DuckDB's microseconds (seconds and fraction within the minute)
	// divided by 10^digits, exactly.
	scaled := func(digits int) *pg.Node {
		us := castTypmod(part("microseconds"), "numeric", 18, 0)
		return &pg.Node{Node: &pg.Node_AExpr{AExpr: &pg.A_Expr{Kind: pg.A_Expr_Kind_AEXPR_OP,
			Name: []*pg.Node{pg.MakeStrNode("*")}, Lexpr: us,
			Rexpr: castTypmod(&pg.Node{Node: constNode("0." + strings.Repeat("0", digits-1) + "1")}, "numeric", digits+1, digits)}}}
	}
	switch field {
	case "julian", "timezone", "timezone_hour", "timezone_minute":
		return // rare; DuckDB's own answer
	case "second", "seconds":
		if numeric {
			n.Node = scaled(6).Node
		} else {
			n.Node = castTo(part("microseconds"), "float8").Node
			n.Node = &pg.Node_AExpr{AExpr: &pg.A_Expr{Kind: pg.A_Expr_Kind_AEXPR_OP, Name: []*pg.Node{pg.MakeStrNode("/")},
				Lexpr: &pg.Node{Node: n.Node}, Rexpr: &pg.Node{Node: &pg.Node_AConst{AConst: &pg.A_Const{Val: &pg.A_Const_Ival{Ival: &pg.Integer{Ival: 1000000}}}}}}}
		}
	case "millisecond", "milliseconds", "ms", "msec":
		if numeric {
			n.Node = scaled(3).Node
		} else {
			n.Node = castTo(part("microseconds"), "float8").Node
			n.Node = &pg.Node_AExpr{AExpr: &pg.A_Expr{Kind: pg.A_Expr_Kind_AEXPR_OP, Name: []*pg.Node{pg.MakeStrNode("/")},
				Lexpr: &pg.Node{Node: n.Node}, Rexpr: &pg.Node{Node: &pg.Node_AConst{AConst: &pg.A_Const{Val: &pg.A_Const_Ival{Ival: &pg.Integer{Ival: 1000}}}}}}}
		}
	case "epoch":
		if numeric {
			n.Node = castTypmod(part("epoch"), "numeric", 38, 6).Node
		} else {
			n.Node = castTo(part("epoch"), "float8").Node
		}
	default:
		if numeric {
			n.Node = castTypmod(part(field), "numeric", 18, 0).Node
		} else {
			n.Node = castTo(part(field), "float8").Node
		}
	}
}

// castTo wraps e in a cast to the pg_catalog type name typ.
func castTo(e *pg.Node, typ string) *pg.Node {
	return &pg.Node{Node: &pg.Node_TypeCast{TypeCast: &pg.TypeCast{Arg: e, TypeName: &pg.TypeName{
		Names: []*pg.Node{pg.MakeStrNode("pg_catalog"), pg.MakeStrNode(typ)}, Typemod: -1}}}}
}

// castTypmod wraps e in a cast to typ(a, b).
func castTypmod(e *pg.Node, typ string, a, b int) *pg.Node {
	c := castTo(e, typ)
	c.GetTypeCast().TypeName.Typmods = []*pg.Node{
		{Node: &pg.Node_AConst{AConst: &pg.A_Const{Val: &pg.A_Const_Ival{Ival: &pg.Integer{Ival: int32(a)}}}}},
		{Node: &pg.Node_AConst{AConst: &pg.A_Const{Val: &pg.A_Const_Ival{Ival: &pg.Integer{Ival: int32(b)}}}}},
	}
	return c
}

// toCharPatterns maps to_char's date/time template patterns to strftime, longest
// first; upper marks the upper-case spellings, pad the ones PostgreSQL blank-pads
// to 9 characters unless FM precedes them.
var toCharPatterns = []struct {
	pat, fm, noFM string
	upper, pad    bool
}{
	{pat: "HH24", noFM: "%H", fm: "%-H"}, {pat: "HH12", noFM: "%I", fm: "%-I"}, {pat: "YYYY", noFM: "%Y", fm: "%Y"},
	{pat: "MONTH", noFM: "%B", fm: "%B", upper: true, pad: true}, {pat: "Month", noFM: "%B", fm: "%B", pad: true},
	{pat: "DAY", noFM: "%A", fm: "%A", upper: true, pad: true}, {pat: "Day", noFM: "%A", fm: "%A", pad: true},
	{pat: "DDD", noFM: "%j", fm: "%-j"}, {pat: "MON", noFM: "%b", fm: "%b", upper: true}, {pat: "Mon", noFM: "%b", fm: "%b"},
	{pat: "DY", noFM: "%a", fm: "%a", upper: true}, {pat: "Dy", noFM: "%a", fm: "%a"},
	{pat: "HH", noFM: "%I", fm: "%-I"}, {pat: "YY", noFM: "%y", fm: "%y"}, {pat: "MM", noFM: "%m", fm: "%-m"},
	{pat: "DD", noFM: "%d", fm: "%-d"}, {pat: "MI", noFM: "%M", fm: "%-M"}, {pat: "SS", noFM: "%S", fm: "%-S"},
	{pat: "MS", noFM: "%g", fm: "%g"}, {pat: "US", noFM: "%f", fm: "%f"}, {pat: "AM", noFM: "%p", fm: "%p"},
	{pat: "PM", noFM: "%p", fm: "%p"},
}

// toCharStrftime translates to_char(x, format) into strftime calls joined with
// ||, or returns nil when the format uses a pattern it does not know (number
// formats among them), leaving the call to fail as unknown.
func toCharStrftime(x *pg.Node, format string) *pg.Node {
	var parts []*pg.Node
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			parts = append(parts, &pg.Node{Node: call("strftime", x, &pg.Node{Node: constNode(cur.String())})})
			cur.Reset()
		}
	}
	fm := false
	for i := 0; i < len(format); {
		rest := format[i:]
		if strings.HasPrefix(rest, "FM") {
			fm = true
			i += 2
			continue
		}
		if rest[0] == '"' {
			j := strings.IndexByte(rest[1:], '"')
			if j < 0 {
				return nil
			}
			cur.WriteString(strings.ReplaceAll(rest[1:1+j], "%", "%%"))
			i += j + 2
			continue
		}
		matched := false
		for _, p := range toCharPatterns {
			if !strings.HasPrefix(rest, p.pat) {
				continue
			}
			matched = true
			i += len(p.pat)
			spec := p.noFM
			if fm {
				spec = p.fm
			}
			if !p.upper && !(p.pad && !fm) {
				cur.WriteString(spec)
				break
			}
			flush()
			e := &pg.Node{Node: call("strftime", x, &pg.Node{Node: constNode(spec)})}
			if p.upper {
				e = &pg.Node{Node: call("upper", e)}
			}
			if p.pad && !fm {
				e = &pg.Node{Node: call("rpad", e, &pg.Node{Node: &pg.Node_AConst{AConst: &pg.A_Const{Val: &pg.A_Const_Ival{Ival: &pg.Integer{Ival: 9}}}}},
					&pg.Node{Node: constNode(" ")})}
			}
			parts = append(parts, e)
			break
		}
		if matched {
			fm = false
			continue
		}
		c := rest[0]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '\\' {
			return nil // a pattern not translated (or a number format)
		}
		if c == '%' {
			cur.WriteString("%%")
		} else {
			cur.WriteByte(c)
		}
		i++
	}
	flush()
	if len(parts) == 0 {
		return nil
	}
	e := parts[0]
	for _, p := range parts[1:] {
		e = &pg.Node{Node: &pg.Node_AExpr{AExpr: &pg.A_Expr{Kind: pg.A_Expr_Kind_AEXPR_OP,
			Name: []*pg.Node{pg.MakeStrNode("||")}, Lexpr: e, Rexpr: p}}}
	}
	return e
}

// semanticsSetup creates PostgreSQL functions DuckDB lacks, computed from an
// interval's parts: justify_days moves whole 30-day blocks into months,
// justify_hours whole 24-hour blocks into days.
var semanticsSetup = []string{
	`CREATE MACRO justify_days(i) AS to_months(CAST(datepart('year', i) * 12 + datepart('month', i) + datepart('day', i) // 30 AS INTEGER))
		+ to_days(CAST(datepart('day', i) % 30 AS INTEGER))
		+ to_microseconds(datepart('hour', i) * 3600000000 + datepart('minute', i) * 60000000 + datepart('microseconds', i))`,
	`CREATE MACRO justify_hours(i) AS to_months(CAST(datepart('year', i) * 12 + datepart('month', i) AS INTEGER))
		+ to_days(CAST(datepart('day', i) + datepart('hour', i) // 24 AS INTEGER))
		+ to_microseconds((datepart('hour', i) % 24) * 3600000000 + datepart('minute', i) * 60000000 + datepart('microseconds', i))`,
}

// The macros join CompatSetup, which the gateway runs at engine start.
func init() { CompatSetup = append(CompatSetup, semanticsSetup...) }
