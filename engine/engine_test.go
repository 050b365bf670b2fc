package engine

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/lakegate/lakegate/pgerr"
)

func openTest(t *testing.T, setup ...string) (*Engine, string) {
	t.Helper()
	dir := t.TempDir()
	e, err := Open(context.Background(), Config{AllowedDirs: []string{dir}, Connections: 2, Threads: 1, Setup: setup})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, dir
}

func collectInt64(t *testing.T, r *Rows) []int64 {
	t.Helper()
	var out []int64
	for {
		b, err := r.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			return out
		}
		col := b.Column(0).(*array.Int64)
		for i := 0; i < col.Len(); i++ {
			out = append(out, col.Value(i))
		}
		b.Release()
	}
}

func TestSandboxRefusesOutsideAccess(t *testing.T) {
	e, _ := openTest(t)
	ctx := context.Background()
	for _, q := range []string{
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM read_text('/etc/hostname')",
		"SELECT * FROM glob('/etc/*')",
	} {
		if _, err := e.Query(ctx, q, nil); err == nil {
			t.Errorf("%s: expected an error", q)
		} else if c := pgerr.Code(err); c == pgerr.SuccessfulCompletion {
			t.Errorf("%s: code %s", q, c)
		}
	}
	if err := e.Exec(ctx, "SET memory_limit = '1GB'"); err == nil {
		t.Error("SET after lock: expected an error")
	}
	if err := e.Exec(ctx, "ATTACH '/tmp/x.db' AS x"); err == nil {
		t.Error("ATTACH: expected an error")
	}
}

func TestQueryStreamsArrowAndMapsErrors(t *testing.T) {
	e, _ := openTest(t)
	ctx := context.Background()
	r, err := e.Query(ctx, "SELECT range::BIGINT AS n FROM range(5000) WHERE range % $1 = 0", []any{int64(1000)})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Schema().Field(0).Type.ID(); got != arrow.INT64 {
		t.Fatalf("type %v", got)
	}
	got := collectInt64(t, r)
	if len(got) != 5 || got[4] != 4000 {
		t.Fatalf("got %v", got)
	}
	r, err = e.Query(ctx, "SELECT (7 / 2)::BIGINT, (-7 / 2)::BIGINT", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := collectInt64(t, r); len(got) != 1 || got[0] != 3 {
		t.Fatalf("integer division: %v", got)
	}
	_, err = e.Query(ctx, "SELECT * FROM nosuch", nil)
	if pgerr.Code(err) != pgerr.UndefinedTable {
		t.Fatalf("missing table: %v (%s)", err, pgerr.Code(err))
	}
	_, err = e.Query(ctx, "SELEC 1", nil)
	if pgerr.Code(err) != pgerr.SyntaxError {
		t.Fatalf("syntax: %v", err)
	}
	// The pool is intact after errors.
	for range 4 {
		r, err := e.Query(ctx, "SELECT 1::BIGINT", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
}

func TestDescribe(t *testing.T) {
	e, _ := openTest(t)
	d, err := e.Describe(context.Background(), "SELECT $1::INTEGER + 1 AS a, 'x' AS b WHERE $2 > 1.5")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.ParamOIDs) != 2 || d.ParamOIDs[0] != 23 || d.Schema.NumFields() != 2 || d.Schema.Field(0).Type.ID() != arrow.INT32 {
		t.Fatalf("describe: %+v %v", d.ParamOIDs, d.Schema)
	}
}

func TestReadParquetWithDeletes(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.parquet")
	del := filepath.Join(dir, "del.parquet")
	e, err := Open(context.Background(), Config{AllowedDirs: []string{dir}, Connections: 1, Setup: []string{
		"COPY (SELECT range::BIGINT AS id FROM range(10)) TO '" + data + "' (FORMAT parquet, FIELD_IDS {id: 1})",
		"COPY (SELECT 'file://" + data + "' AS file_path, 3::BIGINT AS pos UNION ALL SELECT 'file://" + data + "', 7) TO '" + del + "' (FORMAT parquet)",
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	q := "SELECT d.id FROM read_parquet(['" + data + "'], hive_partitioning=false, filename='" + fileColumn + "', file_row_number=true, schema=MAP {1: {name: 'id', type: 'BIGINT', default_value: NULL}}) d " +
		"ANTI JOIN (SELECT regexp_replace(file_path, '^file:(//)?', '') AS path, pos FROM read_parquet(['" + del + "'])) pd ON d." + fileColumn + " = pd.path AND d.file_row_number = pd.pos ORDER BY 1"
	r, err := e.Query(context.Background(), q, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := collectInt64(t, r)
	want := []int64{0, 1, 2, 4, 5, 6, 8, 9}
	if len(got) != len(want) {
		t.Fatalf("got %v want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v want %v", got, want)
		}
	}
}
