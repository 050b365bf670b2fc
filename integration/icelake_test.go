package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	_ "github.com/apache/iceberg-go/catalog/sql"
	"github.com/apache/iceberg-go/table"
	"github.com/jackc/pgx/v5"
)

// iceLake is a lakehouse the Iceberg tests write themselves with iceberg-go (SQL
// catalog in SQLite), served by a gateway of their own as database "ice", with the
// external fixtures (when present) as database "fx".
type iceLake struct {
	dir  string
	cat  icecat.Catalog
	gw   *gatewayProc
	addr string
}

const iceNS = "t"

func newIceLake(t *testing.T) *iceLake {
	t.Helper()
	ctx := testCtx(t)
	dir := t.TempDir()
	uri := "file:" + filepath.Join(dir, "catalog.db") + "?_pragma=busy_timeout(10000)"
	cat, err := icecat.Load(ctx, "ice", iceberg.Properties{
		"type": "sql", "uri": uri, "sql.driver": "sqlite", "sql.dialect": "sqlite",
		"warehouse": "file://" + filepath.Join(dir, "warehouse"),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, ok := cat.(icecat.Closer); ok {
			c.Close()
		}
	})
	if err := cat.CreateNamespace(ctx, table.Identifier{iceNS}, nil); err != nil {
		t.Fatal(err)
	}
	return &iceLake{dir: dir, cat: cat}
}

// serve starts the lake's gateway; extra is appended under catalogs:.
func (l *iceLake) serve(t *testing.T, extra string) {
	t.Helper()
	l.serveAs(t, "gateway", extra, "")
}

