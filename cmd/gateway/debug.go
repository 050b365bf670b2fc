package main

import (
	"net"
	"net/http"
	_ "net/http/pprof" // profiles under /debug/pprof/ on the debug listener only
	"os"

	"go.uber.org/zap"
)

// startDebugListener serves Go's profiler on LAKEGATE_DEBUG_ADDR when it is set to a
// loopback address (e.g. 127.0.0.1:6060), for operators chasing a slow query. It is
// off by default and refuses any non-loopback address.
func startDebugListener(log *zap.Logger) {
	addr := os.Getenv("LAKEGATE_DEBUG_ADDR")
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		log.Warn("LAKEGATE_DEBUG_ADDR must be a loopback host:port; profiler not started", zap.String("addr", addr))
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Warn("profiler not started", zap.String("addr", addr), zap.Error(err))
		return
	}
	log.Info("profiler listening", zap.String("address", ln.Addr().String()))
	go func() { _ = http.Serve(ln, http.DefaultServeMux) }()
}
