package planner

import (
	"context"
	"slices"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/lakegate/lakegate/pgerr"
	"github.com/lakegate/lakegate/wire"
)

// utilityStmt is a statement the planner answers without the engine.
type utilityStmt struct {
	fields []wire.Field
	run    func(ctx context.Context) (*wire.Result, error)
}

func (u *utilityStmt) ParamOIDs() []uint32  { return nil }
func (u *utilityStmt) Fields() []wire.Field { return u.fields }
func (u *utilityStmt) Close()               {}
func (u *utilityStmt) Run(ctx context.Context, _ []any) (*wire.Result, error) {
	return u.run(ctx)
}

func tagOnly(tag string, status map[string]string) *utilityStmt {
	return &utilityStmt{run: func(context.Context) (*wire.Result, error) {
		return &wire.Result{Tag: tag, ParameterStatus: status}, nil
	}}
}

func (s *Session) setStatement(v *pg.VariableSetStmt) (wire.Statement, error) {
	return &utilityStmt{run: func(context.Context) (*wire.Result, error) {
		var report map[string]string
		var err error
		switch v.Kind {
		case pg.VariableSetKind_VAR_SET_VALUE:
			var val string
			if val, err = setValue(v.Args); err == nil {
				report, err = s.settings.Set(v.Name, val, false)
			}
		case pg.VariableSetKind_VAR_SET_DEFAULT, pg.VariableSetKind_VAR_RESET:
			report, err = s.settings.Reset(v.Name)
		case pg.VariableSetKind_VAR_RESET_ALL:
			report, err = s.settings.Reset("all")
		case pg.VariableSetKind_VAR_SET_CURRENT:
			// SET x FROM CURRENT: keeps the current value.
		case pg.VariableSetKind_VAR_SET_MULTI:
			s.setTransactionIsolation(v.Name, v.Args)
			// SET TRANSACTION / SESSION CHARACTERISTICS: every transaction is read-only;
			// isolation levels are accepted.
			for _, a := range v.Args {
				if de := a.GetDefElem(); de != nil && de.Defname == "transaction_read_only" {
					if c := de.Arg.GetAConst(); c != nil && c.GetIval() != nil && c.GetIval().Ival == 0 {
						return nil, pgerr.New(pgerr.FeatureNotSupported, "lakegate transactions are read-only")
					}
				}
			}
		}
		if err != nil {
			return nil, err
		}
		return &wire.Result{Tag: "SET", ParameterStatus: report}, nil
	}}, nil
}

func (s *Session) showStatement(name string) wire.Statement {
	lname := strings.ToLower(name)
	if lname == "all" {
		return &utilityStmt{fields: textFields("name", "setting", "description"), run: func(context.Context) (*wire.Result, error) {
			keys := make([]string, 0, len(s.settings.values))
			for k := range s.settings.values {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			rows := make([][]string, 0, len(keys))
			for _, k := range keys {
				rows = append(rows, []string{displayName(k), s.settings.values[k], ""})
			}
			return newTextResult("SHOW", []string{"name", "setting", "description"}, rows), nil
		}}
	}
	col := lname
	switch lname {
	case "transaction_isolation":
		col = "transaction_isolation"
	case "timezone", "datestyle", "intervalstyle":
		col = displayName(lname)
	}
	return &utilityStmt{fields: textFields(col), run: func(context.Context) (*wire.Result, error) {
		v, ok := s.settings.Get(lname)
		if !ok {
			return nil, pgerr.New(pgerr.UndefinedParameter, "unrecognized configuration parameter %q", name)
		}
		return newTextResult("SHOW", []string{col}, [][]string{{v}}), nil
	}}
}

func (s *Session) transactionStatement(t *pg.TransactionStmt) (wire.Statement, error) {
	return &utilityStmt{run: func(context.Context) (*wire.Result, error) {
		switch t.Kind {
		case pg.TransactionStmtKind_TRANS_STMT_BEGIN, pg.TransactionStmtKind_TRANS_STMT_START:
			for _, o := range t.Options {
				if de := o.GetDefElem(); de != nil && de.Defname == "transaction_read_only" {
					if c := de.Arg.GetAConst(); c != nil && c.GetIval() != nil && c.GetIval().Ival == 0 {
						return nil, pgerr.New(pgerr.FeatureNotSupported, "lakegate transactions are read-only").
							WithHint("Use BEGIN or BEGIN READ ONLY.")
					}
				}
			}
			// BEGIN inside a transaction is a warning in PostgreSQL, not an error.
			s.beginTransaction(t.Options)
			s.tx = txOpen
			return &wire.Result{Tag: "BEGIN"}, nil
		case pg.TransactionStmtKind_TRANS_STMT_COMMIT:
			failed := s.tx == txFailed
			s.endTransaction()
			s.closeCursors()
			s.tx = txIdle
			if failed {
				return &wire.Result{Tag: "ROLLBACK"}, nil
			}
			return &wire.Result{Tag: "COMMIT"}, nil
		case pg.TransactionStmtKind_TRANS_STMT_ROLLBACK:
			s.endTransaction()
			s.closeCursors()
			s.tx = txIdle
			return &wire.Result{Tag: "ROLLBACK"}, nil
		case pg.TransactionStmtKind_TRANS_STMT_SAVEPOINT:
			if s.tx == txIdle || s.tx == 0 {
				return nil, pgerr.New("25P01", "SAVEPOINT can only be used in transaction blocks")
			}
			return &wire.Result{Tag: "SAVEPOINT"}, nil
		case pg.TransactionStmtKind_TRANS_STMT_RELEASE:
			return &wire.Result{Tag: "RELEASE"}, nil
		case pg.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
			if s.tx == txFailed {
				s.tx = txOpen
			}
			return &wire.Result{Tag: "ROLLBACK"}, nil
		}
		return nil, pgerr.New(pgerr.FeatureNotSupported, "two-phase commit is not supported")
	}}, nil
}
