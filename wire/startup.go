package wire

import (
	"bytes"
	"encoding/binary"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"go.uber.org/zap"

	"github.com/lakegate/lakegate/pgerr"
)

// Request codes of the untyped startup packets.
const (
	codeCancel = 80877102
	codeSSL    = 80877103
	codeGSSEnc = 80877104
)

// startup runs the connection from the first packet to the first ReadyForQuery.
// admitted reports whether the connection counts against MaxConnections.
func (c *conn) startup() (admitted bool, err error) {
	c.nc.SetDeadline(time.Now().Add(c.srv.cfg.StartupTimeout))
	defer c.nc.SetDeadline(time.Time{})

	var params map[string]string
	for attempt := 0; ; attempt++ {
		body, err := c.fr.startup()
		if err != nil {
			if pe, ok := err.(*protocolError); ok {
				c.fatal(pgerr.New(pgerr.ProtocolViolation, "%s", pe.msg))
			}
			return false, err
		}
		code := binary.BigEndian.Uint32(body)
		switch {
		case code == codeSSL && c.srv.cfg.TLS != nil && c.tlsState == nil && attempt < 2:
			if err := c.startTLS(); err != nil {
				if pe, ok := err.(*pgerr.Error); ok {
					c.fatal(pe)
				} else {
					c.log.Debug("wire: TLS handshake failed", zap.Error(err))
				}
				return false, err
			}
			continue
		case (code == codeSSL || code == codeGSSEnc) && c.tlsState == nil && attempt < 2:
			// No GSS encryption (nor TLS, unless configured): the client goes on in plain text.
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return false, err
			}
			continue
		case code == codeCancel && attempt == 0:
			var m pgproto3.CancelRequest
			if m.Decode(body) == nil {
				c.srv.keys.cancel(m.ProcessID, m.SecretKey)
			}
			return false, nil // never answer a cancel request
		case code>>16 == 3:
			var unknown []string
			params, unknown, err = parseStartupParams(body[4:])
			if err != nil {
				c.fatal(pgerr.New(pgerr.ProtocolViolation, "invalid startup packet layout: %s", err))
				return false, err
			}
			if code&0xffff != 0 || len(unknown) > 0 {
				c.send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: unknown})
			}
		default:
			e := pgerr.New(pgerr.FeatureNotSupported, "unsupported frontend protocol %d.%d: server supports 3.0 to 3.0", code>>16, code&0xffff)
			c.fatal(e)
			return false, e
		}
		break
	}

	if !c.srv.admit() {
		e := pgerr.New(pgerr.TooManyConnections, "sorry, too many clients already")
		c.fatal(e)
		return false, e
	}
	info := StartupInfo{User: params["user"], Database: params["database"], Parameters: params, RemoteAddr: c.nc.RemoteAddr()}
	if info.User == "" {
		e := pgerr.New(pgerr.InvalidAuthorization, "no PostgreSQL user name specified in startup packet")
		c.fatal(e)
		return true, e
	}
	if info.Database == "" {
		info.Database = info.User
		params["database"] = info.User
	}
	c.log = c.log.With(zapUser(info.User))

	if err := c.authenticate(info.Database, info.User); err != nil {
		if !isNetErr(err) {
			c.fatal(pgerr.From(err))
		}
		return true, err
	}
	c.send(&pgproto3.AuthenticationOk{})

	sess, err := c.srv.handler.NewSession(c.ctx, info)
	if err != nil {
		c.fatal(pgerr.From(err))
		return true, err
	}
	c.sess = sess
	ps := c.srv.handler.ServerParameters(sess)
	names := make([]string, 0, len(ps))
	for k := range ps {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		c.send(&pgproto3.ParameterStatus{Name: k, Value: ps[k]})
	}
	c.srv.keys.register(c)
	c.send(&pgproto3.BackendKeyData{ProcessID: c.key.pid, SecretKey: c.key.secret[:]})
	c.readyForQuery()
	return true, c.writeErr
}

// parseStartupParams reads the name/value pairs of a StartupMessage. Parameters of
// the form -c name=value or --name=value inside options become entries of their own;
// explicit parameters win over options, as in PostgreSQL. _pq_.* protocol options
// are returned in unknown (none is supported).
func parseStartupParams(b []byte) (params map[string]string, unknown []string, err error) {
	params = map[string]string{}
	var explicit [][2]string
	for {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return nil, nil, &protocolError{msg: "missing terminator"}
		}
		name := string(b[:i])
		b = b[i+1:]
		if name == "" {
			break
		}
		j := bytes.IndexByte(b, 0)
		if j < 0 {
			return nil, nil, &protocolError{msg: "missing value for " + name}
		}
		value := string(b[:j])
		b = b[j+1:]
		if strings.HasPrefix(name, "_pq_.") {
			unknown = append(unknown, name)
			continue
		}
		explicit = append(explicit, [2]string{name, value})
	}
	for _, kv := range explicit {
		if kv[0] == "options" {
			for k, v := range parseOptions(kv[1]) {
				params[k] = v
			}
		}
	}
	for _, kv := range explicit {
		params[kv[0]] = kv[1]
	}
	return params, unknown, nil
}

// parseOptions parses the options startup parameter: whitespace-separated switches,
// backslash escapes the next character; "-c name=value", "-cname=value" and
// "--name=value" set a setting (dashes in the name become underscores).
func parseOptions(s string) map[string]string {
	var args []string
	var cur strings.Builder
	inArg := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inArg = true
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteByte(ch)
			inArg = true
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	out := map[string]string{}
	set := func(kv string) {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return
		}
		out[strings.ReplaceAll(name, "-", "_")] = value
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-c" && i+1 < len(args):
			i++
			set(args[i])
		case strings.HasPrefix(a, "-c") && len(a) > 2:
			set(a[2:])
		case strings.HasPrefix(a, "--") && len(a) > 2:
			set(a[2:])
		}
	}
	return out
}
