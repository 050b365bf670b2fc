package planner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/iceberg-go/table"
	pg "github.com/pganalyze/pg_query_go/v6"
	"go.uber.org/zap"

	"github.com/lakegate/lakegate/pgerr"
	"github.com/lakegate/lakegate/pushdown"
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
	loaded := map[string]*table.Table{}
	p, err := x.q.plan(ctx, params, loaded, true)
	if err != nil {
		return nil, err
	}
	defer p.done()
	sql := p.sql
	planning := time.Since(start)
	var lines []string
	if l := x.q.laneExplain(ctx, loaded); l != "" {
		lines = append(lines, l)
	}
	for i, sp := range p.specs {
		lines = append(lines, fmt.Sprintf("Iceberg scan on %s (as %s)", sp.Table, x.q.scans[i].alias))
		lines = append(lines, scanLines(sp, x.analyze)...)
		if p.keys[i] != "" {
			lines = append(lines, "  Hot table: "+x.q.s.g.hot.describe(p.keys[i]))
		}
	}
	if x.analyze {
		execStart := time.Now()
		rows, err := x.q.s.g.engine.Query(ctx, sql, params)
		if err != nil {
			return nil, err
		}
		var n int64
		if err := rows.Each(ctx, func(b arrow.RecordBatch) error { n += b.NumRows(); return nil }); err != nil {
			return nil, err
		}
		lines = append(lines,
			fmt.Sprintf("Planning and pruning time: %s", ms(planning)),
			fmt.Sprintf("Execution time: %s", ms(time.Since(execStart))),
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
				// Clone: the batch's strings live in DuckDB memory reused after Release.
				out = append(out, strings.Split(strings.TrimRight(strings.Clone(sc.Value(i)), "\n"), "\n")...)
			}
		}
		b.Release()
	}
}

// scanLines describes what pruning kept and skipped at each level for one lake table.
func scanLines(sp *pushdown.ScanSpec, analyze bool) []string {
	st := sp.Stats
	lines := []string{
		fmt.Sprintf("  Snapshot: %d", sp.SnapshotID),
		fmt.Sprintf("  Manifests: %d scanned, %d skipped of %d (partition summaries)",
			st.ManifestsTotal-st.ManifestsSkipped, st.ManifestsSkipped, st.ManifestsTotal),
		fmt.Sprintf("  Data files: %d scanned, %d skipped of %d (%d by partition values and column bounds, %d by row-group statistics)",
			st.DataFilesKept, st.DataFilesTotal-st.DataFilesKept, st.DataFilesTotal,
			st.DataFilesTotal-st.DataFilesAfterFiles, st.DataFilesAfterFiles-st.DataFilesKept),
	}
	if st.RowGroupsTotal > 0 || st.DataFilesAfterFiles > 0 && sp.Filter != "" {
		lines = append(lines, fmt.Sprintf("  Row groups: %d can match, %d skipped of %d (in %d files checked; %d rows in matching row groups)",
			st.RowGroupsKept, st.RowGroupsTotal-st.RowGroupsKept, st.RowGroupsTotal, st.DataFilesAfterFiles, st.RowGroupRowsKept))
	}
	lines = append(lines,
		fmt.Sprintf("  Rows: %d of %d in scanned files; bytes: %d of %d", st.RowsKept, st.RowsTotal, st.BytesKept, st.BytesTotal),
		fmt.Sprintf("  Delete files applied: %d (delete manifests: %d skipped of %d)", st.DeleteFiles, st.DeleteManifestsSkipped, st.DeleteManifestsTotal))
	if sp.Filter != "" {
		lines = append(lines, "  Pruned by: "+sp.Filter)
	}
	if analyze {
		lines = append(lines, fmt.Sprintf("  Pruning time: manifests and files %s, row groups %s (%d footers read, the rest cached)",
			ms(st.FilePruning), ms(st.RowGroupPruning), st.FootersRead))
	}
	return lines
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d.Microseconds())/1000) }

// pruneLogFields are a lake table's figures in the per-query log record.
func pruneLogFields(sp *pushdown.ScanSpec) []zap.Field {
	st := sp.Stats
	return []zap.Field{
		zap.Int64("snapshot_id", sp.SnapshotID),
		zap.Int("manifests", st.ManifestsTotal), zap.Int("manifests_skipped", st.ManifestsSkipped),
		zap.Int("files_scanned", st.DataFilesKept),
		zap.Int("files_skipped", st.DataFilesTotal-st.DataFilesKept),
		zap.Int("files_skipped_by_row_groups", st.DataFilesAfterFiles-st.DataFilesKept),
		zap.Int("row_groups", st.RowGroupsTotal), zap.Int("row_groups_skipped", st.RowGroupsTotal-st.RowGroupsKept),
		zap.Int64("rows_scanned", st.RowsKept), zap.Int64("bytes_scanned", st.BytesKept),
		zap.Int("delete_files", st.DeleteFiles),
		zap.Duration("file_pruning", st.FilePruning), zap.Duration("row_group_pruning", st.RowGroupPruning),
		zap.String("pruned_by", sp.Filter),
	}
}
