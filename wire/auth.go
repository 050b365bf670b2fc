package wire

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"
	"go.uber.org/zap"

	"github.com/lakegate/lakegate/pgerr"
)

// credential is what the server keeps about a user's password: a SCRAM verifier,
// an md5 hash, or both. The password itself is never kept.
type credential struct {
	scram *scram.StoredCredentials
	md5   string // hex md5(password + user), without the "md5" prefix; "" if none
}

func newCredential(u User, md5Used bool) (credential, error) {
	var c credential
	switch {
	case u.Password != "" && u.Verifier != "":
		return c, fmt.Errorf("give either a password or a verifier, not both")
	case u.Password != "":
		sc, err := parseScramVerifier(ScramVerifier(u.Password))
		if err != nil {
			return c, err
		}
		c.scram = &sc
		if md5Used {
			c.md5 = md5Hex(u.Password + u.Name)
		}
	case strings.HasPrefix(u.Verifier, "md5"):
		h := strings.ToLower(strings.TrimPrefix(u.Verifier, "md5"))
		if _, err := hex.DecodeString(h); err != nil || len(h) != 32 {
			return c, fmt.Errorf("malformed md5 verifier (want md5 followed by 32 hex digits)")
		}
		c.md5 = h
	default:
		sc, err := parseScramVerifier(u.Verifier)
		if err != nil {
			return c, err
		}
		c.scram = &sc
	}
	return c, nil
}

func md5Hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// passwordFailed is the one message for a wrong password and an unknown user alike.
func passwordFailed(user string) *pgerr.Error {
	return &pgerr.Error{Severity: "FATAL", Code: pgerr.InvalidPassword,
		Message: fmt.Sprintf("password authentication failed for user \"%s\"", user)}
}

// authenticate picks the method from the rules and runs it for the startup user.
func (c *conn) authenticate(db, user string) error {
	method, err := c.hbaMethod(db, user)
	if err != nil {
		c.log.Info("wire: connection refused by hba rules", zap.String("database", db), zap.Bool("tls", c.tlsState != nil))
		return err
	}
	switch method {
	case AuthTrust:
		return nil
	case AuthMD5:
		// As in PostgreSQL: a user whose password is stored only as a SCRAM verifier
		// authenticates with SCRAM under an md5 rule.
		if cred, ok := c.srv.creds[user]; ok && cred.md5 == "" && cred.scram != nil {
			return c.authSCRAM(user)
		}
		return c.authMD5(user)
	case AuthPassword:
		return c.authCleartext(user)
	default:
		return c.authSCRAM(user)
	}
}

// authMD5 runs PostgreSQL's md5 challenge: the client answers
// "md5" + md5(md5(password + user) + salt).
func (c *conn) authMD5(user string) error {
	var salt [4]byte
	copy(salt[:], randomBytes(4))
	c.send(&pgproto3.AuthenticationMD5Password{Salt: salt})
	c.flush()
	var m pgproto3.PasswordMessage
	if err := c.readAuth(&m); err != nil {
		return err
	}
	cred, known := c.srv.creds[user]
	stored := cred.md5
	if !known || stored == "" {
		stored = hex.EncodeToString(c.srv.fakeCredentials(user).StoredKey[:16])
	}
	want := "md5" + md5Hex(stored+string(salt[:]))
	if subtle.ConstantTimeCompare([]byte(want), []byte(m.Password)) != 1 || !known || cred.md5 == "" {
		c.log.Info("wire: password authentication failed", zap.Bool("known_user", known), zap.String("method", AuthMD5))
		return passwordFailed(user)
	}
	return nil
}

// authCleartext asks for the password itself and checks it against whatever is
// stored (SCRAM verifier or md5 hash). Use it only over TLS.
func (c *conn) authCleartext(user string) error {
	c.send(&pgproto3.AuthenticationCleartextPassword{})
	c.flush()
	var m pgproto3.PasswordMessage
	if err := c.readAuth(&m); err != nil {
		return err
	}
	cred, known := c.srv.creds[user]
	ok := false
	switch {
	case !known:
	case cred.scram != nil:
		client, err := scram.SHA256.NewClient("", m.Password, "")
		if err != nil {
			client, _ = scram.SHA256.NewClientUnprepped("", m.Password, "")
		}
		got := client.GetStoredCredentials(cred.scram.KeyFactors)
		ok = hmac.Equal(got.StoredKey, cred.scram.StoredKey)
	case cred.md5 != "":
		ok = subtle.ConstantTimeCompare([]byte(md5Hex(m.Password+user)), []byte(cred.md5)) == 1
	}
	if !ok {
		c.log.Info("wire: password authentication failed", zap.Bool("known_user", known), zap.String("method", AuthPassword))
		return passwordFailed(user)
	}
	return nil
}
