package tpch

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// LoadPostgres creates the eight tables in conn's database, copies g's rows
// into them with COPY, then adds the primary keys and the usual TPC-H
// indexes (foreign-key columns, l_shipdate, o_orderdate) and runs ANALYZE.
func LoadPostgres(ctx context.Context, conn *pgx.Conn, g *Gen) error {
	for _, t := range Tables {
		cols := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			cols[i] = c.Name + " " + c.PG + " NOT NULL"
		}
		if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", t.Name, strings.Join(cols, ", "))); err != nil {
			return fmt.Errorf("tpch: create %s: %w", t.Name, err)
		}
	}
	err := g.Generate(ctx, func(ctx context.Context, name string, recs []arrow.RecordBatch) error {
		defer release(recs)
		t, _ := TableByName(name)
		names := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			names[i] = c.Name
		}
		for _, rec := range recs {
			if _, err := conn.CopyFrom(ctx, pgx.Identifier{name}, names, &arrowRows{rec: rec, row: -1}); err != nil {
				return fmt.Errorf("tpch: copy %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, t := range Tables {
		stmts := []string{fmt.Sprintf("ALTER TABLE %s ADD PRIMARY KEY (%s)", t.Name, strings.Join(t.PrimaryKey, ", "))}
		for _, ix := range t.Indexes {
			stmts = append(stmts, fmt.Sprintf("CREATE INDEX %s_%s_idx ON %s (%s)",
				t.Name, strings.Join(ix, "_"), t.Name, strings.Join(ix, ", ")))
		}
		for _, s := range stmts {
			if _, err := conn.Exec(ctx, s); err != nil {
				return fmt.Errorf("tpch: %s: %w", s, err)
			}
		}
	}
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("tpch: analyze: %w", err)
	}
	return nil
}

// arrowRows feeds one record batch to CopyFrom.
type arrowRows struct {
	rec  arrow.RecordBatch
	row  int
	vals []any
	err  error
}

func (a *arrowRows) Next() bool {
	a.row++
	return a.row < int(a.rec.NumRows())
}

func (a *arrowRows) Values() ([]any, error) {
	if a.vals == nil {
		a.vals = make([]any, a.rec.NumCols())
	}
	for i, col := range a.rec.Columns() {
		v, err := cellValue(col, a.row)
		if err != nil {
			return nil, err
		}
		a.vals[i] = v
	}
	return a.vals, nil
}

func (a *arrowRows) Err() error { return a.err }

// cellValue converts one Arrow cell to a value pgx encodes.
func cellValue(col arrow.Array, i int) (any, error) {
	if col.IsNull(i) {
		return nil, nil
	}
	switch c := col.(type) {
	case *array.Int32:
		return c.Value(i), nil
	case *array.Int64:
		return c.Value(i), nil
	case *array.String:
		return c.Value(i), nil
	case *array.Date32:
		return pgtype.Date{Time: c.Value(i).ToTime(), Valid: true}, nil
	case *array.Decimal128:
		dt := c.DataType().(*arrow.Decimal128Type)
		return pgtype.Numeric{Int: c.Value(i).BigInt(), Exp: -dt.Scale, Valid: true}, nil
	}
	return nil, fmt.Errorf("tpch: no PostgreSQL value for Arrow type %s", col.DataType())
}
