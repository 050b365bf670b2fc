package wire

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"hash"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/lakegate/lakegate/pgerr"
)

// endPointBinding computes tls-server-end-point channel binding data (RFC 5929) for
// the server certificate: its hash with the certificate's signature hash, SHA-256 for
// MD5 and SHA-1. It is nil when the certificate is not fixed (several certificates or
// GetCertificate), and SCRAM-SHA-256-PLUS is then not offered.
func endPointBinding(cfg *tls.Config) []byte {
	if len(cfg.Certificates) != 1 || cfg.GetCertificate != nil || len(cfg.Certificates[0].Certificate) == 0 {
		return nil
	}
	leaf := cfg.Certificates[0].Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(cfg.Certificates[0].Certificate[0]); err != nil {
			return nil
		}
	}
	var h hash.Hash
	switch leaf.SignatureAlgorithm {
	case x509.SHA384WithRSA, x509.SHA384WithRSAPSS, x509.ECDSAWithSHA384:
		h = sha512.New384()
	case x509.SHA512WithRSA, x509.SHA512WithRSAPSS, x509.ECDSAWithSHA512:
		h = sha512.New()
	case x509.PureEd25519:
		return nil // RFC 5929 defines no hash for it; libpq refuses it too
	default:
		h = sha256.New()
	}
	h.Write(leaf.Raw)
	return h.Sum(nil)
}

// startTLS answers an SSLRequest with 'S' and runs the handshake; the connection's
// reader and writer then go through TLS.
func (c *conn) startTLS() error {
	// Bytes sent after SSLRequest but before the handshake would be read as if they
	// had been encrypted (CVE-2021-23214): refuse them.
	if c.fr.r.Buffered() > 0 {
		return pgerr.New(pgerr.ProtocolViolation, "received unencrypted data after SSL request")
	}
	if _, err := c.nc.Write([]byte{'S'}); err != nil {
		return err
	}
	tc := tls.Server(c.nc, c.srv.cfg.TLS)
	if err := tc.HandshakeContext(c.ctx); err != nil {
		return err
	}
	st := tc.ConnectionState()
	c.tlsState = &st
	c.nc = tc
	c.fr = newFrameReader(tc, c.srv.cfg.MaxMessageSize)
	c.be = pgproto3.NewBackend(nil, tc)
	return nil
}
