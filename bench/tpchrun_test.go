package bench

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeRunner records which system ran, in a log shared by the systems.
type fakeRunner struct {
	name   string
	log    *[]string
	failAt int // the call that fails (1-based); 0 never
	calls  int
}

func (f *fakeRunner) run(ctx context.Context, sql string) (int64, error) {
	f.calls++
	*f.log = append(*f.log, f.name)
	if f.calls == f.failAt {
		return 0, errors.New("boom\nsecond line")
	}
	return int64(len(f.name)), nil
}

func (f *fakeRunner) Close() {}

// TestRunTPCHInterleaves checks the order RunTPCH runs the systems in: one warm-up
// each, then rounds of one run per system with the first system rotating, and that a
// failing system stops running and reports its error while the others go on.
func TestRunTPCHInterleaves(t *testing.T) {
	var log []string
	a := &fakeRunner{name: "a", log: &log}
	bb := &fakeRunner{name: "bb", log: &log, failAt: 3}
	ccc := &fakeRunner{name: "ccc", log: &log}
	res := RunTPCH(context.Background(), map[string]Runner{"a": a, "bb": bb, "ccc": ccc}, []string{"a", "bb", "ccc"},
		TPCHOptions{Runs: 3, Timeout: time.Minute, Queries: []int{6}, Logf: func(string, ...any) {}})
	want := []string{
		"a", "bb", "ccc", // warm-up
		"a", "bb", "ccc", // round 1
		"bb", "ccc", "a", // round 2: bb fails here
		"ccc", "a", // round 3, without bb
	}
	if !slices.Equal(log, want) {
		t.Fatalf("order %v, want %v", log, want)
	}
	if len(res) != 1 || res[0].Query != 6 {
		t.Fatalf("results %+v", res)
	}
	got := res[0].Timings
	if got["bb"].Err != "boom" || got["bb"].Median != 0 {
		t.Errorf("failing system: %+v", got["bb"])
	}
	for _, name := range []string{"a", "ccc"} {
		if tm := got[name]; tm.Err != "" || tm.Rows != int64(len(name)) {
			t.Errorf("%s: %+v", name, tm)
		}
	}
	if s := res[0].summary([]string{"a", "bb", "ccc"}); !strings.Contains(s, "bb FAILED (boom)") {
		t.Errorf("summary %q", s)
	}
}
