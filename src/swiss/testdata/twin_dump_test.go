// Go's side of gomap's src/swiss twin check (tests.rs, mod go_twin): 6000 operations on a
// map[uint64]uint64 whose hash function is fixed (typ.Hasher replaced), the structure dumped
// (export_twin_test.go) every 97 steps and at the end, plus three iteration orders.
//
// Run inside the standard library without touching it, from this directory:
//
//	D=$(go env GOROOT)/src/internal/runtime/maps
//	echo "{\"Replace\":{\"$D/export_twin_test.go\":\"$PWD/export_twin_test.go\",\"$D/twin_dump_test.go\":\"$PWD/twin_dump_test.go\"}}" > /tmp/overlay.json
//	go test -overlay /tmp/overlay.json -run TestSwissTwinDump internal/runtime/maps
//
// (with GOEXPERIMENT=swissmap, the default in Go 1.24). It writes /tmp/swisstwin/go_N.txt;
// `SWISS_GO_DUMP_DIR=/tmp/swisstwin cargo test --lib swiss::tests::go_twin -- --nocapture`
// compares them line by line and prints their digests.
package maps_test

import (
	"fmt"
	"internal/runtime/maps"
	"os"
	"strings"
	"testing"
	"unsafe"
)

func twinMix(k uint64) uint64 {
	z := k + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func TestSwissTwinDump(t *testing.T) {
	for variant := 0; variant < 3; variant++ {
		hint := uintptr(0)
		if variant == 2 {
			hint = 3000
		}
		m, typ0 := maps.NewTestMap[uint64, uint64](hint)
		mt := *typ0
		typ := &mt
		v := variant
		typ.Hasher = func(p unsafe.Pointer, seed uintptr) uintptr {
			k := *(*uint64)(p)
			if v == 1 {
				return uintptr((k%13)<<7 | (twinMix(k%7) & (3 << 62)))
			}
			return uintptr(twinMix(k))
		}
		var sb strings.Builder
		x := uint64(88172645463325252)
		rnd := func() uint64 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			return x
		}
		for step := 0; step < 6000; step++ {
			r := rnd()
			k := (r >> 8) % 4000
			switch op := r % 100; {
			case op < 60:
				val := uint64(step)
				m.Put(typ, unsafe.Pointer(&k), unsafe.Pointer(&val))
			case op < 99:
				m.Delete(typ, unsafe.Pointer(&k))
			default:
				if step%3 == 0 {
					m.Clear(typ)
				}
			}
			if step%97 == 0 || step > 5990 {
				fmt.Fprintf(&sb, "step %d\n%v\n", step, maps.TwinDump(m))
				for _, off := range [][2]uint64{{0, 0}, {3, 5}, {^uint64(0), 12345}} {
					fmt.Fprintf(&sb, "I %v\n", maps.TwinIter(typ, m, off[0], off[1]))
				}
			}
		}
		os.MkdirAll("/tmp/swisstwin", 0o755)
		os.WriteFile(fmt.Sprintf("/tmp/swisstwin/go_%d.txt", variant), []byte(sb.String()), 0o644)
	}
}
