//go:build linux

package bench

import (
	"bytes"
	"os"
	"strconv"
)

// statusKB reads a "Name:   123 kB" line of /proc/self/status, in bytes.
func statusKB(name string) (uint64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		rest, ok := bytes.CutPrefix(line, []byte(name+":"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) == 0 {
			return 0, false
		}
		kb, err := strconv.ParseUint(string(f[0]), 10, 64)
		return kb * 1024, err == nil
	}
	return 0, false
}

// currentRSS is the resident set size now (VmRSS).
func currentRSS() (uint64, bool) { return statusKB("VmRSS") }

// peakRSS is the peak resident set size (VmHWM) since start or the last
// resetPeakRSS.
func peakRSS() (uint64, bool) { return statusKB("VmHWM") }

// resetPeakRSS resets VmHWM to the current RSS (Linux 4.0+: writing 5 to
// clear_refs).
func resetPeakRSS() bool { return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil }
