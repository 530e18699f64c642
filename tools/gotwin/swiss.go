//go:build goexperiment.swissmap

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
	"unsafe"
)

// This file is the Swiss-table half of gotwin (PROTOCOL-SWISS.md): built without
// GOEXPERIMENT=noswissmap, the tool runs the same scripts on Go 1.24's default map and prints
// its header, directory, tables and groups as they change.

// tabModel is what the reader of our output knows of one table (or of the small map's one
// group): its fields and a digest per group as last printed, plus the raw bytes of its groups
// when last read, to find cheaply the groups that changed since.
type tabModel struct {
	id      int      // -1 for the small map's group
	p       *swTable // nil for the small map's group
	base    unsafe.Pointer
	ngroups int
	f       swTabFields
	sent    []uint64
	snap    []byte
	isNew   bool
	touched bool
	seenAt  int // the sync (counted in sengine.syncs) that last found it in the directory
}

type swTabFields struct {
	used, capacity, growthLeft uint16
	localDepth                 uint8
	index                      int
}

type swStats struct {
	ops, groupLines, tableLines, dirLines, checkpoints int
	maxTables, tables                                  int
	splits, grows, doublings, toTable                  int
	deepChecks, slotsChecked                           int
	ranges, rangesRecomputed                           int
}

type sengine struct {
	kind keyKind
	m64  map[uint64]uint64
	mstr map[string]uint64
	mid  map[[16]byte]uint64
	m    *swMap
	t    *swMapType
	gs   uintptr // group size
	ss   uintptr // slot size
	eo   uintptr // value offset in a slot

	w    *bufio.Writer
	line []byte
	opts options
	st   swStats

	byPtr    map[unsafe.Pointer]*tabModel // live tables by their *table
	live     []*tabModel                  // live tables in directory order
	prevLive []*tabModel
	nextID   int
	syncs    int
	ids      []int
	// The directory's pointer and raw entries at the last full walk.
	dirSnapPtr unsafe.Pointer
	dirSnap    []byte
	dirIDs     []int // the directory as last printed, one table id per entry
	small      *tabModel

	it swIter

	// Hash inputs live here (on the heap) so that passing their address does not allocate.
	hk64  uint64
	hkstr string
	hkid  [16]byte

	rangeKeys []key

	// deep > 0: run deepCheck every ceil((used+1)/deep) ops, about deep slots an op.
	deep int
}

var emptyGroupDigest = func() uint64 {
	return fnv8(fnvOffset, ctrlAllEmpty)
}()

func (e *sengine) fail(format string, a ...any) {
	if e.w != nil {
		e.w.Flush()
	}
	fmt.Fprintf(os.Stderr, "gotwin: internal check failed: "+format+"\n", a...)
	os.Exit(1)
}

func newSEngine(s *script, w io.Writer, opts options) *sengine {
	if opts.budget <= 0 {
		opts.budget = 1024
	}
	e := &sengine{kind: s.kind, opts: opts, w: bufio.NewWriterSize(w, 1<<20), byPtr: map[unsafe.Pointer]*tabModel{}}
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
	ef := (*swEface)(unsafe.Pointer(&m))
	e.t = ef.typ
	e.m = (*swMap)(ef.data)
	t := e.t
	ks := map[keyKind]uintptr{kindU64: 8, kindStr: 16, kindID16: 16}[e.kind]
	if t.kind&kindMask != kindMap || t.key.size != ks || t.elem.size != 8 || t.slotSize != ks+8 ||
		t.elemOff != ks || t.groupSize != 8+8*t.slotSize || t.group.size != t.groupSize || t.flags&(4|8) != 0 {
		e.fail("map type of %s keys: kind %d key %d elem %d slot %d elemoff %d group %d/%d flags %#x",
			e.kind, t.kind&kindMask, t.key.size, t.elem.size, t.slotSize, t.elemOff, t.groupSize, t.group.size, t.flags)
	}
	e.gs, e.ss, e.eo = t.groupSize, t.slotSize, t.elemOff
	return e
}

