package planner

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/lakegate/lakegate/catalog"
)

// Constant folding for pruning: the values a predicate compares a column with, as
// PostgreSQL would compute them. Whatever is not folded exactly is not pushed.

// dateVal is a value of type date (midnight UTC), kept apart from timestamps because
// date + integer adds days.
type dateVal struct{ t time.Time }

// tzTime is a timestamp with time zone: an instant, or, for a local time the
// session's zone skips or repeats, the range of instants it may mean (lo < hi).
type tzTime struct{ lo, hi time.Time }

// exact reports whether the value is one instant.
func (t tzTime) exact() bool { return t.lo.Equal(t.hi) }

// interval is a PostgreSQL interval: months, days and microseconds add separately.
type interval struct {
	months, days int
	micros       int64
}

// foldEnv is what folding needs besides the tree: the bound parameter values, their
// types, and the session's TimeZone when the statement runs. Without a zone, values
// that depend on it (a local time as timestamptz and back) are not folded.
type foldEnv struct {
	params    []any
	paramOIDs []uint32
	zone      *time.Location
}

// constant evaluates a constant, a parameter, a cast of a constant, or date/timestamp
// arithmetic on constants to a Go value, without a time zone.
func constant(n *pg.Node, params []any) (any, bool) { return foldEnv{params: params}.fold(n) }

// castConst applies a cast to a folded value without a time zone.
func castConst(v any, tn *pg.TypeName) (any, bool) { return foldEnv{}.cast(v, tn) }

// fold evaluates a constant, a parameter, a cast of a constant, or date/timestamp
// arithmetic on constants to a Go value.
func (e foldEnv) fold(n *pg.Node) (any, bool) {
	if n == nil {
		return nil, false
	}
	switch x := n.Node.(type) {
	case *pg.Node_AConst:
		c := x.AConst
		switch {
		case c.Isnull:
			return nil, false
		case c.GetIval() != nil:
			return int64(c.GetIval().Ival), true
		case c.GetFval() != nil:
			return c.GetFval().Fval, true // kept as text: exact for decimals
		case c.GetSval() != nil:
			return c.GetSval().Sval, true
		case c.GetBoolval() != nil:
			return c.GetBoolval().Boolval, true
		}
	case *pg.Node_TypeCast:
		v, ok := e.fold(x.TypeCast.Arg)
		if !ok {
			return nil, false
		}
		return e.cast(v, x.TypeCast.TypeName)
	case *pg.Node_ParamRef:
		i := int(x.ParamRef.Number) - 1
		if i < 0 || i >= len(e.params) || e.params[i] == nil {
			return nil, false
		}
		v := e.params[i]
		// Dates, timestamps and timestamptz all arrive as time.Time: the
		// parameter's type says which.
		if t, isTime := v.(time.Time); isTime && i < len(e.paramOIDs) {
			switch e.paramOIDs[i] {
			case catalog.OIDTimestamptz:
				return tzTime{t, t}, true
			case catalog.OIDDate:
				return dateVal{time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}, true
			case catalog.OIDTimestamp:
				return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), true
			}
		}
		return v, true
	case *pg.Node_AExpr:
		a := x.AExpr
		if a.Kind != pg.A_Expr_Kind_AEXPR_OP || len(a.Name) != 1 || a.Lexpr == nil {
			return nil, false
		}
		l, ok1 := e.fold(a.Lexpr)
		r, ok2 := e.fold(a.Rexpr)
		if !ok1 || !ok2 {
			return nil, false
		}
		return e.arith(strVal(a.Name[0]), l, r)
	}
	return nil, false
}

