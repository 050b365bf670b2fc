package wire

import (
	"math"
	"time"
	_ "time/tzdata" // TimeZone settings must resolve on hosts without zoneinfo
)

const (
	usPerSec = int64(1e6)
	usPerDay = 86400 * usPerSec
	// pgEpochDays is 2000-01-01 in days since 1970-01-01; pgEpochUs the same in µs.
	pgEpochDays = 10957
	pgEpochUs   = pgEpochDays * usPerDay
)

// civil converts days since 1970-01-01 to a proleptic Gregorian date (year 0 = 1 BC).
func civil(days int64) (y int64, m, d int) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// daysFromCivil is the inverse of civil.
func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func appendPad(dst []byte, v int64, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for v >= 10 || width > 1 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		width--
	}
	i--
	buf[i] = byte('0' + v)
	return append(dst, buf[i:]...)
}

// appendYMD writes YYYY-MM-DD and reports whether the year is BC.
func appendYMD(dst []byte, days int64) ([]byte, bool) {
	y, m, d := civil(days)
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	dst = appendPad(dst, y, 4)
	dst = append(dst, '-')
	dst = appendPad(dst, int64(m), 2)
	dst = append(dst, '-')
	dst = appendPad(dst, int64(d), 2)
	return dst, bc
}

// appendDate writes a date (days since 1970-01-01) as PostgreSQL's ISO DateStyle.
func appendDate(dst []byte, days int64) []byte {
	switch days {
	case math.MaxInt32:
		return append(dst, "infinity"...)
	case math.MinInt32:
		return append(dst, "-infinity"...)
	}
	dst, bc := appendYMD(dst, days)
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst
}

// appendClock writes HH:MM:SS[.ffffff] for µs since midnight, trailing zeros trimmed.
func appendClock(dst []byte, us int64) []byte {
	sec := us / usPerSec
	dst = appendPad(dst, sec/3600, 2)
	dst = append(dst, ':')
	dst = appendPad(dst, sec/60%60, 2)
	dst = append(dst, ':')
	dst = appendPad(dst, sec%60, 2)
	return appendFraction(dst, us%usPerSec)
}

func appendFraction(dst []byte, frac int64) []byte {
	if frac == 0 {
		return dst
	}
	digits := 6
	for frac%10 == 0 {
		frac /= 10
		digits--
	}
	dst = append(dst, '.')
	return appendPad(dst, frac, digits)
}

func floorDiv(a, b int64) (q, r int64) {
	q, r = a/b, a%b
	if r < 0 {
		q--
		r += b
	}
	return q, r
}

// appendTimestamp writes µs since 1970 as 'YYYY-MM-DD HH:MM:SS[.ffffff][ BC]'.
func appendTimestamp(dst []byte, us int64) []byte {
	switch us {
	case math.MaxInt64:
		return append(dst, "infinity"...)
	case math.MinInt64:
		return append(dst, "-infinity"...)
	}
	days, rem := floorDiv(us, usPerDay)
	dst, bc := appendYMD(dst, days)
	dst = append(dst, ' ')
	dst = appendClock(dst, rem)
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst
}

// appendTimestamptz writes µs since 1970 UTC in loc: '... HH:MM:SS[.ffffff]+HH[:MM[:SS]]'.
func appendTimestamptz(dst []byte, us int64, loc *time.Location) []byte {
	switch us {
	case math.MaxInt64:
		return append(dst, "infinity"...)
	case math.MinInt64:
		return append(dst, "-infinity"...)
	}
	sec, _ := floorDiv(us, usPerSec)
	_, off := time.Unix(sec, 0).In(loc).Zone()
	days, rem := floorDiv(us+int64(off)*usPerSec, usPerDay)
	dst, bc := appendYMD(dst, days)
	dst = append(dst, ' ')
	dst = appendClock(dst, rem)
	if off < 0 {
		dst = append(dst, '-')
		off = -off
	} else {
		dst = append(dst, '+')
	}
	dst = appendPad(dst, int64(off/3600), 2)
	if off%3600 != 0 {
		dst = append(dst, ':')
		dst = appendPad(dst, int64(off/60%60), 2)
		if off%60 != 0 {
			dst = append(dst, ':')
			dst = appendPad(dst, int64(off%60), 2)
		}
	}
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst
}

// appendInterval writes an interval in IntervalStyle postgres, e.g.
// "1 year 2 mons -3 days 04:05:06.5".
func appendInterval(dst []byte, months, days int32, us int64) []byte {
	isZero, isBefore := true, false
	part := func(v int64, unit string) {
		if v == 0 {
			return
		}
		if !isZero {
			dst = append(dst, ' ')
		}
		if isBefore && v > 0 {
			dst = append(dst, '+')
		}
		dst = appendInt(dst, v)
		dst = append(dst, ' ')
		dst = append(dst, unit...)
		if v != 1 {
			dst = append(dst, 's')
		}
		isBefore = v < 0
		isZero = false
	}
	part(int64(months/12), "year")
	part(int64(months%12), "mon")
	part(int64(days), "day")
	if isZero || us != 0 {
		if !isZero {
			dst = append(dst, ' ')
		}
		if us < 0 {
			dst = append(dst, '-')
		} else if isBefore {
			dst = append(dst, '+')
		}
		u := uint64(us)
		if us < 0 {
			u = uint64(-us)
		}
		sec := int64(u / 1e6)
		dst = appendPad(dst, sec/3600, 2)
		dst = append(dst, ':')
		dst = appendPad(dst, sec/60%60, 2)
		dst = append(dst, ':')
		dst = appendPad(dst, sec%60, 2)
		dst = appendFraction(dst, int64(u%1e6))
	}
	return dst
}

func appendInt(dst []byte, v int64) []byte {
	if v < 0 {
		dst = append(dst, '-')
		return appendPad(dst, -v, 1)
	}
	return appendPad(dst, v, 1)
}

// loadLocation resolves a TimeZone setting; unknown names fall back to UTC.
func loadLocation(name string) *time.Location {
	if loc, ok := ParseTimeZone(name); ok {
		return loc
	}
	return time.UTC
}
