// Command gomapbench runs the workloads of benches/map.rs on Go's built-in map, so that GoMap
// can be compared with the map it reimplements (build with GOEXPERIMENT=noswissmap) and with
// Go 1.24's Swiss table (the default build). Keys, lookup orders and the in-flight trace come
// from the same splitmix64 streams as benches/common/mod.rs, so both sides do identical work.
//
// Each workload is written out per key type on purpose: with concrete key types the compiler
// picks the runtime's fast paths (mapaccess1_fast64, _faststr), as ordinary Go code gets.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Seeds shared with benches/common/mod.rs.
const (
	seedKeys     = 0x6d61705f6b657973
	seedShuffle  = 0x73687566666c6521
	seedInflight = 0x6e73715f6d736773
)

type splitmix struct{ s uint64 }

func (r *splitmix) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func shuffle[T any](r *splitmix, v []T) {
	for i := len(v) - 1; i >= 1; i-- {
		j := int(r.next() % uint64(i+1))
		v[i], v[j] = v[j], v[i]
	}
}

type result struct {
	Impl     string  `json:"impl"`
	Workload string  `json:"workload"`
	Key      string  `json:"key"`
	Size     string  `json:"size"`
	Ops      int     `json:"ops"`
	NsPerOp  float64 `json:"ns_per_op"`
	Samples  int     `json:"samples"`
	Kind     string  `json:"kind"` // "time" or "memory"
	// Memory rows: bytes per entry live after insert_grow, and allocated during it.
	LiveBytes  float64 `json:"live_bytes_per_entry,omitempty"`
	AllocBytes float64 `json:"alloc_bytes_per_entry,omitempty"`
}

var (
	warm    = flag.Duration("warm", time.Second, "warm-up time per benchmark")
	meas    = flag.Duration("meas", 2*time.Second, "measurement time per benchmark")
	samples = flag.Int("samples", 10, "samples per benchmark (the median is reported)")
	sizesF  = flag.String("sizes", "1k,100k", "comma-separated sizes: 1k, 100k, 1m, 8m")
	only    = flag.String("only", "", "run only workloads whose name contains this")
	keysF   = flag.String("keys", "u64,str,id16", "comma-separated key types: u64, str, id16 (inflight)")
	check   = flag.Bool("check", false, "print the fingerprint of the inputs (compare with GOMAP_BENCH_CHECK=1 on the Rust side) and exit")
	outF    = flag.String("out", "", "write results as JSON lines to this file")
	results []result
)

var sizeN = map[string]int{"1k": 1_000, "100k": 100_000, "1m": 1_000_000, "8m": 8_000_000}

// Keeps results reachable so the compiler cannot drop the work.
var (
	sink    uint64
	keepU64 map[uint64]uint64
	keepStr map[string]uint64
)

// measure times run (and not setup) per iteration; it returns the median over samples of the
// mean time per iteration, as criterion's median estimate does.
func measure(setup, run func()) (float64, int) {
	step := func() time.Duration {
		if setup != nil {
			setup()
		}
		t0 := time.Now()
		run()
		return time.Since(t0)
	}
	for end := time.Now().Add(*warm); time.Now().Before(end); {
		step()
	}
	per := *meas / time.Duration(*samples)
	vals := make([]float64, 0, *samples)
	for s := 0; s < *samples; s++ {
		var timed time.Duration
		iters := 0
		for end := time.Now().Add(per); iters == 0 || time.Now().Before(end); iters++ {
			timed += step()
		}
		vals = append(vals, float64(timed.Nanoseconds())/float64(iters))
	}
	sort.Float64s(vals)
	m := len(vals) / 2
	if len(vals)%2 == 0 {
		return (vals[m-1] + vals[m]) / 2, len(vals)
	}
	return vals[m], len(vals)
}

func record(workload, key, size string, ops int, setup, run func()) {
	if *only != "" && !strings.Contains(workload, *only) {
		return
	}
	ns, k := measure(setup, run)
	r := result{Impl: mapImpl, Workload: workload, Key: key, Size: size, Ops: ops,
		NsPerOp: ns / float64(ops), Samples: k, Kind: "time"}
	fmt.Printf("%-10s %-12s %-5s %5s %10.2f ns/op\n", r.Impl, workload, key, size, r.NsPerOp)
	results = append(results, r)
}

