package bench

import (
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// memPeak is the memory high-water mark of one measured phase.
type memPeak struct {
	// HeapInuse is the largest runtime.MemStats.HeapInuse sampled.
	HeapInuse uint64
	// RSS is the process's peak resident set size during the phase (VmHWM
	// after a reset at its start), or the largest sampled RSS where the peak
	// cannot be reset; RSSOK is false where neither can be read.
	RSS   uint64
	RSSOK bool
	// StartRSS is the resident set size when the phase started.
	StartRSS uint64
}

// memWatch samples the Go heap (and, on Linux, the resident set) in a
// goroutine until stop.
type memWatch struct {
	every    time.Duration
	quit     chan struct{}
	done     sync.WaitGroup
	peak     memPeak
	resetHWM bool
}

// startMemWatch collects garbage, returns freed memory to the OS, resets
// the process's peak RSS where it can and starts sampling.
func startMemWatch(every time.Duration) *memWatch {
	runtime.GC()
	debug.FreeOSMemory()
	w := &memWatch{every: every, quit: make(chan struct{})}
	w.resetHWM = resetPeakRSS()
	w.peak.StartRSS, _ = currentRSS()
	w.sample()
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-w.quit:
				return
			case <-t.C:
				w.sample()
			}
		}
	}()
	return w
}

func (w *memWatch) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w.peak.HeapInuse = max(w.peak.HeapInuse, ms.HeapInuse)
	if rss, ok := currentRSS(); ok {
		w.peak.RSS, w.peak.RSSOK = max(w.peak.RSS, rss), true
	}
}

// stop ends sampling and returns the peaks.
func (w *memWatch) stop() memPeak {
	close(w.quit)
	w.done.Wait()
	w.sample()
	if w.resetHWM {
		if hwm, ok := peakRSS(); ok {
			w.peak.RSS, w.peak.RSSOK = max(w.peak.RSS, hwm), true
		}
	}
	return w.peak
}

const mib = 1 << 20
