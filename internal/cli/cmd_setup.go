package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/setup"
)

// verifyTimeout bounds the handshake with the registered server.
const verifyTimeout = 30 * time.Second

func (a *app) setupCommand() *cobra.Command {
	var (
		project, yes, remove, list, noVerify, hooks bool
		command                                     string
	)
	cmd := &cobra.Command{
		Use:   "setup CLIENT",
		Short: "Register mm serve in an MCP client's configuration (claude, codex, cursor, gemini, opencode)",
		Long: `Register "mm serve" as the MCP server "memtomem" in the client's configuration
file: the user's by default, the project's with --project (in the current
folder). Nothing else in the file changes: the entry is inserted as text, and
every other byte (key order, spacing, other servers, TOML comments) stays.
A JSON file with comments is refused untouched (edit it by hand).

The change is shown first and written after you confirm (--yes skips the
question; without a terminal --yes is required). Running it again changes
nothing; --remove takes the entry out again. After writing, the server is
started the way the client will start it and an MCP handshake is completed.

--hooks (claude) also installs the hooks "mm hook session-start" and "mm hook
prompt" in Claude Code's settings.json (~/.claude/settings.json, or the
project's .claude/settings.json), beside the hooks already there.

mm setup --list shows every client, its files and whether they register mm.`,
		Example: `  mm setup claude
  mm setup codex --yes
  mm setup cursor --project
  mm setup claude --hooks --yes
  mm setup claude --remove`,
		Args: args(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, argv []string) error {
			home, err := os.UserHomeDir()
			if err != nil {
				return err
			}
			dir, err := os.Getwd()
			if err != nil {
				return err
			}
			if list {
				return a.listClients(home, dir)
			}
			if len(argv) == 0 {
				return usagef("name a client: %s (or --list)", strings.Join(setup.Names(), ", "))
			}
			c, ok := setup.Find(argv[0])
			if !ok {
				return usagef("unknown client %q: use one of %s", argv[0], strings.Join(setup.Names(), ", "))
			}
			if command == "" {
				command = serverCommand()
			}
			if hooks && c.Name != "claude" {
				return usagef("--hooks is for claude (Claude Code's hooks); %s has none memtomem uses", c.Title)
			}
			edits := []fileEdit{{path: c.Path(home, dir, project), what: c.Title + " servers",
				apply: func(old []byte) ([]byte, bool, error) {
					if remove {
						return c.Remove(old)
					}
					return c.Add(old, command)
				}}}
			if hooks {
				base := home
				if project {
					base = dir
				}
				edits = append(edits, fileEdit{path: filepath.Join(base, filepath.FromSlash(setup.HooksUser)), what: c.Title + " hooks",
					apply: func(old []byte) ([]byte, bool, error) {
						if remove {
							return setup.RemoveHooks(old)
						}
						return setup.AddHooks(old, command)
					}})
			}
			pending := 0
			for i := range edits {
				e := &edits[i]
				old, err := os.ReadFile(e.path)
				if err != nil && !errors.Is(err, fs.ErrNotExist) {
					return err
				}
				e.updated, e.changed, err = e.apply(old)
				if err != nil {
					return usagef("%s: %v", e.path, err)
				}
				switch {
				case e.changed:
					pending++
					fmt.Fprintf(a.stdout, "%s (%s):\n%s", e.path, e.what, lineDiff(string(old), string(e.updated)))
				case remove:
					fmt.Fprintf(a.stdout, "%s does not register memtomem; nothing to remove\n", e.path)
				default:
					fmt.Fprintf(a.stdout, "%s already registers memtomem; nothing changed\n", e.path)
				}
			}
			if pending == 0 {
				return nil
			}
			if !yes {
				if !isTerminal(a.stdin) {
					return usagef("pass --yes to write when not running in a terminal; nothing was changed")
				}
				fmt.Fprintf(a.stderr, "Write %d files? [y/N] ", pending)
				answer, _ := bufio.NewReader(a.stdin).ReadString('\n')
				if s := strings.ToLower(strings.TrimSpace(answer)); s != "y" && s != "yes" {
					return usagef("setup cancelled; nothing was changed")
				}
			}
			for _, e := range edits {
				if !e.changed {
					continue
				}
				if err := writeConfigFile(e.path, e.updated); err != nil {
					return err
				}
				if remove {
					fmt.Fprintf(a.stdout, "removed memtomem from %s\n", e.path)
				} else {
					fmt.Fprintf(a.stdout, "registered memtomem in %s\n", e.path)
				}
			}
			if remove || noVerify {
				return nil
			}
			tools, err := verifyServer(cmd.Context(), command)
			if err != nil {
				return fmt.Errorf("the entry is written, but starting %q serve failed: %v; check that the command runs (mm doctor)", command, err)
			}
			fmt.Fprintf(a.stdout, "verified: %s serve answered the MCP handshake with %d tools; restart %s to use it\n", command, tools, c.Title)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&project, "project", false, "the project's configuration file (in the current folder) instead of the user's")
	f.BoolVar(&yes, "yes", false, "write without asking")
	f.BoolVar(&remove, "remove", false, "take the entry out again")
	f.BoolVar(&list, "list", false, "list the clients, their files and whether they register mm")
	f.BoolVar(&hooks, "hooks", false, "claude: also install (or with --remove, take out) the hooks mm hook session-start and prompt, in Claude Code's settings.json")
	f.BoolVar(&noVerify, "no-verify", false, "do not start the server to check it after writing")
	f.StringVar(&command, "command", "", "the command the client runs (default: mm when this binary is on PATH, else its full path)")
	return cmd
}

// fileEdit is one file mm setup changes.
type fileEdit struct {
	path, what string
	apply      func(old []byte) ([]byte, bool, error)
	updated    []byte
	changed    bool
}

// serverCommand is what a client should run: "mm" when PATH finds this
// binary, else its absolute path.
func serverCommand() string {
	self, err := os.Executable()
	if err != nil {
		return "mm"
	}
	if found, err := exec.LookPath("mm"); err == nil && same(found, self) {
		return "mm"
	}
	return self
}

func (a *app) listClients(home, dir string) error {
	for _, c := range setup.Clients {
		fmt.Fprintf(a.stdout, "%-9s %s\n", c.Name, c.Title)
		for _, project := range []bool{false, true} {
			path := c.Path(home, dir, project)
			state := "no file"
			if b, err := os.ReadFile(path); err == nil {
				if _, changed, err := c.Add(b, "mm"); err != nil {
					state = "unreadable: " + err.Error()
				} else if changed {
					state = "does not register mm"
				} else {
					state = "registers mm"
				}
			}
			scope := "user"
			if project {
				scope = "project"
			}
			fmt.Fprintf(a.stdout, "          %-8s %s: %s\n", scope, path, state)
		}
	}
	return nil
}

// writeConfigFile replaces path with content through a temporary file, so
// a client never reads half a file; an existing file keeps its mode.
func writeConfigFile(path string, content []byte) error {
	mode := os.FileMode(0o600)
	if info, err := os.Stat(path); err == nil {
		mode = info.Mode().Perm()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return writeFileAtomic(path, func(f *os.File) error {
		if err := f.Chmod(mode); err != nil {
			return err
		}
		_, err := f.Write(content)
		return err
	})
}

// verifyServer starts command serve as a client would and completes an MCP
// handshake, returning how many tools the server lists.
func verifyServer(ctx context.Context, command string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	cmd := exec.Command(command, "serve")
	cmd.Stderr = io.Discard
	client := mcp.NewClient(&mcp.Implementation{Name: "mm-setup", Version: memtomem.Version}, nil)
	session, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: 5 * time.Second}, nil)
	if err != nil {
		return 0, err
	}
	defer session.Close()
	res, err := session.ListTools(ctx, nil)
	if err != nil {
		return 0, err
	}
	return len(res.Tools), nil
}

// lineDiff shows what changes between two texts that differ in one run of
// lines (what setup's edits are): the lines around it, and the run removed
// (-) and added (+).
func lineDiff(old, updated string) string {
	a, b := strings.SplitAfter(old, "\n"), strings.SplitAfter(updated, "\n")
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var out strings.Builder
	line := func(mark, s string) {
		if s == "" {
			return
		}
		out.WriteString(mark + strings.TrimSuffix(s, "\n") + "\n")
	}
	for _, s := range a[max(0, pre-2):pre] {
		line("  ", s)
	}
	for _, s := range a[pre : len(a)-suf] {
		line("- ", s)
	}
	for _, s := range b[pre : len(b)-suf] {
		line("+ ", s)
	}
	for _, s := range a[len(a)-suf : min(len(a), len(a)-suf+2)] {
		line("  ", s)
	}
	return out.String()
}
