package pushdown

import (
	"encoding/binary"
	"math"
	"math/big"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/iceberg-go"
	"github.com/parquet-go/parquet-go/format"
)

// rowGroupMightMatch evaluates a bound, NOT-free Iceberg expression against one row
// group's statistics. It answers true whenever the statistics cannot prove that no row
// matches: missing statistics, unsupported types, NaN bounds, nested columns.
func rowGroupMightMatch(expr iceberg.BooleanExpression, f *footer, rg *rowGroup) bool {
	return mightMatch(expr, func(field iceberg.NestedField) *valueRange { return rowGroupRange(f, rg, field) })
}

// mightMatch evaluates a bound, NOT-free expression over value ranges; source says
// what is known about a field (nil: nothing).
func mightMatch(expr iceberg.BooleanExpression, source func(iceberg.NestedField) *valueRange) bool {
	ok, err := iceberg.VisitExpr[bool](expr, &statsEval{source: source})
	return err != nil || ok
}

// valueRange is what statistics say about one column's values, as literals of the
// field's Iceberg type.
type valueRange struct {
	min, max iceberg.Literal // nil when unknown
	allNull  bool            // proven: every value is null
	noNull   bool            // proven: no value is null
}

// statsEval answers "might a row match" for bound predicates from value ranges.
type statsEval struct {
	source func(iceberg.NestedField) *valueRange
	ids    [4]int
	ranges [4]*valueRange
	n      int
	more   map[int]*valueRange
}

// rangeOf returns what is known about the column a term reads, or nil when nothing is
// (a transform, a nested or missing column, an unsupported type).
func (e *statsEval) rangeOf(term iceberg.BoundTerm) *valueRange {
	if _, ok := term.(*iceberg.BoundTransform); ok {
		return nil
	}
	ref, ok := term.(iceberg.BoundReference)
	if !ok {
		return nil
	}
	field := ref.Field()
	for i := 0; i < e.n; i++ {
		if e.ids[i] == field.ID {
			return e.ranges[i]
		}
	}
	if r, ok := e.more[field.ID]; ok {
		return r
	}
	r := e.source(field)
	if e.n < len(e.ids) {
		e.ids[e.n], e.ranges[e.n] = field.ID, r
		e.n++
	} else {
		if e.more == nil {
			e.more = map[int]*valueRange{}
		}
		e.more[field.ID] = r
	}
	return r
}

// rowGroupRange reads a field's range from a row group's column statistics.
func rowGroupRange(f *footer, rg *rowGroup, field iceberg.NestedField) *valueRange {
	ct, ok := f.columns[field.ID]
	st, hasStats := rg.stats[field.ID]
	if !ok || !hasStats {
		return nil
	}
	r := &valueRange{}
	present := st.min != nil || st.max != nil
	// A writer that wrote min/max also wrote null_count; without them a zero null
	// count may just be absent.
	r.noNull = ct.required || (present && st.nullCount == 0)
	r.allNull = rg.rows > 0 && st.nullCount == rg.rows
	if present && !ct.unsigned {
		r.min = decodeStat(st.min, ct, field.Type, false)
		r.max = decodeStat(st.max, ct, field.Type, true)
		if r.min == nil || r.max == nil {
			r.min, r.max = nil, nil
		}
	}
	return r
}

