//go:build !linux

package bench

// The resident set is read from /proc on Linux only; elsewhere only the Go
// heap is reported.

func currentRSS() (uint64, bool) { return 0, false }
func peakRSS() (uint64, bool)    { return 0, false }
func resetPeakRSS() bool         { return false }
