package planner

import (
	"cmp"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/lakegate/lakegate/catalog"
)

// rowSet is one table snapshot in memory, as the scan returns it, sorted by one key
// column with its NULLs last.
type rowSet struct {
	schema  *arrow.Schema
	cols    []arrow.Array
	index   map[string]int
	key     int
	nonNull int // rows whose key is not NULL: [0, nonNull)
	// then is the column rows of one key are sorted by (the table's next identifier
	// field), or -1: a range on it narrows a key's rows by binary search.
	then  int
	bytes int64
}

// newRowSet concatenates the batches of a scan sorted by key NULLS LAST, then by
// then (a column without NULLs, or ""). It takes ownership of the batches.
func newRowSet(schema *arrow.Schema, batches []arrow.RecordBatch, key, then string) (*rowSet, error) {
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	rs := &rowSet{schema: schema, index: make(map[string]int, schema.NumFields()), key: -1, then: -1}
	for i, f := range schema.Fields() {
		rs.index[f.Name] = i
		if f.Name == key {
			rs.key = i
		}
		parts := make([]arrow.Array, len(batches))
		for j, b := range batches {
			parts[j] = b.Column(i)
		}
		var col arrow.Array
		if len(parts) == 0 {
			col = array.MakeArrayOfNull(memory.DefaultAllocator, f.Type, 0)
		} else {
			c, err := array.Concatenate(parts, memory.DefaultAllocator)
			if err != nil {
				rs.release()
				return nil, err
			}
			col = c
		}
		rs.cols = append(rs.cols, col)
		for _, buf := range col.Data().Buffers() {
			if buf != nil {
				rs.bytes += int64(buf.Len())
			}
		}
	}
	if rs.key < 0 {
		rs.release()
		return nil, errNoKey
	}
	k := rs.cols[rs.key]
	rs.nonNull = k.Len() - k.NullN()
	if j, ok := rs.index[then]; ok && rs.cols[j].NullN() == 0 {
		switch kindOf(rs.cols[j].DataType()) {
		case kindInt, kindDate, kindTimestamp, kindTimestampTz, kindDecimal:
			rs.then = j
		}
	}
	return rs, nil
}

type laneError string

func (e laneError) Error() string { return string(e) }

const errNoKey = laneError("lookup key column missing from the scan")

func (rs *rowSet) release() {
	for _, c := range rs.cols {
		c.Release()
	}
}

// valKind is how the lane compares a column: the Arrow types it reads exactly.
type valKind int

const (
	kindNone valKind = iota
	kindInt
	kindFloat
	kindDate
	kindTimestamp   // microseconds, wall clock
	kindTimestampTz // microseconds since the epoch
	kindString
	kindDecimal
	kindBool
)

func kindOf(dt arrow.DataType) valKind {
	switch t := dt.(type) {
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type:
		return kindInt
	case *arrow.Float64Type:
		return kindFloat
	case *arrow.Date32Type:
		return kindDate
	case *arrow.TimestampType:
		if t.Unit != arrow.Microsecond {
			return kindNone
		}
		if t.TimeZone != "" {
			return kindTimestampTz
		}
		return kindTimestamp
	case *arrow.StringType, *arrow.LargeStringType:
		return kindString
	case *arrow.Decimal128Type:
		return kindDecimal
	case *arrow.BooleanType:
		return kindBool
	}
	return kindNone
}

// keyable reports whether an Iceberg column can key a row set: exact types whose
// order DuckDB and the lane agree on.
func keyable(t iceberg.Type) bool {
	switch t.(type) {
	case iceberg.Int32Type, iceberg.Int64Type, iceberg.DateType, iceberg.StringType, iceberg.DecimalType,
		iceberg.TimestampType, iceberg.TimestampTzType:
		return true
	}
	return false
}

// lval is a constant converted exactly to a column's kind.
type lval struct {
	i int64
	f float64
	s string
	d decimal128.Num
	b bool
}

