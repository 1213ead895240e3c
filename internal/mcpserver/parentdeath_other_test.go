//go:build !linux

package mcpserver_test

func runAsParent() {}