// cast applies a cast to a folded value the way PostgreSQL does, or reports false.
func (e foldEnv) cast(v any, tn *pg.TypeName) (any, bool) {
	if tn == nil || len(tn.Names) == 0 || len(tn.ArrayBounds) > 0 {
		return nil, false
	}
	name := strVal(tn.Names[len(tn.Names)-1])
	switch name {
	case "int2", "int4", "int8", "integer", "bigint", "smallint":
		i, ok := castInt(v)
		if !ok {
			return nil, false
		}
		limit := map[string]int64{"int2": math.MaxInt16, "smallint": math.MaxInt16, "int4": math.MaxInt32, "integer": math.MaxInt32}[name]
		if limit != 0 && (i > limit || i < -limit-1) {
			return nil, false
		}
		return i, true
	case "numeric", "decimal":
		if len(tn.Typmods) > 0 {
			return nil, false // rounds to the typmod's scale
		}
		switch x := v.(type) {
		case int64:
			return x, true
		case string:
			if _, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return strings.TrimSpace(x), true
			}
		}
	case "float8", "float4":
		f, ok := toFloat(v)
		if !ok {
			return nil, false
		}
		if name == "float4" {
			f = float64(float32(f))
		}
		return f, true
	case "text", "varchar":
		if len(tn.Typmods) > 0 {
			return nil, false // varchar(n) truncates
		}
		switch x := v.(type) {
		case string:
			return x, true
		case int64:
			return strconv.FormatInt(x, 10), true
		}
	case "bool":
		switch x := v.(type) {
		case bool:
			return x, true
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "t", "true", "yes", "y", "on", "1":
				return true, true
			case "f", "false", "no", "n", "off", "0":
				return false, true
			}
		}
	case "date":
		switch x := v.(type) {
		case dateVal:
			return x, true
		case string, time.Time, tzTime:
			t, ok := e.wall(x)
			if !ok {
				return nil, false
			}
			return dateVal{time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}, true
		}
	case "timestamp":
		if len(tn.Typmods) > 0 {
			return nil, false // rounds to fewer fractional digits
		}
		if t, ok := e.wall(v); ok {
			return t, true
		}
	case "timestamptz":
		if len(tn.Typmods) > 0 {
			return nil, false
		}
		if t, ok := e.instant(v); ok {
			return t, true
		}
	case "interval":
		if len(tn.Typmods) > 0 {
			return nil, false
		}
		if s, ok := v.(string); ok {
			return parseInterval(s)
		}
		if iv, ok := v.(interval); ok {
			return iv, true
		}
	}
	return nil, false
}

// wall converts to a timestamp without time zone: a timestamptz becomes its local
// time in the session's zone.
func (e foldEnv) wall(v any) (time.Time, bool) {
	if t, ok := v.(tzTime); ok {
		if e.zone == nil || !t.exact() {
			return time.Time{}, false
		}
		return localTime(t.lo, e.zone), true
	}
	return toTime(v)
}

// instant converts to a timestamp with time zone: a date, a timestamp or text
// without a zone is a local time in the session's zone.
func (e foldEnv) instant(v any) (tzTime, bool) {
	switch x := v.(type) {
	case tzTime:
		return x, true
	case time.Time, dateVal:
		if e.zone == nil {
			return tzTime{}, false
		}
		w, _ := toTime(x)
		return fromLocal(w, e.zone), true
	case string:
		w, off, hasOff, ok := parseTimestamp(x)
		if !ok {
			return tzTime{}, false
		}
		if hasOff {
			t := w.Add(-time.Duration(off) * time.Second)
			return tzTime{t, t}, true
		}
		if e.zone == nil {
			return tzTime{}, false
		}
		return fromLocal(w, e.zone), true
	}
	return tzTime{}, false
}

// localTime is the wall-clock time of instant t in zone, as a time in UTC.
func localTime(t time.Time, zone *time.Location) time.Time {
	l := t.In(zone)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}

// fromLocal is the instant of wall-clock time w (fields in UTC) in zone. A time the
// zone skips (a DST gap) or repeats (an overlap) gives the range of instants the
// zone's offsets around it allow: PostgreSQL picks the later one, and pruning
// only needs a range that holds it.
func fromLocal(w time.Time, zone *time.Location) tzTime {
	offs := zoneOffsets(zone, w)
	var valid []time.Time
	for _, off := range offs {
		t := w.Add(-time.Duration(off) * time.Second)
		if _, o := t.In(zone).Zone(); o == off {
			valid = append(valid, t)
		}
	}
	if len(valid) == 1 {
		return tzTime{valid[0], valid[0]}
	}
	lo, hi := slices.Min(offs), slices.Max(offs)
	return tzTime{w.Add(-time.Duration(hi) * time.Second), w.Add(-time.Duration(lo) * time.Second)}
}

