package main

// The -latency mode: benches/concurrent_latency.rs's workloads on sync.Map, every operation
// timed on its own, one JSON line in that bench's format.

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/bits"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

var (
	latencyWorkload = flag.String("latency", "", "run this latency workload instead")
	latencyRun      = flag.Int("run", 1, "run number, echoed in the result")
)

func splitmix(i uint64) uint64 {
	z := (i + 1) * 0x9E3779B97F4A7C15
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

type recorder struct{ ns []int64 }

// threadClock: GOMAP_CLAT_CLOCK=thread times operations by the thread's CPU time, as the Rust
// side does, leaving preemption out.
var threadClock = os.Getenv("GOMAP_CLAT_CLOCK") == "thread"

func threadCPUNs() int64 {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Sec*1e9 + ts.Nsec
}

func (r *recorder) time(f func()) {
	if threadClock {
		t0 := threadCPUNs()
		f()
		r.ns = append(r.ns, threadCPUNs()-t0)
		return
	}
	t0 := time.Now()
	f()
	r.ns = append(r.ns, int64(time.Since(t0)))
}

func readRecent(m *sync.Map, n int, r *recorder) {
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = splitmix(uint64(i))
	}
	for i := range n {
		r.time(func() { m.Store(keys[i], uint64(i)) })
		for back := range 3 {
			k := keys[max(i-back, 0)]
			r.time(func() {
				if x, ok := m.Load(k); ok {
					sink.Add(x.(uint64))
				}
			})
		}
	}
}

func readRecent2t(m *sync.Map, n int, r *recorder) {
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = splitmix(uint64(i))
	}
	var published atomic.Int64
	var done atomic.Bool
	loader := &recorder{ns: make([]int64, 0, 4*n)}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		runtime.LockOSThread()
		defer wg.Done()
		for !done.Load() {
			c := int(published.Load())
			for back := 1; back <= 3; back++ {
				if c >= back {
					k := keys[c-back]
					loader.time(func() {
						if x, ok := m.Load(k); ok {
							sink.Add(x.(uint64))
						}
					})
				}
			}
		}
	}()
	for i, k := range keys {
		r.time(func() { m.Store(k, uint64(i)) })
		published.Store(int64(i + 1))
	}
	done.Store(true)
	wg.Wait()
	r.ns = append(r.ns, loader.ns...)
}

func churnLatency(m *sync.Map, n, steps uint64, r *recorder) {
	for i := range n {
		m.Store(splitmix(i), i)
	}
	for i := range steps {
		old, nw := splitmix(i), splitmix(n+i)
		r.time(func() { m.Delete(old) })
		r.time(func() { m.Store(nw, i) })
	}
}

func loadOrStoreLatency(m *sync.Map, n uint64, r *recorder) {
	x := uint64(0x2545F4914F6CDD1D)
	for i := range n {
		r.time(func() { m.LoadOrStore(splitmix(i), i) })
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		hi, _ := bits.Mul64(x, i+1)
		old := splitmix(hi)
		r.time(func() { m.LoadOrStore(old, i) })
	}
}

func runLatency(name, workload string, run int) {
	runtime.LockOSThread()
	m := new(sync.Map)
	r := &recorder{ns: make([]int64, 0, 8_000_000)}
	t0 := time.Now()
	switch workload {
	case "read-recent-2m":
		readRecent(m, 2_000_000, r)
	case "read-recent-2m-2t":
		readRecent2t(m, 2_000_000, r)
	case "churn-1m":
		churnLatency(m, 1_000_000, 2_000_000, r)
	case "load-or-store-2m":
		loadOrStoreLatency(m, 2_000_000, r)
	default:
		fail("unknown latency workload %q", workload)
	}
	wall := time.Since(t0)
	ns := r.ns
	var sum, over10, over100, over1ms int64
	for _, d := range ns {
		sum += d
		if d > 10_000 {
			over10++
		}
		if d > 100_000 {
			over100++
		}
		if d > 1_000_000 {
			over1ms++
		}
	}
	slices.Sort(ns)
	at := func(p float64) int64 {
		if p >= 100 {
			return ns[len(ns)-1]
		}
		i := int(p / 100 * float64(len(ns)))
		return ns[min(i, len(ns)-1)]
	}
	ps := [][2]any{}
	for _, p := range []float64{50, 75, 90, 99, 99.9, 99.99, 99.999, 99.9999, 100} {
		ps = append(ps, [2]any{p, at(p)})
	}
	line, _ := json.Marshal(map[string]any{
		"impl": name, "workload": workload, "run": run, "ops": len(ns),
		"mean_ns": float64(sum) / float64(len(ns)), "p50_ns": at(50), "p99_ns": at(99),
		"p999_ns": at(99.9), "p9999_ns": at(99.99), "max_ns": at(100),
		"over_10us": over10, "over_100us": over100, "over_1ms": over1ms,
		"wall_ms": float64(wall.Nanoseconds()) / 1e6, "percentiles": ps,
		"go_sync_map": syncMapImpl, "clock": map[bool]string{true: "thread-cpu", false: "wall"}[threadClock],
	})
	fmt.Println(string(line))
}
