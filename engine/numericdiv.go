package engine

import (
	"context"
	"database/sql"
	"errors"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
	"unsafe"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// PostgreSQL's numeric arithmetic on values whose scale differs from row to row,
// which DuckDB's DECIMAL (one scale per column) cannot carry. Each function takes
// the text of two DECIMAL or integer values (as DuckDB casts them to VARCHAR, or
// as an earlier one of these functions returned them) and returns PostgreSQL's
// result as text:
//
//   - NumericDivFunc: a / b with the scale PostgreSQL picks (select_div_scale in
//     numeric.c: 16 significant digits, at least either operand's scale, at most
//     1000), rounded half away from zero;
//   - NumericMulFunc: a * b, exact, scale s1 + s2;
//   - NumericAddFunc, NumericSubFunc: a + b, a - b, exact, scale max(s1, s2).
//
// They run a chunk of 2,048 rows per call and compute in 128-bit integers,
// falling back to math/big for operands or results that do not fit. A Go
// function binds in no time; the same in SQL macros cost ~30 ms of planning per
// quotient.
const (
	NumericDivFunc = "lakegate_numeric_div_text"
	NumericMulFunc = "lakegate_numeric_mul_text"
	NumericAddFunc = "lakegate_numeric_add_text"
	NumericSubFunc = "lakegate_numeric_sub_text"
)

// errDivisionByZero is mapped to SQLSTATE 22012 by Error.
var errDivisionByZero = errors.New("division by zero")

// errNumericOperand reports an operand that is not a plain decimal text.
var errNumericOperand = errors.New("invalid numeric operand")

// numericFunc is one of the text arithmetic functions as a DuckDB scalar UDF.
type numericFunc struct {
	// op appends the result of a op b to buf.
	op func(buf []byte, a, b string) ([]byte, error)
}

func (numericFunc) Config() duckdb.ScalarFuncConfig {
	text, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{text, text}, ResultTypeInfo: text}
}

func (f numericFunc) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{ChunkContextExecutor: func(_ context.Context, state *duckdb.ChunkIteratorState) error {
		in := state.GetInputChunk()
		va, err := in.GetVector(0)
		if err != nil {
			return err
		}
		vb, err := in.GetVector(1)
		if err != nil {
			return err
		}
		a, err := duckdb.GetVectorView[string](va)
		if err != nil {
			return err
		}
		b, err := duckdb.GetVectorView[string](vb)
		if err != nil {
			return err
		}
		out, err := duckdb.GetVectorWriter[string](state.GetResultVector())
		if err != nil {
			return err
		}
		var buf []byte
		for row := range a.Len() {
			x, okx, err := a.GetValueBorrowed(row)
			if err != nil {
				return err
			}
			y, oky, err := b.GetValueBorrowed(row)
			if err != nil {
				return err
			}
			if !okx || !oky {
				continue // NULL in, NULL out: set after the callback
			}
			if buf, err = f.op(buf[:0], x, y); err != nil {
				return err
			}
			// DuckDB copies the string before Set returns: buf is reused.
			if err := out.Set(row, unsafe.String(unsafe.SliceData(buf), len(buf))); err != nil {
				return err
			}
		}
		return nil
	}}
}

// registerFunctions adds the engine's Go functions to DuckDB's catalog.
func (e *Engine) registerFunctions(ctx context.Context) error {
	db := sql.OpenDB(e.connector)
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	for name, op := range map[string]func([]byte, string, string) ([]byte, error){
		NumericDivFunc: appendNumericDiv, NumericMulFunc: appendNumericMul,
		NumericAddFunc: func(buf []byte, a, b string) ([]byte, error) { return appendNumericAdd(buf, a, b, false) },
		NumericSubFunc: func(buf []byte, a, b string) ([]byte, error) { return appendNumericAdd(buf, a, b, true) },
	} {
		if err := duckdb.RegisterScalarUDF(c, name, numericFunc{op: op}); err != nil {
			return err
		}
	}
	return nil
}

