package bench

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestPercentiles(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- { // 100 ms down to 1 ms: order must not matter
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 95: 95 * time.Millisecond,
		99: 99 * time.Millisecond, 100: 100 * time.Millisecond, 0: time.Millisecond} {
		if got := percentile(ds, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if ds[0] != 100*time.Millisecond {
		t.Error("percentile sorted its input")
	}
	if median(nil) != 0 {
		t.Error("median of nothing is not 0")
	}
	if got := median([]time.Duration{3, 1, 2}); got != 2 {
		t.Errorf("median = %v", got)
	}
}

func TestGeomean(t *testing.T) {
	if got := geomean([]float64{1, 100}); math.Abs(got-10) > 1e-9 {
		t.Errorf("geomean(1, 100) = %v", got)
	}
	if !math.IsNaN(geomean(nil)) {
		t.Error("geomean of nothing is a number")
	}
}

func TestReportTargets(t *testing.T) {
	r := &Report{SF: 0.1, Runs: 1, TPCH: []QueryResult{
		{Query: 1, Timings: map[string]Timing{SysLake: {Median: 100 * time.Millisecond, First: 300 * time.Millisecond, Rows: 4},
			SysDirect: {Median: 100 * time.Millisecond, First: 150 * time.Millisecond, Rows: 4},
			SysPG:     {Median: 500 * time.Millisecond, First: 600 * time.Millisecond, Rows: 4}}},
		{Query: 7, Timings: map[string]Timing{SysLake: {Err: "boom"},
			SysDirect: {Median: 10 * time.Millisecond, Rows: 4}, SysPG: {Median: 50 * time.Millisecond, Rows: 4}}},
	}}
	var sb strings.Builder
	r.Write(&sb)
	out := sb.String()
	for _, want := range []string{
		"| Q7 | FAILED |",
		"- Q7 on lakegate: boom",
		"geomean (1 queries)",
		"| geomean of the first runs (1 queries) | 300.0 | 150.0 | 600.0 | 2.00 | 2.00 | |",
		"within 1.10x of direct DuckDB: 1.00x, met",
		"4x faster than PostgreSQL: 5.00x, met",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}
