package planner

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
)

// Constant values as the predicates and the constant folder read them: numbers, text
// and PostgreSQL's ISO timestamp input.

// micros is an Iceberg timestamp literal; values come with whole microseconds.
func micros(t time.Time) iceberg.Literal { return iceberg.NewLiteral(iceberg.Timestamp(t.UnixMicro())) }

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

// timestampText is PostgreSQL's ISO timestamp input: a date, optionally a time
// with a fraction, optionally a UTC offset. Other spellings are not folded.
var timestampText = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[ T]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?` +
	`\s*(?:(?i:(z|utc|gmt))|([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)?$`)

// parseTimestamp reads timestamp text: its wall-clock fields (as UTC) and, when it
// has one, its UTC offset in seconds east. Text with more than six fractional
// digits is not read (PostgreSQL rounds it to microseconds, DuckDB truncates).
func parseTimestamp(s string) (wall time.Time, off int, hasOff, ok bool) {
	wall, off, hasOff, digits, ok := parseTimestampText(s)
	return wall, off, hasOff, ok && digits <= 6
}

// parseTimestampText is parseTimestamp with any fraction, and its number of digits.
func parseTimestampText(s string) (wall time.Time, off int, hasOff bool, digits int, ok bool) {
	m := timestampText.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return time.Time{}, 0, false, 0, false
	}
	n := func(i int) int {
		v, _ := strconv.Atoi(m[i])
		return v
	}
	y, mo, d, h, mi, sec := n(1), n(2), n(3), n(4), n(5), n(6)
	if mo < 1 || mo > 12 || d < 1 || d > time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day() || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, 0, false, 0, false
	}
	ns := 0
	if digits = len(m[7]); digits > 0 {
		ns, _ = strconv.Atoi((m[7] + "00000000")[:9])
	}
	wall = time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC)
	switch {
	case m[8] != "":
		hasOff = true
	case m[9] != "":
		oh, om, os := n(10), n(11), n(12)
		if oh > 15 || om > 59 || os > 59 {
			return time.Time{}, 0, false, 0, false
		}
		off, hasOff = oh*3600+om*60+os, true
		if m[9] == "-" {
			off = -off
		}
	}
	return wall, off, hasOff, digits, true
}

// toTime reads a timestamp without time zone: wall-clock fields as UTC. A UTC
// offset in text is ignored, as PostgreSQL's timestamp input does.
func toTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case dateVal:
		return x.t, true
	case time.Time:
		return time.Date(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second(), x.Nanosecond(), time.UTC), true
	case string:
		t, _, _, ok := parseTimestamp(x)
		return t, ok
	}
	return time.Time{}, false
}

// toTimeTz reads a timestamp with time zone without the session's zone: an
// instant, or text with an explicit offset.
func toTimeTz(v any) (time.Time, bool) {
	switch x := v.(type) {
	case tzTime:
		return x.lo, x.exact()
	case time.Time:
		return x, true
	case string:
		t, ok := foldEnv{}.instant(x)
		return t.lo, ok
	}
	return time.Time{}, false
}
