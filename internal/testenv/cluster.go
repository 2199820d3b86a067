package testenv

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	clusterOnce sync.Once
	clusterURL  string
	clusterErr  string
)

// RedisClusterURL returns the URL (redis+cluster://…) of a three-master
// Redis Cluster: REDIS_CLUSTER_URL when set, else one started once per test
// binary with scripts/redis-cluster.sh (stopped by Main). Tests that use it
// share it, each under its own key prefix.
func RedisClusterURL(t testing.TB) string {
	t.Helper()
	clusterOnce.Do(func() {
		if u := os.Getenv("REDIS_CLUSTER_URL"); u != "" {
			clusterURL = u
			return
		}
		root, err := RepoRoot()
		if err != nil {
			clusterErr = err.Error()
			return
		}
		dir, err := os.MkdirTemp("", "lg-redis-cluster-")
		if err != nil {
			clusterErr = err.Error()
			return
		}
		script := filepath.Join(root, "scripts", "redis-cluster.sh")
		out, err := exec.Command("bash", script, "start", dir).CombinedOutput()
		mu.Lock()
		cleanups = append(cleanups, func() {
			_ = exec.Command("bash", script, "stop", dir).Run()
			_ = os.RemoveAll(dir)
		})
		mu.Unlock()
		if err != nil {
			clusterErr = "start the Redis Cluster: " + err.Error() + ": " + string(out)
			return
		}
		f, err := os.Open(filepath.Join(dir, "env"))
		if err != nil {
			clusterErr = err.Error()
			return
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "export REDIS_CLUSTER_URL="); ok {
				// The script quotes ? and & for the shell.
				clusterURL = strings.NewReplacer(`\?`, "?", `\&`, "&", `'`, "").Replace(v)
			}
		}
		if clusterURL == "" {
			clusterErr = "scripts/redis-cluster.sh wrote no REDIS_CLUSTER_URL"
		}
	})
	if clusterErr != "" {
		t.Fatal(clusterErr)
	}
	return clusterURL
}

// RepoRoot returns the directory of go.mod, found upwards from the
// working directory (a test's package directory).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
