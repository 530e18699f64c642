// Command gosyncbench runs the workloads of benches/concurrent.rs on Go's concurrent maps, so
// that ConcurrentMap can be compared with the sync.Map it reimplements. One process is one
// measurement and prints one JSON line, as `concurrent --one` does on the Rust side:
//
//	gosyncbench [-warm 200ms] [-ms 500] MAP SIZE WORKLOAD THREADS
//
// MAP is go_syncmap (sync.Map as built: the classic one under GOEXPERIMENT=nosynchashtriemap),
// go_hashtriemap (the same sync.Map, named for Go 1.24's default build) or go_rwmutex (a
// map[uint64]uint64 behind a sync.RWMutex). Run it with GOMAXPROCS = THREADS. The keys, the
// generator and the order of operations are those of benches/concurrent.rs.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/bits"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

const (
	ring  = 64  // keys each thread remembers of those it added
	chunk = 256 // operations between two looks at the phase flag
)

var sizes = map[string]uint64{"1k": 1024, "100k": 100_000, "1m": 1_000_000}

type workload struct {
	kind    int // mixed, growOnly, churn
	loadPct uint64
}

const (
	mixed = iota
	growOnly
	churn
)

var workloads = map[string]workload{
	"read_only": {mixed, 100},
	"read_99":   {mixed, 99},
	"read_90":   {mixed, 90},
	"write_50":  {mixed, 50},
	"grow_only": {growOnly, 0},
	"churn":     {churn, 0},
}

const (
	opLoad = iota
	opStore
	opDelete
)

// below is a uniform pick in 0..n by multiply-shift, as in the Rust bench.
func below(r, n uint64) uint64 {
	hi, _ := bits.Mul64(r, n)
	return hi
}

// worker is one thread's side of a workload: Rust's Worker, draw for draw.
type worker struct {
	rng   uint64
	ring  [ring]uint64
	fresh uint64
	added int
	i     uint64
}

func newWorker(t uint64) *worker {
	return &worker{rng: 0x9E3779B97F4A7C15 ^ ((t + 1) * 0xD1B54A32D192ED03), fresh: (t + 1) << 40}
}

func (w *worker) ringKey(r uint64) uint64 {
	return w.ring[below(r, uint64(min(w.added, ring)))]
}

func (w *worker) add() (int, uint64, uint64) {
	w.fresh++
	w.ring[w.added%ring] = w.fresh
	w.added++
	return opStore, w.fresh, w.fresh
}

// next draws one operation: what, which key, and the value for a store.
func (w *worker) next(wl workload, n uint64) (int, uint64, uint64) {
	w.rng ^= w.rng << 13
	w.rng ^= w.rng >> 7
	w.rng ^= w.rng << 17
	r := w.rng
	d := uint32(r)
	i := w.i
	w.i++
	switch wl.kind {
	case mixed:
		if uint64(d%100) < wl.loadPct {
			return opLoad, below(r, n), 0
		}
		return opStore, below(r, n), i
	case growOnly:
		if d%1000 == 0 {
			return w.add()
		}
		if w.added > 0 && (d>>16)%8 == 0 {
			return opLoad, w.ringKey(r), 0
		}
		return opLoad, below(r, n), 0
	default:
		switch i % 4 {
		case 0:
			return w.add()
		case 1:
			return opLoad, w.ringKey(r), 0
		case 2:
			if w.added >= ring {
				return opDelete, w.ring[w.added%ring], 0
			}
		}
		return opLoad, below(r, n), 0
	}
}

var sink atomic.Uint64

const (
	warmPhase = iota
	timedPhase
	stopPhase
)

// timedOps runs chunk (chunk operations on w) until the stop phase and returns how many of
// w's operations fell in the timed phase.
func timedOps(w *worker, phase *atomic.Int32, runChunk func()) uint64 {
	from := uint64(0)
	timed := false
	for {
		runChunk()
		switch phase.Load() {
		case timedPhase:
			if !timed {
				from, timed = w.i, true
			}
		case stopPhase:
			if !timed {
				return 0
			}
			return w.i - from
		}
	}
}

// The chunk loops are written out per map type (not behind an interface) so that, like the
// Rust side's monomorphised loop, each map's methods are called directly and may be inlined;
// only the call per chunk is indirect.

func runSyncMap(m *sync.Map, wl workload, n uint64, t uint64, phase *atomic.Int32) uint64 {
	w := newWorker(t)
	var s uint64
	ops := timedOps(w, phase, func() {
		for range chunk {
			op, k, v := w.next(wl, n)
			switch op {
			case opLoad:
				if x, ok := m.Load(k); ok {
					s += x.(uint64)
				}
			case opStore:
				m.Store(k, v)
			case opDelete:
				m.Delete(k)
			}
		}
	})
	sink.Add(s)
	return ops
}

