package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// A private PostgreSQL primary and its hot standby, for the replica
// tests: initdb in a temporary directory, a free port each, the standby
// made with pg_basebackup -R and kept up to date by streaming
// replication. As root (the build machine), the servers run as the
// postgres user.

type pgNode struct {
	t     *testing.T
	name  string
	bin   string
	dir   string // data directory
	log   string
	port  int
	runAs []string
	uid   int
	gid   int
}

// pgBinDir finds PostgreSQL's server binaries: $ECOSPACE_PG_BINDIR, else
// the newest /usr/lib/postgresql/*/bin (Debian), else $PATH.
func pgBinDir(t *testing.T) string {
	if d := os.Getenv("ECOSPACE_PG_BINDIR"); d != "" {
		return d
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_basebackup")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p)
	}
	t.Fatal("no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup): on Debian, as root, `apt-get install -y postgresql-15-postgis-3`, or set ECOSPACE_PG_BINDIR")
	return ""
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// newNode prepares a node in a fresh directory owned by the user the
// server runs as.
func newNode(t *testing.T, name string) *pgNode {
	base, err := os.MkdirTemp("", "ecospace-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	n := &pgNode{t: t, name: name, bin: pgBinDir(t), dir: filepath.Join(base, "data"), log: filepath.Join(base, "log"), port: freePort(t)}
	t.Cleanup(func() {
		n.pgctl("stop", "-m", "immediate", "-w")
		os.RemoveAll(base)
	})
	if os.Geteuid() == 0 { // PostgreSQL refuses to run as root
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, and there is no postgres user to run a private cluster as: %v", err)
		}
		n.uid, _ = strconv.Atoi(u.Uid)
		n.gid, _ = strconv.Atoi(u.Gid)
		n.runAs = []string{"runuser", "-u", "postgres", "--"}
		if err := os.Chown(base, n.uid, n.gid); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(base, 0o755)
	return n
}

func (n *pgNode) cmd(name string, args ...string) *exec.Cmd {
	argv := append(append([]string{}, n.runAs...), append([]string{filepath.Join(n.bin, name)}, args...)...)
	return exec.Command(argv[0], argv[1:]...)
}

func (n *pgNode) pgctl(args ...string) ([]byte, error) {
	return n.cmd("pg_ctl", append([]string{"-D", n.dir, "-l", n.log}, args...)...).CombinedOutput()
}

func (n *pgNode) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", n.port, db)
}

// start starts the server and waits until it accepts connections.
func (n *pgNode) start() {
	n.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c wal_level=replica -c max_wal_senders=8 -c hot_standby=on -c wal_receiver_status_interval=1s",
		n.port, filepath.Dir(n.dir))
	if out, err := n.pgctl("start", "-w", "-t", "60", "-o", opts); err != nil {
		log, _ := os.ReadFile(n.log)
		n.t.Fatalf("%s: pg_ctl start: %v\n%s\n%s", n.name, err, out, log)
	}
}

// stop kills the server as a crash would: no goodbye to its clients.
func (n *pgNode) stop() {
	n.t.Helper()
	if out, err := n.pgctl("stop", "-m", "immediate", "-w"); err != nil {
		n.t.Fatalf("%s: pg_ctl stop: %v\n%s", n.name, err, out)
	}
}

// newPrimary makes and starts a primary that accepts replication
// connections from the loopback (initdb's trust lines include them).
func newPrimary(t *testing.T) *pgNode {
	n := newNode(t, "primary")
	if out, err := n.cmd("initdb", "-D", n.dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	n.start()
	return n
}

// newStandby copies the primary with pg_basebackup -R (standby.signal and
// primary_conninfo written) and starts it as a hot standby streaming from
// it.
func newStandby(t *testing.T, primary *pgNode) *pgNode {
	n := newNode(t, "standby")
	if out, err := n.cmd("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(primary.port), "-U", "postgres",
		"-D", n.dir, "-R", "-X", "stream", "--no-sync", "-c", "fast").CombinedOutput(); err != nil {
		t.Fatalf("pg_basebackup: %v\n%s", err, out)
	}
	n.start()
	return n
}

// exec runs SQL on a node's database.
func (n *pgNode) exec(db, sql string, args ...any) {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, n.url(db))
	if err != nil {
		n.t.Fatalf("%s: %v", n.name, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		n.t.Fatalf("%s: %s: %v", n.name, sql, err)
	}
}

// queryString runs SQL that answers one value, as text.
func (n *pgNode) queryString(db, sql string) string {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, n.url(db))
	if err != nil {
		n.t.Fatalf("%s: %v", n.name, err)
	}
	defer conn.Close(context.Background())
	var s *string
	if err := conn.QueryRow(ctx, sql).Scan(&s); err != nil {
		n.t.Fatalf("%s: %s: %v", n.name, sql, err)
	}
	if s == nil {
		return ""
	}
	return *s
}

// waitReplayed waits until the standby has replayed everything the primary
// has written so far.
func waitReplayed(t *testing.T, primary, standby *pgNode) {
	t.Helper()
	target := primary.queryString("postgres", "SELECT pg_current_wal_lsn()::text")
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if standby.queryString("postgres", fmt.Sprintf("SELECT (pg_last_wal_replay_lsn() >= '%s')::text", target)) == "true" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the standby has not replayed %s after 30 s", target)
}

// moduleRoot is the directory of go.mod.
func moduleRoot(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}
