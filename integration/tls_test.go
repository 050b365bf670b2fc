package integration

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lakegate/lakegate/demolake"
	"github.com/lakegate/lakegate/wire"
)

// pki is a CA and a server certificate for 127.0.0.1, ::1 and localhost, made for the test.
type pki struct {
	ca, cert, key string // PEM files
}

func writePKI(t *testing.T, dir string) pki {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey, key := newKey(), newKey()
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lakegate test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	p := pki{ca: filepath.Join(dir, "ca.crt"), cert: filepath.Join(dir, "server.crt"), key: filepath.Join(dir, "server.key")}
	for path, block := range map[string]*pem.Block{
		p.ca: {Type: "CERTIFICATE", Bytes: caDER}, p.cert: {Type: "CERTIFICATE", Bytes: der}, p.key: {Type: "PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// Logins of the secure gateway besides gw/gw.
const (
	appUser, appPassword       = "app", "app-pw"       // SCRAM (stored verifier), TLS only
	legacyUser, legacyPassword = "legacy", "legacy-pw" // md5 rule, stored md5 hash
	clearUser, clearPassword   = "clear", "clear-pw"   // cleartext password rule
	blockedUser                = "blocked"             // reject rule
	secureMaxConnections       = 4
	secureMaxMessage           = 65536
)

type secureGateway struct {
	*gatewayProc
	pki     pki
	wrongCA string // a CA that did not sign the server certificate
	host    string
	port    string
	logPath string
}

// startSecureGateway runs a gateway with TLS, hba rules for every method and small
// limits; plaintext is refused except for gw (the readiness check).
func startSecureGateway(t *testing.T) *secureGateway {
	t.Helper()
	dir := t.TempDir()
	p := writePKI(t, filepath.Join(dir, "pki"))
	other := writePKI(t, filepath.Join(dir, "other"))
	cfg := fmt.Sprintf(`listen: 127.0.0.1:0
log_level: info
shutdown_timeout: %s
max_connections: %d
max_message_size: %d
startup_timeout: 5s
tls:
  cert_file: %s
  key_file: %s
engine:
  threads: 2
catalogs:
  lake:
    type: sql
    name: %s
    uri: file:%s
    warehouse: file://%s
users:
  - {name: %s, password: %s}
  - {name: %s, verifier: '%s'}
  - {name: %s, verifier: '%s'}
  - {name: %s, password: %s}
  - {name: %s, password: whatever}
hba:
  - {type: hostnossl, database: lake, user: %s, address: 127.0.0.1/32, method: scram-sha-256}
  - {type: hostnossl, database: all, user: all, address: all, method: reject}
  - {type: hostssl, database: all, user: %s, address: all, method: reject}
  - {type: hostssl, database: lake, user: %s, address: 127.0.0.0/8, method: md5}
  - {type: hostssl, database: lake, user: %s, address: all, method: password}
  - {type: hostssl, database: lake, user: all, address: 127.0.0.1/32, method: scram-sha-256}
`, shutdownTimeout, secureMaxConnections, secureMaxMessage, p.cert, p.key,
		demolake.DefaultCatalogName, filepath.Join(env.lakeDir, "catalog.db"), filepath.Join(env.lakeDir, "warehouse"),
		user, password, appUser, wire.ScramVerifier(appPassword), legacyUser, md5Verifier(legacyPassword, legacyUser),
		clearUser, clearPassword, blockedUser,
		user, blockedUser, legacyUser, clearUser)
	cfgPath := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "gateway.log")
	gw, err := startGateway(cfgPath, logPath, dbName)
	if err != nil {
		if b, rerr := os.ReadFile(logPath); rerr == nil {
			t.Logf("gateway log:\n%s", b)
		}
		t.Fatal(err)
	}
	sg := &secureGateway{gatewayProc: gw, pki: p, wrongCA: other.ca, logPath: logPath}
	sg.host, sg.port = splitHostPort(gw.addr)
	t.Cleanup(func() {
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil {
				const max = 8 << 10
				if len(b) > max {
					b = b[len(b)-max:]
				}
				t.Logf("secure gateway log (tail):\n%s", b)
			}
		}
		select {
		case <-gw.exited:
		default:
			if err := gw.stop(); err != nil {
				t.Errorf("secure gateway: %v", err)
			}
		}
	})
	return sg
}

// url is a libpq/pgx connection string to the secure gateway.
func (g *secureGateway) url(host, usr, pw string, opts ...string) string {
	return fmt.Sprintf("postgres://%s:%s@%s/%s?connect_timeout=10&%s", usr, pw, net.JoinHostPort(host, g.port), dbName, strings.Join(opts, "&"))
}

func (g *secureGateway) verifyFull() []string {
	return []string{"sslmode=verify-full", "sslrootcert=" + g.pki.ca}
}

func connectURL(t *testing.T, url string) (*pgx.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err == nil {
		t.Cleanup(func() { c.Close(context.Background()) })
	}
	return c, err
}

// TestTLS: psql, pgjdbc and pgx over TLS with sslmode=require and verify-full.
func TestTLS(t *testing.T) {
	g := startSecureGateway(t)
	wantCount := fmt.Sprint(len(env.data.sales))

	t.Run("pgx", func(t *testing.T) {
		for _, host := range []string{"127.0.0.1", "localhost"} {
			// channel_binding=require: SCRAM-SHA-256-PLUS with tls-server-end-point.
			c, err := connectURL(t, g.url(host, appUser, appPassword, append(g.verifyFull(), "channel_binding=require")...))
			if err != nil {
				t.Fatalf("%s verify-full: %v", host, err)
			}
			if _, ok := c.PgConn().Conn().(*tls.Conn); !ok {
				t.Fatalf("not a TLS connection: %T", c.PgConn().Conn())
			}
			var n int64
			if err := c.QueryRow(testCtx(t), "select count(*) from shop.sales").Scan(&n); err != nil || fmt.Sprint(n) != wantCount {
				t.Fatalf("count over TLS: %d %v, want %s", n, err, wantCount)
			}
			c.Close(context.Background())
		}
		if _, err := connectURL(t, g.url("127.0.0.1", appUser, appPassword, "sslmode=verify-full", "sslrootcert="+g.wrongCA)); err == nil {
			t.Fatal("verify-full accepted a certificate from another CA")
		}
	})

	t.Run("psql", func(t *testing.T) {
		need(t, psqlPath)
		run := func(host, pw string, env ...string) (string, error) {
			cmd := exec.Command(psqlPath, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", g.port, "-U", appUser, "-d", dbName,
				"-c", `\conninfo`, "-c", "select count(*) from shop.sales")
			cmd.Env = append(os.Environ(), append([]string{"PGPASSWORD=" + pw, "PGCONNECT_TIMEOUT=10", "PSQL_PAGER=", "PAGER="}, env...)...)
			out, err := cmd.CombinedOutput()
			return string(out), err
		}
		for _, tc := range []struct{ host, mode string }{
			{"127.0.0.1", "require"}, {"127.0.0.1", "verify-full"}, {"localhost", "verify-full"},
		} {
			out, err := run(tc.host, appPassword, "PGSSLMODE="+tc.mode, "PGSSLROOTCERT="+g.pki.ca, "PGCHANNELBINDING=require")
			if err != nil {
				t.Fatalf("psql %s sslmode=%s: %v\n%s", tc.host, tc.mode, err, out)
			}
			if !strings.Contains(out, "SSL connection (protocol: TLSv1.3") || !strings.HasSuffix(strings.TrimSpace(out), "\n"+wantCount) {
				t.Fatalf("psql %s sslmode=%s printed:\n%s", tc.host, tc.mode, out)
			}
		}
		out, err := run("127.0.0.1", appPassword, "PGSSLMODE=verify-full", "PGSSLROOTCERT="+g.wrongCA)
		if err == nil || !strings.Contains(out, "certificate verify failed") {
			t.Fatalf("psql with another CA: %v\n%s", err, out)
		}
		out, err = run("127.0.0.1", appPassword, "PGSSLMODE=disable")
		want := fmt.Sprintf(`no pg_hba.conf entry for host "127.0.0.1", user "%s", database "%s", no encryption`, appUser, dbName)
		if err == nil || !strings.Contains(out, want) {
			t.Fatalf("psql plaintext: %v\n%s", err, out)
		}
	})

	t.Run("pgjdbc", func(t *testing.T) {
		need(t, pgjdbcJar, "javac", "java")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		classes := t.TempDir()
		src, err := filepath.Abs(filepath.Join("java", "TlsCheck.java"))
		if err != nil {
			t.Fatal(err)
		}
		if out, err := exec.CommandContext(ctx, "javac", "-cp", pgjdbcJar, "-d", classes, src).CombinedOutput(); err != nil {
			t.Fatalf("javac: %v\n%s", err, out)
		}
		out, err := exec.CommandContext(ctx, "java", "-cp", pgjdbcJar+":"+classes, "TlsCheck", "127.0.0.1", g.port, g.pki.ca, g.wrongCA,
			appUser+":"+appPassword, legacyUser+":"+legacyPassword, clearUser+":"+clearPassword).CombinedOutput()
		if err != nil {
			t.Fatalf("java TlsCheck: %v\n%s", err, out)
		}
		got := map[string]string{}
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok {
				got[k] = v
			}
		}
		for _, u := range []string{appUser, legacyUser, clearUser} {
			if got["verify-full."+u] != wantCount {
				t.Errorf("pgjdbc verify-full as %s: %q (error %q), want %s", u, got["verify-full."+u], got["verify-full."+u+".error"], wantCount)
			}
		}
		if e := got["wrong-ca.error"]; e == "" {
			t.Errorf("pgjdbc accepted a certificate from another CA: %q", got["wrong-ca"])
		}
		if e := got["plaintext.error"]; !strings.HasPrefix(e, "28000: ") || !strings.Contains(e, "no pg_hba.conf entry") {
			t.Errorf("pgjdbc plaintext: %q", e)
		}
		if e := got["wrong-password.error"]; !strings.HasPrefix(e, "28P01: ") {
			t.Errorf("pgjdbc wrong password: %q", e)
		}
	})
}