// memory reports heap bytes per entry of a map built by insert_grow: live after a GC, and
// allocated in total while building (the old arrays of every grow included).
func memory(key, size string, n int, build func() any) {
	if !strings.Contains("memory", *only) {
		return
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	live0, tot0 := ms.HeapAlloc, ms.TotalAlloc
	m := build()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	r := result{Impl: mapImpl, Workload: "memory", Key: key, Size: size, Ops: n, Kind: "memory",
		LiveBytes:  float64(int64(ms.HeapAlloc)-int64(live0)) / float64(n),
		AllocBytes: float64(ms.TotalAlloc-tot0) / float64(n)}
	runtime.KeepAlive(m)
	fmt.Printf("%-10s %-12s %-5s %5s %8.2f live B/entry %8.2f allocated B/entry\n",
		r.Impl, "memory", key, size, r.LiveBytes, r.AllocBytes)
	results = append(results, r)
}

func benchU64(size string, n int) {
	rng := splitmix{seedKeys}
	ring := make([]uint64, 2*n)
	for i := range ring {
		ring[i] = rng.next()
	}
	hits, misses := ring[:n], ring[n:]
	shuffled := append([]uint64(nil), hits...)
	shuffle(&splitmix{seedShuffle}, shuffled)
	build := func() map[uint64]uint64 {
		m := make(map[uint64]uint64)
		for i, k := range hits {
			m[k] = uint64(i)
		}
		return m
	}
	memory("u64", size, n, func() any { return build() })

	drop := func() { keepU64 = nil }
	record("insert_grow", "u64", size, n, drop, func() {
		m := make(map[uint64]uint64)
		for i, k := range hits {
			m[k] = uint64(i)
		}
		keepU64 = m
	})
	record("insert_hint", "u64", size, n, drop, func() {
		m := make(map[uint64]uint64, n)
		for i, k := range hits {
			m[k] = uint64(i)
		}
		keepU64 = m
	})
	m := build()
	record("get_hit", "u64", size, n, nil, func() {
		var acc uint64
		for _, k := range shuffled {
			v, ok := m[k]
			if !ok {
				panic("hit missing")
			}
			acc += v
		}
		sink += acc
	})
	record("get_miss", "u64", size, n, nil, func() {
		found := 0
		for _, k := range misses {
			if _, ok := m[k]; ok {
				found++
			}
		}
		if found != 0 {
			panic("miss found")
		}
	})
	var victim map[uint64]uint64
	record("remove", "u64", size, n, func() { victim = nil; victim = build() }, func() {
		for _, k := range shuffled {
			delete(victim, k)
		}
	})
	record("iterate", "u64", size, n, nil, func() {
		var acc uint64
		for _, v := range m {
			acc += v
		}
		sink += acc
	})
	churn, j := build(), 0
	record("churn", "u64", size, n, nil, func() {
		for c := 0; c < n; c++ {
			delete(churn, ring[j])
			churn[ring[(j+n)%(2*n)]] = uint64(j)
			j = (j + 1) % (2 * n)
		}
	})
	if len(churn) != n {
		panic("churn lost entries")
	}
}

func benchStr(size string, n int) {
	rng := splitmix{seedKeys}
	ring := make([]string, 2*n)
	for i := range ring {
		ring[i] = fmt.Sprintf("key-%016x", rng.next())
	}
	hits, misses := ring[:n], ring[n:]
	// Lookups use copies made in key order, then shuffled, as the Rust side's are (a Rust map
	// owns its String keys): sharing the inserted keys' bytes would let Go's string compare
	// return on pointer equality without reading them, which a key that arrives from elsewhere
	// never allows.
	shuffled := make([]string, n)
	for i := range hits {
		shuffled[i] = strings.Clone(hits[i])
	}
	shuffle(&splitmix{seedShuffle}, shuffled)
	lookup := make([]string, len(ring))
	for i := range ring {
		lookup[i] = strings.Clone(ring[i])
	}
	build := func() map[string]uint64 {
		m := make(map[string]uint64)
		for i, k := range hits {
			m[k] = uint64(i)
		}
		return m
	}
	memory("str", size, n, func() any { return build() })

	drop := func() { keepStr = nil }
	record("insert_grow", "str", size, n, drop, func() {
		m := make(map[string]uint64)
		for i, k := range hits {
			m[k] = uint64(i)
		}
		keepStr = m
	})
	record("insert_hint", "str", size, n, drop, func() {
		m := make(map[string]uint64, n)
		for i, k := range hits {
			m[k] = uint64(i)
		}
		keepStr = m
	})
	m := build()
	record("get_hit", "str", size, n, nil, func() {
		var acc uint64
		for _, k := range shuffled {
			v, ok := m[k]
			if !ok {
				panic("hit missing")
			}
			acc += v
		}
		sink += acc
	})
	record("get_miss", "str", size, n, nil, func() {
		found := 0
		for _, k := range misses {
			if _, ok := m[k]; ok {
				found++
			}
		}
		if found != 0 {
			panic("miss found")
		}
	})
	var victim map[string]uint64
	record("remove", "str", size, n, func() { victim = nil; victim = build() }, func() {
		for _, k := range shuffled {
			delete(victim, k)
		}
	})
	record("iterate", "str", size, n, nil, func() {
		var acc uint64
		for _, v := range m {
			acc += v
		}
		sink += acc
	})
	churn, j := build(), 0
	record("churn", "str", size, n, nil, func() {
		for c := 0; c < n; c++ {
			delete(churn, lookup[j])
			churn[ring[(j+n)%(2*n)]] = uint64(j)
			j = (j + 1) % (2 * n)
		}
	})
	if len(churn) != n {
		panic("churn lost entries")
	}
}

// The in-flight trace of benches/common/mod.rs (InflightSim), step for step.
const (
	inflight     = 100_000
	inflightStep = 10_000
	requeueDepth = 1_000
)

type msgID [16]byte

type step struct{ done, new msgID }

type inflightSim struct {
	rng     splitmix
	slots   []msgID
	requeue []msgID // FIFO: head at requeue[0]
	cursor  int
	guid    uint64
}

func hexID(guid uint64) msgID {
	const hex = "0123456789abcdef"
	var id msgID
	for i := range id {
		id[i] = hex[(guid>>(60-4*i))&0xf]
	}
	return id
}

func (s *inflightSim) fresh() msgID {
	s.guid += 1 + (s.rng.next() & 3)
	return hexID(s.guid)
}

func newInflightSim() *inflightSim {
	s := &inflightSim{rng: splitmix{seedInflight}, guid: 0x0600000000000000}
	for i := 0; i < inflight; i++ {
		s.slots = append(s.slots, s.fresh())
	}
	return s
}

func (s *inflightSim) chunk(out []step) []step {
	out = out[:0]
	for i := 0; i < inflightStep; i++ {
		r := s.rng.next() % 100
		var k int
		if r < 95 {
			k = int(s.rng.next() % inflight)
		} else {
			k = s.cursor
			s.cursor = (k + 1) % inflight
		}
		done := s.slots[k]
		if r >= 90 {
			s.requeue = append(s.requeue, done)
		}
		var nw msgID
		if len(s.requeue) > requeueDepth {
			nw = s.requeue[0]
			s.requeue = s.requeue[1:]
		} else {
			nw = s.fresh()
		}
		s.slots[k] = nw
		out = append(out, step{done, nw})
	}
	return out
}

// benchInflight replays the trace as nsqd's channel does: popInFlightMessage looks the ID up,
// checks it and deletes it; pushInFlightMessage checks the ID is absent and inserts it.
func benchInflight() {
	sim := newInflightSim()
	m := make(map[msgID]uint64)
	for i, id := range sim.slots {
		m[id] = uint64(i)
	}
	var steps []step
	record("inflight", "id16", "100k", inflightStep, func() { steps = sim.chunk(steps) }, func() {
		var acc uint64
		for i := range steps {
			st := &steps[i]
			h, ok := m[st.done]
			if !ok {
				panic("in-flight message missing from the index")
			}
			acc += h
			delete(m, st.done)
			if _, ok := m[st.new]; !ok {
				m[st.new] = uint64(i)
			}
		}
		sink += acc
	})
	if len(m) != inflight {
		panic("in-flight count drifted")
	}
}

func main() {
	flag.Parse()
	if latencyName != nil {
		runLatency(*latencyName, *runF)
		return
	}
	if *check {
		printCheck()
		return
	}
	fmt.Printf("# %s, %s, GOMAXPROCS=%d\n", mapImpl, runtime.Version(), runtime.GOMAXPROCS(0))
	var sizes []string
	for _, s := range strings.Split(*sizesF, ",") {
		s = strings.TrimSpace(s)
		if _, ok := sizeN[s]; !ok {
			fmt.Fprintf(os.Stderr, "unknown size %q (known: 1k, 100k, 1m, 8m)\n", s)
			os.Exit(2)
		}
		sizes = append(sizes, s)
	}
	keys := map[string]bool{}
	for _, k := range strings.Split(*keysF, ",") {
		keys[strings.TrimSpace(k)] = true
	}
	for _, s := range sizes {
		if keys["u64"] {
			benchU64(s, sizeN[s])
		}
	}
	for _, s := range sizes {
		if keys["str"] {
			benchStr(s, sizeN[s])
		}
	}
	if keys["id16"] {
		benchInflight()
	}
	if *outF != "" {
		f, err := os.Create(*outF)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		enc := json.NewEncoder(f)
		for _, r := range results {
			if err := enc.Encode(r); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		if err := f.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

// printCheck prints what benches/map.rs prints under GOMAP_BENCH_CHECK=1: if the two differ,
// the two sides are not doing the same work.
func printCheck() {
	n := 1000
	rng := splitmix{seedKeys}
	ring := make([]uint64, 2*n)
	for i := range ring {
		ring[i] = rng.next()
	}
	sh := append([]uint64(nil), ring[:n]...)
	shuffle(&splitmix{seedShuffle}, sh)
	fmt.Printf("u64 ring[0]=%d ring[%d]=%d shuffled[0]=%d shuffled[%d]=%d\n",
		ring[0], 2*n-1, ring[2*n-1], sh[0], n-1, sh[n-1])
	fmt.Printf("str ring[0]=%s\n", fmt.Sprintf("key-%016x", ring[0]))
	sim := newInflightSim()
	var steps []step
	var h uint64 = 0xcbf29ce484222325
	for c := 0; c < 20; c++ {
		steps = sim.chunk(steps)
		for _, st := range steps {
			for _, b := range append(st.done[:], st.new[:]...) {
				h = (h ^ uint64(b)) * 0x100000001b3
			}
		}
	}
	fmt.Printf("inflight first=%s last=%s fnv=%016x\n", steps[0].done[:], steps[len(steps)-1].new[:], h)
}
