package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"

	"github.com/lakegate/lakegate/internal/pgserver"
	"github.com/lakegate/lakegate/pgerr"
)

// randomDecimal returns a decimal text of up to 30 integer and 24 fraction
// digits, leaning towards the small values tables hold.
func randomDecimal(r *rand.Rand) string {
	var b strings.Builder
	if r.IntN(3) == 0 {
		b.WriteByte('-')
	}
	whole := []int{0, 1, 2, 3, 5, 8, 12, 19, 20, 30}[r.IntN(10)]
	if whole == 0 {
		b.WriteByte('0')
	}
	for i := range whole {
		d := r.IntN(10)
		if i == 0 && d == 0 {
			d = 1 + r.IntN(9)
		}
		b.WriteByte(byte('0' + d))
	}
	if scale := []int{0, 0, 1, 2, 2, 3, 4, 6, 12, 16, 20, 24}[r.IntN(12)]; scale > 0 {
		b.WriteByte('.')
		zeros := r.IntN(scale + 1) // leading zeros after the point, for tiny values
		for i := range scale {
			if i < zeros && whole == 0 {
				b.WriteByte('0')
			} else {
				b.WriteByte(byte('0' + r.IntN(10)))
			}
		}
	}
	return b.String()
}

// TestNumericTextArithmeticPostgres compares the text arithmetic with a real
// PostgreSQL 15 computing a / b, a * b, a + b and a - b over the same random
// operands: 64-bit, 128-bit and beyond, scales 0 to 24 as quotients have them,
// tiny and huge quotients.
func TestNumericTextArithmeticPostgres(t *testing.T) {
	ctx := context.Background()
	pgs := pgserver.ForTest(t, pgserver.Options{Settings: map[string]string{"fsync": "off"}})
	c, err := pgx.Connect(ctx, pgs.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	r := rand.New(rand.NewPCG(4, 2026))
	var as, bs []string
	for range 4000 {
		a, b := randomDecimal(r), randomDecimal(r)
		if strings.Trim(b, "-0.") == "" {
			b = "7"
		}
		as, bs = append(as, a), append(bs, b)
	}
	// Fixed cases: exact halves, zero dividends, divisors with more digits than
	// the dividend, 10^18 and more.
	for _, p := range [][2]string{{"1", "8"}, {"-1", "8"}, {"0.00", "5"}, {"0", "-3"}, {"1.00", "30000"},
		{"123456789.12", "7"}, {"99999999999999999999999999.99", "0.01"}, {"0.000001", "999999999"},
		{"18446744073709551615", "18446744073709551616"}, {"-0.01", "-3"}, {"5", "2"}, {"-5", "2"}} {
		as, bs = append(as, p[0]), append(bs, p[1])
	}
	rows, err := c.Query(ctx, `SELECT (a / b)::text, (a * b)::text, (a + b)::text, (a - b)::text
		FROM unnest($1::numeric[], $2::numeric[]) WITH ORDINALITY t(a, b, i) ORDER BY i`, as, bs)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ops := []struct {
		name string
		fn   func([]byte, string, string) ([]byte, error)
	}{
		{"/", appendNumericDiv}, {"*", appendNumericMul},
		{"+", func(buf []byte, a, b string) ([]byte, error) { return appendNumericAdd(buf, a, b, false) }},
		{"-", func(buf []byte, a, b string) ([]byte, error) { return appendNumericAdd(buf, a, b, true) }},
	}
	i, bad := 0, 0
	for rows.Next() {
		var want [4]string
		if err := rows.Scan(&want[0], &want[1], &want[2], &want[3]); err != nil {
			t.Fatal(err)
		}
		for k, op := range ops {
			got, err := op.fn(nil, as[i], bs[i])
			if err != nil || string(got) != want[k] {
				if bad++; bad <= 20 {
					t.Errorf("%s %s %s: got %q (%v), PostgreSQL %q", as[i], op.name, bs[i], got, err, want[k])
				}
			}
		}
		i++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(as) {
		t.Fatalf("PostgreSQL returned %d rows for %d pairs", i, len(as))
	}
}

// TestNumericTextFunctions runs the functions in DuckDB over more than one chunk,
// with NULLs, the types DuckDB casts to text, and division by zero.
func TestNumericTextFunctions(t *testing.T) {
	e, _ := openTest(t)
	ctx := context.Background()
	sql := fmt.Sprintf(`SELECT %s(CAST(x AS VARCHAR), CAST(y AS VARCHAR)), %s(CAST(x AS VARCHAR), '3'),
		%s(CAST(x AS VARCHAR), '0.5'), %s(CAST(x AS VARCHAR), CAST(y AS VARCHAR)), CAST(x AS VARCHAR), CAST(y AS VARCHAR)
		FROM (SELECT CASE WHEN i %% 10 = 3 THEN NULL ELSE CAST(i AS DECIMAL(10,2)) / 100 - 25 END AS x,
			CAST(i %% 97 + 1 AS HUGEINT) * 1000000000000 AS y FROM range(5000) t(i)) ORDER BY x NULLS FIRST`,
		NumericDivFunc, NumericMulFunc, NumericAddFunc, NumericSubFunc)
	rows, err := e.Query(ctx, sql, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n, nulls := 0, 0
	if err := rows.Each(ctx, func(b arrow.RecordBatch) error {
		for i := range int(b.NumRows()) {
			n++
			if b.Column(4).IsNull(i) {
				for c := range 4 {
					if !b.Column(c).IsNull(i) {
						t.Fatalf("row %d: NULL operand gave %s", n, b.Column(c).ValueStr(i))
					}
				}
				nulls++
				continue
			}
			x, y := b.Column(4).ValueStr(i), b.Column(5).ValueStr(i)
			want := []func() ([]byte, error){
				func() ([]byte, error) { return appendNumericDiv(nil, x, y) },
				func() ([]byte, error) { return appendNumericMul(nil, x, "3") },
				func() ([]byte, error) { return appendNumericAdd(nil, x, "0.5", false) },
				func() ([]byte, error) { return appendNumericAdd(nil, x, y, true) },
			}
			for c, w := range want {
				exp, err := w()
				if err != nil || b.Column(c).ValueStr(i) != string(exp) {
					t.Fatalf("row %d column %d: DuckDB %q, Go %q (%v)", n, c, b.Column(c).ValueStr(i), exp, err)
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != 5000 || nulls != 500 {
		t.Fatalf("%d rows, %d NULL; want 5000, 500", n, nulls)
	}
	_, err = e.Query(ctx, "SELECT "+NumericDivFunc+"(CAST(i AS VARCHAR), CAST(i - 4000 AS VARCHAR)) FROM range(5000) t(i)", nil)
	if pgerr.Code(err) != pgerr.DivisionByZero {
		t.Fatalf("division by zero: %v (SQLSTATE %s)", err, pgerr.Code(err))
	}
	for _, v := range []string{"'inf'", "'nan'", "'12abc'", "''"} {
		if _, err := e.Query(ctx, "SELECT "+NumericDivFunc+"("+v+", '3')", nil); err == nil {
			t.Errorf("%s is not a decimal: want an error", v)
		}
	}
}

// TestNumericTextExponent reads doubles printed with an exponent as the plain
// decimals they stand for.
func TestNumericTextExponent(t *testing.T) {
	for _, c := range []struct{ exp, plain string }{
		{"1.5e-05", "0.000015"}, {"-2.5E3", "-2500"}, {"1e+20", "100000000000000000000"}, {"+7.25e1", "72.5"},
		{"123.456e-1", "12.3456"}, {"0.5e0", "0.5"}, {"9e-1", "0.9"},
	} {
		got, ok := plainDecimal(c.exp)
		if !ok || got != c.plain {
			t.Errorf("plainDecimal(%q) = %q, %v; want %q", c.exp, got, ok, c.plain)
		}
		for _, other := range []string{"3", "-0.07"} {
			a, err1 := appendNumericDiv(nil, c.exp, other)
			b, err2 := appendNumericDiv(nil, c.plain, other)
			if err1 != nil || err2 != nil || string(a) != string(b) {
				t.Errorf("%s / %s = %s (%v), %s / %s = %s (%v)", c.exp, other, a, err1, c.plain, other, b, err2)
			}
		}
	}
	for _, bad := range []string{"e5", "1e", "1.2.3e4", "1e99999", "--1e2"} {
		if got, ok := plainDecimal(bad); ok {
			t.Errorf("plainDecimal(%q) = %q, want not ok", bad, got)
		}
	}
}

// BenchmarkNumericDivProjection divides a numeric(10,2) column of 1M rows by 3:
// DuckDB's double division as the baseline, the column's text alone, then
// lakegate's exact division, and the quotient times 2.
func BenchmarkNumericDivProjection(b *testing.B) {
	ctx := context.Background()
	e, err := Open(ctx, Config{Connections: 1, Threads: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	const from = ` FROM (SELECT CAST((i * 7919) % 100000000 AS DECIMAL(10,2)) / 100 AS price FROM range(1000000) t(i))`
	for _, c := range []struct{ name, sql string }{
		{"double", `SELECT count(q) FROM (SELECT price / 3 AS q` + from + `)`},
		{"text", `SELECT count(q) FROM (SELECT CAST(price AS VARCHAR) AS q` + from + `)`},
		{"exact", `SELECT count(q) FROM (SELECT ` + NumericDivFunc + `(CAST(price AS VARCHAR), '3') AS q` + from + `)`},
		{"exact_times_2", `SELECT count(q) FROM (SELECT ` + NumericMulFunc + `(` + NumericDivFunc + `(CAST(price AS VARCHAR), '3'), '2') AS q` + from + `)`},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				rows, err := e.Query(ctx, c.sql, nil)
				if err != nil {
					b.Fatal(err)
				}
				if err := rows.Each(ctx, func(r arrow.RecordBatch) error {
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				rows.Close()
			}
		})
	}
}
