// Package pgtest runs a throwaway PostgreSQL server for tests: initdb on a
// temporary directory, the server on a free 127.0.0.1 port with its socket
// in that directory, a fresh database per test, everything removed at the
// end. Nothing else on the machine is touched, and nothing outlives the test
// binary: the server is its child and dies with it (Linux: the parent-death
// signal).
//
// Tests that need the server call Main from TestMain and New in each test.
// Without PostgreSQL's programs (initdb, postgres) the tests skip with a
// message saying what to install, unless CI=true, where they fail: CI
// installs PostgreSQL (.ci/run) and a skip there would hide a broken setup.
package pgtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// StartTimeout bounds initdb and the server's start; StopTimeout its stop.
const (
	StartTimeout = 60 * time.Second
	StopTimeout  = 20 * time.Second
)

// Server is a running throwaway server.
type Server struct {
	dir  string // owns data/, the socket and the log
	port int
	cmd  *exec.Cmd
	done chan struct{} // closed when the server process has exited
	seq  atomic.Int64
}

var (
	shared    *Server
	sharedErr error
)

// Main starts one server for the test binary, runs the tests and stops it.
// A package whose tests need PostgreSQL calls it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// When the server cannot start, the tests still run and New reports why
// (skip or failure, see the package comment).
func Main(m *testing.M) {
	shared, sharedErr = Start()
	code := m.Run()
	if shared != nil {
		if err := shared.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}
	os.Exit(code)
}

// New creates an empty database on the binary's server for one test, and
// returns its connection string; the database is dropped when the test
// ends.
func New(t testing.TB) string {
	t.Helper()
	if shared == nil {
		err := sharedErr
		if err == nil {
			err = errors.New("pgtest.Main was not called from TestMain")
		}
		unavailable(t, err)
	}
	dsn, err := shared.CreateDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := shared.DropDatabase(context.Background(), dsn); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return dsn
}

// Dedicated starts a server of the test's own, for a package that needs
// PostgreSQL in a few tests only (so its other tests do not wait for
// initdb), creates a database on it and returns its connection string. The
// server stops when the test ends.
func Dedicated(t testing.TB) string {
	t.Helper()
	s, err := Start()
	if err != nil {
		unavailable(t, err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop the test server: %v", err)
		}
	})
	dsn, err := s.CreateDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// unavailable ends a test that has no server: a skip saying what to
// install when PostgreSQL's programs are missing (a failure under CI=true,
// where they must be), a failure otherwise.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, errNoPostgres) && os.Getenv("CI") != "true" {
		t.Skipf("skipping PostgreSQL test: %v", err)
	}
	t.Fatalf("PostgreSQL test server: %v", err)
}

var errNoPostgres = errors.New("PostgreSQL's programs (initdb, postgres) are not installed: apt-get install postgresql")

// binDir finds PostgreSQL's programs: on PATH, or in Debian's versioned
// directory (/usr/lib/postgresql/<major>/bin, which is not on PATH), the
// newest version first.
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return major(dirs[i]) > major(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errNoPostgres
}

func major(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Start initialises and starts a server.
func Start() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "mm-pgtest-*")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, done: make(chan struct{})}
	cred, err := serverUser(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	data := filepath.Join(dir, "data")
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "mm",
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	for attempt := 0; ; attempt++ {
		if s.port, err = freePort(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		err = s.run(ctx, bin, data, cred)
		if err == nil {
			return s, nil
		}
		if attempt == 2 || ctx.Err() != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		// Most likely another process took the port between our probe
		// and the server's bind: try another.
		s.done = make(chan struct{})
	}
}

// run starts the server process and waits until it accepts connections.
func (s *Server) run(ctx context.Context, bin, data string, cred *syscall.Credential) error {
	logPath := filepath.Join(s.dir, "server.log")
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	// Durability settings off: a test server that loses its data in a
	// power cut loses nothing anyone needs, and fsync dominates otherwise.
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(s.port),
		"-k", s.dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
		"-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200")
	s.cmd.Stdout, s.cmd.Stderr = log, log
	s.cmd.SysProcAttr = procAttr(cred)
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	for {
		conn, err := pgx.Connect(ctx, s.dsn("postgres"))
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("postgres exited at start: %s", tail(logPath))
		case <-ctx.Done():
			s.cmd.Process.Kill()
			<-s.done
			return fmt.Errorf("postgres did not accept connections within %s: %s", StartTimeout, tail(logPath))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// serverUser is who the server runs as. PostgreSQL refuses to run as root,
// which CI and containers usually are: then it runs as the postgres user
// (Debian's package creates it), and dir is handed to that user.
func serverUser(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, and PostgreSQL refuses to: no 'postgres' user to run it as (%v); install the postgresql package, which creates it", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	// The postgres user must be able to reach dir: the temp directory's
	// parents are world-searchable on every system we run on.
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// dsn connects to database db over TCP on 127.0.0.1, as the test user.
func (s *Server) dsn(db string) string {
	return fmt.Sprintf("postgres://mm@127.0.0.1:%d/%s?sslmode=disable&connect_timeout=10", s.port, db)
}

// Port is the server's TCP port on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// AdminDSN connects to the server's maintenance database.
func (s *Server) AdminDSN() string { return s.dsn("postgres") }

var createMu sync.Mutex // CREATE DATABASE from one template must not run concurrently

// CreateDatabase creates an empty database and returns its connection string.
func (s *Server) CreateDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t%d_%d", os.Getpid(), s.seq.Add(1))
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.AdminDSN())
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	createMu.Lock()
	defer createMu.Unlock()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"); err != nil {
		return "", fmt.Errorf("create test database: %w", err)
	}
	return s.dsn(name), nil
}

// DropDatabase drops a database CreateDatabase made, closing what is still
// connected to it.
func (s *Server) DropDatabase(ctx context.Context, dsn string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, StopTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.AdminDSN())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{cfg.Database}.Sanitize()+" WITH (FORCE)")
	return err
}

// Stop shuts the server down (fast: open sessions are ended) and removes its
// directory.
func (s *Server) Stop() error {
	defer os.RemoveAll(s.dir)
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
		return nil
	case <-time.After(StopTimeout):
		s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("postgres did not stop within %s; killed", StopTimeout)
	}
}

// tail is the end of the server's log, for errors.
func tail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > 20 {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
