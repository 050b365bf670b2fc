package wire

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/float16"
)

// binaryMaker picks the binary-format encoder that writes Arrow type t as the
// PostgreSQL type oid (the column's declared type: the planner may declare int8 for an
// int32 column, and the client decodes by the declared type).
func binaryMaker(t arrow.DataType, oid uint32, o *encOptions) (encoderMaker, error) {
	switch t.ID() {
	case arrow.DICTIONARY:
		inner, err := binaryMaker(t.(*arrow.DictionaryType).ValueType, oid, o)
		if err != nil {
			return nil, err
		}
		return dictionaryMaker(inner), nil
	case arrow.EXTENSION:
		inner, err := binaryMaker(t.(arrow.ExtensionType).StorageType(), oid, o)
		if err != nil {
			return nil, err
		}
		return storageMaker(inner), nil
	case arrow.NULL:
		return func(arrow.Array) appendFunc { return func(dst []byte, _ int) []byte { return dst } }, nil
	}
	id := t.ID()
	unsupported := fmt.Errorf("wire: cannot send Arrow type %s as binary PostgreSQL type %d", t, oid)
	switch {
	case oid == OIDBool && id == arrow.BOOL:
		return func(a arrow.Array) appendFunc {
			b := a.(*array.Boolean)
			return func(dst []byte, i int) []byte {
				if b.Value(i) {
					return append(dst, 1)
				}
				return append(dst, 0)
			}
		}, nil
	case oid == OIDInt2 || oid == OIDInt4 || oid == OIDInt8 || isOIDLike(oid):
		width := int(typeLen[oid])
		if m := intBinary(id, width); m != nil {
			return m, nil
		}
	case oid == OIDFloat4 || oid == OIDFloat8:
		if m := floatBinary(id, oid == OIDFloat4); m != nil {
			return m, nil
		}
	case oid == OIDNumeric:
		if m := numericBinary(t); m != nil {
			return m, nil
		}
	case oid == OIDBytea || oid == OIDUUID:
		switch id {
		case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY, arrow.STRING:
			return func(a arrow.Array) appendFunc {
				v := bytesValue(a)
				return func(dst []byte, i int) []byte { return append(dst, v(i)...) }
			}, nil
		}
	case oid == OIDDate && (id == arrow.DATE32 || id == arrow.DATE64):
		days := dateDays(t)
		return func(a arrow.Array) appendFunc {
			v := days(a)
			return func(dst []byte, i int) []byte { return appendPGDate(dst, v(i)) }
		}, nil
	case oid == OIDTime && (id == arrow.TIME32 || id == arrow.TIME64):
		us := timeMicros(t)
		return func(a arrow.Array) appendFunc {
			v := us(a)
			return func(dst []byte, i int) []byte { return binary.BigEndian.AppendUint64(dst, uint64(v(i))) }
		}, nil
	case oid == OIDTimestamp || oid == OIDTimestamptz:
		switch id {
		case arrow.TIMESTAMP:
			unit := t.(*arrow.TimestampType).Unit
			return func(a arrow.Array) appendFunc {
				v := a.(*array.Timestamp).Values()
				return func(dst []byte, i int) []byte { return appendPGTimestamp(dst, toMicros(int64(v[i]), unit)) }
			}, nil
		case arrow.DATE32:
			return func(a arrow.Array) appendFunc {
				v := a.(valuer[arrow.Date32]).Values()
				return func(dst []byte, i int) []byte { return appendPGTimestamp(dst, int64(v[i])*usPerDay) }
			}, nil
		}
	case oid == OIDInterval:
		switch id {
		case arrow.INTERVAL_MONTHS, arrow.INTERVAL_DAY_TIME, arrow.INTERVAL_MONTH_DAY_NANO, arrow.DURATION:
			iv := intervalValue(t)
			return func(a arrow.Array) appendFunc {
				v := iv(a)
				return func(dst []byte, i int) []byte {
					m, d, us := v(i)
					dst = binary.BigEndian.AppendUint64(dst, uint64(us))
					dst = binary.BigEndian.AppendUint32(dst, uint32(d))
					return binary.BigEndian.AppendUint32(dst, uint32(m))
				}
			}, nil
		}
	case oid == OIDJSONB:
		m, err := textMaker(t, oid, o)
		if err != nil {
			return nil, err
		}
		return func(a arrow.Array) appendFunc {
			enc := m(a)
			return func(dst []byte, i int) []byte { return enc(append(dst, 1), i) }
		}, nil
	case elemOf[oid] != 0 && isListLike(t):
		elemOID := elemOf[oid]
		elem, err := binaryMaker(t.(arrow.ListLikeType).Elem(), elemOID, o)
		if err != nil {
			return nil, err
		}
		return arrayBinaryMaker(elem, elemOID), nil
	}
	// Text types send their text; so does anything whose Arrow type is a string.
	if isTextLike(oid) || id == arrow.STRING || id == arrow.LARGE_STRING || id == arrow.STRING_VIEW {
		return textMaker(t, oid, o)
	}
	return nil, unsupported
}