// decText is a plain decimal text ([+-]digits[.digits]) as the arithmetic needs it.
type decText struct {
	neg    bool
	hi, lo uint64 // the unscaled magnitude, when fits
	fits   bool
	scale  int // digits after the point
	sig    int // digits from the first non-zero one to the end
	lead   int // the first 4 of those, padded with zeros
}

// parseDec reads a plain decimal text without allocating.
func parseDec(s string) (d decText, ok bool) {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		d.neg = s[i] == '-'
		i++
	}
	d.fits = true
	digits, point := 0, false
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' && !point {
			point = true
			continue
		}
		if c < '0' || c > '9' {
			return d, false
		}
		digits++
		if point {
			d.scale++
		}
		v := uint64(c - '0')
		if d.sig > 0 || v != 0 {
			if d.sig < 4 {
				d.lead = d.lead*10 + int(v)
			}
			d.sig++
		}
		if d.fits {
			hi, lo, ok := mul128(d.hi, d.lo, 10)
			var c uint64
			lo, c = bits.Add64(lo, v, 0)
			hi, c = bits.Add64(hi, 0, c)
			d.hi, d.lo, d.fits = hi, lo, ok && c == 0
		}
	}
	for k := d.sig; k < 4; k++ {
		d.lead *= 10
	}
	return d, digits > 0
}

// weight is PostgreSQL's base-10000 weight of the first digit group and that
// group's value (0, 0 for zero).
func (d decText) weight() (w, first int) {
	if d.sig == 0 {
		return 0, 0
	}
	n := d.sig - 1 - d.scale // decimal exponent of the leading digit
	w = n / 4
	if n < 0 && n%4 != 0 {
		w--
	}
	k := ((n%4)+4)%4 + 1 // decimal digits in the first group
	first = d.lead
	for ; k < 4; k++ {
		first /= 10
	}
	return w, first
}

// pow10 holds 10^0 .. 10^19.
var pow10 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// mul128 multiplies the 128-bit hi:lo by m; ok is false on overflow.
func mul128(hi, lo, m uint64) (uint64, uint64, bool) {
	h1, l1 := bits.Mul64(lo, m)
	h2, l2 := bits.Mul64(hi, m)
	hi, c := bits.Add64(l2, h1, 0)
	return hi, l1, h2 == 0 && c == 0
}

// mulPow10 multiplies the 128-bit hi:lo by 10^e; ok is false on overflow.
func mulPow10(hi, lo uint64, e int) (uint64, uint64, bool) {
	for e > 0 {
		k := min(e, 19)
		e -= k
		var ok bool
		if hi, lo, ok = mul128(hi, lo, pow10[k]); !ok {
			return 0, 0, false
		}
	}
	return hi, lo, true
}

// appendUint128 appends the decimal digits of hi:lo.
func appendUint128(buf []byte, hi, lo uint64) []byte {
	if hi == 0 {
		return strconv.AppendUint(buf, lo, 10)
	}
	const e19 = 10_000_000_000_000_000_000
	ql, r := bits.Div64(hi%e19, lo, e19)
	buf = appendUint128(buf, hi/e19, ql)
	var low [19]byte // r as exactly 19 digits
	for i := len(low) - 1; i >= 0; i-- {
		low[i] = byte('0' + r%10)
		r /= 10
	}
	return append(buf, low[:]...)
}

// appendScaled appends sign, the magnitude's digits and a point before the last
// scale of them, as PostgreSQL prints a numeric; neg must be false for zero
// (PostgreSQL has no negative zero).
func appendScaled(buf []byte, neg bool, digits []byte, scale int) []byte {
	if neg {
		buf = append(buf, '-')
	}
	if scale == 0 {
		return append(buf, digits...)
	}
	if len(digits) <= scale {
		buf = append(buf, '0', '.')
		for i := len(digits); i < scale; i++ {
			buf = append(buf, '0')
		}
		return append(buf, digits...)
	}
	buf = append(buf, digits[:len(digits)-scale]...)
	buf = append(buf, '.')
	return append(buf, digits[len(digits)-scale:]...)
}

