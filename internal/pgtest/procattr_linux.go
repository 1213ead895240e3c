package pgtest

import "syscall"

// procAttr runs the server as cred and has the kernel stop it (SIGQUIT:
// PostgreSQL's immediate shutdown) when the test binary dies.
func procAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
}
