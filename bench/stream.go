package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// StreamRows is the size of the streamed result the issue asks for.
const StreamRows = 10_000_000

// StreamSQLText repeats lineitem (eight columns: integers, decimals, a date and
// the comment text) copies times and cuts the result at rows rows.
func StreamSQLText(copies int, rows int64) string {
	return fmt.Sprintf(`SELECT l_orderkey, l_partkey, l_suppkey, l_linenumber, l_quantity, l_extendedprice, l_shipdate, l_comment
FROM lineitem CROSS JOIN generate_series(1, %d) AS r(n) LIMIT %d`, copies, rows)
}

// StreamSQLNarrow is the narrow counterpart of StreamSQLText: one integer column.
func StreamSQLNarrow(copies int, rows int64) string {
	return fmt.Sprintf(`SELECT l_orderkey FROM lineitem CROSS JOIN generate_series(1, %d) AS r(n) LIMIT %d`, copies, rows)
}

// StreamShapes are the streamed results, in report order.
var StreamShapes = []string{"wide", "narrow"}

// StreamResult is one streamed result's figures.
type StreamResult struct {
	Rows     int64
	Bytes    int64 // column values as they arrived, without protocol framing
	Duration time.Duration
	FirstRow time.Duration
	Err      string
}

// RowsPerSec is the result's rows per second.
func (s StreamResult) RowsPerSec() float64 { return float64(s.Rows) / s.Duration.Seconds() }

// MBPerSec is the result's value bytes per second, in MB (10^6).
func (s StreamResult) MBPerSec() float64 { return float64(s.Bytes) / 1e6 / s.Duration.Seconds() }

// RunStream runs sql with the extended protocol asking for every column in
// format (0 text, 1 binary), reading rows as raw values without decoding.
func RunStream(ctx context.Context, dsn, setup, sql string, format int16) StreamResult {
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return StreamResult{Err: err.Error()}
	}
	defer c.Close(context.Background())
	if setup != "" {
		if _, err := c.Exec(ctx, setup); err != nil {
			return StreamResult{Err: err.Error()}
		}
	}
	var res StreamResult
	start := time.Now()
	rr := c.PgConn().ExecParams(ctx, sql, nil, nil, nil, []int16{format})
	for rr.NextRow() {
		if res.Rows == 0 {
			res.FirstRow = time.Since(start)
		}
		res.Rows++
		for _, v := range rr.Values() {
			res.Bytes += int64(len(v))
		}
	}
	_, err = rr.Close()
	res.Duration = time.Since(start)
	if err != nil {
		res.Err = firstLine(err.Error())
	}
	return res
}
