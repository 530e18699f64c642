package main

import (
	"bufio"
	"fmt"
	"os"
	"reflect"
	"unsafe"
)

// runPrealloc makes maps of many key and value shapes (built at run time with reflect.MapOf,
// which lays out buckets as the compiler does) at every B from 0 to maxB, and prints what
// makeBucketArray gave each right after make: its bucket size, whether the bucket holds
// pointers, B, and how many overflow buckets it preallocated (all still spare then).
//
//	prealloc <bucketsize> <pointers 0|1> <B> <preallocated>
func runPrealloc(maxB int) int {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	u64 := reflect.TypeFor[uint64]()
	bytes := func(n int) reflect.Type { return reflect.ArrayOf(n, reflect.TypeFor[byte]()) }
	// A value of 8+n bytes whose first word is a pointer.
	withPtr := func(n int) reflect.Type {
		return reflect.StructOf([]reflect.StructField{
			{Name: "P", Type: reflect.TypeFor[*byte]()},
			{Name: "B", Type: bytes(n)},
		})
	}
	var shapes [][2]reflect.Type
	for n := 1; n <= 136; n++ { // across maxKeySize (128): past it the slot holds a pointer
		shapes = append(shapes, [2]reflect.Type{bytes(n), u64})
	}
	for n := 0; n <= 128; n += 4 {
		shapes = append(shapes, [2]reflect.Type{withPtr(n), u64}, [2]reflect.Type{u64, withPtr(n)})
	}
	for n := 0; n <= 136; n += 2 {
		shapes = append(shapes, [2]reflect.Type{u64, bytes(n)})
	}
	for _, kv := range shapes {
		mt := reflect.MapOf(kv[0], kv[1])
		for b := 0; b <= maxB; b++ {
			hint := 0
			if b > 0 {
				hint = 13 << (b - 1) // the most entries makemap fits in 2^b buckets
			}
			m := reflect.MakeMapWithSize(mt, hint)
			iface := m.Interface()
			t := (*eface)(unsafe.Pointer(&iface)).typ
			h := (*hmap)(m.UnsafePointer())
			if int(h.b) != b || t.kind&kindMask != kindMap {
				fmt.Fprintf(os.Stderr, "gotwin: prealloc: %v with hint %d has B %d, not %d\n", mt, hint, h.b, b)
				return 1
			}
			n := 0
			if h.extra != nil && (*mapextra)(h.extra).nextOverflow != nil {
				n = spareFrom((*mapextra)(h.extra).nextOverflow, uintptr(t.bucketSize))
			}
			fmt.Fprintf(w, "prealloc %d %c %d %d\n", t.bucketSize, boolDigit(t.bucket.ptrBytes != 0), b, n)
		}
	}
	return 0
}
