package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/memtomem/memtomem/internal/coord"
	"github.com/memtomem/memtomem/internal/store"
)

// The processes of every host that share a store coordinate through the
// server, the way the processes of one host coordinate through lock files
// (internal/coord):
//
//   - Every open process holds the lifecycle lock shared, as a session-level
//     advisory lock on a connection of its own; mm reset and destructive
//     migrations take it exclusively and never wait. Liveness is the lock,
//     never a row: the server releases a session's locks when its connection
//     ends, at once when the process dies (even by kill -9: its socket
//     closes) and within keepaliveBound when its host vanishes.
//   - Each process also holds a member lock of its own, keyed by its row in
//     the instances table: who it is (host, pid, version, transport, start)
//     and its heartbeat (beat_at, every beatEvery). A row whose member lock
//     is free belongs to a process that has gone and is swept by readers; a
//     row whose lock is held but whose heartbeat is old belongs to a process
//     that holds the store and has stopped answering, and says so.
//   - Roles stay per host (coord.Local): the indexer watches this host's
//     memory directories, which no other host can see.
//
// Advisory locks are scoped to the database, so stores in other databases
// of one server never see each other's.
const (
	lifecycleLock = 0x6d6d6c63 // "mmlc", single-key form: classid 0, objid = key, objsubid 1
	memberClass   = 0x6d6d6d62 // "mmmb", two-key form: classid = this, objid = member key, objsubid 2
)

// beatEvery is how often an open process refreshes its heartbeat (and
// notices that its coordination connection was lost, and re-joins).
var beatEvery = 5 * time.Second

// keepalive settings of coordination connections: a connection whose peer
// stops answering is dropped by the server after about
// idle + interval*count = 25 s, which releases the locks of a host that
// vanished (power cut, network gone). They are session settings, so they
// need no server configuration; an engine that lacks them keeps its
// defaults (then the bound is its own TCP keepalive).
var keepalive = []string{
	`SET tcp_keepalives_idle = 10`,
	`SET tcp_keepalives_interval = 5`,
	`SET tcp_keepalives_count = 3`,
}

// keepaliveBound is the bound that the settings above give.
const keepaliveBound = 25 * time.Second

// coordinator implements coord.Coordinator for the store at one URL.
type coordinator struct {
	config   *pgx.ConnConfig
	where    string
	host     string
	local    coord.Local // roles: per host
	joinWait time.Duration
}

var _ coord.Coordinator = (*coordinator)(nil)

// Coordinator is how processes on every host share the store at loc.
func (backend) Coordinator(_ context.Context, loc store.Location) (coord.Coordinator, error) {
	cfg, err := poolConfig(loc)
	if err != nil {
		return nil, err
	}
	return &coordinator{config: cfg.ConnConfig, where: describe(cfg), host: loc.Host,
		local: coord.Local{RunDir: loc.RunDir}, joinWait: coord.DefaultJoinWait}, nil
}

// connect opens a coordination connection.
func (c *coordinator) connect(ctx context.Context) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, OpenTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, c.config.Copy())
	if err != nil {
		return nil, friendly(err, c.where)
	}
	for _, s := range keepalive {
		if _, err := conn.Exec(ctx, s); err != nil && conn.IsClosed() {
			return nil, friendly(err, c.where)
		}
	}
	return conn, nil
}

// Join takes the lifecycle lock shared (waiting up to joinWait while
// maintenance holds it) and a member lock, and registers the process. The
// row can only be written once the store exists; until the first Open
// creates it, the process is a holder without a row, and Refresh (or the
// next heartbeat) writes the row.
func (c *coordinator) Join(ctx context.Context, info coord.Instance) (coord.Member, error) {
	if info.PID == 0 {
		info.PID = os.Getpid()
	}
	if info.Started.IsZero() {
		info.Started = time.Now()
	}
	info.Host = c.host
	m := &member{c: c, info: info, done: make(chan struct{})}
	if err := m.connect(ctx); err != nil {
		return nil, err
	}
	m.register(ctx)
	beatCtx, cancel := context.WithCancel(context.Background())
	m.stopBeat = cancel
	go m.beat(beatCtx)
	return m, nil
}

