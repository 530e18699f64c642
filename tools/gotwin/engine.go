package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"unsafe"
)

const (
	fnvOffset = 0xcbf29ce484222325
	fnvPrime  = 0x100000001b3
)

// Powers of the prime: FNV-1a over a zero byte is a bare multiplication by the prime (xor
// with zero changes nothing), so a step followed by zero bytes is one multiplication.
var (
	fnvPrime2 = fnvPow(2)
	fnvPrime7 = fnvPow(7)
)

func fnvPow(n int) uint64 {
	p := uint64(1)
	for i := 0; i < n; i++ {
		p *= fnvPrime
	}
	return p
}

// fnv8 feeds the 8 bytes of v, low byte first, to an FNV-1a 64 state.
func fnv8(h, v uint64) uint64 {
	h = (h ^ (v & 0xff)) * fnvPrime
	h = (h ^ (v >> 8 & 0xff)) * fnvPrime
	h = (h ^ (v >> 16 & 0xff)) * fnvPrime
	h = (h ^ (v >> 24 & 0xff)) * fnvPrime
	h = (h ^ (v >> 32 & 0xff)) * fnvPrime
	h = (h ^ (v >> 40 & 0xff)) * fnvPrime
	h = (h ^ (v >> 48 & 0xff)) * fnvPrime
	h = (h ^ (v >> 56)) * fnvPrime
	return h
}

// emptyDigest is the digest of an empty chain: one bucket, tophash all zero, no overflow.
var emptyDigest = func() uint64 {
	h := uint64(fnvOffset)
	h = fnv8(h, 0)
	return (h ^ 0xff) * fnvPrime
}()

// chainArray is the model of one bucket array (new or old) together with what is needed to
// find, cheaply, the chains whose real content may have left the model.
type chainArray struct {
	base    unsafe.Pointer // the real array; nil when there is none
	logn    uint8
	n       int
	sent    []uint64 // per chain: digest of the content last sent (the model)
	snap    []byte   // raw bytes of the main buckets when each chain was last refreshed
	ovf     [][]byte // per chain: raw bytes of its overflow buckets when last refreshed
	ovfList []int32  // chains with a non-empty ovf entry (may hold stale entries)
	inList  []bool
}

func (a *chainArray) reset(base unsafe.Pointer, logn uint8, bs int) {
	a.base = base
	a.ovfList = a.ovfList[:0]
	if base == nil {
		a.logn, a.n = 0, 0
		a.sent, a.snap, a.ovf, a.inList = a.sent[:0], a.snap[:0], a.ovf[:0], a.inList[:0]
		return
	}
	a.logn = logn
	a.n = 1 << logn
	a.sent = resize(a.sent, a.n)
	for i := range a.sent {
		a.sent[i] = emptyDigest
	}
	a.snap = resize(a.snap, a.n*bs)
	clear(a.snap)
	a.ovf = resize(a.ovf, a.n)
	for i := range a.ovf {
		a.ovf[i] = a.ovf[i][:0]
	}
	a.inList = resize(a.inList, a.n)
	clear(a.inList)
}

func resize[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}

type options struct {
	checkEvery  int  // force a checkpoint when op index % checkEvery == 0 (0: off)
	budget      int  // the protocol's 1024: chains scanned per op, amortized, by checkpoints
	changedOnly bool // print a touched chain only when its content differs from the model
	verifyRange bool // compare every range op with an ordinary Go range over the map
}

type stats struct {
	ops         int
	chains      int // chain lines printed
	checkpoints int // check lines printed, header included
	untracked   int // chains a checkpoint scan found changed outside the touched sets
	arrays      int // arrays lines printed
	sameSize    int // ops after which a same-size grow was in progress
}

// hstate is a copy of the hmap fields the protocol looks at.
type hstate struct {
	count     int
	flags     uint8
	b         uint8
	noverflow uint16
	hash0     uint32
	buckets   unsafe.Pointer
	old       unsafe.Pointer
	nevacuate uintptr
	spare     int // preallocated overflow buckets not handed out yet
}

func (s *hstate) sameSize() bool { return s.flags&flagSameSizeGrow != 0 }

// oldLog is log2 of the old array's size while growing.
func (s *hstate) oldLog() uint8 {
	if s.sameSize() {
		return s.b
	}
	return s.b - 1
}

