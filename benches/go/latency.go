// Latency mode (-latency <workload> -run <k>): every map operation of one workload is timed on
// its own and the run is summed up in one JSON line on stdout, for benches/latency.rs, which
// defines the workloads (same names, keys, order and timed operations) and reads the line.

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
	_ "unsafe" // for go:linkname
)

// The clock is runtime.nanotime, the monotonic clock without time.Now's wall-clock read (about
// half its cost; docs/performance.md has both). The runtime marks it as linkname-able, so no
// -checklinkname=0 is needed.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

var (
	latencyName *string // set by -latency
	runF        = flag.Int("run", 0, "run number echoed in the -latency JSON line")
)

func init() {
	flag.Func("latency", "run one latency workload, print one JSON line and exit", func(s string) error {
		latencyName = &s
		return nil
	})
}

var latencyWorkloads = map[string]func() *latencyRun{
	"grow-u64-1m":    func() *latencyRun { return growU64(1_000_000) },
	"grow-u64-8m":    func() *latencyRun { return growU64(8_000_000) },
	"grow-str-1m":    func() *latencyRun { return growStr(1_000_000) },
	"churn-u64-1m":   func() *latencyRun { return churnU64(1_000_000) },
	"churn-u64-212k": func() *latencyRun { return churnU64(212_000) },
	"inflight":       inflightLatency,
	"remove-u64-1m":  removeU64,
}

// latencyRun holds the durations of one timed phase and what was measured around it.
type latencyRun struct {
	d        []int64 // ns per op, in op order
	wall     int64
	ru0, ru1 syscall.Rusage
}

// newRun allocates and touches the duration slice so that its page faults happen now.
func newRun(ops int) *latencyRun {
	r := &latencyRun{d: make([]int64, ops)}
	for i := range r.d {
		r.d[i] = -1
	}
	return r
}

func (r *latencyRun) start() {
	runtime.GC()
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r.ru0); err != nil {
		panic(err)
	}
	r.wall = nanotime()
}

func (r *latencyRun) stop() {
	r.wall = nanotime() - r.wall
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r.ru1); err != nil {
		panic(err)
	}
}

// u64Ring returns the first n outputs of the key stream.
func u64Ring(n int) []uint64 {
	rng := splitmix{seedKeys}
	ring := make([]uint64, n)
	for i := range ring {
		ring[i] = rng.next()
	}
	return ring
}

func growU64(n int) *latencyRun {
	keys := u64Ring(n)
	r := newRun(n)
	m := make(map[uint64]uint64)
	r.start()
	for i, k := range keys {
		t0 := nanotime()
		m[k] = uint64(i)
		t1 := nanotime()
		r.d[i] = t1 - t0
	}
	r.stop()
	if len(m) != n {
		panic("grow lost keys")
	}
	return r
}

func growStr(n int) *latencyRun {
	rng := splitmix{seedKeys}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("key-%016x", rng.next())
	}
	r := newRun(n)
	m := make(map[string]uint64)
	r.start()
	for i, k := range keys {
		t0 := nanotime()
		m[k] = uint64(i)
		t1 := nanotime()
		r.d[i] = t1 - t0
	}
	r.stop()
	if len(m) != n {
		panic("grow lost keys")
	}
	return r
}

// churnU64 keeps n keys: each step deletes the oldest and inserts a new one. At 212k keys
// (6.47 per bucket at B = 15) overflow buckets pile up until a same-size grow starts.
func churnU64(n int) *latencyRun {
	const steps = 2_000_000
	ring := u64Ring(n + steps)
	m := make(map[uint64]uint64)
	for i, k := range ring[:n] {
		m[k] = uint64(i)
	}
	r := newRun(2 * steps)
	r.start()
	for s := 0; s < steps; s++ {
		k := ring[s]
		t0 := nanotime()
		delete(m, k)
		t1 := nanotime()
		r.d[2*s] = t1 - t0
		k = ring[n+s]
		t0 = nanotime()
		m[k] = uint64(n + s)
		t1 = nanotime()
		r.d[2*s+1] = t1 - t0
	}
	r.stop()
	if len(m) != n {
		panic("churn lost entries")
	}
	return r
}

func inflightLatency() *latencyRun {
	const chunks = 200
	sim := newInflightSim()
	m := make(map[msgID]uint64)
	for i, id := range sim.slots {
		m[id] = uint64(i)
	}
	steps := make([]step, 0, inflightStep)
	r := newRun(4 * chunks * inflightStep)
	var acc uint64
	missing, present := 0, 0
	r.start()
	for c := 0; c < chunks; c++ {
		steps = sim.chunk(steps) // untimed
		base := 4 * c * inflightStep
		for i := range steps {
			done, nw := steps[i].done, steps[i].new
			j := base + 4*i

			t0 := nanotime()
			v, ok := m[done]
			t1 := nanotime()
			r.d[j] = t1 - t0
			acc += v
			if !ok {
				missing++
			}

			t0 = nanotime()
			delete(m, done)
			t1 = nanotime()
			r.d[j+1] = t1 - t0

			t0 = nanotime()
			v, ok = m[nw]
			t1 = nanotime()
			r.d[j+2] = t1 - t0
			acc += v
			if ok {
				present++
			}

			t0 = nanotime()
			m[nw] = uint64(i)
			t1 = nanotime()
			r.d[j+3] = t1 - t0
		}
	}
	r.stop()
	sink += acc
	if missing != 0 || present != 0 || len(m) != inflight {
		panic("in-flight trace out of step with the map")
	}
	return r
}

