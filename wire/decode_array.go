package wire

import (
	"encoding/binary"
	"strings"
	"time"

	"github.com/lakegate/lakegate/pgerr"
)

// decodeArrayText reads a one-dimensional array literal ({1,2,NULL,"a,b"}) into
// []any, each element decoded as a text parameter of type elem.
func decodeArrayText(elem uint32, s string, loc *time.Location) (any, error) {
	bad := func(detail string) error {
		return pgerr.New(pgerr.InvalidTextRepresentation, "malformed array literal: \"%s\"", s).WithDetail("%s", detail)
	}
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "[") {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "array parameters with explicit bounds are not supported")
	}
	if len(t) < 2 || t[0] != '{' || t[len(t)-1] != '}' {
		return nil, bad("Array value must start with \"{\" or dimension information.")
	}
	body := t[1 : len(t)-1]
	out := []any{}
	if strings.TrimSpace(body) == "" {
		return out, nil
	}
	i := 0
	for {
		for i < len(body) && isArraySpace(body[i]) {
			i++
		}
		if i < len(body) && body[i] == '{' {
			return nil, pgerr.New(pgerr.FeatureNotSupported, "multidimensional arrays are not supported as parameters")
		}
		var elemText strings.Builder
		quoted, seen := false, false
		if i < len(body) && body[i] == '"' {
			quoted = true
			i++
			for {
				if i >= len(body) {
					return nil, bad("Unexpected end of input.")
				}
				c := body[i]
				if c == '\\' && i+1 < len(body) {
					elemText.WriteByte(body[i+1])
					i += 2
					continue
				}
				i++
				if c == '"' {
					break
				}
				elemText.WriteByte(c)
			}
			for i < len(body) && isArraySpace(body[i]) {
				i++
			}
		} else {
			var trailing int // spaces after the last non-space, dropped like PostgreSQL does
			for i < len(body) && body[i] != ',' {
				c := body[i]
				switch {
				case c == '"' || c == '{' || c == '}':
					return nil, bad("Unexpected \"" + string(c) + "\" character.")
				case c == '\\' && i+1 < len(body):
					elemText.WriteByte(body[i+1])
					i += 2
					trailing = 0
					seen = true
					continue
				case isArraySpace(c):
					trailing++
				default:
					trailing = 0
				}
				elemText.WriteByte(c)
				seen = true
				i++
			}
			if !seen {
				return nil, bad("Unexpected \",\" character.")
			}
			v := elemText.String()
			elemText.Reset()
			elemText.WriteString(v[:len(v)-trailing])
		}
		v := elemText.String()
		if !quoted && strings.EqualFold(v, "NULL") {
			out = append(out, nil)
		} else {
			d, err := decodeText(elem, v, loc)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
		if i >= len(body) {
			return out, nil
		}
		if body[i] != ',' {
			return nil, bad("Unexpected array element.")
		}
		i++
	}
}

func isArraySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// decodeArrayBinary reads array_send's format (one dimension) into []any.
func decodeArrayBinary(elem uint32, b []byte, n int) (any, error) {
	short := pgerr.New(pgerr.ProtocolViolation, "insufficient data left in message")
	if len(b) < 12 {
		return nil, short
	}
	ndim := int32(binary.BigEndian.Uint32(b))
	flags := int32(binary.BigEndian.Uint32(b[4:]))
	got := binary.BigEndian.Uint32(b[8:])
	b = b[12:]
	switch {
	case ndim < 0 || ndim > 6:
		return nil, pgerr.New(pgerr.InvalidBinaryRepresentation, "invalid number of dimensions: %d", ndim)
	case flags != 0 && flags != 1:
		return nil, pgerr.New(pgerr.InvalidBinaryRepresentation, "invalid array flags")
	case got != elem:
		return nil, pgerr.New(pgerr.DatatypeMismatch, "binary data has array element type %d instead of expected %d", got, elem)
	case ndim > 1:
		return nil, pgerr.New(pgerr.FeatureNotSupported, "multidimensional arrays are not supported as parameters")
	case ndim == 0:
		return []any{}, nil
	}
	if len(b) < 8 {
		return nil, short
	}
	size := int64(int32(binary.BigEndian.Uint32(b)))
	b = b[8:] // the lower bound does not matter to a one-dimensional value
	// Each element takes at least its 4-byte length: bound the allocation by the data.
	if size < 0 || size > int64(len(b)/4) {
		return nil, pgerr.New(pgerr.InvalidBinaryRepresentation, "array size %d does not fit the data", size)
	}
	out := make([]any, 0, size)
	for k := int64(0); k < size; k++ {
		if len(b) < 4 {
			return nil, short
		}
		l := int32(binary.BigEndian.Uint32(b))
		b = b[4:]
		if l == -1 {
			out = append(out, nil)
			continue
		}
		if l < 0 || int(l) > len(b) {
			return nil, short
		}
		v, err := decodeBinary(elem, b[:l:l], n)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		b = b[l:]
	}
	if len(b) != 0 {
		return nil, pgerr.New(pgerr.InvalidBinaryRepresentation, "incorrect binary data format in bind parameter %d", n)
	}
	return out, nil
}
