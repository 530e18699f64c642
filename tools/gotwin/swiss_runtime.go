//go:build goexperiment.swissmap

package main

import "unsafe"

// The declarations in this file reach into the Go 1.24 runtime's Swiss-table map (the default
// map; internal/runtime/maps). The linker accepts the pulls only with -ldflags=-checklinkname=0.
// Every struct here mirrors a runtime struct field for field; checkSwissLayouts compares the
// sizes and offsets that matter with what this file expects.

// swMap mirrors maps.Map, the header a map value points at.
type swMap struct {
	used        uint64
	seed        uintptr
	dirPtr      unsafe.Pointer // small map: the one group; else: the directory's first *table
	dirLen      int            // 0 for a small (or not yet allocated) map
	globalDepth uint8
	globalShift uint8
	writing     uint8
	clearSeq    uint64
}

// swTable mirrors maps.table, with its groupsReference (data, lengthMask) inlined.
type swTable struct {
	used       uint16
	capacity   uint16
	growthLeft uint16
	localDepth uint8
	index      int // first directory entry pointing here; -1 once the table is retired
	groups     unsafe.Pointer
	lengthMask uint64 // number of groups - 1
}

// swIter mirrors maps.Iter. Init fills it; Next advances it.
type swIter struct {
	key         unsafe.Pointer
	elem        unsafe.Pointer
	typ         unsafe.Pointer
	m           unsafe.Pointer
	entryOffset uint64
	dirOffset   uint64
	clearSeq    uint64
	globalDepth uint8
	dirIdx      int
	tab         unsafe.Pointer
	group       unsafe.Pointer
	entryIdx    uint64
}

// swMapType mirrors internal/abi.SwissMapType, the type descriptor of a Swiss map.
type swMapType struct {
	rtype
	key       *rtype
	elem      *rtype
	group     *rtype
	hasher    func(unsafe.Pointer, uintptr) uintptr
	groupSize uintptr
	slotSize  uintptr
	elemOff   uintptr
	flags     uint32
}

// swEface is an empty interface holding a Swiss map: the type word, then the *maps.Map.
type swEface struct {
	typ  *swMapType
	data unsafe.Pointer
}

// Iterating through maps.(*Iter).Init and Next ourselves (rather than runtime.mapiterinit,
// which runs the first Next before returning) lets us read entryOffset and dirOffset exactly
// as Init drew them: Next may move dirOffset when the first directory entry it lands on is
// not its table's first.
//
//go:linkname swIterInit internal/runtime/maps.(*Iter).Init
func swIterInit(it *swIter, typ unsafe.Pointer, m unsafe.Pointer)

//go:linkname swIterNext internal/runtime/maps.(*Iter).Next
func swIterNext(it *swIter)

// Control bytes (maps/group.go): empty 0x80, deleted 0xfe, full 0x00..0x7f (the h2 of the hash).
const (
	ctrlEmptyByte   = 0x80
	ctrlDeletedByte = 0xfe
	ctrlAllEmpty    = 0x8080808080808080
	groupSlots      = 8
	maxTableCap     = 1024
)

func checkSwissLayouts() bool {
	return unsafe.Sizeof(swMap{}) == 48 && unsafe.Offsetof(swMap{}.clearSeq) == 40 &&
		unsafe.Sizeof(swTable{}) == 32 && unsafe.Offsetof(swTable{}.index) == 8 &&
		unsafe.Sizeof(swIter{}) == 96 && unsafe.Offsetof(swIter{}.entryOffset) == 32 &&
		unsafe.Offsetof(swIter{}.dirOffset) == 40 && unsafe.Offsetof(swIter{}.entryIdx) == 88 &&
		unsafe.Offsetof(swMapType{}.groupSize) == 48+4*8 && unsafe.Sizeof(swMapType{}) == 48+8*8
}
