package planner

import (
	"context"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/lakegate/lakegate/pgerr"
	"github.com/lakegate/lakegate/wire"
)

// copyStatement answers COPY (query) TO STDOUT; every other COPY writes or reads
// files and is refused.
func (s *Session) copyStatement(ctx context.Context, c *pg.CopyStmt, text string) (wire.Statement, error) {
	if c.IsFrom {
		return nil, pgerr.New(pgerr.ReadOnlySQLTransaction, "cannot execute COPY FROM in a read-only transaction")
	}
	if c.Filename != "" || c.IsProgram {
		return nil, pgerr.New(pgerr.InsufficientPrivilege, "COPY to a file or program is not allowed").
			WithHint("Use COPY ... TO STDOUT (psql's \\copy).")
	}
	out := &wire.CopyOut{Format: "text"}
	for _, o := range c.Options {
		de := o.GetDefElem()
		if de == nil {
			continue
		}
		val := ""
		if de.Arg != nil {
			if v, ok := constant(de.Arg, nil); ok {
				if sv, ok := v.(string); ok {
					val = sv
				}
			} else {
				val = strVal(de.Arg)
			}
		}
		switch de.Defname {
		case "format":
			out.Format = strings.ToLower(val)
		case "delimiter":
			out.Delimiter = val
		case "null":
			out.Null = val
		case "header":
			out.Header = de.Arg == nil || val == "" || val == "true" || val == "on" || val == "1"
			if b := de.Arg.GetBoolean(); b != nil {
				out.Header = b.Boolval
			}
		}
	}
	var query *pg.Node
	if c.Query != nil {
		query = c.Query
	} else if c.Relation != nil {
		// COPY table TO STDOUT reads the whole table.
		query = &pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: &pg.SelectStmt{
			TargetList: []*pg.Node{{Node: &pg.Node_ResTarget{ResTarget: &pg.ResTarget{Val: &pg.Node{Node: &pg.Node_ColumnRef{ColumnRef: &pg.ColumnRef{Fields: []*pg.Node{{Node: &pg.Node_AStar{AStar: &pg.A_Star{}}}}}}}}}}},
			FromClause: []*pg.Node{{Node: &pg.Node_RangeVar{RangeVar: c.Relation}}},
		}}}
	}
	if query == nil || query.GetSelectStmt() == nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "COPY supports a query or a table only")
	}
	q, err := s.newQuery(ctx, &pg.RawStmt{Stmt: query}, text, nil, false)
	if err != nil {
		return nil, err
	}
	return &copyStmt{q: q, out: out}, nil
}

type copyStmt struct {
	q   *queryStmt
	out *wire.CopyOut
}

func (c *copyStmt) ParamOIDs() []uint32  { return nil }
func (c *copyStmt) Fields() []wire.Field { return nil }
func (c *copyStmt) Close()               {}
func (c *copyStmt) Run(ctx context.Context, params []any) (*wire.Result, error) {
	r, err := c.q.Run(ctx, params)
	if err != nil {
		return nil, err
	}
	r.Tag = "COPY"
	r.Copy = c.out
	return r, nil
}
