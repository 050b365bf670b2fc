package integration

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill the gateway if the test binary dies first
// (a panic, a -timeout), so no gateway outlives its test run.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
