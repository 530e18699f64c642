package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
)

// scriptBuilder assembles a script in memory, with op texts as a script file would give them.
type scriptBuilder struct {
	s *script
}

func newBuilder(kind keyKind) *scriptBuilder { return &scriptBuilder{&script{kind: kind}} }

func (b *scriptBuilder) tok(k key) string {
	switch b.s.kind {
	case kindU64:
		return strconv.FormatUint(k.u, 10)
	case kindStr:
		if k.s == "" {
			return "."
		}
		return string(appendHexBytes(nil, []byte(k.s)))
	default:
		return string(appendHexBytes(nil, k.id[:]))
	}
}

func (b *scriptBuilder) insert(k key, v uint64) {
	b.s.ops = append(b.s.ops, op{kind: opInsert, k: k, v: v, text: "insert " + b.tok(k) + " " + strconv.FormatUint(v, 10)})
}

func (b *scriptBuilder) delete(k key) {
	b.s.ops = append(b.s.ops, op{kind: opDelete, k: k, text: "delete " + b.tok(k)})
}

func (b *scriptBuilder) rng() { b.s.ops = append(b.s.ops, op{kind: opRange, text: "range"}) }

func (b *scriptBuilder) clear() { b.s.ops = append(b.s.ops, op{kind: opClear, text: "clear"}) }

type selfCase struct {
	name         string
	s            *script
	wantSameSize bool
}

func selfCases() []selfCase {
	r := rand.New(rand.NewPCG(7, 11))
	var cases []selfCase

	// Sequential u64 keys through several grows, ranges all along (many during a grow),
	// deletes down to empty (hash0 redraw), then refill and clear in the middle of a grow.
	b := newBuilder(kindU64)
	for i := uint64(0); i < 7000; i++ {
		b.insert(key{u: i}, i*3)
		if i%97 == 0 {
			b.rng()
		}
	}
	for i := uint64(0); i < 7000; i++ {
		b.delete(key{u: i})
		if i%501 == 0 {
			b.rng()
		}
	}
	b.delete(key{u: 1})
	b.rng()
	for i := uint64(0); i < 3400; i++ {
		b.insert(key{u: i << 40}, i)
	}
	b.clear()
	b.rng()
	b.insert(key{u: 5}, 5)
	b.insert(key{u: 5}, 6)
	cases = append(cases, selfCase{"u64 sequential", b.s, false})

	// Churn at a fixed size: random deletes and inserts keep the count under the load factor
	// while overflow buckets pile up, which forces same-size grows.
	b = newBuilder(kindU64)
	var live []uint64
	for len(live) < 96 {
		k := r.Uint64()
		live = append(live, k)
		b.insert(key{u: k}, uint64(len(live)))
	}
	for i := 0; i < 40000; i++ {
		j := r.IntN(len(live))
		b.delete(key{u: live[j]})
		k := r.Uint64()
		live[j] = k
		b.insert(key{u: k}, uint64(i))
		if i%1500 == 0 {
			b.rng()
		}
	}
	cases = append(cases, selfCase{"u64 churn", b.s, true})

	// String keys of lengths 0..40 with a hint, updates, deletes, ranges.
	b = newBuilder(kindStr)
	b.s.hasHint, b.s.hint = true, 100
	var strs []string
	for i := 0; i < 3000; i++ {
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
			switch r.IntN(4) {
			case 0:
				b.delete(key{s: s})
			default:
				b.insert(key{s: s}, uint64(i+round))
			}
			if i%333 == 0 {
				b.rng()
			}
		}
	}
	b.clear()
	for i := 0; i < 200; i++ {
		b.insert(key{s: strs[i]}, 1)
	}
	cases = append(cases, selfCase{"str", b.s, false})

	// String churn with an iterator having run: old buckets then keep their contents.
	b = newBuilder(kindStr)
	var slive []string
	for len(slive) < 90 {
		s := strconv.FormatUint(r.Uint64(), 36)
		slive = append(slive, s)
		b.insert(key{s: s}, 1)
	}
	b.rng()
	for i := 0; i < 30000; i++ {
		j := r.IntN(len(slive))
		b.delete(key{s: slive[j]})
		s := strconv.FormatUint(r.Uint64(), 36)
		slive[j] = s
		b.insert(key{s: s}, uint64(i))
		if i%2000 == 0 {
			b.rng()
		}
	}
	cases = append(cases, selfCase{"str churn", b.s, true})

	// 16-byte keys, a big hint, ranges during grows, deletes.
	b = newBuilder(kindID16)
	b.s.hasHint, b.s.hint = true, 9
	var ids [][16]byte
	for i := 0; i < 6000; i++ {
		var id [16]byte
		for j := range id {
			id[j] = byte(r.Uint32())
		}
		ids = append(ids, id)
		b.insert(key{id: id}, uint64(i))
		if i%50 == 0 {
			b.rng()
		}
		if i%3 == 0 {
			b.delete(key{id: ids[r.IntN(len(ids))]})
		}
	}
	cases = append(cases, selfCase{"id16", b.s, false})
	return cases
}

func runSelftest(base options) int {
	bad := 0
	for _, c := range selfCases() {
		opts := base
		opts.checkEvery = 1
		opts.verifyRange = true
		e := newEngine(c.s, io.Discard, opts)
		st := e.run(c.s)
		verdict := "ok"
		if st.untracked != 0 {
			verdict = "FAIL: untracked chains"
			bad++
		} else if c.wantSameSize && st.sameSize == 0 {
			verdict = "FAIL: no same-size grow happened"
			bad++
		}
		fmt.Fprintf(os.Stderr, "selftest %-15s %6d ops, %7d chain lines, %3d arrays, %6d checkpoints, %d untracked, %d ops in a same-size grow: %s\n",
			c.name, st.ops, st.chains, st.arrays, st.checkpoints, st.untracked, st.sameSize, verdict)
	}
	if bad != 0 {
		return 1
	}
	return 0
}
