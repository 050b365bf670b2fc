package main

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/posflag"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"

	"github.com/lakegate/lakegate/cache"
	"github.com/lakegate/lakegate/catalog"
)

// Config is the gateway's configuration: a YAML file, overridden by environment
// variables (LAKEGATE_ + the key in upper case, nesting with "__", e.g.
// LAKEGATE_ENGINE__THREADS=2 or LAKEGATE_CATALOGS__LAKE__URI=...), overridden by flags.
type Config struct {
	Listen          string                    `koanf:"listen"`
	Auth            string                    `koanf:"auth"` // scram-sha-256, md5, password or trust (loopback only)
	HBA             []HBARuleConfig           `koanf:"hba"`
	TLS             TLSConfig                 `koanf:"tls"`
	Catalogs        map[string]catalog.Config `koanf:"catalogs"`
	Users           []UserConfig              `koanf:"users"`
	MaxConnections  int                       `koanf:"max_connections"`
	MaxMessageSize  int                       `koanf:"max_message_size"`
	StartupTimeout  time.Duration             `koanf:"startup_timeout"`
	ShutdownTimeout time.Duration             `koanf:"shutdown_timeout"`
	LogLevel        string                    `koanf:"log_level"`
	Engine          EngineConfig              `koanf:"engine"`
	Cache           cache.Sizes               `koanf:"cache"` // metadata_bytes, manifest_bytes, footer_bytes
	// CacheDir holds files lakegate derives from the lake (deletion vectors decoded
	// to Parquet); default: lakegate under the user's cache directory.
	CacheDir string `koanf:"cache_dir"`
}

// UserConfig is one login role; password is kept only as a SCRAM verifier (and an
// md5 hash when an md5 rule exists).
type UserConfig struct {
	Name     string `koanf:"name"`
	Password string `koanf:"password"`
	Verifier string `koanf:"verifier"` // SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>, or md5<hex>
}

// HBARuleConfig is one pg_hba.conf-like rule; the first that matches decides.
type HBARuleConfig struct {
	Type     string `koanf:"type"`     // host, hostssl or hostnossl
	Database string `koanf:"database"` // all or names separated by commas
	User     string `koanf:"user"`     // all or names separated by commas
	Address  string `koanf:"address"`  // all, an IP address or a CIDR block
	Method   string `koanf:"method"`   // scram-sha-256, md5, password, trust or reject
}

// TLSConfig turns TLS on: clients that send SSLRequest get TLS with this certificate.
type TLSConfig struct {
	CertFile string `koanf:"cert_file"` // PEM certificate chain, server certificate first
	KeyFile  string `koanf:"key_file"`  // PEM private key
	// Require refuses plaintext connections (28000); AllowLoopbackPlaintext exempts
	// clients connecting from loopback.
	Require                bool `koanf:"require"`
	AllowLoopbackPlaintext bool `koanf:"allow_loopback_plaintext"`
}