// paramOK reports whether a parameter declared as oid may be compared with a column
// of kind k without PostgreSQL converting either side in a way the lane does not.
func paramOK(k valKind, oid uint32) bool {
	switch oid {
	case 0, oidUnknown, catalog.OIDText, oidVarchar:
		return true
	}
	switch k {
	case kindInt:
		return oid == catalog.OIDInt2 || oid == catalog.OIDInt4 || oid == catalog.OIDInt8
	case kindFloat:
		return oid == catalog.OIDFloat8 || oid == catalog.OIDFloat4 || oid == catalog.OIDInt2 || oid == catalog.OIDInt4 || oid == catalog.OIDInt8
	case kindDate:
		return oid == catalog.OIDDate
	case kindTimestamp:
		return oid == catalog.OIDTimestamp
	case kindTimestampTz:
		return oid == catalog.OIDTimestamptz
	case kindDecimal:
		return oid == catalog.OIDNumeric || oid == catalog.OIDInt2 || oid == catalog.OIDInt4 || oid == catalog.OIDInt8
	case kindBool:
		return oid == catalog.OIDBool
	}
	return false
}

// lookupValue converts a predicate's constant or parameter to the column's kind, or
// reports false when the conversion is not exact.
func lookupValue(arg *pg.Node, params []any, oids []uint32, dt arrow.DataType) (lval, bool) {
	k := kindOf(dt)
	if p := arg.GetParamRef(); p != nil {
		i := int(p.Number) - 1
		if i < 0 || i >= len(oids) || !paramOK(k, oids[i]) {
			return lval{}, false
		}
	} else if k == kindTimestampTz {
		// A constant without a zone is in the session's TimeZone, which constant
		// folding does not apply; parameters arrive as instants.
		return lval{}, false
	}
	v, ok := constant(arg, params)
	if !ok {
		return lval{}, false
	}
	return convertValue(v, dt)
}

