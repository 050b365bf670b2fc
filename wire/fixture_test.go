package wire

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/lakegate/lakegate/pgerr"
)

// The fixture: a Handler whose sessions understand a tiny command language and
// serve fixed Arrow batches. The real planner is tested in its own package.
//
//	ints N            N rows of int8 "n" (1..N), in batches of 1000
//	types             one row of every supported type, then a row of NULLs
//	echo T1 T2 ...    one text column per parameter: "%T:%v" of the decoded value
//	sleep             rows that never come until the context ends
//	sleeprun          Run itself blocks until the context ends
//	wait              Run blocks until the handler's release channel closes, then one row 1
//	set NAME = VALUE  changes a setting (ParameterStatus for application_name)
//	begin / commit    transaction status
//	fail              Run fails with 42P01 (detail, hint, position)
//	panic             Run panics
//	copy FORMAT [header]  COPY TO STDOUT of three rows
//	anything else     Parse fails with 42601
//
// Two statements in PostgreSQL's own SQL are understood too, so that protocol scripts
// (testdata/scripts) can run unchanged against a real PostgreSQL:
//
//	SELECT generate_series(1::int8, N) AS n    same as ints N
//	SELECT $1::int8 AS n                        one int8 row: the parameter

var mem = memory.NewGoAllocator()

type testHandler struct {
	mu       sync.Mutex
	started  chan struct{} // a sleep statement began
	canceled chan error    // a sleep statement's context ended: its cause
	release  chan struct{} // closing it lets wait statements finish
	infos    []StartupInfo
}

func newTestHandler() *testHandler {
	return &testHandler{started: make(chan struct{}, 16), canceled: make(chan error, 16), release: make(chan struct{})}
}

func (h *testHandler) NewSession(_ context.Context, info StartupInfo) (Session, error) {
	if info.Database == "nodb" {
		return nil, pgerr.New(pgerr.InvalidCatalogName, "database \"nodb\" does not exist")
	}
	h.mu.Lock()
	h.infos = append(h.infos, info)
	h.mu.Unlock()
	s := &testSession{h: h, tx: 'I', settings: map[string]string{"TimeZone": "UTC"}}
	for k, v := range info.Parameters {
		s.settings[k] = v
	}
	return s, nil
}

func (h *testHandler) ServerParameters(s Session) map[string]string {
	return map[string]string{
		"server_version":              "15.0 (lakegate)",
		"server_encoding":             "UTF8",
		"client_encoding":             "UTF8",
		"DateStyle":                   "ISO, MDY",
		"TimeZone":                    s.Setting("TimeZone"),
		"integer_datetimes":           "on",
		"standard_conforming_strings": "on",
		"application_name":            s.Setting("application_name"),
	}
}

// signal never blocks: fuzzing runs statements nobody waits for.
func (h *testHandler) signal(ch chan struct{}, v struct{}) {
	select {
	case ch <- v:
	default:
	}
}

func (h *testHandler) signalErr(err error) {
	select {
	case h.canceled <- err:
	default:
	}
}

type testSession struct {
	h        *testHandler
	mu       sync.Mutex
	tx       byte
	settings map[string]string
}

func (s *testSession) TxStatus() byte { return s.tx }
func (s *testSession) FailTransaction() {
	if s.tx == 'T' {
		s.tx = 'E'
	}
}
func (s *testSession) Setting(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settings[name]
}
func (s *testSession) Close() {}

func (s *testSession) Parse(_ context.Context, sql string, oids []uint32) ([]Statement, error) {
	var out []Statement
	for _, part := range strings.Split(sql, ";") {
		var lines []string
		for _, l := range strings.Split(part, "\n") {
			if i := strings.Index(l, "--"); i >= 0 {
				l = l[:i]
			}
			lines = append(lines, l)
		}
		text := strings.TrimSpace(strings.Join(lines, " "))
		if text == "" {
			continue
		}
		words := strings.Fields(text)
		if m := genSeriesSQL.FindStringSubmatch(text); m != nil {
			words = []string{"ints", m[1]}
		} else if paramSQL.MatchString(text) {
			words = []string{"param"}
		}
		st := &testStmt{s: s, kind: strings.ToLower(words[0]), args: words[1:]}
		switch st.kind {
		case "param":
			st.params = []uint32{OIDInt8}
			st.fields = []Field{FieldForArrow("n", arrow.PrimitiveTypes.Int64)}
		case "ints", "sleep", "sleeprun", "wait":
			st.fields = []Field{FieldForArrow("n", arrow.PrimitiveTypes.Int64)}
		case "types":
			for _, f := range typesSchema.Fields() {
				st.fields = append(st.fields, FieldForArrow(f.Name, f.Type))
			}
		case "echo":
			for i, name := range st.args {
				oid := oidByName[name]
				if i < len(oids) && oids[i] != 0 {
					oid = oids[i]
				}
				st.params = append(st.params, oid)
				st.fields = append(st.fields, FieldForArrow(fmt.Sprintf("p%d", i+1), arrow.BinaryTypes.String))
			}
		case "set", "begin", "commit", "fail", "panic", "copy":
		default:
			e := pgerr.New(pgerr.SyntaxError, "syntax error at or near \"%s\"", words[0])
			e.Position = 1
			return nil, e
		}
		out = append(out, st)
	}
	return out, nil
}