// appendFast appends hi:lo with its sign and scale.
func appendFast(buf []byte, neg bool, hi, lo uint64, scale int) []byte {
	var tmp [48]byte
	digits := appendUint128(tmp[:0], hi, lo)
	return appendScaled(buf, neg && (hi|lo) != 0, digits, scale)
}

// operands reads both operands. A double that reached the function (a value
// the planner typed as numeric but DuckDB computed as a double, such as a
// quotient in a subquery) may be printed with an exponent: it is read as the
// plain decimal it stands for.
func operands(a, b string) (string, string, decText, decText, error) {
	x, ok1 := parseDec(a)
	if !ok1 {
		if a, ok1 = plainDecimal(a); ok1 {
			x, ok1 = parseDec(a)
		}
	}
	y, ok2 := parseDec(b)
	if !ok2 {
		if b, ok2 = plainDecimal(b); ok2 {
			y, ok2 = parseDec(b)
		}
	}
	if !ok1 || !ok2 {
		return a, b, x, y, errNumericOperand
	}
	return a, b, x, y, nil
}

// plainDecimal rewrites [sign]digits[.digits]e[sign]digits without the exponent.
func plainDecimal(s string) (string, bool) {
	mant, exp, ok := strings.Cut(strings.ToLower(s), "e")
	if !ok {
		return "", false
	}
	e, err := strconv.Atoi(exp)
	if err != nil || e > 1000 || e < -1000 {
		return "", false
	}
	sign := ""
	if strings.HasPrefix(mant, "-") || strings.HasPrefix(mant, "+") {
		sign, mant = strings.TrimPrefix(mant[:1], "+"), mant[1:]
	}
	whole, frac, _ := strings.Cut(mant, ".")
	digits, point := whole+frac, len(whole)+e // the point after digits[:point]
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return "", false
	}
	switch {
	case point <= 0:
		return sign + "0." + strings.Repeat("0", -point) + digits, true
	case point >= len(digits):
		return sign + digits + strings.Repeat("0", point-len(digits)), true
	}
	return sign + digits[:point] + "." + digits[point:], true
}

// divScale is PostgreSQL's select_div_scale for a / b.
func divScale(a, b decText) int {
	w1, f1 := a.weight()
	w2, f2 := b.weight()
	qweight := w1 - w2
	if f1 <= f2 {
		qweight--
	}
	return min(max(16-4*qweight, a.scale, b.scale, 0), 1000)
}

// appendNumericDiv appends PostgreSQL's numeric a / b (div_var with select_div_scale).
func appendNumericDiv(buf []byte, a, b string) ([]byte, error) {
	a, b, x, y, err := operands(a, b)
	if err != nil {
		return buf, err
	}
	if y.sig == 0 {
		return buf, errDivisionByZero
	}
	r := divScale(x, y)
	// The quotient at scale r is round(x * 10^(r - s1 + s2) / y).
	if e := r - x.scale + y.scale; x.fits && y.fits && y.hi == 0 {
		hi, lo, den, ok := x.hi, x.lo, y.lo, true
		if e >= 0 {
			hi, lo, ok = mulPow10(hi, lo, e)
		} else {
			var h uint64
			h, den, ok = mulPow10(0, den, -e)
			ok = ok && h == 0
		}
		if ok {
			qh, rh := hi/den, hi%den
			ql, rem := bits.Div64(rh, lo, den)
			if rem >= den-rem { // half away from zero
				var c uint64
				ql, c = bits.Add64(ql, 1, 0)
				qh += c
			}
			return appendFast(buf, x.neg != y.neg, qh, ql, r), nil
		}
	}
	return appendBigDiv(buf, a, b, r)
}

