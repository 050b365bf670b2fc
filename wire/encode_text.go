package wire

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal"
	"github.com/apache/arrow-go/v18/arrow/float16"
)

// appendFunc appends the encoding of row i (never NULL) of the array it was made for.
type appendFunc func(dst []byte, i int) []byte

// encoderMaker is chosen once per result column and bound to each batch's array.
type encoderMaker func(a arrow.Array) appendFunc

// encOptions are the session settings that change how values print.
type encOptions struct {
	loc         *time.Location // TimeZone, for timestamptz
	floatDigits int            // extra_float_digits
}

type valuer[T any] interface{ Values() []T }

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64
}

type unsigned interface {
	~uint8 | ~uint16 | ~uint32 | ~uint64
}

func intText[T integer]() encoderMaker {
	return func(a arrow.Array) appendFunc {
		v := a.(valuer[T]).Values()
		return func(dst []byte, i int) []byte { return strconv.AppendInt(dst, int64(v[i]), 10) }
	}
}

func uintText[T unsigned]() encoderMaker {
	return func(a arrow.Array) appendFunc {
		v := a.(valuer[T]).Values()
		return func(dst []byte, i int) []byte { return strconv.AppendUint(dst, uint64(v[i]), 10) }
	}
}

// appendFloat prints like float4out/float8out: shortest round-trip digits when
// extra_float_digits > 0 (the default since PostgreSQL 12), else %.{N}g.
func appendFloat(dst []byte, f float64, bitSize int, extra int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	maxExp := 15 // DBL_DIG
	if bitSize == 32 {
		maxExp = 6 // FLT_DIG
	}
	if extra <= 0 {
		return strconv.AppendFloat(dst, f, 'g', max(maxExp+extra, 1), bitSize)
	}
	var scratch [32]byte
	e := strconv.AppendFloat(scratch[:0], f, 'e', -1, bitSize)
	exp := 0
	for k := len(e) - 1; k >= 0; k-- {
		if e[k] == 'e' {
			exp, _ = strconv.Atoi(string(e[k+1:]))
			break
		}
	}
	if exp < -4 || exp >= maxExp {
		return append(dst, e...)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, bitSize)
}

func appendHexBytea(dst []byte, b []byte) []byte {
	dst = append(dst, '\\', 'x')
	n := len(dst)
	dst = append(dst, make([]byte, 2*len(b))...)
	hex.Encode(dst[n:], b)
	return dst
}

func appendUUID(dst []byte, b []byte) []byte {
	if len(b) != 16 {
		return appendHexBytea(dst, b)
	}
	var buf [36]byte
	hex.Encode(buf[0:8], b[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], b[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], b[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], b[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], b[10:16])
	return append(dst, buf[:]...)
}

// decimalDigits returns the sign and the decimal digits of an unscaled decimal.
func decimal128Digits(scratch []byte, n decimal.Decimal128) (bool, []byte) {
	neg := n.Sign() < 0
	if neg {
		n = n.Negate()
	}
	return neg, appendUint128(scratch[:0], uint64(n.HighBits()), n.LowBits())
}

func decimal256Digits(scratch []byte, n decimal.Decimal256) (bool, []byte) {
	neg := n.Sign() < 0
	if neg {
		n = n.Negate()
	}
	return neg, n.BigInt().Append(scratch[:0], 10)
}

func decimalSmallDigits(scratch []byte, v int64) (bool, []byte) {
	if v < 0 {
		return true, strconv.AppendUint(scratch[:0], uint64(-v), 10)
	}
	return false, strconv.AppendUint(scratch[:0], uint64(v), 10)
}

// decimalDigitsFunc binds a decimal array to a digits extractor.
func decimalDigitsFunc(a arrow.Array) func(scratch []byte, i int) (bool, []byte) {
	switch a := a.(type) {
	case *array.Decimal128:
		return func(s []byte, i int) (bool, []byte) { return decimal128Digits(s, a.Value(i)) }
	case *array.Decimal256:
		return func(s []byte, i int) (bool, []byte) { return decimal256Digits(s, a.Value(i)) }
	case *array.Decimal64:
		return func(s []byte, i int) (bool, []byte) { return decimalSmallDigits(s, int64(a.Value(i))) }
	case *array.Decimal32:
		return func(s []byte, i int) (bool, []byte) { return decimalSmallDigits(s, int64(a.Value(i))) }
	}
	panic(fmt.Sprintf("wire: not a decimal array: %T", a))
}

