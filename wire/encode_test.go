package wire

import (
	"bytes"
	"encoding/hex"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// Expected bytes follow numeric_send: ndigits, weight, sign, dscale, base-10000 digits.
func TestNumericBinary(t *testing.T) {
	for _, tc := range []struct {
		neg    bool
		digits string
		scale  int
		want   string
	}{
		{false, "12345678", 3, "0003" + "0001" + "0000" + "0003" + "0001" + "0929" + "1a7c"}, // 12345.678
		{true, "5", 1, "0001" + "ffff" + "4000" + "0001" + "1388"},                           // -0.5
		{false, "0", 2, "0000" + "0000" + "0000" + "0002"},                                   // 0.00
		{false, "100000000", 0, "0001" + "0002" + "0000" + "0000" + "0001"},                  // 100000000
		{false, "1", 4, "0001" + "ffff" + "0000" + "0004" + "0001"},                          // 0.0001
		{false, "1", 5, "0001" + "fffe" + "0000" + "0005" + "03e8"},                          // 0.00001
		{false, "12", -2, "0001" + "0000" + "0000" + "0000" + "04b0"},                        // 1200
	} {
		got := appendNumericBinary(nil, tc.neg, []byte(tc.digits), tc.scale)
		if !bytes.Equal(got, unhex(tc.want)) {
			t.Errorf("%v %s e-%d: got %x want %s", tc.neg, tc.digits, tc.scale, got, tc.want)
		}
		// And back through the Bind decoder.
		if _, err := decodeNumericBinary(got); err != nil {
			t.Errorf("decode %x: %v", got, err)
		}
	}
	if got := appendNumericSpecial(nil, numericNaN); !bytes.Equal(got, unhex("00000000c0000000")) {
		t.Errorf("NaN: %x", got)
	}
	for in, want := range map[string]string{
		"0003000100000003000109291a7c": "12345.678",
		"0001ffff400000011388":         "-0.5",
		"00000000c0000000":             "NaN",
		"0000000000000002":             "0.00",
		"0001000200000000 0001":        "100000000",
	} {
		got, err := decodeNumericBinary(unhex(stripSpaces(in)))
		if err != nil || got != want {
			t.Errorf("decode %s: %v %v, want %s", in, got, err, want)
		}
	}
}

func stripSpaces(s string) string { return string(bytes.ReplaceAll([]byte(s), []byte(" "), nil)) }

func TestFloatText(t *testing.T) {
	for _, tc := range []struct {
		f     float64
		bits  int
		extra int
		want  string
	}{
		{0.1, 64, 1, "0.1"}, {1e100, 64, 1, "1e+100"}, {1e15, 64, 1, "1e+15"},
		{123456789012345, 64, 1, "123456789012345"}, {0.0001, 64, 1, "0.0001"}, {0.00001, 64, 1, "1e-05"},
		{math.Copysign(0, -1), 64, 1, "-0"}, {math.NaN(), 64, 1, "NaN"}, {math.Inf(1), 64, 1, "Infinity"},
		{math.Inf(-1), 64, 1, "-Infinity"}, {1e6, 32, 1, "1e+06"}, {123456, 32, 1, "123456"},
		{float64(float32(0.1)), 32, 1, "0.1"}, {1.0 / 3, 64, 0, "0.333333333333333"}, {100, 64, 1, "100"},
		{2.5, 64, 0, "2.5"},
	} {
		if got := string(appendFloat(nil, tc.f, tc.bits, tc.extra)); got != tc.want {
			t.Errorf("%v/%d/%d: got %q want %q", tc.f, tc.bits, tc.extra, got, tc.want)
		}
	}
}

func TestDateTimeText(t *testing.T) {
	days := func(y int64, m, d int) int64 { return daysFromCivil(y, m, d) }
	for _, tc := range []struct {
		got, want string
	}{
		{string(appendDate(nil, days(2024, 2, 29))), "2024-02-29"},
		{string(appendDate(nil, days(0, 12, 31))), "0001-12-31 BC"},
		{string(appendDate(nil, days(-43, 3, 15))), "0044-03-15 BC"},
		{string(appendDate(nil, days(10000, 1, 1))), "10000-01-01"},
		{string(appendDate(nil, math.MaxInt32)), "infinity"},
		{string(appendTimestamp(nil, days(2024, 1, 2)*usPerDay+3723*usPerSec+500000)), "2024-01-02 01:02:03.5"},
		{string(appendTimestamp(nil, days(1969, 12, 31)*usPerDay+1)), "1969-12-31 00:00:00.000001"},
		{string(appendTimestamp(nil, -1)), "1969-12-31 23:59:59.999999"},
		{string(appendTimestamp(nil, days(0, 1, 1)*usPerDay)), "0001-01-01 00:00:00 BC"},
		{string(appendTimestamp(nil, math.MaxInt64)), "infinity"},
		{string(appendClock(nil, 0)), "00:00:00"},
		{string(appendClock(nil, 86399*usPerSec+120)), "23:59:59.00012"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q want %q", tc.got, tc.want)
		}
	}
	ts := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC).UnixMicro()
	for zone, want := range map[string]string{
		"UTC":              "2024-01-02 03:04:05+00",
		"America/New_York": "2024-01-01 22:04:05-05",
		"Asia/Kolkata":     "2024-01-02 08:34:05+05:30",
		"Not/AZone":        "2024-01-02 03:04:05+00",
	} {
		if got := string(appendTimestamptz(nil, ts, loadLocation(zone))); got != want {
			t.Errorf("%s: got %q want %q", zone, got, want)
		}
	}
}

