package wire

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lakegate/lakegate/pgerr"
)

// decodeParam turns one Bind parameter into the Go value Statement.Run expects:
// int64, float64, bool, string, []byte, time.Time, a decimal string for numeric, or
// for a one-dimensional array a []any of those (nil for NULL elements).
// n is the 1-based parameter number for messages.
func decodeParam(oid uint32, format int16, data []byte, loc *time.Location, n int) (any, error) {
	if elem, ok := elemOf[oid]; ok {
		if format == 1 {
			return decodeArrayBinary(elem, data, n)
		}
		if !utf8.Valid(data) {
			return nil, pgerr.New(pgerr.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
		}
		return decodeArrayText(elem, string(data), loc)
	}
	if format == 1 {
		return decodeBinary(oid, data, n)
	}
	if !utf8.Valid(data) {
		return nil, pgerr.New(pgerr.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
	}
	return decodeText(oid, string(data), loc)
}

func badText(typ, s string) error {
	return pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type %s: \"%s\"", typ, s)
}

func decodeText(oid uint32, s string, loc *time.Location) (any, error) {
	switch {
	case oid == OIDInt2 || oid == OIDInt4 || oid == OIDInt8 || isOIDLike(oid):
		name, bits := "bigint", 64
		switch oid {
		case OIDInt2:
			name, bits = "smallint", 16
		case OIDInt4:
			name, bits = "integer", 32
		case OIDInt8:
		default:
			name = "oid"
		}
		t := strings.TrimSpace(s)
		v, err := strconv.ParseInt(t, 10, bits)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value \"%s\" is out of range for type %s", s, name)
			}
			return nil, badText(name, s)
		}
		return v, nil
	case oid == OIDFloat4 || oid == OIDFloat8:
		name := "double precision"
		if oid == OIDFloat4 {
			name = "real"
		}
		t := strings.TrimSpace(s)
		switch strings.ToLower(t) {
		case "nan":
			return math.NaN(), nil
		case "infinity", "inf", "+infinity", "+inf":
			return math.Inf(1), nil
		case "-infinity", "-inf":
			return math.Inf(-1), nil
		}
		v, err := strconv.ParseFloat(t, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return nil, pgerr.New(pgerr.NumericValueOutOfRange, "\"%s\" is out of range for type %s", s, name)
			}
			return nil, badText(name, s)
		}
		return v, nil
	case oid == OIDBool:
		if v, ok := parseBool(s); ok {
			return v, nil
		}
		return nil, badText("boolean", s)
	case oid == OIDNumeric:
		t := strings.TrimSpace(s)
		if validNumeric(t) {
			return t, nil
		}
		return nil, badText("numeric", s)
	case oid == OIDBytea:
		return decodeByteaText(s)
	case oid == OIDUUID:
		b, ok := parseUUID(s)
		if !ok {
			return nil, badText("uuid", s)
		}
		return string(appendUUID(nil, b)), nil
	case oid == OIDDate:
		return parseDateText(s)
	case oid == OIDTimestamp:
		return parseTimestampText(s, time.UTC, false)
	case oid == OIDTimestamptz:
		return parseTimestampText(s, loc, true)
	}
	// text, varchar, name, unknown, 0 and anything else: the text itself.
	return s, nil
}

func parseBool(s string) (bool, bool) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return false, false
	}
	prefixOf := func(word string, minLen int) bool { return len(t) >= minLen && strings.HasPrefix(word, t) }
	switch {
	case prefixOf("true", 1), prefixOf("yes", 1), t == "on", t == "1":
		return true, true
	case prefixOf("false", 1), prefixOf("no", 1), prefixOf("off", 2), t == "0":
		return false, true
	}
	return false, false
}