var (
	genSeriesSQL = regexp.MustCompile(`(?i)^select\s+generate_series\(1::int8,\s*(\d+)\)\s+as\s+n$`)
	paramSQL     = regexp.MustCompile(`(?i)^select\s+\$1::int8\s+as\s+n$`)
)

var oidByName = map[string]uint32{
	"int2": OIDInt2, "int4": OIDInt4, "int8": OIDInt8, "float4": OIDFloat4, "float8": OIDFloat8,
	"bool": OIDBool, "text": OIDText, "varchar": OIDVarchar, "bytea": OIDBytea, "date": OIDDate,
	"timestamp": OIDTimestamp, "timestamptz": OIDTimestamptz, "numeric": OIDNumeric, "uuid": OIDUUID,
	"unknown": 0, "oid": OIDOid, "jsonb": OIDJSONB, "_int8": 1016, "_text": 1009,
}

type testStmt struct {
	s      *testSession
	kind   string
	args   []string
	params []uint32
	fields []Field
}

func (t *testStmt) ParamOIDs() []uint32 { return t.params }
func (t *testStmt) Fields() []Field     { return t.fields }
func (t *testStmt) Close()              {}

func (t *testStmt) Run(ctx context.Context, params []any) (*Result, error) {
	switch t.kind {
	case "ints":
		n, _ := strconv.Atoi(t.args[0])
		return &Result{Tag: "SELECT", Fields: t.fields, Rows: &intRows{n: n}}, nil
	case "types":
		return &Result{Tag: "SELECT", Rows: &batchRows{batches: []arrow.RecordBatch{typesBatch()}}}, nil
	case "echo":
		return &Result{Tag: "SELECT", Rows: &batchRows{batches: []arrow.RecordBatch{echoBatch(params)}}}, nil
	case "sleep":
		t.s.h.signal(t.s.h.started, struct{}{})
		return &Result{Tag: "SELECT", Rows: &sleepRows{h: t.s.h}}, nil
	case "param":
		b := array.NewInt64Builder(mem)
		defer b.Release()
		if v, ok := params[0].(int64); ok {
			b.Append(v)
		} else {
			b.AppendNull()
		}
		col := b.NewArray()
		defer col.Release()
		schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
		return &Result{Tag: "SELECT", Fields: t.fields, Rows: &batchRows{batches: []arrow.RecordBatch{array.NewRecordBatch(schema, []arrow.Array{col}, 1)}}}, nil
	case "wait":
		t.s.h.signal(t.s.h.started, struct{}{})
		select {
		case <-t.s.h.release:
			return &Result{Tag: "SELECT", Fields: t.fields, Rows: &intRows{n: 1}}, nil
		case <-ctx.Done():
			t.s.h.signalErr(context.Cause(ctx))
			return nil, ctx.Err()
		}
	case "sleeprun":
		t.s.h.signal(t.s.h.started, struct{}{})
		<-ctx.Done()
		t.s.h.signalErr(context.Cause(ctx))
		return nil, fmt.Errorf("engine: interrupted: %w", ctx.Err())
	case "set":
		rest := strings.Join(t.args, " ")
		name, value, ok := strings.Cut(rest, "=")
		if !ok {
			name, value, _ = strings.Cut(rest, " to ")
		}
		name, value = strings.TrimSpace(name), strings.Trim(strings.TrimSpace(value), "'")
		t.s.mu.Lock()
		t.s.settings[name] = value
		t.s.mu.Unlock()
		res := &Result{Tag: "SET"}
		if name == "application_name" {
			res.ParameterStatus = map[string]string{name: value}
		}
		return res, nil
	case "begin":
		t.s.tx = 'T'
		return &Result{Tag: "BEGIN"}, nil
	case "commit":
		t.s.tx = 'I'
		return &Result{Tag: "COMMIT"}, nil
	case "fail":
		e := pgerr.New(pgerr.UndefinedTable, "relation \"nope\" does not exist").WithDetail("some detail").WithHint("some hint")
		e.Position = 15
		return nil, e
	case "panic":
		panic("fixture panic")
	case "copy":
		cp := &CopyOut{Format: t.args[0], Header: len(t.args) > 1 && t.args[1] == "header"}
		return &Result{Tag: "COPY", Fields: copyFields(), Rows: &batchRows{batches: []arrow.RecordBatch{copyBatch()}}, Copy: cp}, nil
	}
	return nil, fmt.Errorf("unreachable")
}

