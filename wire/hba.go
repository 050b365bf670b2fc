package wire

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/lakegate/lakegate/pgerr"
)

// Auth methods a Config or an HBARule may name.
const (
	AuthSCRAM    = "scram-sha-256"
	AuthMD5      = "md5"
	AuthPassword = "password" // cleartext password, for clients that can do nothing else
	AuthTrust    = "trust"    // no password; only for loopback addresses
	AuthReject   = "reject"
)

// Connection types of an HBARule, as in pg_hba.conf.
const (
	HBAHost      = "host"      // TLS or not
	HBAHostSSL   = "hostssl"   // TLS connections only
	HBAHostNoSSL = "hostnossl" // plaintext connections only
)

// HBARule is one line of a pg_hba.conf-like rule list. The first rule that matches a
// connection's type, database, user and client address decides the auth method; a
// connection no rule matches is refused (28000).
type HBARule struct {
	Type     string // host, hostssl or hostnossl
	Database string // "all" or comma-separated database names
	User     string // "all" or comma-separated user names
	Address  string // "all", an IP address or a CIDR block (10.0.0.0/8, ::1/128)
	Method   string // scram-sha-256, md5, password, trust or reject
}

// hbaRule is an HBARule ready to match.
type hbaRule struct {
	HBARule
	dbs, users []string // nil = all
	prefix     netip.Prefix
	anyAddr    bool
}

func compileHBA(rules []HBARule) ([]hbaRule, error) {
	out := make([]hbaRule, 0, len(rules))
	for i, r := range rules {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("wire: hba rule %d: %s", i+1, fmt.Sprintf(format, args...))
		}
		c := hbaRule{HBARule: r}
		switch r.Type {
		case HBAHost, HBAHostSSL, HBAHostNoSSL:
		case "":
			c.Type = HBAHost
		default:
			return nil, bad("unknown type %q (want host, hostssl or hostnossl)", r.Type)
		}
		switch r.Method {
		case AuthSCRAM, AuthMD5, AuthPassword, AuthTrust, AuthReject:
		default:
			return nil, bad("unknown method %q (want scram-sha-256, md5, password, trust or reject)", r.Method)
		}
		var err error
		if c.dbs, err = hbaNames(r.Database); err != nil {
			return nil, bad("database: %v", err)
		}
		if c.users, err = hbaNames(r.User); err != nil {
			return nil, bad("user: %v", err)
		}
		switch a := strings.TrimSpace(r.Address); {
		case a == "" || a == "all":
			c.anyAddr = true
		case strings.Contains(a, "/"):
			p, err := netip.ParsePrefix(a)
			if err != nil {
				return nil, bad("address %q: %v", a, err)
			}
			c.prefix = p.Masked()
		default:
			ip, err := netip.ParseAddr(a)
			if err != nil {
				return nil, bad("address %q is neither all, an IP address nor a CIDR block", a)
			}
			c.prefix = netip.PrefixFrom(ip, ip.BitLen())
		}
		out = append(out, c)
	}
	return out, nil
}

func hbaNames(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "all" {
		return nil, nil
	}
	var out []string
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			return nil, fmt.Errorf("empty name in %q", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// loopbackOnly reports whether the rule can only match loopback clients.
func (r *hbaRule) loopbackOnly() bool {
	if r.anyAddr {
		return false
	}
	lo4 := netip.MustParsePrefix("127.0.0.0/8")
	lo6 := netip.MustParsePrefix("::1/128")
	return (r.prefix.Addr().Is4() && lo4.Bits() <= r.prefix.Bits() && lo4.Contains(r.prefix.Addr())) ||
		(r.prefix.Addr().Is6() && r.prefix == lo6)
}

func (r *hbaRule) matches(tls bool, db, user string, addr netip.Addr) bool {
	if (r.Type == HBAHostSSL && !tls) || (r.Type == HBAHostNoSSL && tls) {
		return false
	}
	if r.dbs != nil && !contains(r.dbs, db) {
		return false
	}
	if r.users != nil && !contains(r.users, user) {
		return false
	}
	if !r.anyAddr && !(addr.IsValid() && r.prefix.Contains(addr.Unmap())) {
		return false
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// remoteIP is the client's address, or the zero Addr for non-IP connections.
func remoteIP(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(ta.IP); ok {
			return ip.Unmap()
		}
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// hbaMethod picks the auth method for a connection. A refused connection gets
// PostgreSQL's message, which names what the client sent and nothing about the rules.
func (c *conn) hbaMethod(db, user string) (string, error) {
	ip := remoteIP(c.nc.RemoteAddr())
	onTLS := c.tlsState != nil
	refuse := func() error {
		enc := "no encryption"
		if onTLS {
			enc = "SSL encryption"
		}
		return &pgerr.Error{Severity: "FATAL", Code: pgerr.InvalidAuthorization,
			Message: fmt.Sprintf("no pg_hba.conf entry for host \"%s\", user \"%s\", database \"%s\", %s", ip, user, db, enc)}
	}
	if c.srv.cfg.RequireTLS && !onTLS && !(c.srv.cfg.LoopbackPlaintext && ip.IsLoopback()) {
		return "", refuse()
	}
	for i := range c.srv.hba {
		r := &c.srv.hba[i]
		if r.matches(onTLS, db, user, ip) {
			if r.Method == AuthReject {
				return "", refuse()
			}
			if r.Method == AuthTrust && !ip.IsLoopback() {
				// Config validation keeps trust rules on loopback; this is a second lock.
				return "", refuse()
			}
			return r.Method, nil
		}
	}
	return "", refuse()
}
