//go:build tools

package main

import (
	_ "github.com/apache/iceberg-go"
	_ "github.com/duckdb/duckdb-go/v2"
	_ "github.com/jackc/pgx/v5"
	_ "github.com/parquet-go/parquet-go"
	_ "github.com/pganalyze/pg_query_go/v6"
	_ "go.uber.org/zap"
	_ "modernc.org/sqlite"
	_ "github.com/xdg-go/scram"
	_ "github.com/knadh/koanf/v2"
	_ "github.com/hashicorp/golang-lru/v2"
	_ "golang.org/x/sync/singleflight"
	_ "github.com/schollz/progressbar/v3"
)