// lookupValues converts the items of an IN list, or the elements of one array, to
// the column's kind; NULLs are left out (they equal nothing).
func lookupValues(items []*pg.Node, params []any, oids []uint32, dt arrow.DataType) ([]lval, bool) {
	if len(items) == 1 {
		if p := items[0].GetParamRef(); p != nil {
			i := int(p.Number) - 1
			if i < 0 || i >= len(params) || i >= len(oids) || !arrayParamOK(kindOf(dt), oids[i]) {
				return nil, false
			}
			elems, isArray := params[i].([]any)
			if !isArray {
				return nil, false
			}
			out := make([]lval, 0, len(elems))
			for _, e := range elems {
				if e == nil {
					continue
				}
				v, ok := convertValue(e, dt)
				if !ok {
					return nil, false
				}
				out = append(out, v)
			}
			return out, true
		}
	}
	out := make([]lval, 0, len(items))
	for _, it := range items {
		if c := it.GetAConst(); c != nil && c.Isnull {
			continue
		}
		v, ok := lookupValue(it, params, oids, dt)
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

// arrayParamOK is paramOK for an array parameter's elements.
func arrayParamOK(k valKind, oid uint32) bool {
	for _, o := range pgArrayOIDs {
		if o[1] == oid {
			return paramOK(k, o[0])
		}
	}
	return false
}

// convertValue converts a folded constant or parameter value to a column's kind.
func convertValue(v any, dt arrow.DataType) (lval, bool) {
	switch kindOf(dt) {
	case kindInt:
		i, ok := toInt(v)
		return lval{i: i}, ok
	case kindFloat:
		if s, isText := v.(string); isText && strings.EqualFold(strings.TrimSpace(s), "nan") {
			return lval{f: math.NaN()}, true
		}
		f, ok := toFloat(v)
		return lval{f: f}, ok
	case kindDate:
		var t time.Time
		switch x := v.(type) {
		case dateVal:
			t = x.t
		case time.Time, string:
			var ok bool
			if t, ok = toTime(x); !ok {
				return lval{}, false
			}
		default:
			return lval{}, false
		}
		if t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 || t.Nanosecond() != 0 {
			return lval{}, false
		}
		return lval{i: floorDiv(t.Unix(), 86400)}, true
	case kindTimestamp:
		t, ok := toTime(v)
		if !ok || t.Nanosecond()%1000 != 0 {
			return lval{}, false
		}
		return lval{i: t.UnixMicro()}, true
	case kindTimestampTz:
		t, ok := toTimeTz(v)
		if !ok || t.Nanosecond()%1000 != 0 {
			return lval{}, false
		}
		return lval{i: t.UnixMicro()}, true
	case kindString:
		s, ok := v.(string)
		return lval{s: s}, ok
	case kindDecimal:
		d, ok := exactDecimal(toText(v), dt.(*arrow.Decimal128Type).Scale)
		return lval{d: d}, ok
	case kindBool:
		switch x := v.(type) {
		case bool:
			return lval{b: x}, true
		case string:
			if b, ok := castConst(x, &pg.TypeName{Names: []*pg.Node{pg.MakeStrNode("bool")}}); ok {
				return lval{b: b.(bool)}, true
			}
		}
	}
	return lval{}, false
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// exactDecimal reads a plain decimal string as an unscaled value of the given
// scale, or reports false if that would round.
func exactDecimal(s string, scale int32) (decimal128.Num, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "eE") {
		return decimal128.Num{}, false
	}
	neg := s[0] == '-'
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	if len(frac) > int(scale) || whole == "" && frac == "" {
		return decimal128.Num{}, false
	}
	digits := whole + frac + strings.Repeat("0", int(scale)-len(frac))
	n, ok := new(big.Int).SetString(digits, 10)
	if !ok || n.BitLen() > 126 {
		return decimal128.Num{}, false
	}
	if neg {
		n.Neg(n)
	}
	return decimal128.FromBigInt(n), true
}

// cmpValue compares row i of a column with v: -1, 0 or 1. The row must not be NULL.
// NaN is equal to itself and larger than every number, as in PostgreSQL and DuckDB.
func cmpValue(a arrow.Array, i int, v lval) int {
	switch c := a.(type) {
	case *array.Int8:
		return cmp.Compare(int64(c.Value(i)), v.i)
	case *array.Int16:
		return cmp.Compare(int64(c.Value(i)), v.i)
	case *array.Int32:
		return cmp.Compare(int64(c.Value(i)), v.i)
	case *array.Int64:
		return cmp.Compare(c.Value(i), v.i)
	case *array.Float64:
		return cmpFloat(c.Value(i), v.f)
	case *array.Date32:
		return cmp.Compare(int64(c.Value(i)), v.i)
	case *array.Timestamp:
		return cmp.Compare(int64(c.Value(i)), v.i)
	case *array.String:
		return strings.Compare(c.Value(i), v.s)
	case *array.LargeString:
		return strings.Compare(c.Value(i), v.s)
	case *array.Decimal128:
		return c.Value(i).Cmp(v.d)
	case *array.Boolean:
		return cmpBool(c.Value(i), v.b)
	}
	panic("lookup lane: unsupported column type " + a.DataType().String())
}

// cmpRows compares rows i and j of a column (neither NULL).
func cmpRows(a arrow.Array, i, j int) int {
	switch c := a.(type) {
	case *array.Int8:
		return cmp.Compare(int64(c.Value(i)), int64(c.Value(j)))
	case *array.Int16:
		return cmp.Compare(int64(c.Value(i)), int64(c.Value(j)))
	case *array.Int32:
		return cmp.Compare(int64(c.Value(i)), int64(c.Value(j)))
	case *array.Int64:
		return cmp.Compare(c.Value(i), c.Value(j))
	case *array.Float64:
		return cmpFloat(c.Value(i), c.Value(j))
	case *array.Date32:
		return cmp.Compare(int64(c.Value(i)), int64(c.Value(j)))
	case *array.Timestamp:
		return cmp.Compare(int64(c.Value(i)), int64(c.Value(j)))
	case *array.String:
		return strings.Compare(c.Value(i), c.Value(j))
	case *array.LargeString:
		return strings.Compare(c.Value(i), c.Value(j))
	case *array.Decimal128:
		return c.Value(i).Cmp(c.Value(j))
	case *array.Boolean:
		return cmpBool(c.Value(i), c.Value(j))
	}
	panic("lookup lane: unsupported column type " + a.DataType().String())
}

// cmpFloat orders NaN after every number, as PostgreSQL does (cmp.Compare puts it
// first).
func cmpFloat(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// holds applies a comparison operator to the result of cmpValue.
func holds(op string, c int) bool {
	switch op {
	case "=":
		return c == 0
	case "<>", "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

// gather returns rows idx of a column as a new array (slices for runs of adjacent rows).
func gather(a arrow.Array, idx []int) (arrow.Array, error) {
	var parts []arrow.Array
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	for s := 0; s < len(idx); {
		e := s + 1
		for e < len(idx) && idx[e] == idx[e-1]+1 {
			e++
		}
		parts = append(parts, array.NewSlice(a, int64(idx[s]), int64(idx[e-1]+1)))
		s = e
	}
	switch len(parts) {
	case 0:
		return array.NewSlice(a, 0, 0), nil
	case 1:
		parts[0].Retain()
		return parts[0], nil
	}
	return array.Concatenate(parts, memory.DefaultAllocator)
}
