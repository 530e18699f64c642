// Go's side of gomap's src/swiss twin check: flattens a Map's structure into numbers (an
// internal test file may not import fmt; twin_dump_test.go formats). See twin_dump_test.go.
package maps

import (
	"internal/abi"
	"unsafe"
)

func twinGroup(out []uint64, g groupReference) []uint64 {
	out = append(out, uint64(*g.ctrls()))
	for i := uintptr(0); i < 8; i++ {
		if g.ctrls().get(i)&ctrlEmpty == 0 {
			k := *(*uint64)(unsafe.Pointer(uintptr(g.data) + 8 + i*16))
			v := *(*uint64)(unsafe.Pointer(uintptr(g.data) + 16 + i*16))
			out = append(out, uint64(i), k, v)
		}
	}
	return append(out, 99)
}

// TwinDump flattens the map: header; for each directory entry its table's index, and the
// first time a table is met its fields and groups.
func TwinDump(m *Map) []uint64 {
	alloc := uint64(0)
	if m.dirPtr != nil {
		alloc = 1
	}
	out := []uint64{m.used, uint64(m.dirLen), uint64(m.globalDepth), uint64(m.globalShift), m.clearSeq, alloc}
	if m.dirLen == 0 {
		if m.dirPtr != nil {
			out = twinGroup(out, groupReference{data: m.dirPtr})
		}
		return out
	}
	var last *table
	for i := 0; i < m.dirLen; i++ {
		t := m.directoryAt(uintptr(i))
		out = append(out, 1000, uint64(t.index))
		if t == last {
			continue
		}
		last = t
		out = append(out, 2000, uint64(t.used), uint64(t.capacity), uint64(t.growthLeft), uint64(t.localDepth), uint64(t.index))
		for g := uint64(0); g <= t.groups.lengthMask; g++ {
			out = twinGroup(out, groupReference{data: unsafe.Pointer(uintptr(t.groups.data) + uintptr(g)*(8+8*16))})
		}
	}
	return out
}

func TwinIter(typ *abi.SwissMapType, m *Map, dirOffset, entryOffset uint64) []uint64 {
	var it Iter
	it.Init(typ, m)
	it.dirOffset, it.entryOffset = dirOffset, entryOffset
	var out []uint64
	for it.Next(); it.Key() != nil; it.Next() {
		out = append(out, *(*uint64)(it.Key()))
	}
	return out
}
