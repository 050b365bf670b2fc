package engine

import (
	"runtime"
	"syscall"
)

// lowerThreadPriority locks the calling goroutine to its OS thread for good (the
// thread ends with the goroutine) and raises that thread's nice value by nice (up to
// 19).
func lowerThreadPriority(nice int) {
	runtime.LockOSThread()
	// Linux applies PRIO_PROCESS with a thread id to that thread alone; the raw
	// getpriority call returns 20 - nice. Raising the nice value needs no
	// privilege; a failure leaves the thread's priority as it was.
	tid := syscall.Gettid()
	cur, err := syscall.Getpriority(syscall.PRIO_PROCESS, tid)
	if err != nil {
		return
	}
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, tid, min(20-cur+nice, 19))
}
