package project

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Every file Find reads is named by the repository, which may be hostile:
// a FIFO (or a folder) under any of those names is refused at once, never
// waited on, and the repository is still found, without a remote.
func TestFIFOsAreNotWaitedOn(t *testing.T) {
	for _, c := range []struct {
		name  string
		build func(t *testing.T, root string)
	}{
		{"config", func(t *testing.T, root string) {
			mkdir(t, filepath.Join(root, ".git"))
			mkfifo(t, filepath.Join(root, ".git", "config"))
		}},
		{"gitdir file", func(t *testing.T, root string) {
			mkfifo(t, filepath.Join(root, ".git"))
		}},
		{"commondir", func(t *testing.T, root string) {
			gitdir := mkdir(t, filepath.Join(root, "elsewhere"))
			write(t, filepath.Join(root, ".git"), "gitdir: elsewhere\n")
			mkfifo(t, filepath.Join(gitdir, "commondir"))
		}},
		{"config in the common dir", func(t *testing.T, root string) {
			gitdir := mkdir(t, filepath.Join(root, "wt"))
			write(t, filepath.Join(root, ".git"), "gitdir: wt\n")
			write(t, filepath.Join(gitdir, "commondir"), "../common\n")
			mkdir(t, filepath.Join(root, "common"))
			mkfifo(t, filepath.Join(root, "common", "config"))
		}},
		{"config is a folder", func(t *testing.T, root string) {
			mkdir(t, filepath.Join(root, ".git", "config"))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "lark")
			mkdir(t, root)
			c.build(t, root)
			done := make(chan Project, 1)
			go func() {
				p, _, _ := Find(root)
				done <- p
			}()
			select {
			case p := <-done:
				if c.name != "gitdir file" && (p.Namespace() != "project:lark" || p.Remote != "") {
					t.Errorf("found %+v; want project:lark with no remote", p)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Find is waiting on a FIFO")
			}
		})
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
}
