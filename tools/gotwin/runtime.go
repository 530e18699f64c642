package main

import "unsafe"

// The declarations in this file reach into the Go 1.24 runtime, classic map
// (GOEXPERIMENT=noswissmap). The linker accepts the pulls only with -ldflags=-checklinkname=0.

//go:linkname aeskeysched runtime.aeskeysched
var aeskeysched [128]byte

//go:linkname hashkey runtime.hashkey
var hashkey [4]uintptr

//go:linkname useAeshash runtime.useAeshash
var useAeshash bool

//go:linkname memhash runtime.memhash
func memhash(p unsafe.Pointer, seed, n uintptr) uintptr

//go:linkname strhash runtime.strhash
func strhash(p unsafe.Pointer, seed uintptr) uintptr

//go:linkname memhash64 runtime.memhash64
func memhash64(p unsafe.Pointer, seed uintptr) uintptr

// mapiterinit and mapiternext are the two calls a compiled `for range` over a map makes; calling
// them ourselves lets us read the iterator's random start before any key comes out.
//
//go:linkname mapiterinit runtime.mapiterinit
func mapiterinit(t unsafe.Pointer, h unsafe.Pointer, it *hiter)

//go:linkname mapiternext runtime.mapiternext
func mapiternext(it *hiter)

// hmap has the layout of the runtime's map header.
type hmap struct {
	count      int
	flags      uint8
	b          uint8
	noverflow  uint16
	hash0      uint32
	buckets    unsafe.Pointer
	oldbuckets unsafe.Pointer
	nevacuate  uintptr
	clearSeq   uint64
	extra      unsafe.Pointer
}

// mapextra has the layout of the runtime's hmap.extra.
type mapextra struct {
	overflow     unsafe.Pointer
	oldoverflow  unsafe.Pointer
	nextOverflow unsafe.Pointer
}

// Bits of hmap.flags.
const (
	flagIterator     = 1
	flagOldIterator  = 2
	flagHashWriting  = 4
	flagSameSizeGrow = 8
)

// hiter has the layout of the runtime's map iterator; the runtime checks that it is
// 8+12*PtrSize bytes long, and so do we (in checkLayouts).
type hiter struct {
	key         unsafe.Pointer
	elem        unsafe.Pointer
	t           unsafe.Pointer
	h           unsafe.Pointer
	buckets     unsafe.Pointer
	bptr        unsafe.Pointer
	overflow    unsafe.Pointer
	oldoverflow unsafe.Pointer
	startBucket uintptr
	offset      uint8
	wrapped     bool
	b           uint8
	i           uint8
	bucket      uintptr
	checkBucket uintptr
	clearSeq    uint64
}

// rtype has the layout of internal/abi.Type.
type rtype struct {
	size       uintptr
	ptrBytes   uintptr
	hash       uint32
	tflag      uint8
	align      uint8
	fieldAlign uint8
	kind       uint8
	equal      func(unsafe.Pointer, unsafe.Pointer) bool
	gcdata     *byte
	str        int32
	ptrToThis  int32
}

const (
	kindMask = 1<<5 - 1
	kindMap  = 21
)

// mapType has the layout of internal/abi.OldMapType, the type descriptor of a classic map.
type mapType struct {
	rtype
	key        *rtype
	elem       *rtype
	bucket     *rtype
	hasher     func(unsafe.Pointer, uintptr) uintptr
	keySize    uint8
	valueSize  uint8
	bucketSize uint16
	flags      uint32
}

// eface is the layout of an empty interface: type word, then data word. A map's data word is
// the *hmap itself, maps being pointer-shaped.
type eface struct {
	typ  *mapType
	data unsafe.Pointer
}

// Slot states below minTopHash, as the runtime encodes them in tophash.
const (
	emptyRest  = 0
	minTopHash = 5
)

func tophashOf(hash uintptr) uint8 {
	top := uint8(hash >> 56)
	if top < minTopHash {
		top += minTopHash
	}
	return top
}