// Exclusive takes the lifecycle lock exclusively on a connection of its
// own, held until Unlock; it never waits.
func (c *coordinator) Exclusive(ctx context.Context) (coord.Releaser, error) {
	conn, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, int64(lifecycleLock)).Scan(&ok); err != nil {
		conn.Close(context.Background())
		return nil, friendly(err, c.where)
	}
	if !ok {
		live, err := liveInstances(ctx, conn)
		conn.Close(context.Background())
		if err != nil {
			return nil, friendly(err, c.where)
		}
		return nil, &coord.InUseError{Instances: live}
	}
	return connLock{conn}, nil
}

// connLock holds what its connection holds until Unlock closes it.
type connLock struct{ conn *pgx.Conn }

func (l connLock) Unlock() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return l.conn.Close(ctx)
}

// Live lists the processes, on every host, that have the store open.
func (c *coordinator) Live(ctx context.Context) ([]coord.Instance, error) {
	conn, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	live, err := liveInstances(ctx, conn)
	return live, friendly(err, c.where)
}

func (c *coordinator) Campaign(ctx context.Context, role string, poll time.Duration, lead func(ctx context.Context)) {
	c.local.Campaign(ctx, role, poll, lead)
}

// Leader is this host's holder of the role (roles are per host).
func (c *coordinator) Leader(ctx context.Context, role string) (coord.Instance, bool, error) {
	pid := coord.RoleHolderPID(c.local.RunDir, role)
	if pid == 0 {
		return coord.Instance{}, false, nil
	}
	live, err := c.Live(ctx)
	if err != nil {
		return coord.Instance{}, false, err
	}
	for _, in := range live {
		if in.Host == c.host && in.PID == pid {
			return in, true, nil
		}
	}
	return coord.Instance{}, false, nil
}

// heldBy is the SQL condition that the advisory lock with the given pg_locks
// key columns is granted to some session in this database.
func heldBy(classid, objid string, objsubid int) string {
	return fmt.Sprintf(`EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
		AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND l.classid = %s AND l.objid = %s AND l.objsubid = %d)`, classid, objid, objsubid)
}

// memberHeld is true for a row of instances (alias i) whose process lives.
var memberHeld = heldBy(strconv.Itoa(memberClass)+"::oid", "i.id::bigint::oid", 2)

// liveInstances sweeps the rows of processes that have gone and lists the
// others. Before the store exists there are none.
func liveInstances(ctx context.Context, conn *pgx.Conn) ([]coord.Instance, error) {
	if _, err := conn.Exec(ctx, `DELETE FROM `+schemaName+`.instances i WHERE NOT `+memberHeld); err != nil {
		if isUndefinedTable(err) {
			return nil, nil
		}
		return nil, err
	}
	rows, err := conn.Query(ctx, `SELECT host, pid, version, transport, command, started_at, beat_at
		FROM `+schemaName+`.instances i WHERE `+memberHeld+` ORDER BY host, started_at, pid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []coord.Instance
	for rows.Next() {
		var in coord.Instance
		if err := rows.Scan(&in.Host, &in.PID, &in.Version, &in.Transport, &in.Command, &in.Started, &in.Seen); err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// sharedHolders counts the sessions holding the lifecycle lock shared: the
// processes that have the store open, registered or not yet.
func sharedHolders(ctx context.Context, conn *pgx.Conn) (int, error) {
	var n int
	err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
		AND l.mode = 'ShareLock' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND l.classid = 0 AND l.objid = $1::bigint::oid AND l.objsubid = 1`, int64(lifecycleLock)).Scan(&n)
	return n, err
}

// member is one process's registration: a connection holding the lifecycle
// lock shared and its member lock, and its row.
type member struct {
	c    *coordinator
	info coord.Instance

	mu         sync.Mutex
	conn       *pgx.Conn // nil once lost, until a heartbeat or Refresh re-joins
	key        int32     // member lock key, the row's id
	registered bool      // the row is written
	left       bool

	stopBeat func()
	done     chan struct{}
	once     sync.Once
}

