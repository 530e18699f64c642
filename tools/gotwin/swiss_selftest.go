//go:build goexperiment.swissmap

package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"time"
)

// swissCases are the built-in scripts of -selftest in the Swiss build: growth through many
// table splits and directory doublings, deletes that leave tombstones, reinserts, clears,
// hints, small maps, and every key type.
func swissCases() []selfCase {
	r := rand.New(rand.NewPCG(13, 17))
	var cases []selfCase

	// Small map: fill the one group, empty it (the seed is redrawn), range it, then grow it
	// into a table.
	b := newBuilder(kindU64)
	b.rng()
	b.delete(key{u: 3})
	for round := 0; round < 3; round++ {
		for i := uint64(0); i < 8; i++ {
			b.insert(key{u: i * 1000003}, i)
			b.rng()
		}
		for i := uint64(0); i < 8; i += 2 {
			b.delete(key{u: i * 1000003})
		}
		b.rng()
		for i := uint64(1); i < 8; i += 2 {
			b.delete(key{u: i * 1000003})
		}
		b.rng()
	}
	for i := uint64(0); i < 9; i++ {
		b.insert(key{u: i}, i)
	}
	b.rng()
	b.clear()
	b.rng()
	b.insert(key{u: 77}, 1)
	cases = append(cases, selfCase{name: "u64 small", s: b.s})

	// Random u64 keys past 40k entries: about 64 tables, many splits and doublings, ranges
	// all along; then delete most (tombstones), reinsert, clear, refill.
	b = newBuilder(kindU64)
	var keys []uint64
	for i := 0; i < 42000; i++ {
		k := r.Uint64()
		keys = append(keys, k)
		b.insert(key{u: k}, uint64(i))
		if i%1999 == 0 {
			b.rng()
		}
	}
	for i, k := range keys {
		if i%10 < 7 {
			b.delete(key{u: k})
		}
		if i%3001 == 0 {
			b.rng()
		}
	}
	for i := 0; i < 12000; i++ {
		b.insert(key{u: r.Uint64()}, uint64(i))
		if i%10 < 3 {
			b.insert(key{u: keys[r.IntN(len(keys))]}, 5) // reinsert (or overwrite)
		}
	}
	b.rng()
	b.clear()
	b.rng()
	for i := uint64(0); i < 3000; i++ {
		b.insert(key{u: i}, i)
	}
	b.rng()
	cases = append(cases, selfCase{name: "u64 growth", s: b.s})

	// Sequential u64 keys with a hint: tables made up front, then delete everything (the
	// seed is redrawn when the map empties) and insert again.
	b = newBuilder(kindU64)
	b.s.hasHint, b.s.hint = true, 20000
	for i := uint64(0); i < 24000; i++ {
		b.insert(key{u: i}, i*3)
		if i%4001 == 0 {
			b.rng()
		}
	}
	for i := uint64(0); i < 24000; i++ {
		b.delete(key{u: i})
	}
	b.rng()
	for i := uint64(0); i < 2000; i++ {
		b.insert(key{u: i << 32}, i)
	}
	b.rng()
	cases = append(cases, selfCase{name: "u64 hint", s: b.s})

	// Churn at a fixed size: tombstones pile up until a table grows (rehashes) at the same
	// capacity class or splits.
	b = newBuilder(kindU64)
	var live []uint64
	for len(live) < 3000 {
		k := r.Uint64()
		live = append(live, k)
		b.insert(key{u: k}, uint64(len(live)))
	}
	for i := 0; i < 30000; i++ {
		j := r.IntN(len(live))
		b.delete(key{u: live[j]})
		k := r.Uint64()
		live[j] = k
		b.insert(key{u: k}, uint64(i))
		if i%2500 == 0 {
			b.rng()
		}
	}
	cases = append(cases, selfCase{name: "u64 churn", s: b.s})

	// String keys of lengths 0..40 with a hint, updates, deletes, ranges, a clear.
	b = newBuilder(kindStr)
	b.s.hasHint, b.s.hint = true, 100
	var strs []string
	for i := 0; i < 6000; i++ {
		n := r.IntN(41)
		p := make([]byte, n)
		for j := range p {
			p[j] = byte(r.IntN(256))
		}
		strs = append(strs, string(p))
	}
	strs = append(strs, "")
	for round := 0; round < 4; round++ {
		for i, s := range strs {
			if r.IntN(4) == 0 {
				b.delete(key{s: s})
			} else {
				b.insert(key{s: s}, uint64(i+round))
			}
			if i%777 == 0 {
				b.rng()
			}
		}
	}
	b.clear()
	for i := 0; i < 300; i++ {
		b.insert(key{s: strs[i]}, 1)
	}
	b.rng()
	cases = append(cases, selfCase{name: "str", s: b.s})

	// String churn.
	b = newBuilder(kindStr)
	var slive []string
	for len(slive) < 500 {
		s := strconv.FormatUint(r.Uint64(), 36)
		slive = append(slive, s)
		b.insert(key{s: s}, 1)
	}
	for i := 0; i < 20000; i++ {
		j := r.IntN(len(slive))
		b.delete(key{s: slive[j]})
		s := strconv.FormatUint(r.Uint64(), 36)
		slive[j] = s
		b.insert(key{s: s}, uint64(i))
		if i%2000 == 0 {
			b.rng()
		}
	}
	cases = append(cases, selfCase{name: "str churn", s: b.s})

	// 16-byte keys, a small hint, growth past 16 tables, deletes.
	b = newBuilder(kindID16)
	b.s.hasHint, b.s.hint = true, 9
	var ids [][16]byte
	for i := 0; i < 20000; i++ {
		var id [16]byte
		for j := range id {
			id[j] = byte(r.Uint32())
		}
		ids = append(ids, id)
		b.insert(key{id: id}, uint64(i))
		if i%1500 == 0 {
			b.rng()
		}
		if i%3 == 0 {
			b.delete(key{id: ids[r.IntN(len(ids))]})
		}
	}
	cases = append(cases, selfCase{name: "id16", s: b.s})
	return cases
}

func runSwissSelftest(base options) int {
	t0 := time.Now()
	var tot swStats
	for _, c := range swissCases() {
		opts := base
		opts.verifyRange = true
		e := newSEngine(c.s, io.Discard, opts)
		e.deep = 512
		st := e.run(c.s) // any failed check exits with status 1
		fmt.Fprintf(os.Stderr, "selftest %-10s %6d ops, %7d group lines, %6d table lines, %4d checkpoints, max %3d tables, %3d splits, %3d grows, %2d doublings, %d to-table, %d deep checks, %d slots checked: ok\n",
			c.name, st.ops, st.groupLines, st.tableLines, st.checkpoints, st.maxTables, st.splits, st.grows, st.doublings, st.toTable, st.deepChecks, st.slotsChecked)
		tot.ops += st.ops
		tot.maxTables = max(tot.maxTables, st.maxTables)
		tot.splits += st.splits
		tot.grows += st.grows
		tot.doublings += st.doublings
		tot.checkpoints += st.checkpoints
		tot.slotsChecked += st.slotsChecked
		tot.ranges += st.ranges
	}
	backend := "mem"
	if useAeshash {
		backend = "aes"
	}
	fmt.Printf("swiss selftest %s: ok: %d ops, max %d tables, %d splits, %d grows, %d directory doublings, %d checkpoints, %d slots checked, %d range orders recomputed, %.1fs\n",
		backend, tot.ops, tot.maxTables, tot.splits, tot.grows, tot.doublings, tot.checkpoints, tot.slotsChecked, tot.ranges, time.Since(t0).Seconds())
	return 0
}