func TestIntervalText(t *testing.T) {
	for _, tc := range []struct {
		m, d int32
		us   int64
		want string
	}{
		{14, 3, (4*3600+5*60+6)*1e6 + 500000, "1 year 2 mons 3 days 04:05:06.5"},
		{0, 0, 0, "00:00:00"},
		{-1, 0, 0, "-1 mons"},
		{12, 0, 0, "1 year"},
		{0, -1, 3600e6, "-1 days +01:00:00"},
		{0, 0, -90e6, "-00:01:30"},
		{0, 1, 0, "1 day"},
		{0, 0, 100 * 3600e6, "100:00:00"},
	} {
		if got := string(appendInterval(nil, tc.m, tc.d, tc.us)); got != tc.want {
			t.Errorf("%d %d %d: got %q want %q", tc.m, tc.d, tc.us, got, tc.want)
		}
	}
}

func TestNumericText(t *testing.T) {
	for _, tc := range []struct {
		neg    bool
		digits string
		scale  int
		want   string
	}{
		{false, "12345678", 3, "12345.678"}, {true, "5", 1, "-0.5"}, {false, "0", 2, "0.00"},
		{true, "50", 2, "-0.50"}, {false, "12", -2, "1200"}, {false, "7", 0, "7"}, {true, "0", 1, "0.0"},
	} {
		if got := string(appendScaled(nil, tc.neg, []byte(tc.digits), tc.scale)); got != tc.want {
			t.Errorf("got %q want %q", got, tc.want)
		}
	}
	if got := string(appendUint128(nil, math.MaxUint64, math.MaxUint64)); got != "340282366920938463463374607431768211455" {
		t.Errorf("uint128 max: %s", got)
	}
	if got := string(appendUint128(nil, 1, 0)); got != "18446744073709551616" {
		t.Errorf("2^64: %s", got)
	}
}

// encodeColumn encodes every row of arr with the encoder the wire layer would pick.
func encodeColumn(t *testing.T, arr arrow.Array, format int16) []string {
	t.Helper()
	f := FieldForArrow("x", arr.DataType())
	m, err := makeEncoder(arr.DataType(), f.TypeOID, format, &encOptions{loc: time.UTC, floatDigits: 1})
	if err != nil {
		t.Fatal(err)
	}
	enc := m(arr)
	var out []string
	for i := 0; i < arr.Len(); i++ {
		if arr.IsNull(i) {
			out = append(out, "NULL")
			continue
		}
		out = append(out, string(enc(nil, i)))
	}
	return out
}

