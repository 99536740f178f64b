package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/annals/annals/archive"
)

// The reliability tests (issue 8) live in this package, beside the other
// end-to-end tests, because they are end-to-end tests too: most of them
// run the real binary (built once by TestMain, with the race detector when
// the tests have it) and reuse this package's process harness, portal and
// export helpers. Their files are named reliability_*_test.go; the fault
// server is in reliability_faultserver_test.go. Every test logs its
// figures with t.Logf: run them with
//
//	go test ./e2e -run Reliability -v
//
// and the 100,000-page crawl with ANNALS_SCALE=1 as well.

// slack multiplies time and memory bounds when the binary and the tests
// run under the race detector, which makes Go code several times slower
// and its memory several times larger.
func slack() int {
	if raceEnabled {
		return 5
	}
	return 1
}

// seededRand returns a random source for a test and logs its seed, so that
// a failure can be reproduced with ANNALS_RELIABILITY_SEED=<seed>.
func seededRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("ANNALS_RELIABILITY_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("ANNALS_RELIABILITY_SEED=%q: %v", s, err)
		}
		seed = n
	}
	t.Logf("random seed %d (reproduce with ANNALS_RELIABILITY_SEED=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// rssWatch follows a child process's peak resident memory: the kernel's
// high-water mark of its address space (VmHWM in /proc/PID/status), read
// every few milliseconds until the process ends. (The rusage of a child,
// ru_maxrss, will not do: a child started with vfork carries its
// parent's high-water mark through exec.)
type rssWatch struct {
	mu   sync.Mutex
	peak int64
	done chan struct{}
}

// watchRSS starts following p, which must have just started.
func watchRSS(p *proc) *rssWatch {
	w := &rssWatch{done: make(chan struct{})}
	path := fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid)
	go func() {
		defer close(w.done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			if hwm := vmHWM(path); hwm > 0 {
				w.mu.Lock()
				w.peak = max(w.peak, hwm)
				w.mu.Unlock()
			}
			select {
			case <-p.done:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

// Peak waits for the process to end and returns its peak resident memory
// in bytes (0 when /proc cannot tell).
func (w *rssWatch) Peak() int64 {
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.peak
}

// vmHWM reads the VmHWM line of a /proc status file, in bytes.
func vmHWM(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n << 10
		}
	}
	return 0
}

// openArchive opens the archive at path read-only, closing it when the
// test ends.
func openArchive(t *testing.T, path string) *archive.DB {
	t.Helper()
	db := archive.NewDB(path)
	db.ReadOnly = true
	if err := db.Open(context.Background()); err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// heapWatch samples this process's Go heap (objects in use, as the
// runtime/metrics package counts them) every few milliseconds and keeps
// the highest value seen; the test runs sequentially, so nothing else
// in the process allocates much meanwhile.
type heapWatch struct {
	stop chan struct{}
	done sync.WaitGroup
	mu   sync.Mutex
	peak uint64
	base uint64
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func readHeap() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// watchHeap starts sampling after a garbage collection, so that the
// baseline is what the test holds before the work measured.
func watchHeap() *heapWatch {
	runtime.GC()
	w := &heapWatch{stop: make(chan struct{}), base: readHeap()}
	w.peak = w.base
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-tick.C:
				w.sample()
			}
		}
	}()
	return w
}

func (w *heapWatch) sample() {
	h := readHeap()
	w.mu.Lock()
	w.peak = max(w.peak, h)
	w.mu.Unlock()
}

// Stop ends the sampling and returns the peak heap above the baseline.
func (w *heapWatch) Stop() uint64 {
	w.sample()
	close(w.stop)
	w.done.Wait()
	return w.peak - min(w.base, w.peak)
}

// mib formats a byte count in MiB.
func mib(n int64) string { return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB" }
