package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// writeSelfSigned writes a throwaway certificate and key.
func writeSelfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	return certFile, keyFile
}

// TestConfigTLSAndHBA: tls and hba keys from the file, overridden by environment
// variables and flags as documented.
func TestConfigTLSAndHBA(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeSelfSigned(t, dir)
	yml := `listen: 127.0.0.1:5433
tls:
  cert_file: /nonexistent/cert.pem
  key_file: ` + key + `
hba:
  - {type: hostssl, database: lake, user: "app,report", address: 10.0.0.0/8, method: md5}
  - {type: host, database: all, user: all, address: all, method: reject}
catalogs:
  lake: {type: sql, uri: "file:/tmp/x.db", warehouse: "file:///tmp/w"}
users:
  - {name: legacy, verifier: md53e52083252dffea91cf4b0d6839aca98}
`
	path := filepath.Join(dir, "gw.yaml")
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LAKEGATE_TLS__CERT_FILE", cert)
	t.Setenv("LAKEGATE_TLS__ALLOW_LOOPBACK_PLAINTEXT", "true")
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	serveFlags(fs)
	if err := fs.Parse([]string{"--config", path, "--tls.require"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(fs)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLS.CertFile != cert || cfg.TLS.KeyFile != key || !cfg.TLS.Require || !cfg.TLS.AllowLoopbackPlaintext {
		t.Fatalf("tls: %+v", cfg.TLS)
	}
	want := []HBARuleConfig{
		{Type: "hostssl", Database: "lake", User: "app,report", Address: "10.0.0.0/8", Method: "md5"},
		{Type: "host", Database: "all", User: "all", Address: "all", Method: "reject"},
	}
	if len(cfg.HBA) != len(want) || cfg.HBA[0] != want[0] || cfg.HBA[1] != want[1] {
		t.Fatalf("hba: %+v", cfg.HBA)
	}
	tc, err := cfg.TLS.serverTLS()
	if err != nil || tc == nil || len(tc.Certificates) != 1 {
		t.Fatalf("serverTLS: %v", err)
	}
	for name, bad := range map[string]TLSConfig{
		"cert only":        {CertFile: cert},
		"require, no cert": {Require: true},
		"missing file":     {CertFile: cert, KeyFile: filepath.Join(dir, "none.pem")},
		"key is no key":    {CertFile: cert, KeyFile: cert},
	} {
		if _, err := bad.serverTLS(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if tc, err := (TLSConfig{}).serverTLS(); tc != nil || err != nil {
		t.Fatalf("no TLS configured: %v %v", tc, err)
	}
}

// TestExampleConfigLoads keeps the shipped lakegate.example.yaml valid: it loads, and
// the values it documents arrive in the config.
func TestExampleConfigLoads(t *testing.T) {
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	serveFlags(fs)
	if err := fs.Parse([]string{"--config", filepath.Join("..", "..", "lakegate.example.yaml")}); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(fs)
	if err != nil {
		t.Fatal(err)
	}
	lake, ok := cfg.Catalogs["lake"]
	if !ok || lake.Type != "sql" || lake.URI != "file:/srv/lake/catalog.db" {
		t.Fatalf("catalog lake: %+v", lake)
	}
	if cfg.Cache.FooterBytes != 67108864 || cfg.Cache.MetadataBytes != 268435456 {
		t.Fatalf("cache: %+v", cfg.Cache)
	}
	if len(cfg.Users) != 3 || cfg.MaxConnections != 100 {
		t.Fatalf("users %d, max_connections %d", len(cfg.Users), cfg.MaxConnections)
	}
}

// TestEngineConfig: engine.nice defaults to 10, file and flags set it and
// block_allocator_memory, and a nice value outside 0-19 is refused.
func TestEngineConfig(t *testing.T) {
	dir := t.TempDir()
	load := func(yml string, args ...string) (Config, error) {
		path := filepath.Join(dir, "gw.yaml")
		if err := os.WriteFile(path, []byte(yml+"catalogs:\n  lake: {type: sql, uri: \"file:/tmp/x.db\"}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
		serveFlags(fs)
		if err := fs.Parse(append([]string{"--config", path}, args...)); err != nil {
			t.Fatal(err)
		}
		return loadConfig(fs)
	}
	cfg, err := load("")
	if err != nil || cfg.Engine.Nice != defaultEngineNice || cfg.Engine.BlockAllocatorMemory != "" {
		t.Fatalf("defaults: %+v %v", cfg.Engine, err)
	}
	cfg, err = load("engine: {nice: 0, block_allocator_memory: 1GB}\n")
	if err != nil || cfg.Engine.Nice != 0 || cfg.Engine.BlockAllocatorMemory != "1GB" {
		t.Fatalf("from the file: %+v %v", cfg.Engine, err)
	}
	cfg, err = load("", "--engine.nice", "5")
	if err != nil || cfg.Engine.Nice != 5 {
		t.Fatalf("from a flag: %+v %v", cfg.Engine, err)
	}
	if _, err := load("engine: {nice: 20}\n"); err == nil || !strings.Contains(err.Error(), "engine.nice") {
		t.Fatalf("nice 20: %v", err)
	}
}
