package wire

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// arrayTextMaker writes a list as a PostgreSQL array literal: {1,2,NULL,"a b"}.
func arrayTextMaker(elem encoderMaker) encoderMaker {
	return func(a arrow.Array) appendFunc {
		l := a.(array.ListLike)
		vals := l.ListValues()
		enc := elem(vals)
		var scratch []byte
		return func(dst []byte, i int) []byte {
			start, end := l.ValueOffsets(i)
			dst = append(dst, '{')
			for j := start; j < end; j++ {
				if j > start {
					dst = append(dst, ',')
				}
				if vals.IsNull(int(j)) {
					dst = append(dst, "NULL"...)
					continue
				}
				scratch = enc(scratch[:0], int(j))
				dst = appendArrayElem(dst, scratch)
			}
			return append(dst, '}')
		}
	}
}

// appendArrayElem quotes an element the way array_out does.
func appendArrayElem(dst, v []byte) []byte {
	if !needsArrayQuote(v) {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	for _, c := range v {
		if c == '"' || c == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

func needsArrayQuote(v []byte) bool {
	if len(v) == 0 {
		return true
	}
	if len(v) == 4 && (v[0]|0x20) == 'n' && (v[1]|0x20) == 'u' && (v[2]|0x20) == 'l' && (v[3]|0x20) == 'l' {
		return true
	}
	for _, c := range v {
		switch c {
		case '{', '}', ',', '"', '\\', ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
	}
	return false
}

// arrayBinaryMaker writes a list in array_send format: ndim, has-null flag, element
// OID, then (size, lower bound 1) and each element as length + bytes.
func arrayBinaryMaker(elem encoderMaker, elemOID uint32) encoderMaker {
	return func(a arrow.Array) appendFunc {
		l := a.(array.ListLike)
		vals := l.ListValues()
		enc := elem(vals)
		return func(dst []byte, i int) []byte {
			start, end := l.ValueOffsets(i)
			n := int(end - start)
			hasNull := int32(0)
			for j := start; j < end; j++ {
				if vals.IsNull(int(j)) {
					hasNull = 1
					break
				}
			}
			ndim := int32(1)
			if n == 0 {
				ndim = 0
			}
			dst = binary.BigEndian.AppendUint32(dst, uint32(ndim))
			dst = binary.BigEndian.AppendUint32(dst, uint32(hasNull))
			dst = binary.BigEndian.AppendUint32(dst, elemOID)
			if n > 0 {
				dst = binary.BigEndian.AppendUint32(dst, uint32(n))
				dst = binary.BigEndian.AppendUint32(dst, 1)
			}
			for j := start; j < end; j++ {
				if vals.IsNull(int(j)) {
					dst = binary.BigEndian.AppendUint32(dst, 0xffffffff)
					continue
				}
				lp := len(dst)
				dst = append(dst, 0, 0, 0, 0)
				dst = enc(dst, int(j))
				binary.BigEndian.PutUint32(dst[lp:], uint32(len(dst)-lp-4))
			}
			return dst
		}
	}
}

// jsonMaker renders nested values (struct, map, nested lists) as JSON text.
func jsonMaker(t arrow.DataType, o *encOptions) (encoderMaker, error) {
	switch t.ID() {
	case arrow.STRUCT:
		st := t.(*arrow.StructType)
		fields := make([]encoderMaker, st.NumFields())
		for k, f := range st.Fields() {
			m, err := jsonMaker(f.Type, o)
			if err != nil {
				return nil, err
			}
			fields[k] = m
		}
		return func(a arrow.Array) appendFunc {
			s := a.(*array.Struct)
			cols := make([]arrow.Array, len(fields))
			encs := make([]appendFunc, len(fields))
			for k := range fields {
				cols[k] = s.Field(k)
				encs[k] = fields[k](cols[k])
			}
			return func(dst []byte, i int) []byte {
				dst = append(dst, '{')
				for k := range encs {
					if k > 0 {
						dst = append(dst, ',')
					}
					dst = appendJSONString(dst, []byte(st.Field(k).Name))
					dst = append(dst, ':')
					dst = appendJSONValue(dst, cols[k], encs[k], i)
				}
				return append(dst, '}')
			}
		}, nil
	case arrow.MAP:
		mt := t.(*arrow.MapType)
		km, err := textMaker(mt.KeyType(), 0, o)
		if err != nil {
			return nil, err
		}
		vm, err := jsonMaker(mt.ItemType(), o)
		if err != nil {
			return nil, err
		}
		return func(a arrow.Array) appendFunc {
			m := a.(*array.Map)
			keys, items := m.Keys(), m.Items()
			kenc, venc := km(keys), vm(items)
			var scratch []byte
			return func(dst []byte, i int) []byte {
				start, end := m.ValueOffsets(i)
				dst = append(dst, '{')
				for j := int(start); j < int(end); j++ {
					if j > int(start) {
						dst = append(dst, ',')
					}
					scratch = kenc(scratch[:0], j)
					dst = appendJSONString(dst, scratch)
					dst = append(dst, ':')
					dst = appendJSONValue(dst, items, venc, j)
				}
				return append(dst, '}')
			}
		}, nil
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST:
		em, err := jsonMaker(t.(arrow.ListLikeType).Elem(), o)
		if err != nil {
			return nil, err
		}
		return func(a arrow.Array) appendFunc {
			l := a.(array.ListLike)
			vals := l.ListValues()
			enc := em(vals)
			return func(dst []byte, i int) []byte {
				start, end := l.ValueOffsets(i)
				dst = append(dst, '[')
				for j := int(start); j < int(end); j++ {
					if j > int(start) {
						dst = append(dst, ',')
					}
					dst = appendJSONValue(dst, vals, enc, j)
				}
				return append(dst, ']')
			}
		}, nil
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16,
		arrow.UINT32, arrow.UINT64, arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64,
		arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		m, err := textMaker(t, 0, o)
		if err != nil || t.ID() != arrow.BOOL {
			return m, err
		}
		return func(a arrow.Array) appendFunc {
			b := a.(*array.Boolean)
			return func(dst []byte, i int) []byte {
				if b.Value(i) {
					return append(dst, "true"...)
				}
				return append(dst, "false"...)
			}
		}, nil
	case arrow.LIST_VIEW, arrow.LARGE_LIST_VIEW, arrow.SPARSE_UNION, arrow.DENSE_UNION, arrow.RUN_END_ENCODED:
		return nil, fmt.Errorf("wire: no text encoding for Arrow type %s", t)
	}
	m, err := textMaker(t, 0, o)
	if err != nil {
		return nil, err
	}
	return func(a arrow.Array) appendFunc {
		enc := m(a)
		var scratch []byte
		return func(dst []byte, i int) []byte {
			scratch = enc(scratch[:0], i)
			return appendJSONString(dst, scratch)
		}
	}, nil
}

func appendJSONValue(dst []byte, a arrow.Array, enc appendFunc, i int) []byte {
	if a.IsNull(i) {
		return append(dst, "null"...)
	}
	return enc(dst, i)
}

func appendJSONString(dst, s []byte) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		switch {
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\n':
			dst = append(dst, '\\', 'n')
		case r == '\r':
			dst = append(dst, '\\', 'r')
		case r == '\t':
			dst = append(dst, '\\', 't')
		case r < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xf])
		default:
			dst = append(dst, s[:size]...)
		}
		s = s[size:]
	}
	return append(dst, '"')
}
