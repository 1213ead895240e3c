// Package disktest gives tests a real disk to fill or make read-only: a
// small tmpfs mounted for one test. Mounting needs root or CAP_SYS_ADMIN;
// where the test cannot mount, it is skipped with a message saying so.
package disktest

// (Linux only: the helpers mount with mount(2).)
