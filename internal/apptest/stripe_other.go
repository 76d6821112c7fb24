//go:build !linux

package apptest

import "os/exec"

// dieWithParent is a no-op where the system cannot tie a child's life to
// its parent's; give stripe-mock's URL instead of its path there.
func dieWithParent(*exec.Cmd) {}
