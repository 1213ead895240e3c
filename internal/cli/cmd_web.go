package cli

import (
	"fmt"
	"os/exec"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem/internal/httpauth"
	"github.com/memtomem/memtomem/internal/web"
)

func (a *app) webCommand() *cobra.Command {
	var addr, tokenFile string
	var open bool
	cmd := &cobra.Command{
		Use:   "web",
		Short: "Run the local web dashboard (search, memories, tags, timeline, status)",
		Long: `Run the memtomem dashboard: a local web page to search your memory with
filters, browse sources and their chunks, add, edit and delete memories,
rename or delete tags and namespaces, see memories per day, and see which
mm processes have the store open.

It listens on a loopback address only, by default 127.0.0.1:8767 (or a free
port if that one is taken), and prints its URL and a one-time login link:
opening the link logs the browser in (a session cookie) and the link stops
working. To log in again (another browser, after the cookie expires) paste
the token from the token file at /login; the token is the one of
mm serve --http (~/.memtomem/http-token, made on first use, mode 0600).

Changes are POST forms with a per-session CSRF token and must come from the
dashboard's own pages (Origin); memory text is always shown as text.

It joins the store's live instances (transport "web") as soon as it
listens, runs beside any number of mm serve processes, and stops on SIGTERM
or SIGINT after answering the requests in flight.`,
		Example: `  mm web
  mm web --open
  mm web --addr 127.0.0.1:9000`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if addr != "" {
				if err := httpauth.CheckListen(addr, false); err != nil {
					return usageError{fmt.Errorf("%v (the dashboard serves loopback only; from another machine use an SSH tunnel)", err)}
				}
			}
			if tokenFile == "" {
				home, err := a.homeDir()
				if err != nil {
					return err
				}
				tokenFile = httpauth.TokenPath(home)
			}
			return web.Serve(cmd.Context(), web.Options{
				Open:      a.serveOpener("web"),
				Addr:      addr,
				TokenFile: tokenFile,
				Log:       a.stderr,
				Ready: func(_, login string) {
					if open {
						a.openBrowser(login)
					}
				},
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "", "listen on `ADDR`, a loopback HOST:PORT (default "+web.DefaultAddr+", or a free port if it is taken)")
	f.StringVar(&tokenFile, "token-file", "", "bearer token `FILE` (default: http-token in the memtomem home, shared with mm serve --http; created if missing)")
	f.BoolVar(&open, "open", false, "open the login link in a browser (xdg-open or open)")
	return cmd
}

// openBrowser starts the desktop's browser on url. Failing is not an
// error: the link is printed anyway, and the hint says to open it by hand.
func (a *app) openBrowser(url string) {
	name := "xdg-open"
	if runtime.GOOS == "darwin" {
		name = "open"
	}
	c := exec.Command(name, url)
	if err := c.Start(); err != nil {
		fmt.Fprintf(a.stderr, "mm web: could not open a browser (%v): open the login link above by hand\n", err)
		return
	}
	go c.Wait() // reap it; xdg-open and open return at once
}
