//go:build unix

package bench

import (
	"syscall"
	"time"
)

// processCPU returns the user+system CPU time this process has used so far,
// on every goroutine and thread (so also GC and the per-element goroutines
// gqlgen starts); ok is false where it cannot be read.
func processCPU() (d time.Duration, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