func TestArrayEncoding(t *testing.T) {
	lb := array.NewListBuilder(mem, arrow.BinaryTypes.String)
	vb := lb.ValueBuilder().(*array.StringBuilder)
	lb.Append(true)
	vb.AppendValues([]string{"a b", "", "null", `q"`, `back\slash`, "x", "{}"}, nil)
	vb.AppendNull()
	lb.Append(true) // empty array
	lb.AppendNull()
	arr := lb.NewArray()
	defer arr.Release()
	got := encodeColumn(t, arr, 0)
	want := []string{`{"a b","","null","q\"","back\\slash",x,"{}",NULL}`, `{}`, "NULL"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("text array %d: got %s want %s", i, got[i], want[i])
		}
	}

	ib := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int32)
	iv := ib.ValueBuilder().(*array.Int32Builder)
	ib.Append(true)
	iv.Append(1)
	iv.AppendNull()
	ib.Append(true)
	iarr := ib.NewArray()
	defer iarr.Release()
	if f := FieldForArrow("x", iarr.DataType()); f.TypeOID != 1007 {
		t.Fatalf("int4[] oid %d", f.TypeOID)
	}
	bin := encodeColumn(t, iarr, 1)
	// ndim 1, has nulls, int4, size 2, lbound 1, [len 4: 1], [NULL]
	if w := string(unhex("00000001" + "00000001" + "00000017" + "00000002" + "00000001" + "00000004" + "00000001" + "ffffffff")); bin[0] != w {
		t.Errorf("binary int4[]: %x", bin[0])
	}
	if w := string(unhex("00000000" + "00000000" + "00000017")); bin[1] != w {
		t.Errorf("binary empty int4[]: %x", bin[1])
	}
}

func TestScalarEncodings(t *testing.T) {
	db := array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: 38, Scale: 2})
	db.Append(decimal128.FromI64(-12345))
	db.Append(decimal128.New(math.MaxInt64, math.MaxUint64)) // a 38-digit value
	darr := db.NewArray()
	defer darr.Release()
	if got := encodeColumn(t, darr, 0); got[0] != "-123.45" || got[1] != "1701411834604692317316873037158841057.27" {
		t.Errorf("decimal text %v", got)
	}
	if got := encodeColumn(t, darr, 1); got[0] != string(unhex("0002"+"0000"+"4000"+"0002"+"007b"+"1194")) {
		t.Errorf("decimal binary %x", got[0])
	}

	bb := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	bb.Append([]byte{0xde, 0xad})
	barr := bb.NewArray()
	defer barr.Release()
	if got := encodeColumn(t, barr, 0); got[0] != `\xdead` {
		t.Errorf("bytea %v", got)
	}

	ivb := array.NewMonthDayNanoIntervalBuilder(mem)
	ivb.Append(arrow.MonthDayNanoInterval{Months: 1, Days: 2, Nanoseconds: 3000})
	ivarr := ivb.NewArray()
	defer ivarr.Release()
	if got := encodeColumn(t, ivarr, 1); got[0] != string(unhex("0000000000000003"+"00000002"+"00000001")) {
		t.Errorf("interval binary %x", got[0])
	}

	tb := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"})
	tb.Append(arrow.Timestamp(time.Date(2000, 1, 1, 0, 0, 1, 0, time.UTC).UnixNano()))
	tarr := tb.NewArray()
	defer tarr.Release()
	if got := encodeColumn(t, tarr, 1); got[0] != string(unhex("00000000000f4240")) {
		t.Errorf("timestamptz binary %x", got[0])
	}
	if got := encodeColumn(t, tarr, 0); got[0] != "2000-01-01 00:00:01+00" {
		t.Errorf("timestamptz text %v", got)
	}

	sb := array.NewStructBuilder(mem, arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64}, arrow.Field{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true}))
	sb.Append(true)
	sb.FieldBuilder(0).(*array.Int64Builder).Append(1)
	sb.FieldBuilder(1).(*array.StringBuilder).Append("x\"y")
	sarr := sb.NewArray()
	defer sarr.Release()
	if got := encodeColumn(t, sarr, 0); got[0] != `{"a":1,"b":"x\"y"}` {
		t.Errorf("struct %v", got)
	}
}

