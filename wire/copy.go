package wire

import (
	"encoding/binary"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/lakegate/lakegate/pgerr"
)

// binaryCopyHeader is the PGCOPY signature, flags and header-extension length.
var binaryCopyHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// copyStyle is the resolved COPY TO STDOUT format.
type copyStyle struct {
	format string // text, csv or binary
	delim  byte
	null   string
}

// copyOut sends p's rows as COPY ... TO STDOUT: CopyOutResponse, one CopyData per
// row, CopyDone, CommandComplete "COPY n".
func (c *conn) copyOut(p *portal) error {
	cp := p.res.Copy
	st := copyStyle{format: strings.ToLower(cp.Format)}
	switch st.format {
	case "", "text":
		st.format, st.delim, st.null = "text", '\t', `\N`
	case "csv":
		st.delim, st.null = ',', ""
	case "binary":
	default:
		return pgerr.New(pgerr.FeatureNotSupported, "COPY format \"%s\" not recognized", cp.Format)
	}
	if cp.Delimiter != "" {
		if len(cp.Delimiter) != 1 {
			return pgerr.New(pgerr.FeatureNotSupported, "COPY delimiter must be a single one-byte character")
		}
		st.delim = cp.Delimiter[0]
	}
	if cp.Null != "" {
		st.null = cp.Null
	}
	fields := p.fields()
	if p.res.Rows == nil {
		fields = nil
	}
	formats := make([]int16, len(fields))
	codes := make([]uint16, len(fields))
	overall := byte(0)
	if st.format == "binary" {
		overall = 1
		for i := range formats {
			formats[i], codes[i] = 1, 1
		}
	}
	c.send(&pgproto3.CopyOutResponse{OverallFormat: overall, ColumnFormatCodes: codes})
	switch {
	case st.format == "binary":
		c.send(&pgproto3.CopyData{Data: binaryCopyHeader})
	case cp.Header:
		var line []byte
		for i, f := range fields {
			if i > 0 {
				line = append(line, st.delim)
			}
			line = st.appendValue(line, []byte(f.Name), len(fields) == 1)
		}
		c.send(&pgproto3.CopyData{Data: append(line, '\n')})
	}
	var n int64
	if p.res.Rows != nil {
		p.enc = newRowEncoder(fields, formats, c.encOptions())
		msg := copyRowMsg{e: p.enc, style: &st}
		for {
			more, err := c.fill(p)
			if err != nil {
				return err
			}
			if !more {
				break
			}
			msg.row = p.enc.next
			c.sendStream(&msg)
			p.enc.next++
			n++
			if c.writeErr != nil {
				return errClientGone
			}
		}
	}
	if st.format == "binary" {
		c.send(&pgproto3.CopyData{Data: []byte{0xff, 0xff}})
	}
	p.finish()
	c.send(&pgproto3.CopyDone{})
	c.commandComplete(completionTag("COPY", n), p.res.ParameterStatus)
	return nil
}

// copyRowMsg is one row as a CopyData message, encoded straight from the arrays.
type copyRowMsg struct {
	e       *rowEncoder
	style   *copyStyle
	row     int
	scratch []byte
}

func (*copyRowMsg) Backend()            {}
func (*copyRowMsg) Decode([]byte) error { return errors.New("wire: copyRowMsg is encode-only") }
func (m *copyRowMsg) Encode(dst []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 'd', 0, 0, 0, 0)
	e := m.e
	if m.style.format == "binary" {
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(e.fns)))
		for j, fn := range e.fns {
			if e.cols[j].IsNull(m.row) {
				dst = binary.BigEndian.AppendUint32(dst, 0xffffffff)
				continue
			}
			lp := len(dst)
			dst = append(dst, 0, 0, 0, 0)
			dst = fn(dst, m.row)
			binary.BigEndian.PutUint32(dst[lp:], uint32(len(dst)-lp-4))
		}
	} else {
		for j, fn := range e.fns {
			if j > 0 {
				dst = append(dst, m.style.delim)
			}
			if e.cols[j].IsNull(m.row) {
				dst = append(dst, m.style.null...)
				continue
			}
			m.scratch = fn(m.scratch[:0], m.row)
			dst = m.style.appendValue(dst, m.scratch, len(e.fns) == 1)
		}
		dst = append(dst, '\n')
	}
	binary.BigEndian.PutUint32(dst[start+1:], uint32(len(dst)-start-1))
	return dst, nil
}

// appendValue escapes a non-NULL value the way COPY TO does for the format.
func (s *copyStyle) appendValue(dst, v []byte, singleColumn bool) []byte {
	if s.format == "csv" {
		return s.appendCSV(dst, v, singleColumn)
	}
	for _, ch := range v {
		if ch < 0x20 {
			switch ch {
			case '\b':
				ch = 'b'
			case '\f':
				ch = 'f'
			case '\n':
				ch = 'n'
			case '\r':
				ch = 'r'
			case '\t':
				ch = 't'
			case '\v':
				ch = 'v'
			default:
				if ch != s.delim {
					dst = append(dst, ch)
					continue
				}
			}
			dst = append(dst, '\\', ch)
			continue
		}
		if ch == '\\' || ch == s.delim {
			dst = append(dst, '\\')
		}
		dst = append(dst, ch)
	}
	return dst
}

func (s *copyStyle) appendCSV(dst, v []byte, singleColumn bool) []byte {
	quote := string(v) == s.null || (singleColumn && string(v) == `\.`)
	for _, ch := range v {
		if ch == s.delim || ch == '"' || ch == '\n' || ch == '\r' {
			quote = true
			break
		}
	}
	if !quote {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	for _, ch := range v {
		if ch == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, ch)
	}
	return append(dst, '"')
}
