package cli

import (
	"os"
	"strings"

	"github.com/memtomem/memtomem/internal/project"
)

// projectEnv overrides project scoping: "off" turns it off, any other
// value names the project (MEMTOMEM_PROJECT=lark gives project:lark).
const projectEnv = "MEMTOMEM_PROJECT"

// projectIn is the project namespace of work in dir (the working
// directory when ""): MEMTOMEM_PROJECT's, else that of the git repository
// holding dir; "" outside one, or when scoping is off.
func projectIn(dir string) string {
	v := strings.TrimSpace(os.Getenv(projectEnv))
	switch strings.ToLower(v) {
	case "off", "none", "false", "0":
		return ""
	case "":
	default:
		return project.Named(v)
	}
	if dir == "" {
		var err error
		if dir, err = os.Getwd(); err != nil {
			return ""
		}
	}
	p, ok, err := project.Find(dir)
	if err != nil || !ok {
		return ""
	}
	// A home folder kept in git (dotfiles) is no project: everything
	// below it would be one.
	if home, err := os.UserHomeDir(); err == nil && sameDir(p.Root, home) {
		return ""
	}
	return p.Namespace()
}

// sameDir reports whether two paths name the same folder.
func sameDir(a, b string) bool {
	x, err1 := os.Stat(a)
	y, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(x, y)
}