func removeU64() *latencyRun {
	const n = 1_000_000
	ring := u64Ring(n)
	shuffled := append([]uint64(nil), ring...)
	shuffle(&splitmix{seedShuffle}, shuffled)
	m := make(map[uint64]uint64)
	for i, k := range ring {
		m[k] = uint64(i)
	}
	r := newRun(n)
	r.start()
	for i, k := range shuffled {
		t0 := nanotime()
		delete(m, k)
		t1 := nanotime()
		r.d[i] = t1 - t0
	}
	r.stop()
	if len(m) != 0 {
		panic("remove left entries")
	}
	return r
}

type latencyResult struct {
	Impl        string   `json:"impl"`
	GOGC        string   `json:"gogc"`
	Workload    string   `json:"workload"`
	Run         int      `json:"run"`
	Ops         int      `json:"ops"`
	MeanNs      float64  `json:"mean_ns"`
	P50         int64    `json:"p50_ns"`
	P99         int64    `json:"p99_ns"`
	P999        int64    `json:"p999_ns"`
	P9999       int64    `json:"p9999_ns"`
	Max         int64    `json:"max_ns"`
	Over10us    int      `json:"over_10us"`
	Over100us   int      `json:"over_100us"`
	Over1ms     int      `json:"over_1ms"`
	WallMs      float64  `json:"wall_ms"`
	Minflt      int64    `json:"minflt"`
	Majflt      int64    `json:"majflt"`
	Percentiles [][2]any `json:"percentiles"`
	Slowest     [][2]int `json:"slowest"`
}

// Reported percentiles in millionths, so nearest ranks are computed exactly in integers
// (in float64, ceil(99.9/100*1e6) is 999001, one rank too high).
var latencyPPM = []int{500_000, 750_000, 900_000, 990_000, 999_000, 999_900, 999_990, 999_999, 1_000_000}

func runLatency(name string, run int) {
	work, ok := latencyWorkloads[name]
	if !ok {
		known := make([]string, 0, len(latencyWorkloads))
		for k := range latencyWorkloads {
			known = append(known, k)
		}
		slices.Sort(known)
		fmt.Fprintf(os.Stderr, "unknown latency workload %q (known: %s)\n", name, strings.Join(known, ", "))
		os.Exit(2)
	}
	r := work()
	d := r.d
	res := latencyResult{
		Impl: strings.ReplaceAll(mapImpl, "_", "-"), GOGC: "default", Workload: name, Run: run,
		Ops:    len(d),
		WallMs: float64(r.wall) / 1e6,
		Minflt: r.ru1.Minflt - r.ru0.Minflt,
		Majflt: r.ru1.Majflt - r.ru0.Majflt,
	}
	if os.Getenv("GOGC") == "off" {
		res.GOGC = "off"
	}

	// Slowest 20, slowest first (earlier op first on ties), then sort for the percentiles.
	type slow struct{ i, ns int }
	top := make([]slow, 0, 21)
	var sum int64
	for i, ns := range d {
		sum += ns
		if ns > 10_000 {
			res.Over10us++
		}
		if ns > 100_000 {
			res.Over100us++
		}
		if ns > 1_000_000 {
			res.Over1ms++
		}
		if len(top) < 20 || int(ns) > top[len(top)-1].ns {
			at := len(top)
			for at > 0 && top[at-1].ns < int(ns) {
				at--
			}
			top = slices.Insert(top, at, slow{i, int(ns)})
			if len(top) > 20 {
				top = top[:20]
			}
		}
	}
	res.Slowest = make([][2]int, len(top))
	for k, s := range top {
		res.Slowest[k] = [2]int{s.i, s.ns}
	}
	res.MeanNs = float64(sum) / float64(len(d))

	slices.Sort(d)
	n := len(d)
	for _, ppm := range latencyPPM {
		idx := (ppm*n+999_999)/1_000_000 - 1 // ceil(p/100 * n) - 1
		idx = min(max(idx, 0), n-1)
		res.Percentiles = append(res.Percentiles, [2]any{float64(ppm) / 1e4, d[idx]})
		switch ppm {
		case 500_000:
			res.P50 = d[idx]
		case 990_000:
			res.P99 = d[idx]
		case 999_000:
			res.P999 = d[idx]
		case 999_900:
			res.P9999 = d[idx]
		}
	}
	res.Max = d[n-1]

	out, err := json.Marshal(res)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(append(out, '\n'))
}