// zoneOffsets lists the UTC offsets (seconds east) zone uses within two days of t:
// every offset a local time near t can be read with.
func zoneOffsets(zone *time.Location, t time.Time) []int {
	from, to := t.Add(-48*time.Hour), t.Add(48*time.Hour)
	cur := from.In(zone)
	_, off := cur.Zone()
	offs := []int{off}
	for range 64 {
		_, end := cur.ZoneBounds()
		if end.IsZero() || end.After(to) || !end.After(cur) {
			break
		}
		cur = end.In(zone)
		if _, off = cur.Zone(); !slices.Contains(offs, off) {
			offs = append(offs, off)
		}
	}
	return offs
}

// wallBounds is the range of local times in zone that the instants lo..hi can be
// read as (a local time compared with an instant is converted in the zone): wide
// where the zone's offset changes nearby.
func wallBounds(t tzTime, zone *time.Location) (time.Time, time.Time) {
	loOffs, hiOffs := zoneOffsets(zone, t.lo), zoneOffsets(zone, t.hi)
	return t.lo.Add(time.Duration(slices.Min(loOffs)) * time.Second), t.hi.Add(time.Duration(slices.Max(hiOffs)) * time.Second)
}

// castInt converts to an integer as PostgreSQL's casts do: numerics round half away
// from zero, text must be an integer.
func castInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		r := math.Round(x)
		if math.Abs(r) < 1<<53 {
			return int64(r), true
		}
	case string:
		s := strings.TrimSpace(x)
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, true
		}
		if strings.ContainsAny(s, "eE") {
			return 0, false
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && math.Abs(f) < 1<<50 {
			return int64(math.Round(f)), true
		}
	}
	return 0, false
}

// arith folds + and - on dates, timestamps, timestamptz, intervals and integers.
func (e foldEnv) arith(op string, l, r any) (any, bool) {
	if op != "+" && op != "-" {
		return nil, false
	}
	sign := 1
	if op == "-" {
		sign = -1
	}
	if s, ok := r.(string); ok {
		// an untyped literal next to a date or timestamp is an interval or an integer
		switch l.(type) {
		case time.Time, tzTime:
			if iv, ok := parseInterval(s); ok {
				r = iv
			}
		}
		if _, isDate := l.(dateVal); isDate {
			if i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32); err == nil {
				r = i
			} else if iv, ok := parseInterval(s); ok {
				r = iv
			}
		}
	}
	switch x := l.(type) {
	case int64:
		y, ok := r.(int64)
		if !ok || x > 1<<62 || x < -(1<<62) || y > 1<<62 || y < -(1<<62) {
			return nil, false
		}
		return x + int64(sign)*y, true
	case dateVal:
		switch y := r.(type) {
		case int64:
			if y > 1<<20 || y < -(1<<20) {
				return nil, false
			}
			return dateVal{x.t.AddDate(0, 0, sign*int(y))}, true
		case interval:
			return addInterval(x.t, y, sign), true // date ± interval is a timestamp
		}
	case time.Time:
		if y, ok := r.(interval); ok {
			return addInterval(x, y, sign), true
		}
	case tzTime:
		if y, ok := r.(interval); ok {
			return e.addInterval(x, y, sign)
		}
	case interval:
		if op == "+" {
			switch y := r.(type) {
			case dateVal:
				return addInterval(y.t, x, 1), true
			case time.Time:
				return addInterval(y, x, 1), true
			case tzTime:
				return e.addInterval(y, x, 1)
			}
		}
	}
	return nil, false
}