// intRows yields 1..n in batches of 1000, built on demand.
type intRows struct {
	n, next int
	closed  bool
}

func (r *intRows) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.next >= r.n {
		return nil, io.EOF
	}
	b := array.NewInt64Builder(mem)
	defer b.Release()
	for k := 0; k < 1000 && r.next < r.n; k++ {
		r.next++
		b.Append(int64(r.next))
	}
	col := b.NewArray()
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len())), nil
}
func (r *intRows) Close() error { r.closed = true; return nil }

type batchRows struct{ batches []arrow.RecordBatch }

func (r *batchRows) Next(context.Context) (arrow.RecordBatch, error) {
	if len(r.batches) == 0 {
		return nil, io.EOF
	}
	b := r.batches[0]
	r.batches = r.batches[1:]
	return b, nil // ownership passes to the wire layer
}
func (r *batchRows) Close() error {
	for _, b := range r.batches {
		b.Release()
	}
	r.batches = nil
	return nil
}

type sleepRows struct{ h *testHandler }

func (r *sleepRows) Next(ctx context.Context) (arrow.RecordBatch, error) {
	<-ctx.Done()
	r.h.signalErr(context.Cause(ctx))
	return nil, fmt.Errorf("engine: interrupted: %w", ctx.Err())
}
func (r *sleepRows) Close() error { return nil }

var typesSchema = arrow.NewSchema([]arrow.Field{
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "i2", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
	{Name: "i4", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "i8", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "u8", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
	{Name: "u64", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
	{Name: "f4", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "f8", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "f8big", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "num", Type: &arrow.Decimal128Type{Precision: 10, Scale: 3}, Nullable: true},
	{Name: "numneg", Type: &arrow.Decimal128Type{Precision: 5, Scale: 2}, Nullable: true},
	{Name: "t", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "by", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "tm", Type: arrow.FixedWidthTypes.Time64us, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
	{Name: "tstz", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "iv", Type: arrow.FixedWidthTypes.MonthDayNanoInterval, Nullable: true},
	{Name: "u", Type: extensions.NewUUIDType(), Nullable: true},
	{Name: "li", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
	{Name: "ls", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
}, nil)

var (
	testUUID = [16]byte{0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4, 0xa7, 0x16, 0x44, 0x66, 0x55, 0x44, 0x00, 0x00}
	testDate = time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	testTS   = time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)
	testTSTZ = time.Date(2024, 1, 2, 3, 4, 5, 500000000, time.UTC)
	testTime = (13*3600+14*60+15)*int64(1e6) + 500000
	testIVus = (4*3600+5*60+6)*int64(1e6) + 500000
)

// typesBatch: row 0 has a value of every type, row 1 is all NULL.
func typesBatch() arrow.RecordBatch {
	var cols []arrow.Array
	add := func(b array.Builder, appendValue func()) {
		appendValue()
		b.AppendNull()
		cols = append(cols, b.NewArray())
		b.Release()
	}
	bb := array.NewBooleanBuilder(mem)
	add(bb, func() { bb.Append(true) })
	i2 := array.NewInt16Builder(mem)
	add(i2, func() { i2.Append(math.MinInt16) })
	i4 := array.NewInt32Builder(mem)
	add(i4, func() { i4.Append(math.MaxInt32) })
	i8 := array.NewInt64Builder(mem)
	add(i8, func() { i8.Append(math.MinInt64) })
	u8 := array.NewUint8Builder(mem)
	add(u8, func() { u8.Append(255) })
	u64 := array.NewUint64Builder(mem)
	add(u64, func() { u64.Append(math.MaxUint64) })
	f4 := array.NewFloat32Builder(mem)
	add(f4, func() { f4.Append(1.5) })
	f8 := array.NewFloat64Builder(mem)
	add(f8, func() { f8.Append(0.1) })
	f8b := array.NewFloat64Builder(mem)
	add(f8b, func() { f8b.Append(1e100) })
	num := array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: 10, Scale: 3})
	add(num, func() { num.Append(decimal128.FromI64(12345678)) })
	numn := array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: 5, Scale: 2})
	add(numn, func() { numn.Append(decimal128.FromI64(-50)) })
	s := array.NewStringBuilder(mem)
	add(s, func() { s.Append(`a "quoted" \ text`) })
	by := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	add(by, func() { by.Append([]byte{0xde, 0xad, 0xbe, 0xef}) })
	d := array.NewDate32Builder(mem)
	add(d, func() { d.Append(arrow.Date32FromTime(testDate)) })
	tm := array.NewTime64Builder(mem, arrow.FixedWidthTypes.Time64us.(*arrow.Time64Type))
	add(tm, func() { tm.Append(arrow.Time64(testTime)) })
	ts := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond})
	add(ts, func() { ts.Append(arrow.Timestamp(testTS.UnixMicro())) })
	tz := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"})
	add(tz, func() { tz.Append(arrow.Timestamp(testTSTZ.UnixMicro())) })
	iv := array.NewMonthDayNanoIntervalBuilder(mem)
	add(iv, func() { iv.Append(arrow.MonthDayNanoInterval{Months: 14, Days: 3, Nanoseconds: testIVus * 1000}) })
	ub := array.NewFixedSizeBinaryBuilder(mem, &arrow.FixedSizeBinaryType{ByteWidth: 16})
	ub.Append(testUUID[:])
	ub.AppendNull()
	storage := ub.NewArray()
	ub.Release()
	cols = append(cols, array.NewExtensionArrayWithStorage(extensions.NewUUIDType(), storage))
	storage.Release()
	li := array.NewListBuilder(mem, arrow.PrimitiveTypes.Int64)
	liv := li.ValueBuilder().(*array.Int64Builder)
	add(li, func() { li.Append(true); liv.Append(1); liv.AppendNull(); liv.Append(3) })
	ls := array.NewListBuilder(mem, arrow.BinaryTypes.String)
	lsv := ls.ValueBuilder().(*array.StringBuilder)
	add(ls, func() { ls.Append(true); lsv.AppendValues([]string{"a b", "NULL", "", `q"`}, nil) })

	rb := array.NewRecordBatch(typesSchema, cols, 2)
	for _, c := range cols {
		c.Release()
	}
	return rb
}