// engine runs one script on one real map and writes the protocol.
type engine struct {
	kind keyKind
	m64  map[uint64]uint64
	mstr map[string]uint64
	mid  map[[16]byte]uint64
	h    *hmap
	t    *mapType
	bs   uintptr // bucket size
	ks   uintptr // key slot size

	arr              [2]chainArray // 0: new (h.buckets), 1: old (h.oldbuckets)
	lastNew, lastOld unsafe.Pointer

	// The last spare count read, for the h.buckets and h.extra.nextOverflow it was read at.
	spareArr, spareAt unsafe.Pointer
	spareN            int

	w       *bufio.Writer
	line    []byte
	touched []uint64
	it      hiter
	opts    options
	st      stats

	// Hash inputs live here (on the heap) so that passing their address to the hasher
	// does not allocate.
	hk64  uint64
	hkstr string
	hkid  [16]byte

	rangeKeys []key // collected by a range op when verifying

	queue []*pendingCheck // check lines in flight, oldest first
	free  []*pendingCheck
	jobs  chan *pendingCheck // to the digest worker, started on first use
}

// fail reports a broken internal invariant: the twin cannot be trusted, so stop.
func (e *engine) fail(format string, a ...any) {
	if e != nil && e.w != nil {
		e.drain(true)
		e.w.Flush()
	}
	fmt.Fprintf(os.Stderr, "gotwin: internal check failed: "+format+"\n", a...)
	os.Exit(1)
}

func newEngine(s *script, w io.Writer, opts options) *engine {
	if opts.budget <= 0 {
		opts.budget = 1024
	}
	e := &engine{kind: s.kind, opts: opts, w: bufio.NewWriterSize(w, 1<<20)}
	var m any
	switch s.kind {
	case kindU64:
		if s.hasHint {
			e.m64 = make(map[uint64]uint64, s.hint)
		} else {
			e.m64 = make(map[uint64]uint64)
		}
		m = e.m64
	case kindStr:
		if s.hasHint {
			e.mstr = make(map[string]uint64, s.hint)
		} else {
			e.mstr = make(map[string]uint64)
		}
		m = e.mstr
	case kindID16:
		if s.hasHint {
			e.mid = make(map[[16]byte]uint64, s.hint)
		} else {
			e.mid = make(map[[16]byte]uint64)
		}
		m = e.mid
	}
	ef := (*eface)(unsafe.Pointer(&m))
	e.t = ef.typ
	e.h = (*hmap)(ef.data)
	e.checkType()
	e.bs = uintptr(e.t.bucketSize)
	e.ks = uintptr(e.t.keySize)
	return e
}

// checkType makes sure the type word really is a classic map type of the expected shape.
func (e *engine) checkType() {
	t := e.t
	wantKey := map[keyKind]uintptr{kindU64: 8, kindStr: 16, kindID16: 16}[e.kind]
	if t.kind&kindMask != kindMap || t.key.size != wantKey || t.elem.size != 8 ||
		uintptr(t.keySize) != wantKey || t.valueSize != 8 ||
		uintptr(t.bucketSize) != 8+8*wantKey+8*8+8 || t.bucket.size != uintptr(t.bucketSize) ||
		t.flags&3 != 0 {
		e.fail("map type of %s keys: kind %d key %d/%d elem %d/%d bucket %d/%d flags %#x",
			e.kind, t.kind&kindMask, t.key.size, t.keySize, t.elem.size, t.valueSize,
			t.bucketSize, t.bucket.size, t.flags)
	}
}

func (e *engine) read() hstate {
	h := e.h
	return hstate{h.count, h.flags, h.b, h.noverflow, h.hash0, h.buckets, h.oldbuckets, h.nevacuate, e.spareOverflow()}
}

// spareOverflow counts the preallocated overflow buckets of h.buckets not handed out yet: from
// h.extra.nextOverflow to the last one, the only one whose overflow pointer makeBucketArray set
// (to a sentinel). The count is kept until either pointer moves.
func (e *engine) spareOverflow() int {
	h := e.h
	if h.extra == nil || (*mapextra)(h.extra).nextOverflow == nil {
		return 0
	}
	p := (*mapextra)(h.extra).nextOverflow
	if p == e.spareAt && h.buckets == e.spareArr {
		return e.spareN
	}
	e.spareArr, e.spareAt, e.spareN = h.buckets, p, spareFrom(p, e.bs)
	return e.spareN
}