// hashAt is the runtime's hash of the key at p under seed, through the map type's own hasher,
// cross-checked against the runtime's plain hash functions.
func (e *sengine) hashAt(p unsafe.Pointer, seed uintptr) uintptr {
	got := e.t.hasher(p, seed)
	var want uintptr
	switch e.kind {
	case kindU64:
		want = memhash64(p, seed)
	case kindStr:
		want = strhash(p, seed)
	default:
		want = memhash(p, seed, 16)
	}
	if got != want {
		e.fail("map hasher %#x != plain runtime hash %#x", got, want)
	}
	return got
}

func (e *sengine) hashKey(k *key, seed uintptr) uintptr {
	switch e.kind {
	case kindU64:
		e.hk64 = k.u
		return e.hashAt(unsafe.Pointer(&e.hk64), seed)
	case kindStr:
		e.hkstr = k.s
		return e.hashAt(unsafe.Pointer(&e.hkstr), seed)
	default:
		e.hkid = k.id
		return e.hashAt(unsafe.Pointer(&e.hkid), seed)
	}
}

func (e *sengine) dirAt(i int) *swTable {
	return *(**swTable)(unsafe.Add(e.m.dirPtr, uintptr(i)*8))
}

// tableFor is the table a hash belongs to (dir mode only).
func (e *sengine) tableFor(hash uintptr) *swTable {
	if e.m.dirLen == 1 {
		return e.dirAt(0)
	}
	return e.dirAt(int(hash >> (e.m.globalShift & 63)))
}

func (e *sengine) groupAt(tm *tabModel, g int) unsafe.Pointer {
	return unsafe.Add(tm.base, uintptr(g)*e.gs)
}

func (e *sengine) slotKey(grp unsafe.Pointer, i int) unsafe.Pointer {
	return unsafe.Add(grp, 8+uintptr(i)*e.ss)
}

func (e *sengine) slotVal(grp unsafe.Pointer, i int) uint64 {
	return *(*uint64)(unsafe.Add(grp, 8+uintptr(i)*e.ss+e.eo))
}

func ctrlFull(c uint8) bool { return c&ctrlEmptyByte == 0 }

// groupDigest is the protocol's group digest of the real group at grp.
func (e *sengine) groupDigest(grp unsafe.Pointer) uint64 {
	ctrl := *(*uint64)(grp)
	h := fnv8(fnvOffset, ctrl)
	for i := 0; i < groupSlots; i++ {
		if !ctrlFull(uint8(ctrl >> (8 * i))) {
			continue
		}
		kp := e.slotKey(grp, i)
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
		h = fnv8(h, e.slotVal(grp, i))
	}
	return h
}

