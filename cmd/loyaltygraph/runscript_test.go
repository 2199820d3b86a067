package main

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
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
