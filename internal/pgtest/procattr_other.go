//go:build unix && !linux

package pgtest

import "syscall"

// procAttr runs the server as cred. Without Linux's parent-death signal,
// a test binary that is killed leaves the server to be stopped by hand.
func procAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred}
}
