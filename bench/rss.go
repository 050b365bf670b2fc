package bench

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RSSMeter samples a process's resident memory while a scenario runs.
type RSSMeter struct {
	pid  int
	stop chan struct{}
	done sync.WaitGroup
	mu   sync.Mutex
	peak int64
}

// readStatus returns VmRSS and VmHWM of pid in bytes.
func readStatus(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if k == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm, sc.Err()
}

// CurrentRSS is pid's resident memory now.
func CurrentRSS(pid int) int64 {
	rss, _, _ := readStatus(pid)
	return rss
}

// StartRSS resets pid's high-water mark (clear_refs 5, where permitted) and
// samples VmRSS every 50 ms until Stop.
func StartRSS(pid int) *RSSMeter {
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
	m := &RSSMeter{pid: pid, stop: make(chan struct{})}
	m.done.Add(1)
	go func() {
		defer m.done.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			m.sample()
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *RSSMeter) sample() {
	rss, hwm, err := readStatus(m.pid)
	if err != nil {
		return
	}
	m.mu.Lock()
	m.peak = max(m.peak, rss, hwm)
	m.mu.Unlock()
}

// Stop ends sampling and returns the peak in bytes: the larger of the sampled
// VmRSS and the kernel's VmHWM since the reset.
func (m *RSSMeter) Stop() int64 {
	close(m.stop)
	m.done.Wait()
	m.sample()
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.peak
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
