package engine

import "time"

// A gateway that serves a backend's point lookups and analysts' heavy queries on the
// same few cores must keep the lookups fast while DuckDB is busy. The protocol, the
// catalog reads and the lookup lane run on Go's threads at the process's priority.
// While interactive statements are being answered (MarkInteractive in the last
// interactiveWindow), a query's DuckDB calls (execution and fetching) move to an OS
// thread of their own whose nice value is raised by Config.Nice, so the kernel prefers
// the interactive work whenever both want a core and DuckDB still gets every idle
// cycle. Without interactive traffic queries run in place at full priority (a nice
// thread would also yield to every other process on the host). DuckDB's own
// background worker threads (threads - 1 of them) keep the normal priority.

// interactiveWindow is how long after an interactive statement new DuckDB work yields.
const interactiveWindow = time.Second

// MarkInteractive records that an interactive statement (a point lookup) was just
// answered: DuckDB work started in the next interactiveWindow yields the CPU to such
// statements.
func (e *Engine) MarkInteractive() { e.interactive.Store(time.Now().UnixNano()) }

// yieldNow reports whether DuckDB work should run on a lower-priority thread now.
func (e *Engine) yieldNow() bool {
	return e.nice > 0 && time.Now().UnixNano()-e.interactive.Load() < int64(interactiveWindow)
}

// queryThread runs one query's blocking DuckDB calls on a dedicated OS thread of
// lower priority; the thread ends with stop. A nil queryThread runs calls in place.
type queryThread struct {
	calls chan func()
	done  chan struct{}
}

func newQueryThread(nice int) *queryThread {
	if nice <= 0 {
		return nil
	}
	qt := &queryThread{calls: make(chan func()), done: make(chan struct{})}
	go func() {
		lowerThreadPriority(nice)
		for fn := range qt.calls {
			fn()
			qt.done <- struct{}{}
		}
	}()
	return qt
}

// run calls fn on the query's thread and waits for it.
func (qt *queryThread) run(fn func()) {
	if qt == nil {
		fn()
		return
	}
	qt.calls <- fn
	<-qt.done
}

// stop ends the thread. Safe on nil; call once.
func (qt *queryThread) stop() {
	if qt != nil {
		close(qt.calls)
	}
}
