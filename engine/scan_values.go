package engine

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iceberg-go"

	"github.com/lakegate/lakegate/catalog"
)

// Values written into scan SQL: initial defaults of columns a file lacks, and
// identity partition values.

// defaultSQL is the field's initial default (NULL without one) as an expression of
// the column's type.
func defaultSQL(f iceberg.NestedField) string {
	text, ok := defaultText(f.Type, f.InitialDefault)
	if !ok {
		return "NULL"
	}
	return fmt.Sprintf("CAST(%s AS %s)", catalog.QuoteLiteral(text), catalog.DuckDBType(f.Type))
}

// defaultText renders an initial default, as iceberg-go decodes it from the
// metadata's JSON single-value serialisation, as text DuckDB casts to the column's
// type: numbers without exponent, binary and fixed (hex in JSON) as \xNN escapes,
// dates and times as their ISO strings, lists as DuckDB list literals.
func defaultText(typ iceberg.Type, v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		switch typ.(type) {
		case iceberg.Int32Type, iceberg.Int64Type:
			return strconv.FormatFloat(x, 'f', 0, 64), true // exact digits, no exponent
		case iceberg.DecimalType:
			return strconv.FormatFloat(x, 'f', -1, 64), true
		}
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case string:
		switch typ.(type) {
		case iceberg.BinaryType, iceberg.FixedType:
			b, err := hex.DecodeString(x)
			if err != nil {
				return x, true
			}
			var sb strings.Builder
			for _, c := range b {
				fmt.Fprintf(&sb, "\\x%02X", c)
			}
			return sb.String(), true
		}
		return x, true
	case []byte:
		var sb strings.Builder
		for _, c := range x {
			fmt.Fprintf(&sb, "\\x%02X", c)
		}
		return sb.String(), true
	case []any:
		var elem iceberg.Type = iceberg.PrimitiveTypes.String
		if l, ok := typ.(*iceberg.ListType); ok {
			elem = l.Element
		}
		parts := make([]string, len(x))
		for i, e := range x {
			t, ok := defaultText(elem, e)
			if !ok {
				parts[i] = "NULL"
				continue
			}
			parts[i] = "'" + strings.ReplaceAll(t, "'", "\\'") + "'"
		}
		return "[" + strings.Join(parts, ", ") + "]", true
	}
	return fmt.Sprint(v), true
}

// literalSQL renders a partition value from iceberg-go as a SQL literal that casts
// to the column's DuckDB type.
func literalSQL(v any, typ iceberg.Type) string {
	zone := ""
	switch typ.(type) {
	case iceberg.TimestampTzType, iceberg.TimestampTzNsType:
		zone = "+00"
	}
	switch x := v.(type) {
	case nil:
		return "NULL"
	case bool:
		return strconv.FormatBool(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float32:
		return catalog.QuoteLiteral(strconv.FormatFloat(float64(x), 'g', -1, 32))
	case float64:
		return catalog.QuoteLiteral(strconv.FormatFloat(x, 'g', -1, 64))
	case string:
		return catalog.QuoteLiteral(x)
	case []byte:
		return "from_hex(" + catalog.QuoteLiteral(hex.EncodeToString(x)) + ")"
	case iceberg.Date:
		return catalog.QuoteLiteral(x.ToTime().Format("2006-01-02"))
	case iceberg.Timestamp:
		return catalog.QuoteLiteral(x.ToTime().UTC().Format("2006-01-02 15:04:05.999999") + zone)
	case iceberg.TimestampNano:
		return catalog.QuoteLiteral(time.Unix(0, int64(x)).UTC().Format("2006-01-02 15:04:05.999999999") + zone)
	case iceberg.Time:
		return catalog.QuoteLiteral(time.UnixMicro(int64(x)).UTC().Format("15:04:05.999999"))
	case iceberg.Decimal:
		return catalog.QuoteLiteral(x.String())
	case fmt.Stringer: // uuid
		return catalog.QuoteLiteral(x.String())
	}
	return catalog.QuoteLiteral(fmt.Sprint(v))
}
