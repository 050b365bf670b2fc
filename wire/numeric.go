package wire

import (
	"encoding/binary"
	"math/bits"
)

// Numeric sign words of PostgreSQL's binary numeric format.
const (
	numericPos  = 0x0000
	numericNeg  = 0x4000
	numericNaN  = 0xC000
	numericPInf = 0xD000
	numericNInf = 0xF000
)

// appendUint128 appends the decimal digits of hi:lo (no leading zeros, "0" for zero).
func appendUint128(dst []byte, hi, lo uint64) []byte {
	var buf [40]byte
	i := len(buf)
	for hi != 0 {
		// Divide hi:lo by 1e19, emitting 19 digits of the remainder.
		var r uint64
		hi, r = bits.Div64(0, hi, 1e19)
		lo, r = bits.Div64(r, lo, 1e19)
		for k := 0; k < 19; k++ {
			i--
			buf[i] = byte('0' + r%10)
			r /= 10
		}
	}
	for lo >= 10 {
		i--
		buf[i] = byte('0' + lo%10)
		lo /= 10
	}
	i--
	buf[i] = byte('0' + lo)
	return append(dst, buf[i:]...)
}

// appendScaled writes an unscaled decimal integer (its digits, without sign) with
// exactly scale fractional digits, as numeric_out does.
func appendScaled(dst []byte, neg bool, digits []byte, scale int) []byte {
	if neg && !allZero(digits) {
		dst = append(dst, '-')
	}
	if scale <= 0 {
		dst = append(dst, digits...)
		for ; scale < 0; scale++ {
			dst = append(dst, '0')
		}
		return dst
	}
	intLen := len(digits) - scale
	if intLen <= 0 {
		dst = append(dst, '0', '.')
		for ; intLen < 0; intLen++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[:intLen]...)
	dst = append(dst, '.')
	return append(dst, digits[intLen:]...)
}

func allZero(d []byte) bool {
	for _, c := range d {
		if c != '0' {
			return false
		}
	}
	return true
}

// appendNumericBinary writes PostgreSQL's binary numeric: ndigits, weight, sign,
// dscale (int16 each) and ndigits base-10000 digits. digits is the unscaled value's
// decimal digits, scale the number of them after the decimal point.
func appendNumericBinary(dst []byte, neg bool, digits []byte, scale int) []byte {
	for len(digits) > 1 && digits[0] == '0' {
		digits = digits[1:]
	}
	var tmp [160]byte
	if scale < 0 {
		widened := append(tmp[:0], digits...)
		for ; scale < 0; scale++ {
			widened = append(widened, '0')
		}
		digits = widened
	}
	dscale := scale
	if allZero(digits) {
		dst = binary.BigEndian.AppendUint16(dst, 0)
		dst = binary.BigEndian.AppendUint16(dst, 0)
		dst = binary.BigEndian.AppendUint16(dst, numericPos)
		return binary.BigEndian.AppendUint16(dst, uint16(dscale))
	}
	// Left-pad the integer part and right-pad the fraction to whole base-10000 groups.
	intLen := len(digits) - scale
	lead := 0
	if intLen < 0 {
		lead, intLen = -intLen, 0
	}
	padL := (4 - intLen%4) % 4
	padR := (4 - scale%4) % 4
	var tmp2 [192]byte
	full := tmp2[:0]
	for k := 0; k < padL+lead; k++ {
		full = append(full, '0')
	}
	full = append(full, digits...)
	for k := 0; k < padR; k++ {
		full = append(full, '0')
	}
	weight := (intLen+padL)/4 - 1
	group := func(g int) uint16 {
		s := full[4*g : 4*g+4]
		return uint16(s[0]-'0')*1000 + uint16(s[1]-'0')*100 + uint16(s[2]-'0')*10 + uint16(s[3]-'0')
	}
	first, last := 0, len(full)/4
	for first < last && group(first) == 0 {
		first++
		weight--
	}
	for last > first && group(last-1) == 0 {
		last--
	}
	sign := uint16(numericPos)
	if neg {
		sign = numericNeg
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(last-first))
	dst = binary.BigEndian.AppendUint16(dst, uint16(int16(weight)))
	dst = binary.BigEndian.AppendUint16(dst, sign)
	dst = binary.BigEndian.AppendUint16(dst, uint16(dscale))
	for g := first; g < last; g++ {
		dst = binary.BigEndian.AppendUint16(dst, group(g))
	}
	return dst
}

// appendNumericSpecial writes NaN or ±Infinity in binary numeric form.
func appendNumericSpecial(dst []byte, sign uint16) []byte {
	dst = binary.BigEndian.AppendUint16(dst, 0)
	dst = binary.BigEndian.AppendUint16(dst, 0)
	dst = binary.BigEndian.AppendUint16(dst, sign)
	return binary.BigEndian.AppendUint16(dst, 0)
}

// splitDecimalText turns a plain decimal literal ("-12.50", "3", "1e5" not allowed)
// into sign, digits and scale. ok is false for anything else.
func splitDecimalText(s string, digits []byte) (neg bool, out []byte, scale int, ok bool) {
	if s == "" {
		return false, nil, 0, false
	}
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	seenDot, any := false, false
	out = digits[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			out = append(out, c)
			any = true
			if seenDot {
				scale++
			}
		case c == '.' && !seenDot:
			seenDot = true
		default:
			return false, nil, 0, false
		}
	}
	return neg, out, scale, any
}
