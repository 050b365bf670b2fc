package planner

import (
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/lakegate/lakegate/pgerr"
)

func TestFetchPlan(t *testing.T) {
	for _, tc := range []struct {
		sql         string
		pos         int64
		skip, count int64
		code        string
	}{
		{sql: "FETCH c", count: 1},
		{sql: "FETCH NEXT FROM c", count: 1},
		{sql: "FETCH 5 IN c", count: 5},
		{sql: "FETCH FORWARD 7 FROM c", count: 7},
		{sql: "FETCH ALL FROM c", count: 1<<63 - 1},
		{sql: "FETCH FORWARD ALL FROM c", count: 1<<63 - 1},
		{sql: "MOVE FORWARD 3 IN c", count: 3},
		{sql: "FETCH RELATIVE 4 FROM c", skip: 3, count: 1},
		{sql: "FETCH ABSOLUTE 10 FROM c", pos: 4, skip: 5, count: 1},
		{sql: "FETCH FIRST FROM c", skip: 0, count: 1},
		{sql: "FETCH FIRST FROM c", pos: 1, code: "55000"},
		{sql: "FETCH ABSOLUTE 3 FROM c", pos: 3, code: "55000"},
		{sql: "FETCH LAST FROM c", code: "55000"},
		{sql: "FETCH PRIOR FROM c", code: "55000"},
		{sql: "FETCH BACKWARD 2 FROM c", code: "55000"},
		{sql: "FETCH -2 FROM c", code: "55000"},
		{sql: "FETCH RELATIVE -1 FROM c", code: "55000"},
		{sql: "FETCH 0 FROM c", code: pgerr.FeatureNotSupported},
	} {
		tree, err := pg.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		f := tree.Stmts[0].Stmt.GetFetchStmt()
		skip, count, err := fetchPlan(f, tc.pos)
		if tc.code != "" {
			if pgerr.Code(err) != tc.code {
				t.Errorf("%s at %d: error %v, want %s", tc.sql, tc.pos, err, tc.code)
			}
			continue
		}
		if err != nil || skip != tc.skip || count != tc.count {
			t.Errorf("%s at %d: skip %d count %d (%v), want %d %d", tc.sql, tc.pos, skip, count, err, tc.skip, tc.count)
		}
	}
}