func intBinary(id arrow.Type, width int) encoderMaker {
	switch id {
	case arrow.INT8:
		return intBin[int8](width)
	case arrow.INT16:
		return intBin[int16](width)
	case arrow.INT32:
		return intBin[int32](width)
	case arrow.INT64:
		return intBin[int64](width)
	case arrow.UINT8:
		return uintBin[uint8](width)
	case arrow.UINT16:
		return uintBin[uint16](width)
	case arrow.UINT32:
		return uintBin[uint32](width)
	case arrow.UINT64:
		return uintBin[uint64](width)
	}
	return nil
}

func appendIntN(dst []byte, v int64, width int) []byte {
	switch width {
	case 2:
		return binary.BigEndian.AppendUint16(dst, uint16(v))
	case 4:
		return binary.BigEndian.AppendUint32(dst, uint32(v))
	}
	return binary.BigEndian.AppendUint64(dst, uint64(v))
}

func intBin[T integer](width int) encoderMaker {
	return func(a arrow.Array) appendFunc {
		v := a.(valuer[T]).Values()
		return func(dst []byte, i int) []byte { return appendIntN(dst, int64(v[i]), width) }
	}
}

func uintBin[T unsigned](width int) encoderMaker {
	return func(a arrow.Array) appendFunc {
		v := a.(valuer[T]).Values()
		return func(dst []byte, i int) []byte { return appendIntN(dst, int64(v[i]), width) }
	}
}

func floatBinary(id arrow.Type, single bool) encoderMaker {
	put := func(dst []byte, f float64) []byte {
		if single {
			return binary.BigEndian.AppendUint32(dst, math.Float32bits(float32(f)))
		}
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(f))
	}
	switch id {
	case arrow.FLOAT16:
		return func(a arrow.Array) appendFunc {
			v := a.(valuer[float16.Num]).Values()
			return func(dst []byte, i int) []byte { return put(dst, float64(v[i].Float32())) }
		}
	case arrow.FLOAT32:
		return func(a arrow.Array) appendFunc {
			v := a.(valuer[float32]).Values()
			return func(dst []byte, i int) []byte { return put(dst, float64(v[i])) }
		}
	case arrow.FLOAT64:
		return func(a arrow.Array) appendFunc {
			v := a.(valuer[float64]).Values()
			return func(dst []byte, i int) []byte { return put(dst, v[i]) }
		}
	}
	if ints := intText64(id); ints != nil {
		return func(a arrow.Array) appendFunc {
			v := ints(a)
			return func(dst []byte, i int) []byte { return put(dst, float64(v(i))) }
		}
	}
	return nil
}

// intText64 binds any signed or unsigned integer array (but uint64) to an int64 accessor.
func intText64(id arrow.Type) func(a arrow.Array) func(int) int64 {
	switch id {
	case arrow.INT8:
		return bindInts[int8]
	case arrow.INT16:
		return bindInts[int16]
	case arrow.INT32:
		return bindInts[int32]
	case arrow.INT64:
		return bindInts[int64]
	case arrow.UINT8:
		return bindInts[uint8]
	case arrow.UINT16:
		return bindInts[uint16]
	case arrow.UINT32:
		return bindInts[uint32]
	}
	return nil
}