// spareFrom counts the buckets of size bs from p up to and including the first whose overflow
// pointer is set.
func spareFrom(p unsafe.Pointer, bs uintptr) int {
	n := 1
	for *(*unsafe.Pointer)(unsafe.Add(p, bs-8)) == nil {
		p = unsafe.Add(p, bs)
		n++
	}
	return n
}

// hash is the runtime's hash of k under seed, through the map type's own hasher. It is checked
// against the runtime's plain hash functions, and (after inserts) against where the key landed.
func (e *engine) hash(k *key, seed uint32) uintptr {
	var got, want uintptr
	switch e.kind {
	case kindU64:
		e.hk64 = k.u
		got = e.t.hasher(unsafe.Pointer(&e.hk64), uintptr(seed))
		want = memhash64(unsafe.Pointer(&e.hk64), uintptr(seed))
	case kindStr:
		e.hkstr = k.s
		got = e.t.hasher(unsafe.Pointer(&e.hkstr), uintptr(seed))
		want = strhash(unsafe.Pointer(&e.hkstr), uintptr(seed))
	case kindID16:
		e.hkid = k.id
		got = e.t.hasher(unsafe.Pointer(&e.hkid), uintptr(seed))
		want = memhash(unsafe.Pointer(&e.hkid), uintptr(seed), 16)
	}
	if got != want {
		e.fail("map hasher %#x != plain runtime hash %#x", got, want)
	}
	return got
}

func (e *engine) bucketAt(base unsafe.Pointer, i int) unsafe.Pointer {
	return unsafe.Add(base, uintptr(i)*e.bs)
}

func (e *engine) overflowOf(b unsafe.Pointer) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Add(b, e.bs-8))
}

func (e *engine) keyAt(b unsafe.Pointer, i int) unsafe.Pointer {
	return unsafe.Add(b, 8+uintptr(i)*e.ks)
}

func (e *engine) valAt(b unsafe.Pointer, i int) unsafe.Pointer {
	return unsafe.Add(b, 8+8*e.ks+uintptr(i)*8)
}

func (e *engine) keyEqual(p unsafe.Pointer, k *key) bool {
	switch e.kind {
	case kindU64:
		return *(*uint64)(p) == k.u
	case kindStr:
		return *(*string)(p) == k.s
	default:
		return *(*[16]byte)(p) == k.id
	}
}

func (e *engine) loadKey(p unsafe.Pointer) key {
	switch e.kind {
	case kindU64:
		return key{u: *(*uint64)(p)}
	case kindStr:
		return key{s: *(*string)(p)}
	default:
		return key{id: *(*[16]byte)(p)}
	}
}

const hexDigits = "0123456789abcdef"

func appendHexBytes(b []byte, p []byte) []byte {
	for _, c := range p {
		b = append(b, hexDigits[c>>4], hexDigits[c&15])
	}
	return b
}

// appendHex64 appends v as exactly 16 hex digits.
func appendHex64(b []byte, v uint64) []byte {
	for s := 60; s >= 0; s -= 4 {
		b = append(b, hexDigits[v>>uint(s)&15])
	}
	return b
}

// appendKeyTok appends the key token of the key slot at p.
func (e *engine) appendKeyTok(b []byte, p unsafe.Pointer) []byte {
	switch e.kind {
	case kindU64:
		return strconv.AppendUint(b, *(*uint64)(p), 10)
	case kindStr:
		s := *(*string)(p)
		if s == "" {
			return append(b, '.')
		}
		return appendHexBytes(b, unsafe.Slice(unsafe.StringData(s), len(s)))
	default:
		return appendHexBytes(b, (*[16]byte)(p)[:])
	}
}

