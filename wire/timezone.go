package wire

import (
	"strconv"
	"strings"
	"time"
)

// ParseTimeZone resolves a TimeZone setting the way PostgreSQL reads it:
//
//   - UTC and its aliases, and IANA names (Europe/Berlin, EST5EDT, Etc/GMT+3);
//   - a plain number ("-7", "5.5", "+2"): hours east of Greenwich (ISO sign), as
//     SET TIME ZONE -7 gives;
//   - a POSIX specification without a daylight-saving rule ("UTC+3", "GMT-1",
//     "<+05>-05", "+02:00", "XYZ3"): the offset is hours west of Greenwich, so
//     'UTC+3' and '+02:00' are three and two hours behind UTC, as in PostgreSQL.
//
// ok is false for anything else.
func ParseTimeZone(name string) (loc *time.Location, ok bool) {
	switch strings.ToUpper(name) {
	case "", "UTC", "GMT", "Z", "ZULU", "ETC/UTC":
		return time.UTC, true
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc, true
	}
	if h, err := strconv.ParseFloat(name, 64); err == nil && !strings.ContainsAny(name, "eEnN") {
		if h < -15 || h > 15 {
			return nil, false
		}
		secs := int(h * 3600)
		return time.FixedZone(offsetName(secs), secs), true
	}
	return parsePosixZone(name)
}

// parsePosixZone reads "[std]offset" with std either at least three letters or
// <...>, and offset [+-]hh[:mm[:ss]] west of Greenwich.
func parsePosixZone(s string) (*time.Location, bool) {
	rest := s
	switch {
	case strings.HasPrefix(rest, "<"):
		i := strings.IndexByte(rest, '>')
		if i < 0 {
			return nil, false
		}
		rest = rest[i+1:]
	default:
		i := 0
		for i < len(rest) && (rest[i] >= 'a' && rest[i] <= 'z' || rest[i] >= 'A' && rest[i] <= 'Z') {
			i++
		}
		if i != 0 && i < 3 {
			return nil, false
		}
		rest = rest[i:]
	}
	sign := 1
	if rest != "" && (rest[0] == '+' || rest[0] == '-') {
		if rest[0] == '-' {
			sign = -1
		}
		rest = rest[1:]
	}
	parts := strings.Split(rest, ":")
	if len(parts) > 3 || parts[0] == "" {
		return nil, false
	}
	limits := []int{24, 59, 59}
	secs := 0
	for i, p := range parts {
		if len(p) == 0 || len(p) > 2 {
			return nil, false
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > limits[i] {
			return nil, false
		}
		secs += v * []int{3600, 60, 1}[i]
	}
	east := -sign * secs // POSIX offsets count westward
	return time.FixedZone(offsetName(east), east), true
}

func offsetName(east int) string {
	sign := byte('+')
	if east < 0 {
		sign, east = '-', -east
	}
	b := []byte{sign}
	b = appendPad(b, int64(east/3600), 2)
	if m := east % 3600 / 60; m != 0 || east%60 != 0 {
		b = append(b, ':')
		b = appendPad(b, int64(m), 2)
	}
	if s := east % 60; s != 0 {
		b = append(b, ':')
		b = appendPad(b, int64(s), 2)
	}
	return string(b)
}