// validNumeric accepts what numeric_in does: [sign] digits [. digits] [e [sign] digits],
// NaN and Infinity.
func validNumeric(s string) bool {
	switch strings.ToLower(s) {
	case "nan", "infinity", "+infinity", "-infinity", "inf", "+inf", "-inf":
		return true
	}
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

func decodeByteaText(s string) (any, error) {
	if strings.HasPrefix(s, `\x`) {
		b, err := hex.DecodeString(strings.Join(strings.Fields(s[2:]), ""))
		if err != nil {
			return nil, pgerr.New(pgerr.InvalidTextRepresentation, "invalid hexadecimal data")
		}
		return b, nil
	}
	// Escape format: \\ is a backslash, \ooo an octal byte.
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		switch {
		case i+1 < len(s) && s[i+1] == '\\':
			out = append(out, '\\')
			i++
		case i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) && s[i+1] <= '3':
			out = append(out, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 3
		default:
			return nil, badText("bytea", s)
		}
	}
	return out, nil
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

func parseUUID(s string) ([]byte, bool) {
	t := strings.TrimSpace(s)
	t = strings.TrimSuffix(strings.TrimPrefix(t, "{"), "}")
	t = strings.ReplaceAll(t, "-", "")
	if len(t) != 32 {
		return nil, false
	}
	b, err := hex.DecodeString(t)
	return b, err == nil
}

var dateLayouts = []string{"2006-01-02", "2006-1-2", "20060102"}

// dateZone is a time zone after a date, as pgjdbc's setDate sends it ("2025-06-15 +00");
// PostgreSQL's date input ignores it.
var dateZone = regexp.MustCompile(`\s+[+-]\d{1,2}(:?\d{2})?$`)

func parseDateText(s string) (any, error) {
	t := dateZone.ReplaceAllString(strings.TrimSpace(s), "")
	for _, l := range dateLayouts {
		if v, err := time.ParseInLocation(l, t, time.UTC); err == nil {
			return v, nil
		}
	}
	if v, err := parseTimestampText(t, time.UTC, false); err == nil {
		tm := v.(time.Time)
		return time.Date(tm.Year(), tm.Month(), tm.Day(), 0, 0, 0, 0, time.UTC), nil
	}
	return nil, pgerr.New(pgerr.InvalidDatetimeFormat, "invalid input syntax for type date: \"%s\"", s)
}

var tsLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00:00", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999Z07:00:00", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02",
}

// parseTimestampText reads ISO timestamps; without an offset the value is in loc.
// For timestamp without time zone an offset is ignored, as PostgreSQL does.
func parseTimestampText(s string, loc *time.Location, withTZ bool) (any, error) {
	t := strings.TrimSpace(s)
	if strings.HasSuffix(t, " UTC") || strings.HasSuffix(t, " GMT") {
		t, loc = t[:len(t)-4]+"Z", time.UTC
	}
	for _, l := range tsLayouts {
		v, err := time.ParseInLocation(l, t, loc)
		if err != nil {
			continue
		}
		if !withTZ {
			y, mo, d := v.Date()
			h, mi, sec := v.Clock()
			v = time.Date(y, mo, d, h, mi, sec, v.Nanosecond(), time.UTC)
		}
		return v, nil
	}
	typ := "timestamp"
	if withTZ {
		typ = "timestamp with time zone"
	}
	return nil, pgerr.New(pgerr.InvalidDatetimeFormat, "invalid input syntax for type %s: \"%s\"", typ, s)
}

