// Package cli is the mm command line: one file per command, each a cobra
// command over an options struct and a plain run function that takes the
// service, so commands are testable without a shell.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
)

// Exit codes, the same for every command.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2 // bad usage, bad input, or a request refused
)

// app carries what every command needs: streams and how to reach the store.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	home           string // --home, else MEMTOMEM_HOME, else ~/.memtomem
}

// usageError marks errors that are the caller's to fix (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// Main runs mm with args and returns the process exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, "mm: "+err.Error())
	return exitCode(err)
}

func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	switch memtomem.KindOf(err) {
	case memtomem.KindInvalid, memtomem.KindRefused:
		return ExitUsage
	}
	return ExitError
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "mm",
		Short: "Markdown-first long-term memory for AI coding agents",
		Long: `mm keeps memories as markdown files and searches them: BM25 keywords, fused
with vector search when an embedding provider is configured.

Markdown files are the source of truth; the database is a rebuildable cache.
Everything lives in MEMTOMEM_HOME (default ~/.memtomem). Every editor session
can run its own mm serve; they all share the store.

Quick start:
  mm init
  mm add "Deploys use blue-green rollout" --tags ops
  mm search blue-green
  mm index ~/notes
  claude mcp add memtomem -- mm serve`,
		Version:       memtomem.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&a.home, "home", "", "store directory (default $MEMTOMEM_HOME or ~/.memtomem)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w\nSee 'mm %s --help'.", err, c.Name())}
	})
	root.AddCommand(
		a.initCommand(),
		a.addCommand(),
		a.searchCommand(),
		a.recallCommand(),
		a.indexCommand(),
		a.listCommand(),
		a.contextCommand(),
		a.pinCommand(true),
		a.pinCommand(false),
		a.exportCommand(),
		a.importCommand(),
		a.readCommand(),
		a.editCommand(),
		a.deleteCommand(),
		a.statusCommand(),
		a.doctorCommand(),
		a.setupCommand(),
		a.hookCommand(),
		a.serveCommand(),
		a.webCommand(),
		a.configCommand(),
		a.evalCommand(),
		a.resetCommand(),
		a.migrateCommand(),
		a.embeddingResetCommand(),
		a.benchCommand(),
	)
	return root
}

// args wraps a cobra argument check so its failures exit 2.
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := check(cmd, a); err != nil {
			return usageError{fmt.Errorf("%w\nSee 'mm %s --help'.", err, cmd.Name())}
		}
		return nil
	}
}

func (a *app) homeDir() (string, error) {
	if a.home != "" {
		return a.home, nil
	}
	return config.HomeDir()
}

func (a *app) loadConfig() (config.Config, error) {
	home, err := a.homeDir()
	if err != nil {
		return config.Config{}, err
	}
	cfg, err := config.Load(home)
	if err != nil {
		return cfg, usageError{err}
	}
	return cfg, nil
}

// open loads the configuration and opens the store; callers must Close it.
func (a *app) open(ctx context.Context) (*memtomem.Memory, error) {
	return a.openIn(ctx, "")
}

// openIn opens the store for work in dir (the working directory when ""):
// inside a git repository, in that project's namespace.
func (a *app) openIn(ctx context.Context, dir string) (*memtomem.Memory, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	return memtomem.Open(ctx, cfg, memtomem.WithProject(projectIn(dir)))
}

// withMemory opens the store for the length of one command.
func (a *app) withMemory(ctx context.Context, fn func(*memtomem.Memory) error) error {
	m, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer m.Close()
	return fn(m)
}

// readText returns the text argument, or stdin when it is "-".
func (a *app) readText(arg string) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	b, err := io.ReadAll(a.stdin)
	if err != nil {
		return "", fmt.Errorf("read standard input: %w", err)
	}
	return string(b), nil
}
