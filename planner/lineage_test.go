package planner

import (
	"testing"

	"github.com/apache/iceberg-go"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/pgerr"
)

// TestExpandLineageStars checks that * over a reference that reads its row lineage
// columns becomes that table's own columns, other relations' stars are kept, and the
// forms that would still reach the hidden columns are refused with 0A000.
func TestExpandLineageStars(t *testing.T) {
	schema := lineageSchema(iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64},
		iceberg.NestedField{ID: 2, Name: "Name", Type: iceberg.PrimitiveTypes.String}))
	cases := []struct{ sql, want, code string }{
		{sql: "SELECT * FROM s1 a", want: `SELECT a.id, a."Name" FROM s1 a`},
		{sql: "SELECT *, _row_id FROM s1 a", want: `SELECT a.id, a."Name", _row_id FROM s1 a`},
		{sql: "SELECT a.*, b.* FROM s1 a JOIN s2 b ON a.id = b.id", want: `SELECT a.id, a."Name", b.* FROM s1 a JOIN s2 b ON a.id = b.id`},
		{sql: "SELECT * FROM s1 a, (SELECT 1 AS x) q, pg_class", want: `SELECT a.id, a."Name", q.*, pg_class.* FROM s1 a, (SELECT 1 AS x) q, pg_class`},
		{sql: "SELECT * FROM (SELECT * FROM s1 a) q", want: `SELECT * FROM (SELECT a.id, a."Name" FROM s1 a) q`},
		{sql: "SELECT count(*) FROM s1 a", want: "SELECT count(*) FROM s1 a"},
		{sql: "SELECT * FROM s2 b", want: "SELECT * FROM s2 b"},
		{sql: "SELECT * FROM s1 a JOIN s2 b USING (id)", code: pgerr.FeatureNotSupported},
		{sql: "SELECT * FROM s1 a, generate_series(1, 2)", code: pgerr.FeatureNotSupported},
		{sql: "SELECT id FROM s1 a NATURAL JOIN s2 b", code: pgerr.FeatureNotSupported},
		{sql: "SELECT row_to_json(a) FROM s1 a", code: pgerr.FeatureNotSupported},
		{sql: "SELECT to_json(a.*) FROM s1 a", code: pgerr.FeatureNotSupported},
	}
	for _, c := range cases {
		refs := map[string]*scanRef{"s1": {placeholder: "s1", alias: "a", schema: schema, lineage: true,
			ref: catalog.TableRef{Namespace: "t", Name: "cow"}}}
		var err error
		got := deparsed(t, c.sql, func(n *pg.Node) { err = expandLineageStars(n, refs) })
		if c.code != "" {
			if pgerr.Code(err) != c.code {
				t.Errorf("%s: got %v, want code %s", c.sql, err, c.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
		} else if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.sql, got, c.want)
		}
	}
	if _, ok := schema.FindFieldByID(iceberg.RowIDFieldID); !ok || schema.ID >= 0 {
		t.Errorf("lineage schema %v: want the lineage fields and an id no table schema has", schema)
	}
}