// textMaker picks the text encoder for Arrow type t (target oid only matters where
// the Arrow type alone is ambiguous, e.g. 16-byte values that are uuids).
func textMaker(t arrow.DataType, oid uint32, o *encOptions) (encoderMaker, error) {
	switch t.ID() {
	case arrow.NULL:
		return func(arrow.Array) appendFunc { return func(dst []byte, _ int) []byte { return dst } }, nil
	case arrow.BOOL:
		return func(a arrow.Array) appendFunc {
			b := a.(*array.Boolean)
			return func(dst []byte, i int) []byte {
				if b.Value(i) {
					return append(dst, 't')
				}
				return append(dst, 'f')
			}
		}, nil
	case arrow.INT8:
		return intText[int8](), nil
	case arrow.INT16:
		return intText[int16](), nil
	case arrow.INT32:
		return intText[int32](), nil
	case arrow.INT64:
		return intText[int64](), nil
	case arrow.UINT8:
		return uintText[uint8](), nil
	case arrow.UINT16:
		return uintText[uint16](), nil
	case arrow.UINT32:
		return uintText[uint32](), nil
	case arrow.UINT64:
		return uintText[uint64](), nil
	case arrow.FLOAT16:
		return func(a arrow.Array) appendFunc {
			v := a.(valuer[float16.Num]).Values()
			return func(dst []byte, i int) []byte { return appendFloat(dst, float64(v[i].Float32()), 32, o.floatDigits) }
		}, nil
	case arrow.FLOAT32:
		return func(a arrow.Array) appendFunc {
			v := a.(valuer[float32]).Values()
			return func(dst []byte, i int) []byte { return appendFloat(dst, float64(v[i]), 32, o.floatDigits) }
		}, nil
	case arrow.FLOAT64:
		return func(a arrow.Array) appendFunc {
			v := a.(valuer[float64]).Values()
			return func(dst []byte, i int) []byte { return appendFloat(dst, v[i], 64, o.floatDigits) }
		}, nil
	case arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		scale := int(t.(arrow.DecimalType).GetScale())
		return func(a arrow.Array) appendFunc {
			digits := decimalDigitsFunc(a)
			var scratch [80]byte
			return func(dst []byte, i int) []byte {
				neg, d := digits(scratch[:], i)
				return appendScaled(dst, neg, d, scale)
			}
		}, nil
	case arrow.STRING:
		return func(a arrow.Array) appendFunc {
			s := a.(*array.String)
			return func(dst []byte, i int) []byte { return append(dst, s.Value(i)...) }
		}, nil
	case arrow.LARGE_STRING:
		return func(a arrow.Array) appendFunc {
			s := a.(*array.LargeString)
			return func(dst []byte, i int) []byte { return append(dst, s.Value(i)...) }
		}, nil
	case arrow.STRING_VIEW:
		return func(a arrow.Array) appendFunc {
			s := a.(*array.StringView)
			return func(dst []byte, i int) []byte { return append(dst, s.Value(i)...) }
		}, nil
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		enc := appendHexBytea
		if oid == OIDUUID {
			enc = appendUUID
		}
		return func(a arrow.Array) appendFunc {
			v := bytesValue(a)
			return func(dst []byte, i int) []byte { return enc(dst, v(i)) }
		}, nil
	case arrow.DATE32, arrow.DATE64:
		days := dateDays(t)
		return func(a arrow.Array) appendFunc {
			v := days(a)
			return func(dst []byte, i int) []byte { return appendDate(dst, v(i)) }
		}, nil
	case arrow.TIME32, arrow.TIME64:
		us := timeMicros(t)
		return func(a arrow.Array) appendFunc {
			v := us(a)
			return func(dst []byte, i int) []byte { return appendClock(dst, v(i)) }
		}, nil
	case arrow.TIMESTAMP:
		ts := t.(*arrow.TimestampType)
		return func(a arrow.Array) appendFunc {
			v := a.(*array.Timestamp).Values()
			if ts.TimeZone != "" {
				return func(dst []byte, i int) []byte { return appendTimestamptz(dst, toMicros(int64(v[i]), ts.Unit), o.loc) }
			}
			return func(dst []byte, i int) []byte { return appendTimestamp(dst, toMicros(int64(v[i]), ts.Unit)) }
		}, nil
	case arrow.INTERVAL_MONTHS, arrow.INTERVAL_DAY_TIME, arrow.INTERVAL_MONTH_DAY_NANO, arrow.DURATION:
		iv := intervalValue(t)
		return func(a arrow.Array) appendFunc {
			v := iv(a)
			return func(dst []byte, i int) []byte { m, d, us := v(i); return appendInterval(dst, m, d, us) }
		}, nil
	case arrow.DICTIONARY:
		inner, err := textMaker(t.(*arrow.DictionaryType).ValueType, oid, o)
		if err != nil {
			return nil, err
		}
		return dictionaryMaker(inner), nil
	case arrow.EXTENSION:
		ext := t.(arrow.ExtensionType)
		if ext.ExtensionName() == "arrow.uuid" {
			oid = OIDUUID
		}
		inner, err := textMaker(ext.StorageType(), oid, o)
		if err != nil {
			return nil, err
		}
		return storageMaker(inner), nil
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST:
		if oid == OIDText || oid == OIDJSON || oid == OIDJSONB {
			return jsonMaker(t, o)
		}
		elem, err := textMaker(t.(arrow.ListLikeType).Elem(), elemOf[oid], o)
		if err != nil {
			return nil, err
		}
		return arrayTextMaker(elem), nil
	case arrow.STRUCT, arrow.MAP, arrow.LIST_VIEW, arrow.LARGE_LIST_VIEW, arrow.SPARSE_UNION, arrow.DENSE_UNION:
		return jsonMaker(t, o)
	}
	return nil, fmt.Errorf("wire: no text encoding for Arrow type %s", t)
}