// appendBigDiv is appendNumericDiv in math/big, for operands beyond 64 bits.
func appendBigDiv(buf []byte, a, b string, r int) ([]byte, error) {
	num, s1, ok1 := bigDec(a)
	den, s2, ok2 := bigDec(b)
	if !ok1 || !ok2 {
		return buf, errNumericOperand
	}
	if e := r - s1 + s2; e >= 0 {
		num.Mul(num, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(e)), nil))
	} else {
		den.Mul(den, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-e)), nil))
	}
	// Round half away from zero: (2|n| + |d|) / (2|d|) with the quotient's sign.
	neg := num.Sign()*den.Sign() < 0
	num.Abs(num)
	den.Abs(den)
	q := new(big.Int).Add(new(big.Int).Lsh(num, 1), den)
	q.Quo(q, new(big.Int).Lsh(den, 1))
	return appendScaled(buf, neg && q.Sign() != 0, q.Append(nil, 10), r), nil
}

// bigDec reads a plain decimal text as its unscaled value and scale.
func bigDec(t string) (*big.Int, int, bool) {
	whole, frac, _ := strings.Cut(strings.TrimSpace(t), ".")
	u, ok := new(big.Int).SetString(whole+frac, 10)
	return u, len(frac), ok
}

// appendNumericMul appends PostgreSQL's numeric a * b: exact, scale s1 + s2.
func appendNumericMul(buf []byte, a, b string) ([]byte, error) {
	a, b, x, y, err := operands(a, b)
	if err != nil {
		return buf, err
	}
	scale := x.scale + y.scale
	if x.fits && y.fits && (x.hi == 0 || y.hi == 0) {
		if x.hi != 0 {
			x, y = y, x
		}
		// x fits 64 bits: y times it.
		if hi, lo, ok := mul128(y.hi, y.lo, x.lo); ok {
			return appendFast(buf, x.neg != y.neg, hi, lo, scale), nil
		}
	}
	u, _, _ := bigDec(a)
	v, _, _ := bigDec(b)
	p := u.Mul(u, v)
	return appendScaled(buf, p.Sign() < 0, new(big.Int).Abs(p).Append(nil, 10), scale), nil
}

// appendNumericAdd appends PostgreSQL's numeric a + b (a - b when sub): exact,
// scale max(s1, s2).
func appendNumericAdd(buf []byte, a, b string, sub bool) ([]byte, error) {
	a, b, x, y, err := operands(a, b)
	if err != nil {
		return buf, err
	}
	if sub {
		y.neg = !y.neg
	}
	scale := max(x.scale, y.scale)
	if x.fits && y.fits {
		xh, xl, okx := mulPow10(x.hi, x.lo, scale-x.scale)
		yh, yl, oky := mulPow10(y.hi, y.lo, scale-y.scale)
		if okx && oky {
			if x.neg == y.neg {
				lo, c := bits.Add64(xl, yl, 0)
				hi, c2 := bits.Add64(xh, yh, c)
				if c2 == 0 {
					return appendFast(buf, x.neg, hi, lo, scale), nil
				}
			} else {
				neg := x.neg
				if xh < yh || xh == yh && xl < yl {
					xh, xl, yh, yl, neg = yh, yl, xh, xl, y.neg
				}
				lo, bw := bits.Sub64(xl, yl, 0)
				hi, _ := bits.Sub64(xh, yh, bw)
				return appendFast(buf, neg, hi, lo, scale), nil
			}
		}
	}
	u, s1, _ := bigDec(a)
	v, s2, _ := bigDec(b)
	if sub {
		v.Neg(v)
	}
	ten := big.NewInt(10)
	u.Mul(u, new(big.Int).Exp(ten, big.NewInt(int64(scale-s1)), nil))
	v.Mul(v, new(big.Int).Exp(ten, big.NewInt(int64(scale-s2)), nil))
	sum := u.Add(u, v)
	return appendScaled(buf, sum.Sign() < 0, new(big.Int).Abs(sum).Append(nil, 10), scale), nil
}