// serverTLS loads the certificate; nil when TLS is not configured.
func (t TLSConfig) serverTLS() (*tls.Config, error) {
	if t.CertFile == "" && t.KeyFile == "" {
		if t.Require {
			return nil, fmt.Errorf("config: tls.require needs tls.cert_file and tls.key_file")
		}
		return nil, nil
	}
	if t.CertFile == "" || t.KeyFile == "" {
		return nil, fmt.Errorf("config: tls needs both cert_file and key_file")
	}
	cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("config: tls: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// EngineConfig sizes DuckDB.
type EngineConfig struct {
	MemoryLimit string `koanf:"memory_limit"`
	Threads     int    `koanf:"threads"`
	// Connections is how many statements DuckDB works on at once (see
	// engine.Config.Running); open cursors do not count.
	Connections int `koanf:"connections"`
	// Nice lowers the CPU priority of the threads that run DuckDB's work for a
	// query (0-19; 0 keeps the process's), so point lookups and the protocol stay
	// fast while heavy queries run.
	Nice int `koanf:"nice"`
	// BlockAllocatorMemory is the query memory DuckDB keeps between queries, e.g.
	// "1GB"; "" is a quarter of memory_limit, "0" none.
	BlockAllocatorMemory string `koanf:"block_allocator_memory"`
}

// defaultEngineNice is engine.nice unless configured: DuckDB's work yields the CPU
// to the protocol and to point lookups when both want it.
const defaultEngineNice = 10

func defaultConfig() Config {
	return Config{
		Listen:          "127.0.0.1:5433",
		Auth:            "scram-sha-256",
		MaxConnections:  100,
		MaxMessageSize:  64 << 20,
		StartupTimeout:  10 * time.Second,
		ShutdownTimeout: 30 * time.Second,
		LogLevel:        "info",
		Engine:          EngineConfig{Connections: 8, Nice: defaultEngineNice},
		Cache:           cache.DefaultSizes,
	}
}

// serveFlags declares the flags of `serve`; each overrides the config key of its name.
func serveFlags(fs *pflag.FlagSet) {
	fs.String("config", "", "YAML config file")
	fs.String("listen", "", "address to listen on (listen)")
	fs.String("auth", "", "scram-sha-256, md5, password or trust (auth; ignored when hba rules are set)")
	fs.String("tls.cert-file", "", "PEM certificate for TLS (tls.cert_file)")
	fs.String("tls.key-file", "", "PEM private key for TLS (tls.key_file)")
	fs.Bool("tls.require", false, "refuse plaintext connections (tls.require)")
	fs.Bool("tls.allow-loopback-plaintext", false, "with tls.require, still accept plaintext from loopback (tls.allow_loopback_plaintext)")
	fs.Int("max-connections", 0, "maximum client connections (max_connections)")
	fs.Int("max-message-size", 0, "maximum client message size in bytes (max_message_size)")
	fs.Duration("startup-timeout", 0, "time allowed for startup and authentication (startup_timeout)")
	fs.Duration("shutdown-timeout", 0, "time running queries get to finish on SIGTERM (shutdown_timeout)")
	fs.String("log-level", "", "debug, info, warn or error (log_level)")
	fs.String("engine.memory-limit", "", "DuckDB memory limit, e.g. 4GB (engine.memory_limit)")
	fs.Int("engine.threads", 0, "DuckDB threads (engine.threads)")
	fs.Int("engine.connections", 0, "statements DuckDB works on at once (engine.connections)")
	fs.Int("engine.nice", 0, "nice value of the threads running DuckDB work, 0-19 (engine.nice)")
	fs.String("engine.block-allocator-memory", "", "query memory DuckDB keeps between queries, e.g. 1GB (engine.block_allocator_memory)")
	fs.String("cache-dir", "", "directory for decoded deletion vectors (cache_dir)")
}

// loadConfig layers defaults, the YAML file, LAKEGATE_* variables and set flags.
func loadConfig(fs *pflag.FlagSet) (Config, error) {
	k := koanf.New(".")
	cfg := defaultConfig()
	if path, _ := fs.GetString("config"); path != "" {
		if err := k.Load(file.Provider(path), yaml.Parser()); err != nil {
			return cfg, fmt.Errorf("read config %s: %w", path, err)
		}
	}
	err := k.Load(env.Provider("LAKEGATE_", ".", func(key string) string {
		return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(key, "LAKEGATE_")), "__", ".")
	}), nil)
	if err != nil {
		return cfg, err
	}
	flagKey := func(f *pflag.Flag) string { return strings.ReplaceAll(f.Name, "-", "_") }
	if err := k.Load(posflag.ProviderWithFlag(fs, ".", k, func(f *pflag.Flag) (string, any) {
		if !f.Changed || f.Name == "config" {
			return "", nil
		}
		return flagKey(f), posflag.FlagVal(fs, f)
	}), nil); err != nil {
		return cfg, err
	}
	if err := k.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{Tag: "koanf"}); err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	if len(cfg.Catalogs) == 0 {
		return cfg, fmt.Errorf("config: no catalogs configured")
	}
	if cfg.Engine.Connections < 1 {
		return cfg, fmt.Errorf("config: engine.connections must be at least 1, not %d", cfg.Engine.Connections)
	}
	if cfg.Cache.TablesAfter < 1 {
		return cfg, fmt.Errorf("config: cache.tables_after must be at least 1, not %d", cfg.Cache.TablesAfter)
	}
	if cfg.Engine.Nice < 0 || cfg.Engine.Nice > 19 {
		return cfg, fmt.Errorf("config: engine.nice must be 0 to 19, not %d", cfg.Engine.Nice)
	}
	return cfg, nil
}

// deletionVectorDir creates and returns the directory decoded deletion vectors are
// written to: deletion-vectors under cacheDir, or under lakegate in the user's cache
// directory (the temporary directory when there is none).
func deletionVectorDir(cacheDir string) (string, error) {
	if cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		cacheDir = filepath.Join(base, "lakegate")
	}
	dir, err := filepath.Abs(filepath.Join(cacheDir, "deletion-vectors"))
	if err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return "", fmt.Errorf("config: cache_dir: %w", err)
	}
	return dir, nil
}

// allowedDirs are the directories DuckDB may read: every local warehouse, remap
// target and static table directory.
func allowedDirs(cfg Config) []string {
	var out []string
	add := func(loc string) {
		if p, err := catalog.NewRemapper(nil).Local(loc); err == nil && p != "" {
			if abs, err := filepath.Abs(p); err == nil {
				out = append(out, abs)
			}
		}
	}
	for _, c := range cfg.Catalogs {
		add(c.Warehouse)
		for _, to := range c.Remap {
			add(to)
		}
		for _, loc := range c.Tables {
			add(filepath.Dir(filepath.Dir(strings.TrimPrefix(loc, "file://"))))
		}
	}
	if len(out) == 0 {
		out = append(out, os.TempDir())
	}
	return out
}