// dictionaryMaker encodes a dictionary-encoded column through its values' encoder.
func dictionaryMaker(inner encoderMaker) encoderMaker {
	return func(a arrow.Array) appendFunc {
		d := a.(*array.Dictionary)
		enc := inner(d.Dictionary())
		return func(dst []byte, i int) []byte { return enc(dst, d.GetValueIndex(i)) }
	}
}

// storageMaker encodes an extension column through its storage array.
func storageMaker(inner encoderMaker) encoderMaker {
	return func(a arrow.Array) appendFunc { return inner(a.(array.ExtensionArray).Storage()) }
}

// bytesValue binds the byte accessor of any binary-like array.
func bytesValue(a arrow.Array) func(i int) []byte {
	switch a := a.(type) {
	case *array.Binary:
		return a.Value
	case *array.LargeBinary:
		return a.Value
	case *array.BinaryView:
		return a.Value
	case *array.FixedSizeBinary:
		return a.Value
	case *array.String:
		return func(i int) []byte { return []byte(a.Value(i)) }
	}
	panic(fmt.Sprintf("wire: not a binary array: %T", a))
}

func toMicros(v int64, u arrow.TimeUnit) int64 {
	if v == math.MaxInt64 || v == math.MinInt64 {
		return v
	}
	switch u {
	case arrow.Second:
		return v * usPerSec
	case arrow.Millisecond:
		return v * 1000
	case arrow.Nanosecond:
		q, _ := floorDiv(v, 1000)
		return q
	}
	return v
}

// timeMicros binds a time32/time64 array to µs-since-midnight values.
func timeMicros(t arrow.DataType) func(a arrow.Array) func(int) int64 {
	if t.ID() == arrow.TIME32 {
		unit := t.(*arrow.Time32Type).Unit
		return func(a arrow.Array) func(int) int64 {
			v := a.(valuer[arrow.Time32]).Values()
			return func(i int) int64 { return toMicros(int64(v[i]), unit) }
		}
	}
	unit := t.(*arrow.Time64Type).Unit
	return func(a arrow.Array) func(int) int64 {
		v := a.(valuer[arrow.Time64]).Values()
		return func(i int) int64 { return toMicros(int64(v[i]), unit) }
	}
}

// dateDays binds a date32 or date64 array to days since 1970-01-01.
func dateDays(t arrow.DataType) func(a arrow.Array) func(int) int64 {
	if t.ID() == arrow.DATE32 {
		return func(a arrow.Array) func(int) int64 {
			v := a.(valuer[arrow.Date32]).Values()
			return func(i int) int64 { return int64(v[i]) }
		}
	}
	return func(a arrow.Array) func(int) int64 {
		v := a.(valuer[arrow.Date64]).Values()
		return func(i int) int64 { d, _ := floorDiv(int64(v[i]), 86400000); return d }
	}
}

// intervalValue binds an interval or duration array to (months, days, µs).
func intervalValue(t arrow.DataType) func(a arrow.Array) func(int) (int32, int32, int64) {
	switch t.ID() {
	case arrow.INTERVAL_MONTHS:
		return func(a arrow.Array) func(int) (int32, int32, int64) {
			v := a.(*array.MonthInterval).Values()
			return func(i int) (int32, int32, int64) { return int32(v[i]), 0, 0 }
		}
	case arrow.INTERVAL_DAY_TIME:
		return func(a arrow.Array) func(int) (int32, int32, int64) {
			v := a.(*array.DayTimeInterval)
			return func(i int) (int32, int32, int64) {
				x := v.Value(i)
				return 0, x.Days, int64(x.Milliseconds) * 1000
			}
		}
	case arrow.DURATION:
		unit := t.(*arrow.DurationType).Unit
		return func(a arrow.Array) func(int) (int32, int32, int64) {
			v := a.(valuer[arrow.Duration]).Values()
			return func(i int) (int32, int32, int64) { return 0, 0, toMicros(int64(v[i]), unit) }
		}
	}
	return func(a arrow.Array) func(int) (int32, int32, int64) {
		v := a.(*array.MonthDayNanoInterval)
		return func(i int) (int32, int32, int64) {
			x := v.Value(i)
			return x.Months, x.Days, x.Nanoseconds / 1000
		}
	}
}
