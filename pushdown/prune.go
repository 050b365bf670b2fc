package pushdown

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/metrics"
	"github.com/apache/iceberg-go/table"
	"golang.org/x/sync/errgroup"
)

// footerReaders bounds the footers read at once per table scan (reads are small and
// mostly waiting on storage).
const footerReaders = 8

// pruneRowGroups drops the data files none of whose row groups can match the filter,
// by the footer statistics of each file. A footer that cannot be read or understood
// keeps its file: the engine reads it and reports any real problem.
func pruneRowGroups(ctx context.Context, t *table.Table, schema *iceberg.Schema, filter iceberg.BooleanExpression,
	tasks []table.FileScanTask, st *PruneStats) ([]table.FileScanTask, error) {
	rewritten, err := iceberg.RewriteNotExpr(filter)
	if err != nil {
		return tasks, nil
	}
	bound, err := iceberg.BindExpr(schema, rewritten, true)
	if err != nil {
		return tasks, nil
	}
	keep := make([]bool, len(tasks))
	var total, kept, rowsKept, opened atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(footerReaders)
	for i := range tasks {
		g.Go(func() error {
			keep[i] = true
			f, didOpen, err := footerFor(gctx, t, tasks[i].File.FilePath(), tasks[i].File.FileSizeBytes())
			if didOpen {
				opened.Add(1)
			}
			if err != nil {
				if gctx.Err() != nil {
					return gctx.Err()
				}
				return nil
			}
			match := false
			for j := range f.rowGroups {
				total.Add(1)
				if rowGroupMightMatch(bound, f, &f.rowGroups[j]) {
					kept.Add(1)
					rowsKept.Add(f.rowGroups[j].rows)
					match = true
				}
			}
			keep[i] = match
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	st.RowGroupsTotal, st.RowGroupsKept = int(total.Load()), int(kept.Load())
	st.RowGroupRowsKept, st.FootersRead = rowsKept.Load(), int(opened.Load())
	out := tasks[:0]
	for i, tk := range tasks {
		if keep[i] {
			out = append(out, tk)
		}
	}
	return out, nil
}

// reportCatcher receives iceberg-go's scan report, which carries the manifest counts.
type reportCatcher struct {
	mu     sync.Mutex
	report *metrics.ScanReport
}

func (r *reportCatcher) Report(_ context.Context, rep metrics.MetricsReport) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch x := rep.(type) {
	case metrics.ScanReport:
		r.report = &x
	case *metrics.ScanReport:
		r.report = x
	}
}

func (r *reportCatcher) Close() error { return nil }

func (r *reportCatcher) apply(st *PruneStats) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.report == nil {
		return
	}
	m := r.report.Metrics
	st.ManifestsTotal = int(counter(m.TotalDataManifests))
	st.ManifestsSkipped = int(counter(m.SkippedDataManifests))
	st.DeleteManifestsTotal = int(counter(m.TotalDeleteManifests))
	st.DeleteManifestsSkipped = int(counter(m.SkippedDeleteManifests))
}

func counter(c *metrics.CounterResult) int64 {
	if c == nil {
		return 0
	}
	return c.Value
}