// serveAs starts a gateway over the lake with its config and log named name (.yaml,
// .log) in the lake's directory; top is prepended to its config.
func (l *iceLake) serveAs(t *testing.T, name, extra, top string) {
	t.Helper()
	cfg := top + fmt.Sprintf(`listen: 127.0.0.1:0
auth: scram-sha-256
log_level: info
shutdown_timeout: %s
engine:
  threads: 2
catalogs:
  ice:
    type: sql
    name: ice
    uri: %q
    warehouse: file://%s
%s
users:
  - name: %s
    password: %s
`, shutdownTimeout, "file:"+filepath.Join(l.dir, "catalog.db")+"?_pragma=busy_timeout(10000)",
		filepath.Join(l.dir, "warehouse"), extra, user, password)
	cfgPath := filepath.Join(l.dir, name+".yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	gw, err := startGateway(cfgPath, filepath.Join(l.dir, name+".log"), "ice")
	if err != nil {
		t.Fatal(err)
	}
	l.gw, l.addr = gw, gw.addr
	t.Cleanup(func() {
		if err := gw.stop(); err != nil {
			t.Errorf("gateway: %v", err)
		}
	})
}

func (l *iceLake) connect(t *testing.T, db string) *pgx.Conn {
	t.Helper()
	ctx := testCtx(t)
	c, err := pgx.Connect(ctx, fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable&connect_timeout=10", user, password, l.addr, db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func (l *iceLake) create(t *testing.T, name string, sc *iceberg.Schema, spec *iceberg.PartitionSpec, props iceberg.Properties) *table.Table {
	t.Helper()
	opts := []icecat.CreateTableOpt{icecat.WithProperties(props)}
	if spec != nil {
		opts = append(opts, icecat.WithPartitionSpec(spec))
	}
	tbl, err := l.cat.CreateTable(testCtx(t), table.Identifier{iceNS, name}, sc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// appendJSON commits rows (a JSON array of objects) as one append snapshot.
func appendJSON(t *testing.T, tbl *table.Table, rows string) *table.Table {
	t.Helper()
	ctx := testCtx(t)
	sc, err := table.SchemaToArrowSchema(tbl.Schema(), nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, sc, strings.NewReader(rows))
	if err != nil {
		t.Fatalf("rows %s: %v", rows, err)
	}
	defer rec.Release()
	rdr, err := array.NewRecordReader(sc, []arrow.RecordBatch{rec})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	tx := tbl.NewTransaction()
	if err := tx.Append(ctx, rdr, nil); err != nil {
		t.Fatal(err)
	}
	return commit(t, tx)
}

func commit(t *testing.T, tx *table.Transaction) *table.Table {
	t.Helper()
	tbl, err := tx.Commit(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	// Distinct commit times, so time travel by timestamp has one answer per snapshot.
	time.Sleep(3 * time.Millisecond)
	return tbl
}

// deleteWhere deletes rows matching filter (merge-on-read: position deletes on v2).
func deleteWhere(t *testing.T, tbl *table.Table, filter iceberg.BooleanExpression) *table.Table {
	t.Helper()
	tx := tbl.NewTransaction()
	if err := tx.Delete(testCtx(t), filter, nil); err != nil {
		t.Fatal(err)
	}
	return commit(t, tx)
}

// deleteEqual commits an equality delete on the named columns with rows as JSON.
func deleteEqual(t *testing.T, tbl *table.Table, cols []string, rows string) *table.Table {
	t.Helper()
	ctx := testCtx(t)
	var ids []int
	var fields []iceberg.NestedField
	for _, c := range cols {
		f, ok := tbl.Schema().FindFieldByName(c)
		if !ok {
			t.Fatalf("no column %s", c)
		}
		ids = append(ids, f.ID)
		fields = append(fields, f)
	}
	sc, err := table.SchemaToArrowSchema(iceberg.NewSchema(0, fields...), nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, sc, strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	tx := tbl.NewTransaction()
	err = tx.CommitEqualityDeletes(ctx, ids, func(yield func(arrow.RecordBatch, error) bool) { yield(rec, nil) }, nil)
	if err != nil {
		t.Fatal(err)
	}
	return commit(t, tx)
}

func (l *iceLake) setRef(t *testing.T, tbl *table.Table, name string, id int64, typ table.RefType) *table.Table {
	t.Helper()
	ctx := testCtx(t)
	_, _, err := l.cat.CommitTable(ctx, tbl.Identifier(), nil,
		[]table.Update{table.NewSetSnapshotRefUpdate(name, id, typ, -1, -1, -1)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := l.cat.LoadTable(ctx, tbl.Identifier())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// queryStrings runs sql and renders every row as its values joined by "|" (NULL as
// "NULL"), in the order the query returns them.
func queryStrings(t *testing.T, c *pgx.Conn, sql string, args ...any) []string {
	t.Helper()
	rows, err := c.Query(testCtx(t), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = renderValue(v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func renderValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		if x.Location() == time.UTC && x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		return x.UTC().Format("2006-01-02 15:04:05.999999")
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case fmt.Stringer:
		return x.String()
	}
	if n, ok := v.(interface{ Value() (any, error) }); ok {
		if vv, err := n.Value(); err == nil {
			return fmt.Sprint(vv)
		}
	}
	return fmt.Sprint(v)
}

func wantRows(t *testing.T, c *pgx.Conn, want []string, sql string, args ...any) {
	t.Helper()
	got := queryStrings(t, c, sql, args...)
	if !slices.Equal(got, want) {
		t.Errorf("%s\n got %q\nwant %q", sql, got, want)
	}
}

func wantCode(t *testing.T, c *pgx.Conn, code, sql string, mustMention ...string) {
	t.Helper()
	_, err := c.Exec(testCtx(t), sql)
	if pgCode(err) != code {
		t.Errorf("%s: got %v (code %q), want code %s", sql, err, pgCode(err), code)
		return
	}
	for _, m := range mustMention {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("%s: error %q does not name %q", sql, err, m)
		}
	}
}

func snapIDs(tbl *table.Table) []int64 {
	var out []int64
	for _, s := range tbl.Metadata().Snapshots() {
		out = append(out, s.SnapshotID)
	}
	return out
}

func idList(ids ...int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.Itoa(id)
	}
	return out
}

func field(id int, name string, typ iceberg.Type) iceberg.NestedField {
	return iceberg.NestedField{ID: id, Name: name, Type: typ}
}

var v2Props = iceberg.Properties{table.PropertyFormatVersion: "2", table.WriteDeleteModeKey: table.WriteModeMergeOnRead}
