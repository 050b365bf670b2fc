package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"math/big"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// NumericDivFunc is the engine's exact numeric division: NumericDivFunc(a, b) takes
// the text of two DECIMAL or integer values (as DuckDB casts them to VARCHAR) and
// returns PostgreSQL's quotient as text, with the scale PostgreSQL picks
// (select_div_scale in numeric.c: 16 significant digits, at least either operand's
// scale, at most 1000) and rounded half away from zero. A Go function binds in no
// time and runs in about a microsecond; the same in SQL macros cost ~30 ms of
// planning per quotient.
const NumericDivFunc = "lakegate_numeric_div_text"

// errDivisionByZero is mapped to SQLSTATE 22012 by Error.
var errDivisionByZero = errors.New("division by zero")

type numericDiv struct{}

func (numericDiv) Config() duckdb.ScalarFuncConfig {
	text, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{text, text}, ResultTypeInfo: text}
}

func (numericDiv) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(values []driver.Value) (any, error) {
		a, _ := values[0].(string)
		b, _ := values[1].(string)
		return numericDivText(a, b)
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
	return duckdb.RegisterScalarUDF(c, NumericDivFunc, numericDiv{})
}

// decimalParts reads a plain decimal text: its unscaled value, scale, and the
// digits without sign, point and leading zeros.
func decimalParts(t string) (u *big.Int, scale int, digits string, ok bool) {
	t = strings.TrimSpace(t)
	whole, frac, _ := strings.Cut(t, ".")
	u, ok = new(big.Int).SetString(whole+frac, 10)
	if !ok {
		return nil, 0, "", false
	}
	digits = strings.TrimLeft(strings.TrimLeft(whole+frac, "+-"), "0")
	return u, len(frac), digits, true
}

// numericDivText is PostgreSQL's numeric a / b (div_var with select_div_scale).
func numericDivText(a, b string) (string, error) {
	u1, s1, d1, ok1 := decimalParts(a)
	u2, s2, d2, ok2 := decimalParts(b)
	if !ok1 || !ok2 {
		return "", errors.New("invalid numeric operand")
	}
	if u2.Sign() == 0 {
		return "", errDivisionByZero
	}
	// PostgreSQL's base-10000 weight of the first digit group and that group's value.
	weight := func(d string, s int) (w, first int) {
		if d == "" {
			return 0, 0
		}
		n := len(d) - 1 - s // decimal exponent of the leading digit
		w = n / 4
		if n < 0 && n%4 != 0 {
			w--
		}
		k := ((n%4)+4)%4 + 1 // decimal digits in the first group
		g := d
		if len(g) < k {
			g += strings.Repeat("0", k-len(g))
		}
		for _, c := range g[:k] {
			first = first*10 + int(c-'0')
		}
		return w, first
	}
	w1, f1 := weight(d1, s1)
	w2, f2 := weight(d2, s2)
	qweight := w1 - w2
	if f1 <= f2 {
		qweight--
	}
	r := min(max(16-4*qweight, s1, s2, 0), 1000)
	num, den := new(big.Int).Set(u1), new(big.Int).Set(u2)
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
	s := q.String()
	if r > 0 {
		if len(s) <= r {
			s = strings.Repeat("0", r-len(s)+1) + s
		}
		s = s[:len(s)-r] + "." + s[len(s)-r:]
	}
	if neg && q.Sign() != 0 {
		s = "-" + s
	}
	return s, nil
}
