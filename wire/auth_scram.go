package wire

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"
	"go.uber.org/zap"

	"github.com/lakegate/lakegate/pgerr"
)

const (
	scramMechanism     = "SCRAM-SHA-256"
	scramPlusMechanism = "SCRAM-SHA-256-PLUS"
	scramIterations    = 4096
)

// ScramVerifier derives the stored form of a SCRAM-SHA-256 password, as PostgreSQL
// keeps it in pg_authid.rolpassword:
//
//	SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>
//
// The salt is 16 random bytes and the iteration count 4096, so two calls give different
// strings that verify the same password. Put the result in User.Verifier (or a config
// file) to avoid keeping the password itself anywhere; the verifier cannot be used to
// log in, only to check a login.
func ScramVerifier(password string) string {
	client, err := scram.SHA256.NewClient("", password, "")
	if err != nil {
		// PostgreSQL uses the raw password when SASLprep rejects it; so do we.
		client, _ = scram.SHA256.NewClientUnprepped("", password, "")
	}
	salt := randomBytes(16)
	c := client.GetStoredCredentials(scram.KeyFactors{Salt: string(salt), Iters: scramIterations})
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("%s$%d:%s$%s:%s", scramMechanism, scramIterations, b64(salt), b64(c.StoredKey), b64(c.ServerKey))
}

func parseScramVerifier(v string) (scram.StoredCredentials, error) {
	var c scram.StoredCredentials
	bad := errors.New("malformed SCRAM verifier (want SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>)")
	parts := strings.Split(v, "$")
	if len(parts) != 3 || parts[0] != scramMechanism {
		return c, bad
	}
	iterS, saltS, ok := strings.Cut(parts[1], ":")
	storedS, serverS, ok2 := strings.Cut(parts[2], ":")
	if !ok || !ok2 {
		return c, bad
	}
	iters, err := strconv.Atoi(iterS)
	if err != nil || iters <= 0 {
		return c, bad
	}
	dec := base64.StdEncoding.DecodeString
	salt, err1 := dec(saltS)
	stored, err2 := dec(storedS)
	server, err3 := dec(serverS)
	if err1 != nil || err2 != nil || err3 != nil || len(stored) != sha256.Size || len(server) != sha256.Size {
		return c, bad
	}
	c.KeyFactors = scram.KeyFactors{Salt: string(salt), Iters: iters}
	c.StoredKey, c.ServerKey = stored, server
	return c, nil
}

// fakeCredentials are stable per user name, so that probing an unknown user twice
// sees the same salt, as for a real one; no password matches them.
func (s *Server) fakeCredentials(user string) scram.StoredCredentials {
	mac := func(label string) []byte {
		h := hmac.New(sha256.New, s.fakeKey)
		h.Write([]byte(label))
		h.Write([]byte(user))
		return h.Sum(nil)
	}
	return scram.StoredCredentials{
		KeyFactors: scram.KeyFactors{Salt: string(mac("salt")[:16]), Iters: scramIterations},
		StoredKey:  mac("stored"),
		ServerKey:  mac("server"),
	}
}

// authSCRAM runs a SCRAM-SHA-256 exchange. On TLS with a known certificate it also
// offers SCRAM-SHA-256-PLUS with tls-server-end-point channel binding. Unknown users
// (and users with only an md5 hash) go through the same exchange with fake
// credentials and fail at the same step with the same message as a wrong password.
func (c *conn) authSCRAM(user string) error {
	failed := passwordFailed(user)
	cred, known := c.srv.creds[user]
	known = known && cred.scram != nil
	sc := c.srv.fakeCredentials(user)
	if known {
		sc = *cred.scram
	}
	// PostgreSQL ignores the SCRAM user name (clients send ""): the startup user counts.
	ss, err := scram.SHA256.NewServer(func(string) (scram.StoredCredentials, error) { return sc, nil })
	if err != nil {
		return fmt.Errorf("wire: scram server: %w", err)
	}
	mechanisms := []string{scramMechanism}
	conv := ss.NewConversation()
	plus := c.tlsState != nil && c.srv.cbData != nil
	if plus {
		mechanisms = []string{scramPlusMechanism, scramMechanism}
		conv = ss.NewConversationWithChannelBinding(scram.ChannelBinding{Type: scram.ChannelBindingTLSServerEndpoint, Data: c.srv.cbData})
	}

	c.send(&pgproto3.AuthenticationSASL{AuthMechanisms: mechanisms})
	c.flush()
	var first pgproto3.SASLInitialResponse
	if err := c.readAuth(&first); err != nil {
		return err
	}
	switch {
	case first.AuthMechanism == scramMechanism:
		if bytes.HasPrefix(first.Data, []byte("p")) {
			return &pgerr.Error{Severity: "FATAL", Code: pgerr.ProtocolViolation, Message: "malformed SCRAM message",
				Detail: "The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data."}
		}
	case first.AuthMechanism == scramPlusMechanism && plus:
		if !bytes.HasPrefix(first.Data, []byte("p=")) {
			return &pgerr.Error{Severity: "FATAL", Code: pgerr.ProtocolViolation, Message: "malformed SCRAM message",
				Detail: "The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include channel binding data."}
		}
	default:
		return pgerr.New(pgerr.ProtocolViolation, "client selected an invalid SASL authentication mechanism")
	}
	resp, err := conv.Step(string(first.Data))
	if err != nil {
		c.log.Debug("wire: scram first message", zap.Error(err))
		return failed
	}
	c.send(&pgproto3.AuthenticationSASLContinue{Data: []byte(resp)})
	c.flush()
	var final pgproto3.SASLResponse
	if err := c.readAuth(&final); err != nil {
		return err
	}
	resp, err = conv.Step(string(final.Data))
	if err != nil || !conv.Valid() || !known {
		c.log.Info("wire: password authentication failed", zap.Bool("known_user", known), zap.String("method", first.AuthMechanism))
		return failed
	}
	c.send(&pgproto3.AuthenticationSASLFinal{Data: []byte(resp)})
	return nil
}

// readAuth reads the client's next 'p' message (SASL or password) into m.
func (c *conn) readAuth(m pgproto3.FrontendMessage) error {
	f, err := c.fr.next()
	if err != nil {
		if pe, ok := err.(*protocolError); ok {
			return pgerr.New(pgerr.ProtocolViolation, "%s", pe.msg)
		}
		return err
	}
	if f.typ != 'p' {
		return pgerr.New(pgerr.ProtocolViolation, "expected password response, got message type %d", f.typ)
	}
	if err := m.Decode(f.body); err != nil {
		return pgerr.New(pgerr.ProtocolViolation, "malformed authentication message")
	}
	return nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return b
}

func zapUser(u string) zap.Field { return zap.String("user", u) }