func TestFieldForArrow(t *testing.T) {
	for _, tc := range []struct {
		t    arrow.DataType
		oid  uint32
		size int16
		mod  int32
	}{
		{arrow.FixedWidthTypes.Boolean, 16, 1, -1},
		{arrow.PrimitiveTypes.Int8, 21, 2, -1},
		{arrow.PrimitiveTypes.Uint16, 23, 4, -1},
		{arrow.PrimitiveTypes.Uint32, 20, 8, -1},
		{arrow.PrimitiveTypes.Uint64, 1700, -1, -1},
		{&arrow.Decimal128Type{Precision: 10, Scale: 3}, 1700, -1, (10<<16 | 3) + 4},
		{arrow.BinaryTypes.LargeString, 25, -1, -1},
		{&arrow.FixedSizeBinaryType{ByteWidth: 16}, 17, -1, -1},
		{arrow.FixedWidthTypes.Date32, 1082, 4, -1},
		{&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Europe/Paris"}, 1184, 8, -1},
		{arrow.ListOf(arrow.PrimitiveTypes.Int64), 1016, -1, -1},
		{arrow.ListOf(arrow.BinaryTypes.String), 1009, -1, -1},
		{arrow.ListOf(arrow.ListOf(arrow.PrimitiveTypes.Int64)), 25, -1, -1},
		{arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), 25, -1, -1},
	} {
		f := FieldForArrow("c", tc.t)
		if f.TypeOID != tc.oid || f.TypeSize != tc.size || f.TypeMod != tc.mod {
			t.Errorf("%s: got %d/%d/%d want %d/%d/%d", tc.t, f.TypeOID, f.TypeSize, f.TypeMod, tc.oid, tc.size, tc.mod)
		}
	}
}

func TestParseOptionsAndTimeout(t *testing.T) {
	got := parseOptions(`-c statement_timeout=5s -csearch_path=a\ b --work-mem=64 -B 10`)
	if got["statement_timeout"] != "5s" || got["search_path"] != "a b" || got["work_mem"] != "64" || len(got) != 3 {
		t.Errorf("options: %v", got)
	}
	for in, want := range map[string]time.Duration{
		"": 0, "0": 0, "250": 250 * time.Millisecond, "2s": 2 * time.Second, "1min": time.Minute,
		"15ms": 15 * time.Millisecond, "junk": 0,
	} {
		if got := parseStatementTimeout(in); got != want {
			t.Errorf("statement_timeout %q: %v want %v", in, got, want)
		}
	}
}

func TestScramVerifierFormat(t *testing.T) {
	v := ScramVerifier("pw")
	c, err := parseScramVerifier(v)
	if err != nil || c.Iters != 4096 || len(c.Salt) != 16 {
		t.Fatalf("%s: %v", v, err)
	}
	if ScramVerifier("pw") == v {
		t.Fatal("salt is not random")
	}
	if _, err := parseScramVerifier("md5abc"); err == nil {
		t.Fatal("accepted a non-SCRAM verifier")
	}
}

// TestDate32And64 encodes both Arrow date types alike: text as PostgreSQL prints
// dates, binary as days since 2000-01-01; date64 milliseconds before 1970 floor to
// the day.
func TestDate32And64(t *testing.T) {
	b32 := array.NewDate32Builder(memory.DefaultAllocator)
	defer b32.Release()
	b32.AppendValues([]arrow.Date32{0, 10957, -1}, nil)
	d32 := b32.NewArray()
	defer d32.Release()
	b64 := array.NewDate64Builder(memory.DefaultAllocator)
	defer b64.Release()
	b64.AppendValues([]arrow.Date64{0, 10957 * 86400000, -1}, nil) // -1 ms is 1969-12-31
	d64 := b64.NewArray()
	defer d64.Release()
	wantText := []string{"1970-01-01", "2000-01-01", "1969-12-31"}
	wantBin := []string{"\xff\xff\xd5\x33", "\x00\x00\x00\x00", "\xff\xff\xd5\x32"} // -10957, 0, -10958
	for _, arr := range []arrow.Array{d32, d64} {
		if got := encodeColumn(t, arr, 0); !slices.Equal(got, wantText) {
			t.Errorf("%s text: %q, want %q", arr.DataType(), got, wantText)
		}
		if got := encodeColumn(t, arr, 1); !slices.Equal(got, wantBin) {
			t.Errorf("%s binary: %q, want %q", arr.DataType(), got, wantBin)
		}
	}
}