func (e *sengine) appendKeyTok(b []byte, p unsafe.Pointer) []byte {
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

func (e *sengine) emit(l []byte) {
	e.w.Write(l)
	e.line = l
}

func appendTabID(l []byte, tm *tabModel) []byte {
	if tm.id < 0 {
		return append(l, 's')
	}
	return strconv.AppendInt(l, int64(tm.id), 10)
}

func (e *sengine) writeGroup(tm *tabModel, g int, grp unsafe.Pointer) {
	l := append(e.line[:0], "group "...)
	l = appendTabID(l, tm)
	l = append(l, ' ')
	l = strconv.AppendInt(l, int64(g), 10)
	l = append(l, ' ')
	ctrl := *(*uint64)(grp)
	l = appendHex64(l, ctrl)
	for i := 0; i < groupSlots; i++ {
		l = append(l, ' ')
		if !ctrlFull(uint8(ctrl >> (8 * i))) {
			l = append(l, '.')
			continue
		}
		l = e.appendKeyTok(l, e.slotKey(grp, i))
		l = append(l, '=')
		l = strconv.AppendUint(l, e.slotVal(grp, i), 10)
	}
	l = append(l, '\n')
	e.emit(l)
	e.st.groupLines++
}

// refresh re-reads group g of tm; when its content left the model it prints the group line and
// checks every full slot. With untracked (checkpoint scans) a change is an internal failure:
// the op's own lines should have printed it already.
func (e *sengine) refresh(tm *tabModel, g int, untracked bool) {
	grp := e.groupAt(tm, g)
	gs := int(e.gs)
	raw := unsafe.Slice((*byte)(grp), gs)
	if !tm.isNew && bytes.Equal(raw, tm.snap[g*gs:(g+1)*gs]) {
		return
	}
	copy(tm.snap[g*gs:(g+1)*gs], raw)
	d := e.groupDigest(grp)
	if d == tm.sent[g] {
		return
	}
	if untracked {
		e.fail("op %d: checkpoint found group %d of table %d changed outside the op's touched tables", e.st.ops-1, g, tm.id)
	}
	tm.sent[g] = d
	e.writeGroup(tm, g, grp)
	e.checkGroup(tm, g, grp)
}

func (e *sengine) newModel(id int, p *swTable, base unsafe.Pointer, ngroups int) *tabModel {
	tm := &tabModel{id: id, p: p, base: base, ngroups: ngroups, isNew: true}
	tm.sent = make([]uint64, ngroups)
	for i := range tm.sent {
		tm.sent[i] = emptyGroupDigest
	}
	tm.snap = make([]byte, ngroups*int(e.gs))
	return tm
}

func (e *sengine) refreshAll(tm *tabModel, untracked bool) {
	if !tm.isNew && untracked {
		// Fast path: compare 16 groups at once.
		gs := int(e.gs)
		real := unsafe.Slice((*byte)(tm.base), tm.ngroups*gs)
		for i := 0; i < tm.ngroups; i += 16 {
			j := min(i+16, tm.ngroups)
			if bytes.Equal(real[i*gs:j*gs], tm.snap[i*gs:j*gs]) {
				continue
			}
			for g := i; g < j; g++ {
				e.refresh(tm, g, untracked)
			}
		}
		return
	}
	for g := 0; g < tm.ngroups; g++ {
		e.refresh(tm, g, untracked)
	}
	tm.isNew = false
}

func readFields(p *swTable) swTabFields {
	return swTabFields{p.used, p.capacity, p.growthLeft, p.localDepth, p.index}
}

func (e *sengine) writeTable(tm *tabModel) {
	f := tm.f
	l := append(e.line[:0], "table "...)
	l = strconv.AppendInt(l, int64(tm.id), 10)
	for _, v := range [...]uint64{uint64(f.used), uint64(f.capacity), uint64(f.growthLeft), uint64(f.localDepth)} {
		l = append(l, ' ')
		l = strconv.AppendUint(l, v, 10)
	}
	l = append(l, ' ')
	l = strconv.AppendInt(l, int64(f.index), 10)
	l = append(l, ' ')
	l = strconv.AppendInt(l, int64(tm.ngroups), 10)
	l = append(l, '\n')
	e.emit(l)
	e.st.tableLines++
}

func (e *sengine) mode() string {
	switch {
	case e.m.dirPtr == nil:
		return "nil"
	case e.m.dirLen == 0:
		return "small"
	}
	return "dir"
}

func (e *sengine) writeMap() {
	m := e.m
	l := append(e.line[:0], "map "...)
	l = strconv.AppendUint(l, m.used, 10)
	l = append(l, ' ')
	l = appendHex64(l, uint64(m.seed))
	for _, v := range [...]uint64{uint64(m.dirLen), uint64(m.globalDepth), uint64(m.globalShift), uint64(m.writing), m.clearSeq} {
		l = append(l, ' ')
		l = strconv.AppendUint(l, v, 10)
	}
	l = append(l, ' ')
	l = append(l, e.mode()...)
	l = append(l, '\n')
	e.emit(l)
}

// sync brings the reader's model up to the real map: the directory, the table fields, and the
// groups of every new table and of every table marked touched (all of them with all). It
// reports whether the set of tables or the small group changed (a checkpoint then follows).
func (e *sengine) sync(all bool) bool {
	m := e.m
	if m.dirLen == 0 {
		if len(e.live) != 0 {
			e.fail("map went from a directory back to small")
		}
		if m.dirPtr == nil {
			if e.small != nil {
				e.fail("small group went away")
			}
			return false
		}
		changed := false
		if e.small == nil || e.small.base != m.dirPtr {
			e.small = e.newModel(-1, nil, m.dirPtr, 1)
			changed = true
		}
		if changed || all || e.small.touched {
			e.refreshAll(e.small, false)
		}
		e.small.touched = false
		return changed
	}
	changed := false
	if e.small != nil {
		e.small = nil
		e.st.toTable++
		changed = true
	}
	if m.dirLen != 1<<m.globalDepth || m.globalShift != 64-m.globalDepth {
		e.fail("directory of %d entries at global depth %d, shift %d", m.dirLen, m.globalDepth, m.globalShift)
	}
	if !changed && e.sameDirectory() {
		// Fast path: the directory holds the same tables as after the last op, so only the
		// op's own table (every table, for a clear) can have changed. Checkpoints check that.
		for _, tm := range e.live {
			if !all && !tm.touched {
				continue
			}
			if f := readFields(tm.p); f != tm.f {
				tm.f = f
				e.writeTable(tm)
			}
			e.refreshAll(tm, false)
			e.checkTableCounts(tm)
			tm.touched = false
		}
		return false
	}
	// Walk the directory; number tables not seen before in directory order.
	oldDirLen := len(e.dirIDs)
	prevLive := append(e.prevLive[:0], e.live...)
	e.prevLive = prevLive
	e.live = e.live[:0]
	e.syncs++
	ids := e.ids[:0]
	newCount := 0
	for i := 0; i < m.dirLen; {
		p := e.dirAt(i)
		tm := e.byPtr[unsafe.Pointer(p)]
		if tm == nil {
			tm = e.newModel(e.nextID, p, p.groups, int(p.lengthMask+1))
			e.nextID++
			e.byPtr[unsafe.Pointer(p)] = tm
			newCount++
			changed = true
		}
		if tm.seenAt == e.syncs {
			e.fail("table %d appears in two runs of the directory", tm.id)
		}
		tm.seenAt = e.syncs
		// The table's entries: 2^(globalDepth-localDepth) contiguous ones from its index.
		if p.localDepth > m.globalDepth || p.index != i {
			e.fail("table %d at directory entry %d has index %d, local depth %d (global %d)", tm.id, i, p.index, p.localDepth, m.globalDepth)
		}
		n := 1 << (m.globalDepth - p.localDepth)
		for j := i; j < i+n; j++ {
			if j >= m.dirLen || e.dirAt(j) != p {
				e.fail("table %d: directory entry %d is not it (index %d, %d entries)", tm.id, j, i, n)
			}
			ids = append(ids, tm.id)
		}
		if tm.base != p.groups || tm.ngroups != int(p.lengthMask+1) {
			e.fail("table %d changed its groups array in place", tm.id)
		}
		e.live = append(e.live, tm)
		i += n
	}
	retired := 0
	for _, tm := range prevLive {
		if tm.seenAt != e.syncs {
			delete(e.byPtr, unsafe.Pointer(tm.p))
			retired++
		}
	}
	if oldDirLen > 0 {
		if m.dirLen > oldDirLen {
			e.st.doublings++
		}
		switch {
		case retired == 1 && newCount == 2:
			e.st.splits++
		case retired == 1 && newCount == 1:
			e.st.grows++
		case retired == 0 && newCount == 0:
		default:
			e.fail("one op retired %d tables and made %d", retired, newCount)
		}
	}
	e.st.tables = len(e.live)
	e.st.maxTables = max(e.st.maxTables, len(e.live))
	e.ids = ids
	e.dirSnapPtr = m.dirPtr
	e.dirSnap = append(e.dirSnap[:0], unsafe.Slice((*byte)(m.dirPtr), m.dirLen*8)...)
	if !slicesEqual(ids, e.dirIDs) {
		e.dirIDs = append(e.dirIDs[:0], ids...)
		l := append(e.line[:0], "dir"...)
		for _, id := range ids {
			l = append(l, ' ')
			l = strconv.AppendInt(l, int64(id), 10)
		}
		l = append(l, '\n')
		e.emit(l)
		e.st.dirLines++
	}
	var used uint64
	for _, tm := range e.live {
		f := readFields(tm.p)
		used += uint64(f.used)
		if tm.isNew || f != tm.f {
			tm.f = f
			e.writeTable(tm)
			tm.touched = true // its counters are checked against its control bytes below
		}
		if tm.isNew || all || tm.touched {
			e.refreshAll(tm, false)
			e.checkTableCounts(tm)
		}
		tm.touched = false
	}
	if used != m.used {
		e.fail("tables hold %d entries, the map says %d", used, m.used)
	}
	return changed
}

// sameDirectory reports whether the directory is the array, with the same entries, that the
// last full walk saw.
func (e *sengine) sameDirectory() bool {
	m := e.m
	return m.dirPtr == e.dirSnapPtr && m.dirLen*8 == len(e.dirSnap) &&
		bytes.Equal(unsafe.Slice((*byte)(m.dirPtr), m.dirLen*8), e.dirSnap)
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkTableCounts checks a table's used and growthLeft against its control bytes: used is the
// number of full slots, and growthLeft the table's maximum growth (capacity*7/8, or capacity-1
// for a table of one group) less used and less the tombstones.
func (e *sengine) checkTableCounts(tm *tabModel) {
	full, deleted := 0, 0
	for g := 0; g < tm.ngroups; g++ {
		ctrl := *(*uint64)(e.groupAt(tm, g))
		for i := 0; i < groupSlots; i++ {
			c := uint8(ctrl >> (8 * i))
			switch {
			case ctrlFull(c):
				full++
			case c == ctrlDeletedByte:
				deleted++
			case c != ctrlEmptyByte:
				e.fail("table %d group %d slot %d: control byte %#x", tm.id, g, i, c)
			}
		}
	}
	f := tm.f
	maxGrowth := int(f.capacity) * 7 / 8
	if f.capacity <= groupSlots {
		maxGrowth = int(f.capacity) - 1
	}
	if full != int(f.used) || int(f.growthLeft) != maxGrowth-full-deleted ||
		int(f.capacity) != tm.ngroups*groupSlots || f.capacity&(f.capacity-1) != 0 || f.capacity > maxTableCap {
		e.fail("table %d: used %d growthLeft %d capacity %d, but %d full and %d deleted slots in %d groups",
			tm.id, f.used, f.growthLeft, f.capacity, full, deleted, tm.ngroups)
	}
}

// checkGroup checks every full slot of a group: its control byte is the h2 of the key's hash
// (computed here with the map type's hasher and Map.seed), the key belongs to this table by
// its hash, every group its probe sequence passes before this one is full of full or deleted
// slots, and a lookup through the Go map finds the same value.
func (e *sengine) checkGroup(tm *tabModel, g int, grp unsafe.Pointer) {
	ctrl := *(*uint64)(grp)
	for i := 0; i < groupSlots; i++ {
		c := uint8(ctrl >> (8 * i))
		if !ctrlFull(c) {
			continue
		}
		e.st.slotsChecked++
		kp := e.slotKey(grp, i)
		hash := e.hashAt(kp, e.m.seed)
		if uint8(hash&0x7f) != c {
			e.fail("table %d group %d slot %d: control byte %#x, but the key's h2 is %#x", tm.id, g, i, c, hash&0x7f)
		}
		if tm.p != nil {
			if e.tableFor(hash) != tm.p {
				e.fail("table %d group %d slot %d: the key's hash %#x leads to another table", tm.id, g, i, hash)
			}
			mask := uint64(tm.ngroups - 1)
			off := uint64(hash>>7) & mask
			for step := uint64(1); off != uint64(g); step++ {
				pc := *(*uint64)(e.groupAt(tm, int(off)))
				if (pc &^ (pc << 6) & 0x8080808080808080) != 0 {
					e.fail("table %d group %d slot %d: probe passes group %d, which has an empty slot", tm.id, g, i, off)
				}
				if step > mask+1 {
					e.fail("table %d group %d slot %d: group not on the key's probe sequence", tm.id, g, i)
				}
				off = (off + step) & mask
			}
		}
		var v uint64
		var ok bool
		switch e.kind {
		case kindU64:
			v, ok = e.m64[*(*uint64)(kp)]
		case kindStr:
			v, ok = e.mstr[*(*string)(kp)]
		default:
			v, ok = e.mid[*(*[16]byte)(kp)]
		}
		if !ok || v != e.slotVal(grp, i) {
			e.fail("table %d group %d slot %d: lookup gives %d (found %v), the slot holds %d", tm.id, g, i, v, ok, e.slotVal(grp, i))
		}
	}
}

// deepCheck runs checkGroup over every group and checkTableCounts over every table.
func (e *sengine) deepCheck() {
	e.st.deepChecks++
	if e.small != nil {
		e.checkGroup(e.small, 0, e.small.base)
	}
	for _, tm := range e.live {
		e.checkTableCounts(tm)
		for g := 0; g < tm.ngroups; g++ {
			e.checkGroup(tm, g, e.groupAt(tm, g))
		}
	}
}

func (e *sengine) totalGroups() int {
	n := 0
	if e.small != nil {
		n = 1
	}
	for _, tm := range e.live {
		n += tm.ngroups
	}
	return n
}

// stateDigest is the protocol's digest of every group of the map, with the table fields.
func (e *sengine) stateDigest() uint64 {
	h := uint64(fnvOffset)
	if e.small != nil {
		return fnv8(h, e.small.sent[0])
	}
	for _, tm := range e.live {
		f := tm.f
		h = fnv8(h, uint64(f.used))
		h = fnv8(h, uint64(f.capacity))
		h = fnv8(h, uint64(f.growthLeft))
		h = fnv8(h, uint64(f.localDepth))
		h = fnv8(h, uint64(f.index))
		for _, d := range tm.sent {
			h = fnv8(h, d)
		}
	}
	return h
}

func (e *sengine) checkpoint(i int) {
	if e.small != nil {
		e.refreshAll(e.small, true)
	}
	var used uint64
	for _, tm := range e.live {
		e.refreshAll(tm, true)
		if readFields(tm.p) != tm.f {
			e.fail("op %d: table %d's fields changed unprinted", i, tm.id)
		}
		used += uint64(tm.f.used)
	}
	if len(e.live) > 0 && (used != e.m.used || !e.sameDirectory()) {
		e.fail("op %d: tables hold %d entries (the map says %d), or the directory changed unprinted", i, used, e.m.used)
	}
	e.st.checkpoints++
	l := append(e.line[:0], "check "...)
	l = strconv.AppendInt(l, int64(i), 10)
	l = append(l, ' ')
	l = appendHex64(l, e.stateDigest())
	l = append(l, '\n')
	e.emit(l)
}

func (e *sengine) isCheckpoint(i int, changed, last bool) bool {
	if changed || last || (e.opts.checkEvery > 0 && i%e.opts.checkEvery == 0) {
		return true
	}
	total, b := e.totalGroups(), e.opts.budget
	if total <= b {
		return true
	}
	return i%((total+b-1)/b) == 0
}

func (e *sengine) header() {
	l := append(e.line[:0], "twin-swiss 1\nbackend "...)
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
	l = append(l, "\nlayout "...)
	l = strconv.AppendUint(l, uint64(e.gs), 10)
	l = append(l, ' ')
	l = strconv.AppendUint(l, uint64(e.ss), 10)
	l = append(l, ' ')
	l = strconv.AppendUint(l, uint64(e.eo), 10)
	l = append(l, '\n')
	e.emit(l)
	e.writeMap()
	e.sync(true)
	e.checkpoint(-1)
}

func (e *sengine) run(s *script) swStats {
	e.header()
	for i := range s.ops {
		e.step(i, &s.ops[i], i == len(s.ops)-1)
	}
	if err := e.w.Flush(); err != nil {
		fmt.Fprintf(os.Stderr, "gotwin: writing output: %v\n", err)
		os.Exit(1)
	}
	return e.st
}

func (e *sengine) mapLen() int {
	switch e.kind {
	case kindU64:
		return len(e.m64)
	case kindStr:
		return len(e.mstr)
	}
	return len(e.mid)
}

func (e *sengine) step(i int, o *op, last bool) {
	m := e.m
	all := false
	var hash uintptr
	if o.kind == opInsert || o.kind == opDelete {
		hash = e.hashKey(&o.k, m.seed)
		// The table the op writes (before any grow or split; new tables are printed whole).
		if m.dirLen > 0 {
			if tm := e.byPtr[unsafe.Pointer(e.tableFor(hash))]; tm != nil {
				tm.touched = true
			}
		} else if e.small != nil {
			e.small.touched = true
		}
	}
	var rangeToks []byte
	var entryOff, dirOff uint64
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
		all = true
		switch e.kind {
		case kindU64:
			clear(e.m64)
		case kindStr:
			clear(e.mstr)
		default:
			clear(e.mid)
		}
	case opRange:
		entryOff, dirOff, n, rangeToks = e.doRange()
	}
	e.st.ops++
	if m.writing != 0 {
		e.fail("op %d: writing still set", i)
	}
	if int(m.used) != e.mapLen() {
		e.fail("op %d: Map.used %d, len %d", i, m.used, e.mapLen())
	}

	l := append(e.line[:0], "op "...)
	l = strconv.AppendInt(l, int64(i), 10)
	l = append(l, ' ')
	l = append(l, o.text...)
	l = append(l, '\n')
	e.emit(l)
	e.writeMap()
	changed := e.sync(all)
	if o.kind == opInsert {
		e.checkInserted(i, o)
	}
	if o.kind == opRange {
		l := append(e.line[:0], "range "...)
		l = appendHex64(l, entryOff)
		l = append(l, ' ')
		l = appendHex64(l, dirOff)
		l = append(l, ' ')
		l = strconv.AppendInt(l, int64(n), 10)
		l = append(l, rangeToks...)
		l = append(l, '\n')
		e.emit(l)
	}
	if e.isCheckpoint(i, changed, last) {
		e.checkpoint(i)
	}
	if e.deep > 0 {
		slots := int(m.used) + 1
		if every := (slots + e.deep - 1) / e.deep; i%every == 0 || last {
			e.deepCheck()
		}
	}
}

// checkInserted makes sure the key just inserted sits, with its value, in a full slot whose
// control byte is h2 of the hash (under the seed after the op, which an insert never changes),
// in the table the directory gives for the hash: this proves the hash the tool uses is the
// runtime's.
func (e *sengine) checkInserted(i int, o *op) {
	hash := e.hashKey(&o.k, e.m.seed)
	h2 := uint8(hash & 0x7f)
	look := func(tm *tabModel) bool {
		for g := 0; g < tm.ngroups; g++ {
			grp := e.groupAt(tm, g)
			ctrl := *(*uint64)(grp)
			for j := 0; j < groupSlots; j++ {
				if uint8(ctrl>>(8*j)) != h2 {
					continue
				}
				kp := e.slotKey(grp, j)
				var eq bool
				switch e.kind {
				case kindU64:
					eq = *(*uint64)(kp) == o.k.u
				case kindStr:
					eq = *(*string)(kp) == o.k.s
				default:
					eq = *(*[16]byte)(kp) == o.k.id
				}
				if eq {
					if v := e.slotVal(grp, j); v != o.v {
						e.fail("op %d: inserted value %d reads back as %d", i, o.v, v)
					}
					return true
				}
			}
		}
		return false
	}
	var tm *tabModel
	if e.m.dirLen == 0 {
		tm = e.small
	} else {
		tm = e.byPtr[unsafe.Pointer(e.tableFor(hash))]
	}
	if tm == nil || !look(tm) {
		e.fail("op %d: inserted key not found with control byte %#x in its table (hash %#x): the hash disagrees with the runtime", i, h2, hash)
	}
}

// doRange runs one full iteration through maps.(*Iter).Init and Next, as a compiled `for
// range` does, and returns Init's two random draws and the keys as tokens (each preceded by a
// space).
func (e *sengine) doRange() (entryOff, dirOff uint64, n int, toks []byte) {
	it := &e.it
	*it = swIter{}
	swIterInit(it, unsafe.Pointer(e.t), unsafe.Pointer(e.m))
	entryOff, dirOff = it.entryOffset, it.dirOffset
	var buf []byte
	e.rangeKeys = e.rangeKeys[:0]
	for swIterNext(it); it.key != nil; swIterNext(it) {
		buf = append(buf, ' ')
		buf = e.appendKeyTok(buf, it.key)
		if e.opts.verifyRange {
			switch e.kind {
			case kindU64:
				e.rangeKeys = append(e.rangeKeys, key{u: *(*uint64)(it.key)})
			case kindStr:
				e.rangeKeys = append(e.rangeKeys, key{s: *(*string)(it.key)})
			default:
				e.rangeKeys = append(e.rangeKeys, key{id: *(*[16]byte)(it.key)})
			}
		}
		n++
	}
	*it = swIter{}
	if uint64(n) != e.m.used {
		e.fail("range produced %d keys, map holds %d", n, e.m.used)
	}
	e.st.ranges++
	if e.opts.verifyRange {
		e.checkRangeOrder(entryOff, dirOff, buf)
		e.st.rangesRecomputed++
		seen := make(map[key]bool, n)
		for _, k := range e.rangeKeys {
			if seen[k] {
				e.fail("range produced key %v twice", k)
			}
			seen[k] = true
			var ok bool
			switch e.kind {
			case kindU64:
				_, ok = e.m64[k.u]
			case kindStr:
				_, ok = e.mstr[k.s]
			default:
				_, ok = e.mid[k.id]
			}
			if !ok {
				e.fail("range produced key %v that the map does not hold", k)
			}
		}
	}
	return entryOff, dirOff, n, buf
}

// checkRangeOrder recomputes, from the map's memory and Init's two draws alone, the order a
// range over an unchanging map produces, and compares it with the runtime's: this shows that
// the range line carries all a replayer needs. Small map: slots (i + entryOffset) % 8 for i in
// 0..7. Directory: entries (dirIdx + dirOffset) & (dirLen-1), moved back to the table's first
// entry (dirOffset absorbs the move, for the rest of the iteration), each table walked in
// slot order (i + entryOffset) & (capacity-1), then dirIdx advances by the table's entries.
func (e *sengine) checkRangeOrder(entryOff, dirOff uint64, got []byte) {
	var want []byte
	emit := func(grp unsafe.Pointer, slot int) {
		if ctrlFull(uint8(*(*uint64)(grp) >> (8 * slot))) {
			want = append(want, ' ')
			want = e.appendKeyTok(want, e.slotKey(grp, slot))
		}
	}
	m := e.m
	switch {
	case m.used == 0:
	case m.dirLen == 0:
		for i := uint64(0); i < groupSlots; i++ {
			emit(m.dirPtr, int((i+entryOff)%groupSlots))
		}
	default:
		for dirIdx := 0; dirIdx < m.dirLen; {
			d := int((uint64(dirIdx) + dirOff) & uint64(m.dirLen-1))
			t := e.dirAt(d)
			if t.index != d {
				dirOff -= uint64(d - t.index)
			}
			mask := uint64(t.capacity) - 1
			for i := uint64(0); i <= mask; i++ {
				ent := (i + entryOff) & mask
				emit(unsafe.Add(t.groups, uintptr(ent>>3)*e.gs), int(ent&7))
			}
			dirIdx += 1 << (m.globalDepth - t.localDepth)
		}
	}
	if !bytes.Equal(want, got) {
		e.fail("range order differs from the one recomputed from entryOffset %016x and dirOffset %016x (dirLen %d):\n got %.300s\nwant %.300s", entryOff, dirOff, m.dirLen, got, want)
	}
}

// runSwiss is main for the Swiss build.
func runSwiss(opts options, selftest bool) int {
	if !checkSwissLayouts() || unsafe.Sizeof(uintptr(0)) != 8 {
		fmt.Fprintln(os.Stderr, "gotwin: Swiss runtime mirrors do not match this platform (64-bit, Go 1.24 expected)")
		return 2
	}
	if selftest {
		return runSwissSelftest(opts)
	}
	t0 := time.Now()
	s, err := parseScript(os.Stdin)
	if err != nil {
		var ie *inputError
		if errors.As(err, &ie) {
			fmt.Fprintf(os.Stderr, "gotwin: %v\n", ie)
			return 2
		}
		fmt.Fprintf(os.Stderr, "gotwin: reading script: %v\n", err)
		return 2
	}
	e := newSEngine(s, os.Stdout, opts)
	st := e.run(s)
	fmt.Fprintf(os.Stderr, "gotwin swiss: %d ops, %d group lines, %d table lines, %d dir lines, %d checkpoints, %d tables (max %d), %d splits, %d grows, %d doublings, %.2fs\n",
		st.ops, st.groupLines, st.tableLines, st.dirLines, st.checkpoints, st.tables, st.maxTables, st.splits, st.grows, st.doublings, time.Since(t0).Seconds())
	return 0
}