// chainDigest is the protocol's chain digest of the real chain starting at bucket b.
func (e *engine) chainDigest(b unsafe.Pointer) uint64 {
	h := uint64(fnvOffset)
	for ; b != nil; b = e.overflowOf(b) {
		th := (*[8]uint8)(b)
		h = fnv8(h, *(*uint64)(b))
		for i := 0; i < 8; i++ {
			if th[i] < minTopHash {
				continue
			}
			kp := e.keyAt(b, i)
			switch e.kind {
			case kindU64:
				h = fnv8(h, *(*uint64)(kp))
			case kindStr:
				s := *(*string)(kp)
				h = fnv8(h, uint64(len(s)))
				for j := 0; j < len(s); j++ {
					h = (h ^ uint64(s[j])) * fnvPrime
				}
			default:
				h = fnv8(h, *(*uint64)(kp))
				h = fnv8(h, *(*uint64)(unsafe.Add(kp, 8)))
			}
			h = fnv8(h, *(*uint64)(e.valAt(b, i)))
		}
		h = (h ^ 0xff) * fnvPrime
	}
	return h
}

var tagNames = [2]string{"new", "old"}

// writeChain prints the chain line of chain idx of array tag.
func (e *engine) writeChain(tag, idx int, b unsafe.Pointer) {
	l := append(e.line[:0], "chain "...)
	l = append(l, tagNames[tag]...)
	l = append(l, ' ')
	l = strconv.AppendInt(l, int64(idx), 10)
	for ; b != nil; b = e.overflowOf(b) {
		th := (*[8]uint8)(b)
		l = append(l, ' ')
		l = appendHexBytes(l, th[:])
		for i := 0; i < 8; i++ {
			l = append(l, ' ')
			if th[i] < minTopHash {
				l = append(l, '-')
				continue
			}
			l = e.appendKeyTok(l, e.keyAt(b, i))
			l = append(l, '=')
			l = strconv.AppendUint(l, *(*uint64)(e.valAt(b, i)), 10)
		}
	}
	l = append(l, '\n')
	e.emit(l)
	e.line = l
	e.st.chains++
}

// refresh re-reads chain idx of array tag: it takes a new raw snapshot, and prints the chain
// when its content differs from the model (or always, with force). Checkpoint scans pass
// untracked, so that a chain they have to print is counted as missed by the touched sets.
func (e *engine) refresh(tag, idx int, force, untracked bool) {
	a := &e.arr[tag]
	b := e.bucketAt(a.base, idx)
	d := e.chainDigest(b)
	bs := int(e.bs)
	copy(a.snap[idx*bs:(idx+1)*bs], unsafe.Slice((*byte)(b), bs))
	ov := a.ovf[idx][:0]
	for p := e.overflowOf(b); p != nil; p = e.overflowOf(p) {
		ov = append(ov, unsafe.Slice((*byte)(p), bs)...)
	}
	a.ovf[idx] = ov
	if len(ov) > 0 && !a.inList[idx] {
		a.inList[idx] = true
		a.ovfList = append(a.ovfList, int32(idx))
	}
	changed := d != a.sent[idx]
	if !changed && !force {
		return
	}
	if changed && untracked {
		e.st.untracked++
		if e.st.untracked <= 20 {
			fmt.Fprintf(os.Stderr, "gotwin: checkpoint found chain %s %d changed outside the touched set (op %d)\n",
				tagNames[tag], idx, e.st.ops-1)
		}
	}
	a.sent[idx] = d
	e.writeChain(tag, idx, b)
}

// sameOverflow reports whether the overflow buckets of chain idx still match their snapshot.
func (e *engine) sameOverflow(a *chainArray, idx int) bool {
	snap := a.ovf[idx]
	bs := int(e.bs)
	off := 0
	for p := e.overflowOf(e.bucketAt(a.base, idx)); p != nil; p = e.overflowOf(p) {
		if off+bs > len(snap) || !bytes.Equal(unsafe.Slice((*byte)(p), bs), snap[off:off+bs]) {
			return false
		}
		off += bs
	}
	return off == len(snap)
}

