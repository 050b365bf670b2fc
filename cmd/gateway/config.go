package main

import (
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

	"github.com/lakegate/lakegate/catalog"
)

// Config is the gateway's configuration: a YAML file, overridden by environment
// variables (LAKEGATE_ + the key in upper case, nesting with "__", e.g.
// LAKEGATE_ENGINE__THREADS=2 or LAKEGATE_CATALOGS__LAKE__URI=...), overridden by flags.
type Config struct {
	Listen          string                    `koanf:"listen"`
	Auth            string                    `koanf:"auth"` // scram-sha-256 or trust (loopback only)
	Catalogs        map[string]catalog.Config `koanf:"catalogs"`
	Users           []UserConfig              `koanf:"users"`
	MaxConnections  int                       `koanf:"max_connections"`
	MaxMessageSize  int                       `koanf:"max_message_size"`
	StartupTimeout  time.Duration             `koanf:"startup_timeout"`
	ShutdownTimeout time.Duration             `koanf:"shutdown_timeout"`
	LogLevel        string                    `koanf:"log_level"`
	Engine          EngineConfig              `koanf:"engine"`
}

// UserConfig is one login role; password is kept only as a SCRAM verifier.
type UserConfig struct {
	Name     string `koanf:"name"`
	Password string `koanf:"password"`
	Verifier string `koanf:"verifier"` // SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>
}

// EngineConfig sizes DuckDB.
type EngineConfig struct {
	MemoryLimit string `koanf:"memory_limit"`
	Threads     int    `koanf:"threads"`
	Connections int    `koanf:"connections"`
}

func defaultConfig() Config {
	return Config{
		Listen:          "127.0.0.1:5433",
		Auth:            "scram-sha-256",
		MaxConnections:  100,
		MaxMessageSize:  64 << 20,
		StartupTimeout:  10 * time.Second,
		ShutdownTimeout: 30 * time.Second,
		LogLevel:        "info",
		Engine:          EngineConfig{Connections: 8},
	}
}

// serveFlags declares the flags of `serve`; each overrides the config key of its name.
func serveFlags(fs *pflag.FlagSet) {
	fs.String("config", "", "YAML config file")
	fs.String("listen", "", "address to listen on (listen)")
	fs.String("auth", "", "scram-sha-256 or trust (auth)")
	fs.Int("max-connections", 0, "maximum client connections (max_connections)")
	fs.Int("max-message-size", 0, "maximum client message size in bytes (max_message_size)")
	fs.Duration("startup-timeout", 0, "time allowed for startup and authentication (startup_timeout)")
	fs.Duration("shutdown-timeout", 0, "time running queries get to finish on SIGTERM (shutdown_timeout)")
	fs.String("log-level", "", "debug, info, warn or error (log_level)")
	fs.String("engine.memory-limit", "", "DuckDB memory limit, e.g. 4GB (engine.memory_limit)")
	fs.Int("engine.threads", 0, "DuckDB threads (engine.threads)")
	fs.Int("engine.connections", 0, "pooled DuckDB connections (engine.connections)")
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
	return cfg, nil
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