type rwMap struct {
	mu sync.RWMutex
	m  map[uint64]uint64
}

func runRWMutex(m *rwMap, wl workload, n uint64, t uint64, phase *atomic.Int32) uint64 {
	w := newWorker(t)
	var s uint64
	ops := timedOps(w, phase, func() {
		for range chunk {
			op, k, v := w.next(wl, n)
			switch op {
			case opLoad:
				m.mu.RLock()
				s += m.m[k]
				m.mu.RUnlock()
			case opStore:
				m.mu.Lock()
				m.m[k] = v
				m.mu.Unlock()
			case opDelete:
				m.mu.Lock()
				delete(m.m, k)
				m.mu.Unlock()
			}
		}
	})
	sink.Add(s)
	return ops
}

// processCPUNs is the process's CPU time (CLOCK_PROCESS_CPUTIME_ID), as the Rust side reads it.
func processCPUNs() uint64 {
	var ts syscall.Timespec
	const clockProcessCPUTimeID = 2
	_, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockProcessCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	if e != 0 {
		fail("clock_gettime: %v", e)
	}
	return uint64(ts.Sec)*1e9 + uint64(ts.Nsec)
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "gosyncbench: "+format+"\n", a...)
	os.Exit(1)
}

func main() {
	warm := flag.Duration("warm", 200*time.Millisecond, "warm-up window")
	ms := flag.Int("ms", 500, "timed window in milliseconds")
	flag.Parse()
	if *latencyWorkload != "" {
		runLatency("go-syncmap-"+syncMapImpl, *latencyWorkload, *latencyRun)
		return
	}
	if flag.NArg() != 4 {
		fail("usage: gosyncbench [-warm D] [-ms N] MAP SIZE WORKLOAD THREADS")
	}
	name, size, wname := flag.Arg(0), flag.Arg(1), flag.Arg(2)
	threads, err := strconv.Atoi(flag.Arg(3))
	if err != nil || threads < 1 {
		fail("bad thread count %q", flag.Arg(3))
	}
	n, ok := sizes[size]
	if !ok {
		fail("unknown size %q", size)
	}
	wl, ok := workloads[wname]
	if !ok {
		fail("unknown workload %q", wname)
	}
	if runtime.GOMAXPROCS(0) != threads {
		fail("GOMAXPROCS is %d, run with GOMAXPROCS=%d", runtime.GOMAXPROCS(0), threads)
	}

	var run func(t uint64, phase *atomic.Int32) uint64
	switch {
	case name == "go_syncmap" && syncMapImpl == "classic", name == "go_hashtriemap" && syncMapImpl == "hashtriemap":
		m := new(sync.Map)
		for k := range n {
			m.Store(k, k)
		}
		for k := range 2 * n {
			if x, ok := m.Load(k % n); ok {
				sink.Add(x.(uint64))
			}
		}
		run = func(t uint64, phase *atomic.Int32) uint64 { return runSyncMap(m, wl, n, t, phase) }
	case name == "go_rwmutex":
		m := &rwMap{m: make(map[uint64]uint64)}
		for k := range n {
			m.m[k] = k
		}
		for k := range 2 * n {
			sink.Add(m.m[k%n])
		}
		run = func(t uint64, phase *atomic.Int32) uint64 { return runRWMutex(m, wl, n, t, phase) }
	default:
		fail("map %q is not in this build (sync.Map %s, map %s)", name, syncMapImpl, mapImpl)
	}

	var phase atomic.Int32
	var ready, done sync.WaitGroup
	ops := make([]uint64, threads)
	ready.Add(threads)
	done.Add(threads)
	start := make(chan struct{})
	for t := range threads {
		go func() {
			// One OS thread per worker, as the Rust side has.
			runtime.LockOSThread()
			ready.Done()
			<-start
			ops[t] = run(uint64(t), &phase)
			done.Done()
		}()
	}
	ready.Wait()
	close(start)
	time.Sleep(*warm)
	t0, c0 := time.Now(), processCPUNs()
	phase.Store(timedPhase)
	time.Sleep(time.Duration(*ms) * time.Millisecond)
	phase.Store(stopPhase)
	wall, c1 := time.Since(t0), processCPUNs()
	done.Wait()
	var total uint64
	for _, o := range ops {
		total += o
	}
	line, _ := json.Marshal(map[string]any{
		"impl": name, "size": size, "workload": wname, "threads": threads,
		"ops": total, "wall_ns": wall.Nanoseconds(), "cpu_ns": c1 - c0,
		"go_sync_map": syncMapImpl, "go_map": mapImpl,
	})
	fmt.Println(string(line))
}
