package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/pflag"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/demolake"
)

func runDemo(ctx context.Context, args []string) error {
	fs := pflag.NewFlagSet("demo", pflag.ContinueOnError)
	dir := fs.String("dir", "./demo-lake", "directory of the demo lakehouse")
	listen := fs.String("listen", "127.0.0.1:5433", "address to listen on (loopback only: the demo has no passwords)")
	scale := fs.Float64("scale", 1, "data volume: 1 = about 2 million sales rows")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	if !demolake.Exists(abs) {
		if err := buildDemo(ctx, abs, *scale); err != nil {
			return err
		}
	}
	cfg := defaultConfig()
	cfg.Listen = *listen
	cfg.Auth = "trust"
	cfg.LogLevel = *logLevel
	cfg.Catalogs = map[string]catalog.Config{"lake": {
		Type:      "sql",
		Name:      demolake.DefaultCatalogName,
		URI:       "file:" + filepath.Join(abs, "catalog.db"),
		Warehouse: "file://" + filepath.Join(abs, "warehouse"),
	}}
	return serve(ctx, cfg, func(addr net.Addr) {
		host, port, _ := net.SplitHostPort(addr.String())
		fmt.Printf(`
lakegate is serving the demo lakehouse in %s

  psql:  psql -h %s -p %s -U demo lake
  JDBC:  jdbc:postgresql://%s:%s/lake?user=demo
  pgx:   postgres://demo@%s:%s/lake

Try:   SELECT category, sum(amount) FROM shop.sales JOIN shop.products USING (product_id) GROUP BY 1 ORDER BY 2 DESC;
Stop with Ctrl-C.
`, abs, host, port, host, port, host, port)
	})
}

func buildDemo(ctx context.Context, dir string, scale float64) error {
	fmt.Fprintf(os.Stderr, "Building the demo lakehouse in %s (scale %g)...\n", dir, scale)
	start := time.Now()
	var bar *progressbar.ProgressBar
	stage := ""
	_, err := demolake.Build(ctx, demolake.Options{Dir: dir, Scale: scale, Progress: func(s string, done, total int64) {
		if s != stage || bar == nil {
			if bar != nil {
				_ = bar.Finish()
			}
			stage = s
			bar = progressbar.NewOptions64(total, progressbar.OptionSetDescription(fmt.Sprintf("%-28s", s)),
				progressbar.OptionSetWriter(os.Stderr), progressbar.OptionShowCount(), progressbar.OptionSetWidth(30),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(os.Stderr) }))
		}
		_ = bar.Set64(done)
	}})
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return fmt.Errorf("build demo lakehouse: %w", err)
	}
	fmt.Fprintf(os.Stderr, "Built in %s.\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}
