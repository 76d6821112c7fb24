package apptest

import (
	"os/exec"
	"syscall"
)

// dieWithParent ends a started stripe-mock with the test binary.
func dieWithParent(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
