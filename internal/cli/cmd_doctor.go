package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/setup"
)

// A doctor check's verdicts.
const (
	checkOK   = "ok"
	checkWarn = "warn"
	checkFail = "fail"
	checkInfo = "info"
)

// check is one line of mm doctor.
type check struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// probeTimeout bounds the embedding provider's probe, and the reranker's.
const probeTimeout = 15 * time.Second

func (a *app) doctorCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the binary, the configuration, the store, the embedding provider, the reranker and the clients",
		Long: `Check what memtomem needs and say what to fix:

  mm on PATH      clients start "mm serve" by name
  config          config.json and MEMTOMEM_* variables are valid
  store           the store opens, writable, on a disk that takes writes
  embedding       the provider answers (one short text is embedded)
  rerank          the reranker answers (one short text is scored)
  clients         which MCP clients' configuration files register mm

It exits 1 when a check fails; warnings and client lines do not fail.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			checks := a.doctor(cmd.Context())
			failed := 0
			for _, c := range checks {
				if c.Status == checkFail {
					failed++
				}
			}
			if asJSON {
				if err := writeJSON(a.stdout, checks); err != nil {
					return err
				}
			} else {
				for _, c := range checks {
					fmt.Fprintf(a.stdout, "%-5s %s: %s\n", c.Status, c.Name, c.Detail)
					if c.Fix != "" {
						fmt.Fprintf(a.stdout, "      fix: %s\n", c.Fix)
					}
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d checks failed", failed)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the checks as JSON")
	return cmd
}

func (a *app) doctor(ctx context.Context) []check {
	checks := []check{pathCheck()}
	cfg, err := a.loadConfig()
	if err != nil {
		return append(checks, check{Name: "config", Status: checkFail, Detail: err.Error(), Fix: "correct the value named (mm config show lists every key and where it is set)"})
	}
	checks = append(checks, check{Name: "config", Status: checkOK, Detail: "home " + cfg.Home})
	err = a.withMemory(ctx, func(m *memtomem.Memory) error {
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		c := check{Name: "store", Status: checkOK, Detail: fmt.Sprintf("%s, schema v%d, %d files, %d chunks, %d processes have it open",
			st.Database, st.SchemaVersion, st.Files, st.Chunks, len(st.Instances))}
		switch {
		case st.Disk != "":
			c.Status, c.Fix = checkFail, st.Disk
		case st.ReadOnly != "":
			c.Status, c.Fix = checkWarn, st.ReadOnly
		case st.ProblemCount > 0:
			c.Status, c.Fix = checkWarn, fmt.Sprintf("%d memory entries hold bad characters: mm status lists them", st.ProblemCount)
		}
		checks = append(checks, c)
		checks = append(checks, embeddingCheck(ctx, m, cfg.Embedding.Provider))
		checks = append(checks, rerankCheck(ctx, m, cfg.Rerank.Provider))
		return nil
	})
	if err != nil {
		checks = append(checks, check{Name: "store", Status: checkFail, Detail: err.Error(), Fix: "see the message; mm status shows the same"})
	}
	return append(checks, clientChecks()...)
}

// pathCheck finds the mm that clients would start.
func pathCheck() check {
	c := check{Name: "mm on PATH"}
	found, err := exec.LookPath("mm")
	if err != nil {
		c.Status, c.Detail = checkWarn, "no mm on PATH"
		c.Fix = "clients start \"mm serve\" by name: put this binary on PATH (e.g. copy it to ~/.local/bin), or give clients its full path"
		return c
	}
	self, _ := os.Executable()
	if same(found, self) {
		c.Status, c.Detail = checkOK, found+" (this binary)"
		return c
	}
	c.Status, c.Detail = checkWarn, fmt.Sprintf("%s is another binary than this one (%s)", found, self)
	c.Fix = "clients start the one on PATH: make sure it is the version you mean (mm --version)"
	return c
}

func same(a, b string) bool {
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

func embeddingCheck(ctx context.Context, m *memtomem.Memory, provider string) check {
	return providerCheck(ctx, providerProbe{
		name: "embedding", provider: provider, probe: m.ProbeEmbedding,
		off:     "no provider: keyword search only",
		offFix:  "for search by meaning too, set embedding.provider (docs/configuration.md)",
		failFix: "check embedding.base_url, embedding.model and the key; searches stay keyword-only until it answers",
	})
}

func rerankCheck(ctx context.Context, m *memtomem.Memory, provider string) check {
	return providerCheck(ctx, providerProbe{
		name: "rerank", provider: provider, probe: m.ProbeRerank,
		off:     "no reranker: results keep the fused order",
		offFix:  "to rerank the top results with a cross-encoder, set rerank.provider (docs/configuration.md)",
		failFix: "check rerank.base_url, rerank.model and the key; searches come back unreranked until it answers",
	})
}

// providerProbe is what a remote provider's check says: its probe (one
// small call, timed), and the words for a provider that is off or failing.
type providerProbe struct {
	name, provider       string
	probe                func(context.Context) (time.Duration, error)
	off, offFix, failFix string
}

// providerCheck runs p's probe, bounded by probeTimeout.
func providerCheck(ctx context.Context, p providerProbe) check {
	c := check{Name: p.name}
	if p.provider == "" || p.provider == "none" {
		c.Status, c.Detail, c.Fix = checkInfo, p.off, p.offFix
		return c
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	took, err := p.probe(ctx)
	if err != nil {
		c.Status, c.Detail, c.Fix = checkFail, fmt.Sprintf("%s does not answer: %v", p.provider, err), p.failFix
		return c
	}
	c.Status, c.Detail = checkOK, fmt.Sprintf("%s answered in %v", p.provider, took.Round(time.Millisecond))
	return c
}

// clientChecks report which clients register mm in the user's files (read
// only).
func clientChecks() []check {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil
	}
	var out []check
	for _, c := range setup.Clients {
		ch := check{Name: c.Title, Status: checkInfo}
		file := c.Path(home, home, false)
		b, err := os.ReadFile(file)
		switch {
		case err != nil:
			ch.Detail = "no " + file + " (not installed, or never configured)"
		case c.Registered(b):
			ch.Detail = "registers mm in " + file
		default:
			ch.Detail = "does not register mm in " + file
			ch.Fix = "run mm setup " + c.Name
		}
		out = append(out, ch)
	}
	return out
}
