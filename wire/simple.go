package wire

import (
	"github.com/jackc/pgx/v5/pgproto3"
)

// handleQuery runs a simple-protocol Query: every statement in turn, text results,
// stopping at the first error; one ReadyForQuery at the end.
func (c *conn) handleQuery(sql string) {
	// As in PostgreSQL, a simple Query drops the unnamed statement and portal.
	c.dropUnnamed()
	c.runQuery(sql)
	// Not deferred: after a panic the connection answers FATAL, not ReadyForQuery.
	c.readyForQuery()
}

func (c *conn) runQuery(sql string) {
	stmts, err := c.sess.Parse(c.ctx, sql, nil)
	if err != nil {
		c.fail(err)
		return
	}
	if len(stmts) == 0 {
		c.send(&pgproto3.EmptyQueryResponse{})
		return
	}
	for i, st := range stmts {
		ps := newPreparedStatement("", st)
		p := c.newPortal("", ps, nil, nil)
		err := c.execute(p, 0, true)
		p.close()
		ps.close()
		if err != nil {
			for _, rest := range stmts[i+1:] {
				rest.Close()
			}
			c.fail(err)
			return
		}
		if c.writeErr != nil {
			return
		}
	}
}

// fail reports a statement's error and marks an open transaction failed.
func (c *conn) fail(err error) {
	c.sendError(err)
	c.sess.FailTransaction()
}

func (c *conn) dropUnnamed() {
	if p, ok := c.portals[""]; ok {
		p.close()
		delete(c.portals, "")
	}
	if ps, ok := c.stmts[""]; ok {
		ps.close()
		delete(c.stmts, "")
	}
}