// scan finds every chain whose real bytes left its snapshot and refreshes it, printing those
// whose content left the model. Afterwards the model equals the real map.
func (e *engine) scan(untracked bool) {
	bs := int(e.bs)
	for tag := range e.arr {
		a := &e.arr[tag]
		if a.base == nil {
			continue
		}
		real := unsafe.Slice((*byte)(a.base), a.n*bs)
		const block = 16
		for i := 0; i < a.n; i += block {
			j := min(i+block, a.n)
			if bytes.Equal(real[i*bs:j*bs], a.snap[i*bs:j*bs]) {
				continue
			}
			for k := i; k < j; k++ {
				if !bytes.Equal(real[k*bs:(k+1)*bs], a.snap[k*bs:(k+1)*bs]) {
					e.refresh(tag, k, false, untracked)
				}
			}
		}
		// A main bucket that did not change still points at the same first overflow bucket,
		// but the overflow buckets themselves may have changed.
		for _, idx := range a.ovfList {
			if len(a.ovf[idx]) > 0 && !e.sameOverflow(a, int(idx)) {
				e.refresh(tag, int(idx), false, untracked)
			}
		}
		keep := a.ovfList[:0]
		for _, idx := range a.ovfList {
			if len(a.ovf[idx]) > 0 {
				keep = append(keep, idx)
			} else {
				a.inList[idx] = false
			}
		}
		a.ovfList = keep
	}
}

// stateDigestOf is the protocol's digest of the whole state, given the chain digests of the
// new and old arrays (nil: no such array). Zero bytes cost one multiplication by a power of the
// prime (xor with zero is the identity), which shortens the serial chain of multiplications
// that bounds the speed of this loop.
func stateDigestOf(news, olds []uint64) uint64 {
	const p = fnvPrime
	h := uint64(fnvOffset)
	// New array, tag byte 0: the tag's step is a bare multiplication, folded into the last
	// step of the record before it.
	if n := len(news); n > 0 {
		h *= p
		for i, d := range news {
			x := uint64(i)
			h = (h ^ (x & 0xff)) * p
			if x < 1<<16 {
				h = (h ^ (x >> 8)) * fnvPrime7
			} else {
				for s := 8; s < 64; s += 8 {
					h = (h ^ (x >> uint(s) & 0xff)) * p
				}
			}
			h = (h ^ (d & 0xff)) * p
			h = (h ^ (d >> 8 & 0xff)) * p
			h = (h ^ (d >> 16 & 0xff)) * p
			h = (h ^ (d >> 24 & 0xff)) * p
			h = (h ^ (d >> 32 & 0xff)) * p
			h = (h ^ (d >> 40 & 0xff)) * p
			h = (h ^ (d >> 48 & 0xff)) * p
			m := fnvPrime2
			if i == n-1 {
				m = p
			}
			h = (h ^ (d >> 56)) * m
		}
	}
	for i, d := range olds {
		x := uint64(i)
		h = (h ^ 1) * p
		h = (h ^ (x & 0xff)) * p
		if x < 1<<16 {
			h = (h ^ (x >> 8)) * fnvPrime7
		} else {
			for s := 8; s < 64; s += 8 {
				h = (h ^ (x >> uint(s) & 0xff)) * p
			}
		}
		h = fnv8(h, d)
	}
	return h
}

// pendingCheck is a check line whose digest a worker goroutine is computing, with the output
// that follows it in the meantime.
type pendingCheck struct {
	i      int
	ready  bool
	digest uint64
	done   chan uint64
	news   []uint64 // copies of the chain digests at the checkpoint
	olds   []uint64
	after  []byte
}

// emit writes protocol output, behind any check line still being computed.
func (e *engine) emit(b []byte) {
	if n := len(e.queue); n > 0 {
		q := e.queue[n-1]
		q.after = append(q.after, b...)
		return
	}
	e.w.Write(b)
}

// maxPending bounds the check lines in flight (and the copies of chain digests they hold).
const maxPending = 6

// asyncMin is the number of chains from which a state digest goes to the worker goroutine;
// below it the hand-off costs more than it saves.
const asyncMin = 512

func (e *engine) writeCheck(i int, d uint64) {
	l := append(e.line[:0], "check "...)
	l = strconv.AppendInt(l, int64(i), 10)
	l = append(l, ' ')
	l = appendHex64(l, d)
	l = append(l, '\n')
	e.w.Write(l)
	e.line = l
}

