package planner

import (
	"testing"

	"github.com/apache/iceberg-go"
	pg "github.com/pganalyze/pg_query_go/v6"
)

// TestDetectLookup: only single-table selections of plain columns with a conjunction
// of column-versus-constant comparisons, one an equality, take the lookup lane.
func TestDetectLookup(t *testing.T) {
	schema := iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
		iceberg.NestedField{ID: 2, Name: "day", Type: iceberg.PrimitiveTypes.Date},
		iceberg.NestedField{ID: 3, Name: "v", Type: iceberg.PrimitiveTypes.Float64})
	cases := []struct {
		sql   string
		cols  []string
		preds int
		order int
	}{
		{sql: "SELECT day, v FROM t WHERE id = $1 AND day BETWEEN $2 AND $3 ORDER BY day", cols: []string{"day", "v"}, preds: 3, order: 1},
		{sql: "SELECT * FROM t WHERE 5 = id", cols: []string{"id", "day", "v"}, preds: 1},
		{sql: "SELECT t.v FROM t WHERE t.id = '5'::bigint AND v <> 1 ORDER BY 1 DESC LIMIT $2 OFFSET 1", cols: []string{"v"}, preds: 2, order: 1},
		{sql: "SELECT x.v AS w FROM t x WHERE x.id = 1", cols: []string{"v"}, preds: 1},
		{sql: "SELECT v FROM t WHERE day = $1", cols: []string{"v"}, preds: 1}, // any column's equality
		{sql: "SELECT v FROM t WHERE id IN (1, $1, NULL) AND day = $2", cols: []string{"v"}, preds: 2},
		{sql: "SELECT v FROM t WHERE id = ANY($1)", cols: []string{"v"}, preds: 1},
		{sql: "SELECT v FROM t WHERE id = ANY(ARRAY[1, 2])", cols: []string{"v"}, preds: 1},
		// Not lookups:
		{sql: "SELECT v FROM t WHERE id NOT IN (1, 2)"},
		{sql: "SELECT v FROM t WHERE id <> ALL($1)"},
		{sql: "SELECT v FROM t WHERE id > ANY($1)"},
		{sql: "SELECT v FROM t WHERE id IN (SELECT 1)"},
		{sql: "SELECT v + 1 FROM t WHERE id = 1"},                     // an expression
		{sql: "SELECT v FROM t WHERE id = 1 OR id = 2"},               // OR
		{sql: "SELECT v FROM t WHERE id = v"},                         // column = column
		{sql: "SELECT v FROM t WHERE id = 1 AND true"},                // a non-comparison conjunct
		{sql: "SELECT v FROM t WHERE id > 1"},                         // no equality
		{sql: "SELECT count(*) FROM t WHERE id = 1"},                  // aggregate
		{sql: "SELECT v FROM t WHERE id = 1 GROUP BY v"},              // grouping
		{sql: "SELECT DISTINCT v FROM t WHERE id = 1"},                // distinct
		{sql: "SELECT v FROM t WHERE id = 1 ORDER BY v + 1"},          // order by an expression
		{sql: "SELECT v FROM t WHERE id = 1 ORDER BY lower(v::text)"}, // a function
		{sql: "SELECT v FROM t WHERE id = 1 ORDER BY v FETCH FIRST 1 ROWS WITH TIES"},
		{sql: "SELECT v FROM t WHERE id = 1 LIMIT 1 + 1"},
		{sql: "SELECT v FROM t WHERE id = 1 UNION SELECT v FROM t WHERE id = 2"},
		{sql: "SELECT nope FROM t WHERE id = 1"},    // unknown column: DuckDB reports it
		{sql: "SELECT v FROM t WHERE other.id = 1"}, // another relation's column
		{sql: "SELECT v FROM t WHERE id = 1 FOR UPDATE"},
		{sql: "SELECT v FROM t WHERE id = (SELECT 1)"},
	}
	for _, c := range cases {
		tree, err := pg.Parse(c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		stmt := tree.Stmts[0].Stmt
		ref := &scanRef{placeholder: "lakegate_scan_1_", schema: schema, alias: "t"}
		if sel := stmt.GetSelectStmt(); sel != nil && len(sel.FromClause) == 1 {
			if rv := sel.FromClause[0].GetRangeVar(); rv != nil {
				if rv.Alias != nil {
					ref.alias = rv.Alias.Aliasname
				}
				rv.Relname = ref.placeholder
			}
		}
		sh := detectLookup(stmt, []*scanRef{ref})
		if c.cols == nil {
			if sh != nil {
				t.Errorf("%s: taken as a lookup", c.sql)
			}
			continue
		}
		if sh == nil {
			t.Errorf("%s: not taken as a lookup", c.sql)
			continue
		}
		if len(sh.cols) != len(c.cols) || len(sh.preds) != c.preds || len(sh.order) != c.order {
			t.Errorf("%s: cols %v preds %d order %d, want %v %d %d", c.sql, sh.cols, len(sh.preds), len(sh.order), c.cols, c.preds, c.order)
			continue
		}
		for i := range c.cols {
			if sh.cols[i] != c.cols[i] {
				t.Errorf("%s: cols %v, want %v", c.sql, sh.cols, c.cols)
			}
		}
	}
}

// TestExactDecimal: a constant becomes a decimal of the column's scale only when
// that does not round.
func TestExactDecimal(t *testing.T) {
	for _, c := range []struct {
		in    string
		scale int32
		want  string
		ok    bool
	}{
		{"12.5", 2, "1250", true}, {"-0.01", 2, "-1", true}, {"7", 2, "700", true}, {"1.230", 2, "123", true},
		{"1.234", 2, "", false}, {"1e3", 2, "", false}, {"", 2, "", false}, {".", 2, "", false}, {"+.5", 1, "5", true},
	} {
		d, ok := exactDecimal(c.in, c.scale)
		if ok != c.ok || ok && d.BigInt().String() != c.want {
			t.Errorf("exactDecimal(%q, %d) = %s %v, want %s %v", c.in, c.scale, d.BigInt(), ok, c.want, c.ok)
		}
	}
}
