package wire

import (
	"context"
	"fmt"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/lakegate/lakegate/pgerr"
)

// TestArrayParams decodes array parameters encoded by pgx's own codecs, in text and
// binary, and compares with the Go values they were made from.
func TestArrayParams(t *testing.T) {
	m := pgtype.NewMap()
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		oid  uint32
		in   any
		want []any
	}{
		{1016, []*int64{ptr(int64(1)), nil, ptr(int64(-9000000000))}, []any{int64(1), nil, int64(-9000000000)}},
		{1007, []int32{}, []any{}},
		{1009, []*string{ptr("plain"), ptr(`a,b "q" \ {x}`), ptr(" spaced "), ptr("NULL"), nil, ptr("")},
			[]any{"plain", `a,b "q" \ {x}`, " spaced ", "NULL", nil, ""}},
		{1022, []float64{1.5, -0.25}, []any{1.5, -0.25}},
		{1000, []bool{true, false}, []any{true, false}},
		{1182, []time.Time{day}, []any{day}},
		{1231, []pgtype.Numeric{{Int: bigInt(-12345678), Exp: -3, Valid: true}}, []any{"-12345.678"}},
	} {
		for _, format := range []int16{0, 1} {
			data, err := m.Encode(tc.oid, format, tc.in, nil)
			if err != nil {
				t.Fatalf("encode %T: %v", tc.in, err)
			}
			got, err := decodeParam(tc.oid, format, data, time.UTC, 1)
			if err != nil {
				t.Fatalf("oid %d format %d %q: %v", tc.oid, format, data, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("oid %d format %d %q: got %#v want %#v", tc.oid, format, data, got, tc.want)
			}
		}
	}
	// Whitespace and unquoted elements as psql users type them.
	got, err := decodeParam(1016, 0, []byte(" { 1 , 2,NULL } "), time.UTC, 1)
	if err != nil || !reflect.DeepEqual(got, []any{int64(1), int64(2), nil}) {
		t.Fatalf("spaced literal: %#v %v", got, err)
	}
	for _, bad := range []struct {
		oid    uint32
		format int16
		data   string
		code   string
	}{
		{1016, 0, "1,2", "22P02"},
		{1016, 0, "{1,,2}", "22P02"},
		{1016, 0, `{"1}`, "22P02"},
		{1016, 0, "{1,x}", "22P02"},
		{1016, 0, "{{1,2},{3,4}}", "0A000"},
		{1016, 0, "[1:2]={1,2}", "0A000"},
		{1016, 1, "\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x17\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x04\x00\x00\x00\x07", "42804"}, // int4 elements for int8[]
		{1016, 1, "\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x14\x7f\xff\xff\xff\x00\x00\x00\x01", "22P03"},                                 // a huge count, no data
		{1016, 1, "\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x14", "0A000"},
		{1016, 1, "\x00\x00", "08P01"},
	} {
		_, err := decodeParam(bad.oid, bad.format, []byte(bad.data), time.UTC, 1)
		if c := pgerr.Code(err); c != bad.code {
			t.Errorf("%q: got %v (%s), want %s", bad.data, err, c, bad.code)
		}
	}
}

// TestArrayParamsEndToEnd binds arrays through pgx in both formats.
func TestArrayParamsEndToEnd(t *testing.T) {
	_, addr := startServer(t, Config{Users: scramUsers}, nil)
	c := mustConnect(t, addr, nil)
	for _, format := range []int16{0, 1} {
		data, err := c.TypeMap().Encode(1016, format, []int64{3, 4}, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := c.PgConn().ExecParams(context.Background(), "echo _int8", [][]byte{data}, []uint32{1016}, []int16{format}, nil).Read()
		if r.Err != nil || len(r.Rows) != 1 || string(r.Rows[0][0]) != "[]interface {}:[3 4]" {
			t.Fatalf("format %d: %v %q", format, r.Err, r.Rows)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func bigInt(v int64) *big.Int { return big.NewInt(v) }

// FuzzArrayParam feeds arbitrary bytes to the array decoders: errors are fine,
// panics and allocations beyond the input's size are not.
func FuzzArrayParam(f *testing.F) {
	m := pgtype.NewMap()
	for _, v := range []any{[]int64{1, 2}, []string{"a", "b,c"}, []float64{}} {
		for _, format := range []int16{0, 1} {
			oid := map[string]uint32{"[]int64": 1016, "[]string": 1009, "[]float64": 1022}[fmt.Sprintf("%T", v)]
			b, _ := m.Encode(oid, format, v, nil)
			f.Add(oid, format, b)
		}
	}
	f.Fuzz(func(t *testing.T, oid uint32, format int16, data []byte) {
		if _, ok := elemOf[oid]; !ok {
			oid = 1016
		}
		decodeParam(oid, format&1, data, time.UTC, 1)
	})
}