func echoBatch(params []any) arrow.RecordBatch {
	var fields []arrow.Field
	var cols []arrow.Array
	for i, p := range params {
		b := array.NewStringBuilder(mem)
		switch v := p.(type) {
		case nil:
			b.AppendNull()
		case time.Time:
			b.Append(fmt.Sprintf("time.Time:%s", v.UTC().Format(time.RFC3339Nano)))
		case []byte:
			b.Append(fmt.Sprintf("[]uint8:%x", v))
		default:
			b.Append(fmt.Sprintf("%T:%v", v, v))
		}
		cols = append(cols, b.NewArray())
		b.Release()
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("p%d", i+1), Type: arrow.BinaryTypes.String, Nullable: true})
	}
	rb := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, 1)
	for _, c := range cols {
		c.Release()
	}
	return rb
}

func copyFields() []Field {
	return []Field{
		FieldForArrow("id", arrow.PrimitiveTypes.Int64),
		FieldForArrow("s", arrow.BinaryTypes.String),
		FieldForArrow("f", arrow.PrimitiveTypes.Float64),
	}
}

func copyBatch() arrow.RecordBatch {
	ib := array.NewInt64Builder(mem)
	ib.AppendValues([]int64{1, 2, 3}, nil)
	sb := array.NewStringBuilder(mem)
	sb.Append("plain")
	sb.Append("tab\there, \"q\"\nnewline\\")
	sb.AppendNull()
	fb := array.NewFloat64Builder(mem)
	fb.AppendValues([]float64{1.5, math.Inf(-1), 0}, []bool{true, true, false})
	cols := []arrow.Array{ib.NewArray(), sb.NewArray(), fb.NewArray()}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	rb := array.NewRecordBatch(schema, cols, 3)
	for _, c := range cols {
		c.Release()
	}
	ib.Release()
	sb.Release()
	fb.Release()
	return rb
}

// startServer runs a Server for the test on a loopback port.
func startServer(t testing.TB, cfg Config, h Handler) (*Server, string) {
	t.Helper()
	if h == nil {
		h = newTestHandler()
	}
	s, err := NewServer(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
		s.Shutdown(sctx)
		scancel()
		cancel()
		<-done
	})
	return s, ln.Addr().String()
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
