package engine

// A gateway that serves a backend's point lookups and analysts' heavy queries on the
// same few cores must keep the lookups fast while DuckDB is busy. The protocol, the
// catalog reads and the lookup lane run on Go's threads at the process's priority;
// each query's DuckDB calls (execution and fetching) run on an OS thread of their own
// whose nice value is raised by Config.Nice, so the kernel prefers the interactive
// work whenever both want a core, and DuckDB still gets every idle cycle. DuckDB's own
// background worker threads (threads - 1 of them) keep the normal priority.

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