// drain writes out the queued check lines whose digests are known, in order; with wait it
// waits for all of them.
func (e *engine) drain(wait bool) {
	for len(e.queue) > 0 {
		q := e.queue[0]
		if !q.ready {
			if wait || len(e.queue) > maxPending {
				q.digest = <-q.done
			} else {
				select {
				case q.digest = <-q.done:
				default:
					return
				}
			}
			q.ready = true
		}
		e.writeCheck(q.i, q.digest)
		e.w.Write(q.after)
		e.queue = e.queue[1:]
		q.after = q.after[:0]
		e.free = append(e.free, q)
	}
}

func (e *engine) newPending(i int) *pendingCheck {
	var q *pendingCheck
	if n := len(e.free); n > 0 {
		q, e.free = e.free[n-1], e.free[:n-1]
	} else {
		q = &pendingCheck{done: make(chan uint64, 1)}
	}
	q.i, q.ready = i, false
	return q
}

func (e *engine) checkpoint(i int) {
	e.scan(true)
	e.st.checkpoints++
	news, olds := e.arr[0].sent, e.arr[1].sent
	if len(news)+len(olds) < asyncMin {
		d := stateDigestOf(news, olds)
		if len(e.queue) == 0 {
			e.writeCheck(i, d)
			return
		}
		q := e.newPending(i)
		q.ready, q.digest = true, d
		e.queue = append(e.queue, q)
		return
	}
	q := e.newPending(i)
	q.news = append(q.news[:0], news...)
	q.olds = append(q.olds[:0], olds...)
	if e.arr[0].base == nil {
		q.news = nil
	}
	if e.arr[1].base == nil {
		q.olds = nil
	}
	if e.jobs == nil {
		e.jobs = make(chan *pendingCheck, maxPending+1)
		go func(jobs chan *pendingCheck) {
			for q := range jobs {
				q.done <- stateDigestOf(q.news, q.olds)
			}
		}(e.jobs)
	}
	e.jobs <- q
	e.queue = append(e.queue, q)
}

func (e *engine) writeHmap(s *hstate) {
	l := append(e.line[:0], "hmap "...)
	l = strconv.AppendInt(l, int64(s.count), 10)
	if s.sameSize() {
		l = append(l, " 1 "...)
	} else {
		l = append(l, " 0 "...)
	}
	l = strconv.AppendUint(l, uint64(s.b), 10)
	l = append(l, ' ')
	l = strconv.AppendUint(l, uint64(s.noverflow), 10)
	l = append(l, ' ')
	l = strconv.AppendUint(l, uint64(s.nevacuate), 10)
	l = append(l, ' ', boolDigit(s.buckets != nil), ' ', boolDigit(s.old != nil), ' ')
	for sh := 28; sh >= 0; sh -= 4 {
		l = append(l, hexDigits[s.hash0>>uint(sh)&15])
	}
	l = append(l, ' ')
	l = strconv.AppendInt(l, int64(s.spare), 10)
	l = append(l, '\n')
	e.emit(l)
	e.line = l
}

func boolDigit(b bool) byte {
	if b {
		return '1'
	}
	return '0'
}

// syncArrays prints `arrays` and resets the model when either array pointer moved since the
// last block, then prints every chain that is not empty. It reports whether it did.
func (e *engine) syncArrays(s *hstate) bool {
	if s.buckets == e.lastNew && s.old == e.lastOld {
		return false
	}
	e.lastNew, e.lastOld = s.buckets, s.old
	bs := int(e.bs)
	l := append(e.line[:0], "arrays "...)
	if s.buckets != nil {
		l = strconv.AppendUint(l, uint64(s.b), 10)
	} else {
		l = append(l, '-')
	}
	l = append(l, ' ')
	if s.old != nil {
		l = strconv.AppendUint(l, uint64(s.oldLog()), 10)
	} else {
		l = append(l, '-')
	}
	l = append(l, '\n')
	e.emit(l)
	e.line = l
	e.st.arrays++
	e.arr[0].reset(s.buckets, s.b, bs)
	if s.old != nil {
		e.arr[1].reset(s.old, s.oldLog(), bs)
	} else {
		e.arr[1].reset(nil, 0, bs)
	}
	e.scan(false)
	return true
}

func (e *engine) isCheckpoint(i int, arrays, last bool) bool {
	if arrays || last || (e.opts.checkEvery > 0 && i%e.opts.checkEvery == 0) {
		return true
	}
	total, b := e.arr[0].n+e.arr[1].n, e.opts.budget
	if total <= b {
		return true
	}
	return i%((total+b-1)/b) == 0
}