func bindInts[T integer | unsigned](a arrow.Array) func(int) int64 {
	v := a.(valuer[T]).Values()
	return func(i int) int64 { return int64(v[i]) }
}

// numericBinary writes decimals, integers and floats in numeric_send format.
func numericBinary(t arrow.DataType) encoderMaker {
	switch t.ID() {
	case arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		scale := int(t.(arrow.DecimalType).GetScale())
		return func(a arrow.Array) appendFunc {
			digits := decimalDigitsFunc(a)
			var scratch [80]byte
			return func(dst []byte, i int) []byte {
				neg, d := digits(scratch[:], i)
				return appendNumericBinary(dst, neg, d, scale)
			}
		}
	case arrow.UINT64:
		return func(a arrow.Array) appendFunc {
			v := a.(valuer[uint64]).Values()
			var scratch [24]byte
			return func(dst []byte, i int) []byte {
				return appendNumericBinary(dst, false, strconv.AppendUint(scratch[:0], v[i], 10), 0)
			}
		}
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		// numeric text the planner computed (exact quotients, each with its own scale)
		return func(a arrow.Array) appendFunc {
			v := a.(interface{ Value(int) string })
			var digits [80]byte
			return func(dst []byte, i int) []byte {
				neg, d, scale, ok := splitDecimalText(v.Value(i), digits[:0])
				if !ok {
					return appendNumericSpecial(dst, numericNaN)
				}
				return appendNumericBinary(dst, neg, d, scale)
			}
		}
	case arrow.FLOAT32, arrow.FLOAT64:
		single := t.ID() == arrow.FLOAT32
		return func(a arrow.Array) appendFunc {
			var f32 []float32
			var f64 []float64
			if single {
				f32 = a.(valuer[float32]).Values()
			} else {
				f64 = a.(valuer[float64]).Values()
			}
			var scratch, digits [64]byte
			return func(dst []byte, i int) []byte {
				f, bits := 0.0, 64
				if single {
					f, bits = float64(f32[i]), 32
				} else {
					f = f64[i]
				}
				switch {
				case math.IsNaN(f):
					return appendNumericSpecial(dst, numericNaN)
				case math.IsInf(f, 1):
					return appendNumericSpecial(dst, numericPInf)
				case math.IsInf(f, -1):
					return appendNumericSpecial(dst, numericNInf)
				}
				s := strconv.AppendFloat(scratch[:0], f, 'f', -1, bits)
				neg, d, scale, _ := splitDecimalText(string(s), digits[:0])
				return appendNumericBinary(dst, neg, d, scale)
			}
		}
	}
	if ints := intText64(t.ID()); ints != nil {
		return func(a arrow.Array) appendFunc {
			v := ints(a)
			var scratch [24]byte
			return func(dst []byte, i int) []byte {
				neg, d := decimalSmallDigits(scratch[:], v(i))
				return appendNumericBinary(dst, neg, d, 0)
			}
		}
	}
	return nil
}

// appendPGDate writes days since 1970 as int32 days since 2000-01-01.
func appendPGDate(dst []byte, days int64) []byte {
	if days == math.MaxInt32 || days == math.MinInt32 {
		return binary.BigEndian.AppendUint32(dst, uint32(int32(days)))
	}
	return binary.BigEndian.AppendUint32(dst, uint32(int32(days-pgEpochDays)))
}

// appendPGTimestamp writes µs since 1970 as int64 µs since 2000-01-01 (infinity kept).
func appendPGTimestamp(dst []byte, us int64) []byte {
	if us != math.MaxInt64 && us != math.MinInt64 {
		us -= pgEpochUs
	}
	return binary.BigEndian.AppendUint64(dst, uint64(us))
}
