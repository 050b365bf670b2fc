package bench

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// IdleResult is the gateway's memory with many idle sessions.
type IdleResult struct {
	Connections int
	Before      int64 // gateway RSS before connecting
	Peak        int64 // peak RSS while the sessions were open
	Err         string
}

// RunIdle opens n sessions to dsn, runs SELECT 1 on each, holds them idle for
// hold and measures the gateway's (pid's) memory.
func RunIdle(ctx context.Context, pid int, dsn string, n int, hold time.Duration) IdleResult {
	res := IdleResult{Connections: n, Before: CurrentRSS(pid)}
	m := StartRSS(pid)
	conns := make([]*pgx.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close(context.Background())
		}
	}()
	for range n {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			res.Err = firstLine(err.Error())
			break
		}
		conns = append(conns, c)
		var one int
		if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
			res.Err = firstLine(err.Error())
			break
		}
	}
	res.Connections = len(conns)
	time.Sleep(hold)
	res.Peak = m.Stop()
	return res
}