func (e *engine) header() {
	l := append(e.line[:0], "twin 2\nbackend "...)
	if useAeshash {
		l = append(l, "aes"...)
	} else {
		l = append(l, "mem"...)
	}
	l = append(l, "\naeskeysched "...)
	l = appendHexBytes(l, aeskeysched[:])
	l = append(l, "\nhashkey"...)
	for _, k := range hashkey {
		l = append(l, ' ')
		l = appendHex64(l, uint64(k))
	}
	l = append(l, "\nkeys "...)
	l = append(l, e.kind.String()...)
	l = append(l, "\nbucketsize "...)
	l = strconv.AppendUint(l, uint64(e.bs), 10)
	l = append(l, '\n')
	e.emit(l)
	e.line = l
	s := e.read()
	e.writeHmap(&s)
	e.syncArrays(&s)
	e.checkpoint(-1)
}

// addTouched records chain idx of array tag as possibly written by the current op.
func (e *engine) addTouched(tag int, idx uintptr) {
	e.touched = append(e.touched, uint64(tag)<<32|uint64(idx))
}

// addEvac records old chain j and the new chains it evacuates to.
func (e *engine) addEvac(j uintptr, sameSize bool) {
	e.addTouched(1, j)
	e.addTouched(0, j)
	if !sameSize {
		e.addTouched(0, j+uintptr(e.arr[1].n))
	}
}

func (e *engine) run(s *script) stats {
	e.header()
	for i := range s.ops {
		e.step(i, &s.ops[i], i == len(s.ops)-1)
		if len(e.queue) > 0 {
			e.drain(false)
		}
	}
	e.drain(true)
	if e.jobs != nil {
		close(e.jobs)
	}
	if err := e.w.Flush(); err != nil {
		fmt.Fprintf(os.Stderr, "gotwin: writing output: %v\n", err)
		os.Exit(1)
	}
	return e.st
}

func (e *engine) step(i int, o *op, last bool) {
	pre := e.read()
	var hash uintptr
	if o.kind == opInsert || o.kind == opDelete {
		hash = e.hash(&o.k, pre.hash0)
	}
	var start uintptr
	var offset uint8
	var rangeToks []byte
	n := 0
	switch o.kind {
	case opInsert:
		switch e.kind {
		case kindU64:
			e.m64[o.k.u] = o.v
		case kindStr:
			e.mstr[o.k.s] = o.v
		default:
			e.mid[o.k.id] = o.v
		}
	case opDelete:
		switch e.kind {
		case kindU64:
			delete(e.m64, o.k.u)
		case kindStr:
			delete(e.mstr, o.k.s)
		default:
			delete(e.mid, o.k.id)
		}
	case opClear:
		switch e.kind {
		case kindU64:
			clear(e.m64)
		case kindStr:
			clear(e.mstr)
		default:
			clear(e.mid)
		}
	case opRange:
		start, offset, n, rangeToks = e.doRange()
	}
	e.st.ops++
	post := e.read()
	if post.flags&flagHashWriting != 0 {
		e.fail("op %d: hashWriting still set", i)
	}
	if o.kind == opInsert {
		e.checkInserted(i, o, hash, &post)
	}
	if post.sameSize() {
		e.st.sameSize++
	}

	l := append(e.line[:0], "op "...)
	l = strconv.AppendInt(l, int64(i), 10)
	l = append(l, ' ')
	l = append(l, o.text...)
	l = append(l, '\n')
	e.emit(l)
	e.line = l
	e.writeHmap(&post)

	arrays := e.syncArrays(&post)
	if !arrays {
		switch o.kind {
		case opInsert, opDelete:
			e.printTouched(hash, &pre, &post)
		case opClear:
			// clear keeps h.buckets (it zeroes the array in place), so without a pointer
			// change every chain may have been written.
			e.scan(false)
		}
	}
	if o.kind == opRange {
		l := append(e.line[:0], "range "...)
		l = strconv.AppendUint(l, uint64(start), 10)
		l = append(l, ' ')
		l = strconv.AppendUint(l, uint64(offset), 10)
		l = append(l, ' ')
		l = strconv.AppendInt(l, int64(n), 10)
		l = append(l, rangeToks...)
		l = append(l, '\n')
		e.emit(l)
		e.line = l
	}
	if e.isCheckpoint(i, arrays, last) {
		e.checkpoint(i)
	}
}

