package wire

import (
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/lakegate/lakegate/pgerr"
)

// The extended protocol: each handler returns the error to report; the caller then
// skips messages until Sync (see conn.extended).

func (c *conn) handleParse(m *pgproto3.Parse) error {
	if m.Name != "" {
		if _, exists := c.stmts[m.Name]; exists {
			return pgerr.New(pgerr.DuplicatePreparedStatement, "prepared statement \"%s\" already exists", m.Name)
		}
	}
	stmts, err := c.sess.Parse(c.ctx, m.Query, m.ParameterOIDs)
	if err != nil {
		return err
	}
	if len(stmts) > 1 {
		for _, st := range stmts {
			st.Close()
		}
		return pgerr.New(pgerr.SyntaxError, "cannot insert multiple commands into a prepared statement")
	}
	var st Statement
	if len(stmts) == 1 {
		st = stmts[0]
	}
	ps := newPreparedStatement(m.Name, st)
	if st == nil {
		ps.paramOIDs = append([]uint32(nil), m.ParameterOIDs...)
	}
	if old, ok := c.stmts[m.Name]; ok { // only the unnamed one can be replaced
		old.close()
	}
	c.stmts[m.Name] = ps
	c.send(&pgproto3.ParseComplete{})
	return nil
}

func (c *conn) handleBind(m *pgproto3.Bind) error {
	ps, ok := c.stmts[m.PreparedStatement]
	if !ok {
		return statementMissing(m.PreparedStatement)
	}
	if m.DestinationPortal != "" {
		if _, exists := c.portals[m.DestinationPortal]; exists {
			return pgerr.New(pgerr.DuplicateCursor, "portal \"%s\" already exists", m.DestinationPortal)
		}
	}
	n := len(m.Parameters)
	if nf := len(m.ParameterFormatCodes); nf > 1 && nf != n {
		return pgerr.New(pgerr.ProtocolViolation, "bind message has %d parameter formats but %d parameters", nf, n)
	}
	if n != len(ps.paramOIDs) {
		return pgerr.New(pgerr.ProtocolViolation, "bind message supplies %d parameters, but prepared statement \"%s\" requires %d", n, ps.name, len(ps.paramOIDs))
	}
	if nr := len(m.ResultFormatCodes); nr > 1 && nr != len(ps.fields) {
		return pgerr.New(pgerr.ProtocolViolation, "bind message has %d result formats but query has %d columns", nr, len(ps.fields))
	}
	for _, f := range m.ResultFormatCodes {
		if f != 0 && f != 1 {
			return pgerr.New(pgerr.InvalidParameterValue, "unsupported format code: %d", f)
		}
	}
	params := make([]any, n)
	loc := c.location()
	for i, data := range m.Parameters {
		var format int16
		switch len(m.ParameterFormatCodes) {
		case 0:
		case 1:
			format = m.ParameterFormatCodes[0]
		default:
			format = m.ParameterFormatCodes[i]
		}
		if format != 0 && format != 1 {
			return pgerr.New(pgerr.InvalidParameterValue, "unsupported format code: %d", format)
		}
		if data == nil {
			continue
		}
		v, err := decodeParam(ps.paramOIDs[i], format, data, loc, i+1)
		if err != nil {
			return err
		}
		params[i] = v
	}
	if old, ok := c.portals[m.DestinationPortal]; ok { // the unnamed portal
		old.close()
	}
	codes := append([]int16(nil), m.ResultFormatCodes...)
	c.portals[m.DestinationPortal] = c.newPortal(m.DestinationPortal, ps, params, codes)
	c.send(&pgproto3.BindComplete{})
	return nil
}

func (c *conn) handleDescribe(m *pgproto3.Describe) error {
	switch m.ObjectType {
	case 'S':
		ps, ok := c.stmts[m.Name]
		if !ok {
			return statementMissing(m.Name)
		}
		c.send(&pgproto3.ParameterDescription{ParameterOIDs: ps.paramOIDs})
		c.describeRows(ps.fields, nil)
	case 'P':
		p, ok := c.portals[m.Name]
		if !ok {
			return portalMissing(m.Name)
		}
		fields := p.fields()
		c.describeRows(fields, p.formatCodes)
	default:
		return pgerr.New(pgerr.ProtocolViolation, "invalid DESCRIBE message subtype %d", m.ObjectType)
	}
	return nil
}

func (c *conn) describeRows(fields []Field, codes []int16) {
	if fields == nil {
		c.send(&pgproto3.NoData{})
		return
	}
	c.send(rowDescription(fields, expandFormats(codes, len(fields))))
}

func (c *conn) handleExecute(m *pgproto3.Execute) error {
	p, ok := c.portals[m.Portal]
	if !ok {
		return portalMissing(m.Portal)
	}
	return c.execute(p, int64(m.MaxRows), false)
}

func (c *conn) handleClose(m *pgproto3.Close) error {
	switch m.ObjectType {
	case 'S':
		if ps, ok := c.stmts[m.Name]; ok {
			ps.close()
			delete(c.stmts, m.Name)
		}
	case 'P':
		if p, ok := c.portals[m.Name]; ok {
			p.close()
			delete(c.portals, m.Name)
		}
	default:
		return pgerr.New(pgerr.ProtocolViolation, "invalid CLOSE message subtype %d", m.ObjectType)
	}
	c.send(&pgproto3.CloseComplete{})
	return nil
}

func statementMissing(name string) error {
	if name == "" {
		return pgerr.New(pgerr.InvalidSQLStatementName, "unnamed prepared statement does not exist")
	}
	return pgerr.New(pgerr.InvalidSQLStatementName, "prepared statement \"%s\" does not exist", name)
}

func portalMissing(name string) error {
	if name == "" {
		return pgerr.New(pgerr.InvalidCursorName, "portal \"\" does not exist")
	}
	return pgerr.New(pgerr.InvalidCursorName, "portal \"%s\" does not exist", name)
}
