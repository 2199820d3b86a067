package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestMakeRunSaysWhatToDoWhenThePortIsTaken: issue 12 point 5. With the
// port taken, scripts/run.sh (make run) stops before starting or building
// anything, within 2 s, and names the variable that moves it.
func TestMakeRunSaysWhatToDoWhenThePortIsTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "../../scripts/run.sh")
	local := t.TempDir()
	cmd.Env = append(cmd.Environ(), "HTTP_ADDR=:"+strconv.Itoa(port), "LG_LOCAL_DIR="+local, "DATABASE_URL=", "REDIS_URL=")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if err == nil {
		t.Fatalf("run.sh succeeded with its port taken:\n%s", out)
	}
	if took > 2*time.Second {
		t.Errorf("run.sh took %v to say the port is taken", took)
	}
	for _, want := range []string{"port " + strconv.Itoa(port), "already in use", "HTTP_ADDR=:", "make run"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "building") || strings.Contains(string(out), "starting PostgreSQL") {
		t.Errorf("run.sh started work before checking the port:\n%s", out)
	}
}

// TestMakeRunEndsWithStatusZeroOnCtrlC: issue 12 point 5. On a terminal,
// Ctrl-C stops `make run` cleanly (server, then nothing left listening) and
// make exits 0, not 130: GNU make re-raises a SIGINT it gets itself, so
// run.sh takes the terminal's foreground for its own process group.
func TestMakeRunEndsWithStatusZeroOnCtrlC(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	master, slave := openPTY(t)
	port := freePort(t)
	e := testEnv(t)
	cmd := exec.Command("make", "--no-print-directory", "run")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+freshDatabase(t), "REDIS_URL="+e["REDIS_URL"], "REDIS_PREFIX="+e["REDIS_PREFIX"],
		"SECRET_KEY="+testSecretKey, "HTTP_ADDR=127.0.0.1:"+strconv.Itoa(port), "LG_LOCAL_DIR="+t.TempDir(),
		"LG_RUN_FOREGROUND=", "TERM=dumb")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	// A session of its own with the pty as its controlling terminal: make
	// starts as the terminal's foreground process group, as in a shell.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	var mu sync.Mutex
	var out strings.Builder
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	output := func() string { mu.Lock(); defer mu.Unlock(); return out.String() }
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	deadline := time.After(5 * time.Minute) // the build, on a busy machine
	for !strings.Contains(output(), "Press Ctrl-C") {
		select {
		case err := <-done:
			t.Fatalf("make run ended before it was ready (%v):\n%s", err, output())
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("make run not ready within 5 minutes:\n%s", output())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if _, err := master.Write([]byte{3}); err != nil { // the terminal's Ctrl-C
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("make run after Ctrl-C: %v (want exit status 0):\n%s", err, output())
		}
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("make run still running 30 s after Ctrl-C:\n%s", output())
	}
	if !strings.Contains(output(), "stopping loyaltygraph") {
		t.Errorf("make run did not say it stopped the server:\n%s", output())
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second); err == nil {
		c.Close()
		t.Errorf("something still listens on the server's port after Ctrl-C")
	}
}

// openPTY opens a pseudo-terminal pair.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	return m, s
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
