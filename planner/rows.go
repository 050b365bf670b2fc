package planner

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/lakegate/lakegate/engine"
	"github.com/lakegate/lakegate/wire"
)

// newTextResult is a small result computed by the planner itself (SHOW, EXPLAIN):
// text columns, all rows in one batch.
func newTextResult(tag string, columns []string, rows [][]string) *wire.Result {
	fields := make([]arrow.Field, len(columns))
	wf := make([]wire.Field, len(columns))
	for i, c := range columns {
		fields[i] = arrow.Field{Name: c, Type: arrow.BinaryTypes.String, Nullable: true}
		wf[i] = wire.FieldForArrow(c, arrow.BinaryTypes.String)
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for _, r := range rows {
		for i, v := range r {
			b.Field(i).(*array.StringBuilder).Append(v)
		}
	}
	return &wire.Result{Tag: tag, Fields: wf, Rows: &batchRows{batch: b.NewRecordBatch()}}
}

func textFields(columns ...string) []wire.Field {
	out := make([]wire.Field, len(columns))
	for i, c := range columns {
		out[i] = wire.FieldForArrow(c, arrow.BinaryTypes.String)
	}
	return out
}

// engineRows adapts the engine's stream to wire.Rows and reports when it ends.
type engineRows struct {
	rows   *engine.Rows
	onDone func(rows int64, err error)
	count  int64
	closed bool
}

func (r *engineRows) Next(ctx context.Context) (arrow.RecordBatch, error) {
	b, err := r.rows.Next(ctx)
	if err != nil {
		r.finish(err)
		return nil, err
	}
	if b == nil {
		r.finish(nil)
		return nil, io.EOF
	}
	r.count += b.NumRows()
	return b, nil
}

func (r *engineRows) finish(err error) {
	if r.closed {
		return
	}
	r.closed = true
	r.rows.Close()
	if r.onDone != nil {
		r.onDone(r.count, err)
	}
}

func (r *engineRows) Close() error {
	r.finish(nil)
	return nil
}