// addInterval adds an interval to a timestamptz as PostgreSQL does: months and days
// to the local time in the session's zone, then the time part as elapsed time.
func (e foldEnv) addInterval(t tzTime, iv interval, sign int) (tzTime, bool) {
	d := time.Duration(int64(sign)*iv.micros) * time.Microsecond
	if iv.months == 0 && iv.days == 0 {
		return tzTime{t.lo.Add(d), t.hi.Add(d)}, true
	}
	w, ok := e.wall(t)
	if !ok {
		return tzTime{}, false
	}
	r := fromLocal(addInterval(w, interval{months: iv.months, days: iv.days}, sign), e.zone)
	return tzTime{r.lo.Add(d), r.hi.Add(d)}, true
}

// addInterval adds months (clamping to the month's last day, as PostgreSQL does),
// then days, then microseconds to a wall-clock timestamp.
func addInterval(t time.Time, iv interval, sign int) time.Time {
	if iv.months != 0 {
		m := int(t.Month()) - 1 + sign*iv.months
		y := t.Year() + m/12
		if m %= 12; m < 0 {
			m += 12
			y--
		}
		last := time.Date(y, time.Month(m+2), 0, 0, 0, 0, 0, time.UTC).Day()
		t = time.Date(y, time.Month(m+1), min(t.Day(), last), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	}
	t = t.AddDate(0, 0, sign*iv.days)
	return t.Add(time.Duration(int64(sign)*iv.micros) * time.Microsecond)
}

var intervalUnits = map[string]interval{
	"microsecond": {micros: 1}, "microseconds": {micros: 1}, "us": {micros: 1},
	"millisecond": {micros: 1000}, "milliseconds": {micros: 1000}, "ms": {micros: 1000},
	"second": {micros: 1e6}, "seconds": {micros: 1e6}, "sec": {micros: 1e6}, "secs": {micros: 1e6}, "s": {micros: 1e6},
	"minute": {micros: 60e6}, "minutes": {micros: 60e6}, "min": {micros: 60e6}, "mins": {micros: 60e6}, "m": {micros: 60e6},
	"hour": {micros: 3600e6}, "hours": {micros: 3600e6}, "hr": {micros: 3600e6}, "hrs": {micros: 3600e6}, "h": {micros: 3600e6},
	"day": {days: 1}, "days": {days: 1}, "d": {days: 1},
	"week": {days: 7}, "weeks": {days: 7}, "w": {days: 7},
	"month": {months: 1}, "months": {months: 1}, "mon": {months: 1}, "mons": {months: 1},
	"year": {months: 12}, "years": {months: 12}, "yr": {months: 12}, "yrs": {months: 12}, "y": {months: 12},
}

// parseInterval reads PostgreSQL's "N unit [N unit ...] [hh:mm[:ss]]" interval text
// with whole numbers; other forms are not folded.
func parseInterval(s string) (interval, bool) {
	f := strings.Fields(strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "@"))))
	var iv interval
	if len(f) == 0 {
		return iv, false
	}
	for i := 0; i < len(f); i++ {
		if strings.Contains(f[i], ":") && i == len(f)-1 {
			us, ok := parseClock(f[i])
			if !ok {
				return iv, false
			}
			iv.micros += us
			continue
		}
		n, err := strconv.ParseInt(f[i], 10, 32)
		if err != nil || i+1 >= len(f) {
			return iv, false
		}
		u, ok := intervalUnits[f[i+1]]
		if !ok {
			return iv, false
		}
		i++
		iv.months += int(n) * u.months
		iv.days += int(n) * u.days
		iv.micros += n * u.micros
	}
	return iv, true
}

func parseClock(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	parts := strings.Split(strings.TrimPrefix(s, "-"), ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	var us int64
	for i, unit := range []int64{3600e6, 60e6, 1e6}[:len(parts)] {
		n, err := strconv.ParseInt(parts[i], 10, 32)
		if err != nil || n < 0 {
			return 0, false
		}
		us += n * unit
	}
	if neg {
		us = -us
	}
	return us, true
}