// decodeBinary reads the *_recv formats.
func decodeBinary(oid uint32, b []byte, n int) (any, error) {
	need := func(size int) error {
		if len(b) < size {
			return pgerr.New(pgerr.ProtocolViolation, "insufficient data left in message")
		}
		if len(b) > size {
			return pgerr.New(pgerr.InvalidBinaryRepresentation, "incorrect binary data format in bind parameter %d", n)
		}
		return nil
	}
	switch {
	case oid == OIDInt2:
		if err := need(2); err != nil {
			return nil, err
		}
		return int64(int16(binary.BigEndian.Uint16(b))), nil
	case oid == OIDInt4:
		if err := need(4); err != nil {
			return nil, err
		}
		return int64(int32(binary.BigEndian.Uint32(b))), nil
	case isOIDLike(oid):
		if err := need(4); err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint32(b)), nil
	case oid == OIDInt8:
		if err := need(8); err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint64(b)), nil
	case oid == OIDFloat4:
		if err := need(4); err != nil {
			return nil, err
		}
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), nil
	case oid == OIDFloat8:
		if err := need(8); err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	case oid == OIDBool:
		if err := need(1); err != nil {
			return nil, err
		}
		return b[0] != 0, nil
	case oid == OIDBytea:
		return b, nil
	case oid == OIDUUID:
		if err := need(16); err != nil {
			return nil, err
		}
		return string(appendUUID(nil, b)), nil
	case oid == OIDDate:
		if err := need(4); err != nil {
			return nil, err
		}
		d := int32(binary.BigEndian.Uint32(b))
		if d == math.MaxInt32 || d == math.MinInt32 {
			return nil, pgerr.New(pgerr.FeatureNotSupported, "infinite dates are not supported as parameters")
		}
		return time.Unix((int64(d)+pgEpochDays)*86400, 0).UTC(), nil
	case oid == OIDTimestamp || oid == OIDTimestamptz:
		if err := need(8); err != nil {
			return nil, err
		}
		us := int64(binary.BigEndian.Uint64(b))
		if us == math.MaxInt64 || us == math.MinInt64 {
			return nil, pgerr.New(pgerr.FeatureNotSupported, "infinite timestamps are not supported as parameters")
		}
		return time.UnixMicro(us + pgEpochUs).UTC(), nil
	case oid == OIDNumeric:
		return decodeNumericBinary(b)
	case oid == OIDJSONB:
		if len(b) < 1 || b[0] != 1 {
			return nil, pgerr.New(pgerr.InvalidBinaryRepresentation, "unsupported jsonb version number")
		}
		return string(b[1:]), nil
	case isTextLike(oid):
		if !utf8.Valid(b) {
			return nil, pgerr.New(pgerr.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
		}
		return string(b), nil
	}
	return nil, pgerr.New(pgerr.FeatureNotSupported, "binary format for parameter $%d of type %d is not supported", n, oid)
}

// decodeNumericBinary reads numeric_send's format into a plain decimal string.
func decodeNumericBinary(b []byte) (any, error) {
	short := pgerr.New(pgerr.ProtocolViolation, "insufficient data left in message")
	if len(b) < 8 {
		return nil, short
	}
	ndigits := int(binary.BigEndian.Uint16(b[0:]))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dscale := int(binary.BigEndian.Uint16(b[6:]))
	if len(b) != 8+2*ndigits {
		return nil, short
	}
	switch sign {
	case numericNaN:
		return "NaN", nil
	case numericPInf:
		return "Infinity", nil
	case numericNInf:
		return "-Infinity", nil
	case numericPos, numericNeg:
	default:
		return nil, pgerr.New(pgerr.InvalidBinaryRepresentation, "invalid sign in external \"numeric\" value")
	}
	if dscale > 0x3fff {
		return nil, pgerr.New(pgerr.InvalidBinaryRepresentation, "invalid scale in external \"numeric\" value")
	}
	var sb strings.Builder
	if sign == numericNeg && ndigits > 0 {
		sb.WriteByte('-')
	}
	digit := func(k int) int {
		if k < 0 || k >= ndigits {
			return 0
		}
		return int(binary.BigEndian.Uint16(b[8+2*k:]))
	}
	for k := 0; k < ndigits; k++ {
		if digit(k) > 9999 {
			return nil, pgerr.New(pgerr.InvalidBinaryRepresentation, "invalid digit in external \"numeric\" value")
		}
	}
	if weight < 0 {
		sb.WriteByte('0')
	} else {
		for k := 0; k <= weight; k++ {
			d := digit(k)
			if k == 0 {
				sb.WriteString(strconv.Itoa(d))
			} else {
				sb.WriteString(pad4(d))
			}
		}
	}
	if dscale > 0 {
		sb.WriteByte('.')
		var frac strings.Builder
		for k := weight + 1; frac.Len() < dscale; k++ {
			frac.WriteString(pad4(digit(k)))
		}
		sb.WriteString(frac.String()[:dscale])
	}
	return sb.String(), nil
}

func pad4(d int) string {
	s := strconv.Itoa(d)
	return strings.Repeat("0", 4-len(s)) + s
}
