package planner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/lakegate/lakegate/pgerr"
	"github.com/lakegate/lakegate/wire"
)

// newExplain answers EXPLAIN [ANALYZE] for a read: per lake table what pruning kept
// and skipped, then DuckDB's plan of the SQL that reads exactly those files.
func (s *Session) newExplain(ctx context.Context, e *pg.ExplainStmt, text string, paramOIDs []uint32) (wire.Statement, error) {
	if e.Query.GetSelectStmt() == nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "EXPLAIN is supported for queries only")
	}
	analyze := false
	for _, o := range e.Options {
		if de := o.GetDefElem(); de != nil && de.Defname == "analyze" {
			analyze = de.Arg == nil || strings.EqualFold(strVal(de.Arg), "true") || de.Arg.GetAConst() != nil
		}
	}
	q, err := s.newQuery(ctx, &pg.RawStmt{Stmt: e.Query}, text, paramOIDs, false)
	if err != nil {
		return nil, err
	}
	return &explainStmt{q: q, analyze: analyze}, nil
}

type explainStmt struct {
	q       *queryStmt
	analyze bool
}

func (x *explainStmt) ParamOIDs() []uint32  { return x.q.ParamOIDs() }
func (x *explainStmt) Fields() []wire.Field { return textFields("QUERY PLAN") }
func (x *explainStmt) Close()               {}

func (x *explainStmt) Run(ctx context.Context, params []any) (*wire.Result, error) {
	start := time.Now()
	sql, specs, err := x.q.plan(ctx, params)
	if err != nil {
		return nil, err
	}
	planning := time.Since(start)
	var lines []string
	for i, sp := range specs {
		st := sp.Stats
		lines = append(lines,
			fmt.Sprintf("Iceberg scan on %s (as %s)", sp.Table, x.q.scans[i].alias),
			fmt.Sprintf("  Snapshot: %d", sp.SnapshotID),
			fmt.Sprintf("  Data files: %d scanned, %d skipped of %d", st.DataFilesKept, st.DataFilesTotal-st.DataFilesKept, st.DataFilesTotal),
			fmt.Sprintf("  Rows: %d of %d in scanned files; bytes: %d", st.RowsKept, st.RowsTotal, st.BytesKept),
			fmt.Sprintf("  Delete files applied: %d", st.DeleteFiles))
		if sp.Filter != "" {
			lines = append(lines, "  Pruned by: "+sp.Filter)
		}
	}
	if x.analyze {
		execStart := time.Now()
		rows, err := x.q.s.g.engine.Query(ctx, sql, params)
		if err != nil {
			return nil, err
		}
		var n int64
		for {
			b, err := rows.Next(ctx)
			if err != nil {
				rows.Close()
				return nil, err
			}
			if b == nil {
				break
			}
			n += b.NumRows()
			b.Release()
		}
		lines = append(lines,
			fmt.Sprintf("Planning and pruning time: %.3f ms", float64(planning.Microseconds())/1000),
			fmt.Sprintf("Execution time: %.3f ms", float64(time.Since(execStart).Microseconds())/1000),
			fmt.Sprintf("Rows returned: %d", n))
	}
	plan, err := x.engineExplain(ctx, sql, params)
	if err != nil {
		return nil, err
	}
	lines = append(lines, "DuckDB plan:")
	lines = append(lines, plan...)
	rows := make([][]string, len(lines))
	for i, l := range lines {
		rows[i] = []string{l}
	}
	return newTextResult("EXPLAIN", []string{"QUERY PLAN"}, rows), nil
}

func (x *explainStmt) engineExplain(ctx context.Context, sql string, params []any) ([]string, error) {
	rows, err := x.q.s.g.engine.Query(ctx, "EXPLAIN "+sql, params)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for {
		b, err := rows.Next(ctx)
		if err != nil {
			return nil, err
		}
		if b == nil {
			return out, nil
		}
		col := b.Column(int(b.NumCols()) - 1)
		if sc, ok := col.(*array.String); ok {
			for i := 0; i < sc.Len(); i++ {
				out = append(out, strings.Split(strings.TrimRight(sc.Value(i), "\n"), "\n")...)
			}
		}
		b.Release()
	}
}
