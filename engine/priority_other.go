//go:build !linux

package engine

import "runtime"

// lowerThreadPriority locks the calling goroutine to its OS thread for good; other
// systems keep the thread's priority.
func lowerThreadPriority(int) { runtime.LockOSThread() }
