package inspect

import (
	"runtime"
	"sync"
)

// forEach calls fn(worker, i) for every i in [0, n) on up to GOMAXPROCS
// goroutines; worker (0 ≤ worker < workers(n)) lets fn keep per-goroutine
// buffers. Reading /proc is syscall-bound and every syscall here is
// independent, so the scan phases spread over all CPUs.
func forEach(n int, fn func(worker, i int)) {
	forEachOn(workers(n), n, fn)
}

// forEachOn is forEach on exactly w goroutines (at least one).
func forEachOn(w, n int, fn func(worker, i int)) {
	if w <= 1 {
		for i := 0; i < n; i++ {
			fn(0, i)
		}
		return
	}
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			// Interleaved, so that slow items (long-lived daemons with
			// many fds sit at low PIDs) spread evenly.
			for i := k; i < n; i += w {
				fn(k, i)
			}
		}(k)
	}
	wg.Wait()
}

// workers is the number of goroutines forEach uses for n items: twice the
// CPUs, because reading /proc sometimes sleeps in the kernel (on a lock of
// the process or of a mount namespace), and another reader can use the CPU
// meanwhile. Measured with bench/ls.sh at 2,500 processes: about 7% faster
// than one reader per CPU.
func workers(n int) int {
	return max(1, min(n, 2*runtime.GOMAXPROCS(0)))
}