func (m *member) Instance() coord.Instance { return m.info }

// connect (re)opens the coordination connection and takes the locks; m.mu
// is held or m is not yet shared.
func (m *member) connect(ctx context.Context) error {
	conn, err := m.c.connect(ctx)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		conn.Close(context.Background())
		return err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf(`SET lock_timeout = '%dms'`, m.c.joinWait.Milliseconds())); err != nil {
		return fail(friendly(err, m.c.where))
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock_shared($1)`, int64(lifecycleLock)); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "55P03" {
			return fail(fmt.Errorf("%w (waited %v for %s)", coord.ErrMaintenance, m.c.joinWait, m.c.where))
		}
		return fail(friendly(err, m.c.where))
	}
	if _, err := conn.Exec(ctx, `RESET lock_timeout`); err != nil {
		return fail(friendly(err, m.c.where))
	}
	// Keep the key across re-joins so the row stays the process's; draw
	// another only if someone else holds it.
	key := m.key
	for tries := 0; ; tries++ {
		if key == 0 || tries > 0 {
			key = rand.Int32N(1<<31-1) + 1
		}
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, int32(memberClass), key).Scan(&ok); err != nil {
			return fail(friendly(err, m.c.where))
		}
		if ok {
			break
		}
		if tries > 100 {
			return fail(fmt.Errorf("no free member lock in %s after %d tries", m.c.where, tries))
		}
	}
	if key != m.key {
		m.registered = false
	}
	m.conn, m.key = conn, key
	return nil
}

// register writes or refreshes the row; it fails quietly while the store
// does not exist yet, and marks the connection lost when it dropped.
func (m *member) register(ctx context.Context) {
	if m.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tag, err := m.conn.Exec(ctx, `UPDATE `+schemaName+`.instances SET beat_at = now() WHERE id = $1`, m.id())
	if err == nil && tag.RowsAffected() == 0 {
		_, err = m.conn.Exec(ctx, `INSERT INTO `+schemaName+`.instances
			(id, host, pid, version, transport, command, started_at, beat_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, now())`,
			m.id(), m.info.Host, m.info.PID, m.info.Version, m.info.Transport, m.info.Command, m.info.Started)
	}
	switch {
	case err == nil:
		m.registered = true
	case m.conn.IsClosed():
		m.conn, m.registered = nil, false
	}
}

func (m *member) id() string { return strconv.Itoa(int(m.key)) }

// beat refreshes the heartbeat every beatEvery and re-joins after the
// connection was lost (the server restarted, the network dropped).
func (m *member) beat(ctx context.Context) {
	defer close(m.done)
	t := time.NewTicker(beatEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m.mu.Lock()
		if m.conn == nil {
			_ = m.connect(ctx) // retried at the next beat or call
		}
		m.register(ctx)
		m.mu.Unlock()
	}
}

// Refresh re-joins if the connection was lost and writes the row if it is
// not written yet (the process opened a store that did not exist). When
// neither is needed, it costs nothing: the heartbeat notices a lost
// connection within beatEvery.
func (m *member) Refresh(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.left || (m.conn != nil && m.registered) {
		return nil
	}
	if m.conn == nil {
		if err := m.connect(ctx); err != nil {
			return err
		}
	}
	m.register(ctx)
	return nil
}

// Leave removes the row and closes the connection, which releases the
// locks. It is safe to call more than once.
func (m *member) Leave() error {
	var err error
	m.once.Do(func() {
		m.stopBeat()
		<-m.done
		m.mu.Lock()
		defer m.mu.Unlock()
		m.left = true
		if m.conn == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// The row goes while the member lock is held, so no reader takes
		// the leaving process for a live one after its locks are gone.
		_, _ = m.conn.Exec(ctx, `DELETE FROM `+schemaName+`.instances WHERE id = $1`, m.id())
		err = m.conn.Close(ctx)
		m.conn = nil
	})
	return err
}
