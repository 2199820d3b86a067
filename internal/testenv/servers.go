package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/store/postgres"
)

// PostgresServer is a throw-away PostgreSQL server of one test, which the
// test may stop and start again (on the same port) to play an outage. The
// shared test server of TEST_DATABASE_URL is never stopped.
type PostgresServer struct {
	// URL is a migrated database of the server.
	URL string

	dir, bin string
	port     int
}

// StartPostgres initialises and starts a PostgreSQL server of its own for
// the test, with a migrated database, and removes it when the test ends.
// It needs the PostgreSQL server binaries that `make test` needs.
func StartPostgres(t testing.TB) *PostgresServer {
	t.Helper()
	bin, err := postgresBin()
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: run as root, the postgres user must reach the folder.
	dir, err := os.MkdirTemp("", "lg-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &PostgresServer{dir: dir, bin: bin, port: freePort(t)}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", "postgres:postgres", dir, data).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v: %s", err, out)
		}
	}
	if out, err := s.asPostgres(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v: %s", err, out)
	}
	s.Start(t)
	t.Cleanup(func() {
		_ = s.asPostgres(filepath.Join(bin, "pg_ctl"), "-D", data, "stop", "-m", "immediate", "-w").Run()
	})

	admin := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `CREATE DATABASE lg`)
	conn.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s.URL = withDatabase(admin, "lg")
	db, err := postgres.Open(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// Stop shuts the server down as an operator would (fast: open sessions are
// terminated) and waits until it is gone.
func (s *PostgresServer) Stop(t testing.TB) {
	t.Helper()
	if out, err := s.asPostgres(filepath.Join(s.bin, "pg_ctl"), "-D", filepath.Join(s.dir, "data"),
		"stop", "-m", "fast", "-w", "-t", "30").CombinedOutput(); err != nil {
		t.Fatalf("stop postgres: %v: %s", err, out)
	}
}

// Start starts the server (again) on its port and waits until it accepts
// connections.
func (s *PostgresServer) Start(t testing.TB) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=50 "+
		"-c fsync=off -c synchronous_commit=off -c full_page_writes=off", s.port)
	if out, err := s.asPostgres(filepath.Join(s.bin, "pg_ctl"), "-D", filepath.Join(s.dir, "data"),
		"-l", filepath.Join(s.dir, "postgres.log"), "-o", opts, "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "postgres.log"))
		t.Fatalf("start postgres: %v: %s\n%s", err, out, log)
	}
}

func (s *PostgresServer) asPostgres(name string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

// postgresBin is the bin folder of the newest PostgreSQL server installed,
// or PG_BIN.
func postgresBin() (string, error) {
	if b := os.Getenv("PG_BIN"); b != "" {
		return b, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi < vj
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "pg_ctl")); err == nil {
			return dirs[i], nil
		}
	}
	return "", fmt.Errorf("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (set PG_BIN)")
}

// RedisServer is a throw-away Redis server of one test, which the test may
// stop and start again (on the same port) to play an outage.
type RedisServer struct {
	// URL reaches the server.
	URL string

	port int
	cmd  *exec.Cmd
}

// StartRedis starts a Redis server of its own for the test and stops it
// when the test ends.
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	s := &RedisServer{port: freePort(t)}
	s.URL = fmt.Sprintf("redis://127.0.0.1:%d/0", s.port)
	s.Start(t)
	t.Cleanup(func() {
		if s.cmd != nil {
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait()
		}
	})
	return s
}

// Start starts the server (again) on its port and waits until it answers.
func (s *RedisServer) Start(t testing.TB) {
	t.Helper()
	s.cmd = exec.Command("redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--save", "", "--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning")
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start redis: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), 100*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis did not start: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop kills the server, as a crash would, and waits until it is gone.
func (s *RedisServer) Stop(t testing.TB) {
	t.Helper()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// freePort returns a TCP port of 127.0.0.1 that nothing listens on.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