// decodeStat converts a PLAIN-encoded statistic to a literal of the Iceberg type t, or
// nil when the encoding and the type do not match exactly. upper rounds inexact
// conversions (nanosecond timestamps) up instead of down.
func decodeStat(b []byte, ct columnType, t iceberg.Type, upper bool) iceberg.Literal {
	if b == nil {
		return nil
	}
	switch t := t.(type) {
	case iceberg.BooleanType:
		if ct.physical == format.Boolean && len(b) >= 1 {
			return iceberg.NewLiteral(b[0]&1 == 1)
		}
	case iceberg.Int32Type:
		if ct.physical == format.Int32 && len(b) == 4 && !ct.decimal {
			return iceberg.NewLiteral(int32(binary.LittleEndian.Uint32(b)))
		}
	case iceberg.Int64Type:
		if ct.decimal {
			return nil
		}
		if ct.physical == format.Int32 && len(b) == 4 {
			return iceberg.NewLiteral(int64(int32(binary.LittleEndian.Uint32(b))))
		}
		if ct.physical == format.Int64 && len(b) == 8 && ct.timeUnit == 0 {
			return iceberg.NewLiteral(int64(binary.LittleEndian.Uint64(b)))
		}
	case iceberg.DateType:
		if ct.physical == format.Int32 && len(b) == 4 {
			return iceberg.NewLiteral(iceberg.Date(int32(binary.LittleEndian.Uint32(b))))
		}
	case iceberg.TimestampType, iceberg.TimestampTzType:
		if ct.physical != format.Int64 || len(b) != 8 || ct.timeUnit == 0 {
			return nil
		}
		v := int64(binary.LittleEndian.Uint64(b))
		var micros int64
		switch {
		case ct.timeUnit == 1e3:
			micros = v
		case ct.timeUnit == 1e6:
			if v > math.MaxInt64/1000 || v < math.MinInt64/1000 {
				return nil
			}
			micros = v * 1000
		case ct.timeUnit == 1:
			micros = floorDiv(v, 1000)
			if upper && v%1000 != 0 {
				micros++
			}
		default:
			return nil
		}
		return iceberg.NewLiteral(iceberg.Timestamp(micros))
	case iceberg.Float32Type:
		if ct.physical == format.Float && len(b) == 4 {
			f := math.Float32frombits(binary.LittleEndian.Uint32(b))
			if f != f {
				return nil
			}
			return iceberg.NewLiteral(f)
		}
	case iceberg.Float64Type:
		var f float64
		switch {
		case ct.physical == format.Double && len(b) == 8:
			f = math.Float64frombits(binary.LittleEndian.Uint64(b))
		case ct.physical == format.Float && len(b) == 4:
			f = float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		default:
			return nil
		}
		if math.IsNaN(f) {
			return nil
		}
		return iceberg.NewLiteral(f)
	case iceberg.StringType:
		if ct.physical == format.ByteArray {
			return iceberg.NewLiteral(string(b))
		}
	case iceberg.DecimalType:
		if !ct.decimal || int(ct.scale) != t.Scale() {
			return nil
		}
		var unscaled *big.Int
		switch ct.physical {
		case format.Int32:
			if len(b) != 4 {
				return nil
			}
			unscaled = big.NewInt(int64(int32(binary.LittleEndian.Uint32(b))))
		case format.Int64:
			if len(b) != 8 {
				return nil
			}
			unscaled = big.NewInt(int64(binary.LittleEndian.Uint64(b)))
		case format.FixedLenByteArray, format.ByteArray:
			if len(b) == 0 || len(b) > 16 {
				return nil
			}
			unscaled = new(big.Int).SetBytes(b)
			if b[0]&0x80 != 0 { // two's complement
				unscaled.Sub(unscaled, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
			}
		default:
			return nil
		}
		return iceberg.NewLiteral(iceberg.Decimal{Val: decimal128.FromBigInt(unscaled), Scale: t.Scale()})
	}
	return nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// compare orders two literals of the same Iceberg type; ok is false for types it does
// not know (the caller then keeps the row group).
func compare(a, b iceberg.Literal) (int, bool) {
	switch x := a.(type) {
	case iceberg.TypedLiteral[bool]:
		return cmpTyped(x, b)
	case iceberg.TypedLiteral[int32]:
		return cmpTyped(x, b)
	case iceberg.TypedLiteral[int64]:
		return cmpTyped(x, b)
	case iceberg.TypedLiteral[float32]:
		return cmpTyped(x, b)
	case iceberg.TypedLiteral[float64]:
		return cmpTyped(x, b)
	case iceberg.TypedLiteral[iceberg.Date]:
		return cmpTyped(x, b)
	case iceberg.TypedLiteral[iceberg.Timestamp]:
		return cmpTyped(x, b)
	case iceberg.TypedLiteral[string]:
		return cmpTyped(x, b)
	case iceberg.TypedLiteral[iceberg.Decimal]:
		return cmpTyped(x, b)
	}
	return 0, false
}

func cmpTyped[T iceberg.LiteralType](a iceberg.TypedLiteral[T], b iceberg.Literal) (int, bool) {
	y, ok := b.(iceberg.TypedLiteral[T])
	if !ok {
		return 0, false
	}
	return a.Comparator()(a.Value(), y.Value()), true
}

// below reports whether lit is proven to be below the range (lit < min).
func (r *valueRange) below(lit iceberg.Literal) bool {
	c, ok := compare(lit, r.min)
	return r.min != nil && ok && c < 0
}

// above reports whether lit is proven to be above the range (lit > max).
func (r *valueRange) above(lit iceberg.Literal) bool {
	c, ok := compare(lit, r.max)
	return r.max != nil && ok && c > 0
}

func (e *statsEval) VisitTrue() bool                            { return true }
func (e *statsEval) VisitFalse() bool                           { return false }
func (e *statsEval) VisitNot(bool) bool                         { return true } // NOT was rewritten away
func (e *statsEval) VisitAnd(l, r bool) bool                    { return l && r }
func (e *statsEval) VisitOr(l, r bool) bool                     { return l || r }
func (e *statsEval) VisitUnbound(iceberg.UnboundPredicate) bool { return true }
func (e *statsEval) VisitBound(p iceberg.BoundPredicate) bool {
	return iceberg.VisitBoundPredicate[bool](p, e)
}

func (e *statsEval) VisitIsNull(t iceberg.BoundTerm) bool {
	r := e.rangeOf(t)
	return r == nil || !r.noNull
}

func (e *statsEval) VisitNotNull(t iceberg.BoundTerm) bool {
	r := e.rangeOf(t)
	return r == nil || !r.allNull
}

func (e *statsEval) VisitIsNan(iceberg.BoundTerm) bool  { return true }
func (e *statsEval) VisitNotNan(iceberg.BoundTerm) bool { return true }

func (e *statsEval) VisitEqual(t iceberg.BoundTerm, lit iceberg.Literal) bool {
	r := e.rangeOf(t)
	return r == nil || !(r.allNull || r.below(lit) || r.above(lit))
}

func (e *statsEval) VisitNotEqual(iceberg.BoundTerm, iceberg.Literal) bool { return true }

func (e *statsEval) VisitLess(t iceberg.BoundTerm, lit iceberg.Literal) bool {
	r := e.rangeOf(t)
	if r == nil || r.min == nil {
		return r == nil || !r.allNull
	}
	c, ok := compare(r.min, lit)
	return !r.allNull && (!ok || c < 0)
}

func (e *statsEval) VisitLessEqual(t iceberg.BoundTerm, lit iceberg.Literal) bool {
	r := e.rangeOf(t)
	return r == nil || !(r.allNull || r.below(lit))
}

func (e *statsEval) VisitGreater(t iceberg.BoundTerm, lit iceberg.Literal) bool {
	r := e.rangeOf(t)
	if r == nil || r.max == nil {
		return r == nil || !r.allNull
	}
	c, ok := compare(r.max, lit)
	return !r.allNull && (!ok || c > 0)
}

func (e *statsEval) VisitGreaterEqual(t iceberg.BoundTerm, lit iceberg.Literal) bool {
	r := e.rangeOf(t)
	return r == nil || !(r.allNull || r.above(lit))
}

func (e *statsEval) VisitIn(t iceberg.BoundTerm, lits iceberg.Set[iceberg.Literal]) bool {
	r := e.rangeOf(t)
	if r == nil {
		return true
	}
	if r.allNull {
		return false
	}
	for _, l := range lits.Members() {
		if !r.below(l) && !r.above(l) {
			return true
		}
	}
	return false
}

func (e *statsEval) VisitNotIn(iceberg.BoundTerm, iceberg.Set[iceberg.Literal]) bool {
	return true
}

func (e *statsEval) VisitStartsWith(t iceberg.BoundTerm, lit iceberg.Literal) bool {
	r := e.rangeOf(t)
	if r == nil {
		return true
	}
	if r.allNull {
		return false
	}
	p, ok := lit.Any().(string)
	if !ok || r.min == nil || r.max == nil {
		return true
	}
	lo, ok1 := r.min.Any().(string)
	hi, ok2 := r.max.Any().(string)
	if !ok1 || !ok2 {
		return true
	}
	// Every value v has lo <= v <= hi; v starting with p needs lo[:len(p)] <= p and
	// hi[:len(p)] >= p.
	if strings.Compare(lo[:min(len(lo), len(p))], p) > 0 {
		return false
	}
	return strings.Compare(hi[:min(len(hi), len(p))], p) >= 0
}

func (e *statsEval) VisitNotStartsWith(iceberg.BoundTerm, iceberg.Literal) bool { return true }