// printTouched prints the chains an insert or delete of a key with the given hash may have
// written: its own new chain, and while growing its old chain and the old chains evacuated
// from nevacuate on, each with its destination chains.
func (e *engine) printTouched(hash uintptr, pre, post *hstate) {
	e.touched = e.touched[:0]
	if e.arr[0].base != nil {
		e.addTouched(0, hash&uintptr(e.arr[0].n-1))
	}
	if e.arr[1].base != nil {
		oldn := uintptr(e.arr[1].n)
		same := post.sameSize()
		e.addEvac(hash&(oldn-1), same)
		for j := pre.nevacuate; j <= post.nevacuate && j < oldn; j++ {
			e.addEvac(j, same)
		}
	}
	slices.Sort(e.touched)
	e.touched = slices.Compact(e.touched)
	for _, t := range e.touched {
		e.refresh(int(t>>32), int(uint32(t)), !e.opts.changedOnly, false)
	}
}

// checkInserted makes sure the key just inserted sits in new chain hash&mask with the tophash
// derived from hash, and holds its value: this proves the hash the tool uses is the runtime's.
func (e *engine) checkInserted(i int, o *op, hash uintptr, s *hstate) {
	if s.buckets == nil {
		e.fail("op %d: insert left no buckets", i)
	}
	top := tophashOf(hash)
	b := e.bucketAt(s.buckets, int(hash&(uintptr(1)<<s.b-1)))
	for ; b != nil; b = e.overflowOf(b) {
		th := (*[8]uint8)(b)
		for j := 0; j < 8; j++ {
			if th[j] == top && e.keyEqual(e.keyAt(b, j), &o.k) {
				if v := *(*uint64)(e.valAt(b, j)); v != o.v {
					e.fail("op %d: inserted value %d reads back as %d", i, o.v, v)
				}
				return
			}
		}
	}
	e.fail("op %d: inserted key not found in new chain %d with tophash %02x (hash %#x, hash0 %08x): the hash disagrees with the runtime",
		i, hash&(uintptr(1)<<s.b-1), top, hash, s.hash0)
}

// doRange runs one full iteration through the runtime's own iterator calls and returns the
// iterator's random start, offset, and the keys as tokens (each preceded by a space).
func (e *engine) doRange() (start uintptr, offset uint8, n int, toks []byte) {
	it := &e.it
	*it = hiter{}
	mapiterinit(unsafe.Pointer(e.t), unsafe.Pointer(e.h), it)
	start, offset = it.startBucket, it.offset
	var buf []byte
	e.rangeKeys = e.rangeKeys[:0]
	for it.key != nil {
		buf = append(buf, ' ')
		buf = e.appendKeyTok(buf, it.key)
		if e.opts.verifyRange {
			e.rangeKeys = append(e.rangeKeys, e.loadKey(it.key))
		}
		n++
		mapiternext(it)
	}
	*it = hiter{}
	if n != e.h.count {
		e.fail("range produced %d keys, map holds %d", n, e.h.count)
	}
	if e.opts.verifyRange {
		e.verifyRange()
	}
	return start, offset, n, buf
}

// verifyRange checks the keys our iteration produced against an ordinary Go range.
func (e *engine) verifyRange() {
	ours := make(map[key]bool, len(e.rangeKeys))
	for _, k := range e.rangeKeys {
		if ours[k] {
			e.fail("range produced key %v twice", k)
		}
		ours[k] = true
	}
	n := 0
	check := func(k key) {
		if !ours[k] {
			e.fail("Go range produced key %v that our iteration did not", k)
		}
		n++
	}
	switch e.kind {
	case kindU64:
		for k := range e.m64 {
			check(key{u: k})
		}
	case kindStr:
		for k := range e.mstr {
			check(key{s: k})
		}
	default:
		for k := range e.mid {
			check(key{id: k})
		}
	}
	if n != len(ours) {
		e.fail("Go range produced %d keys, ours %d", n, len(ours))
	}
}
