// Command gotrace runs gomap's trace script on Go's classic map and prints the same TSV as
// `gomap trace`, so the two can be compared column by column.
//
// It must be built with GOEXPERIMENT=noswissmap: the hmap mirror below matches the classic map of
// Go 1.24 (runtime/map_noswiss.go); with the Swiss table it would read garbage, so main refuses.
//
//	GOEXPERIMENT=noswissmap go run . -n 100
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"unsafe"
)

// hmap mirrors the runtime's header field for field (Go 1.24, noswissmap); only the fields the
// trace prints are read, the rest keep the offsets right.
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

const sameSizeGrowFlag = 8

func header(m map[uint64]uint64) *hmap {
	// A map value is a pointer to its hmap.
	return *(**hmap)(unsafe.Pointer(&m))
}

func main() {
	n := flag.Int("n", 100, "keys per phase")
	flag.Parse()
	if swissMap {
		fmt.Fprintln(os.Stderr, "gotrace: build with GOEXPERIMENT=noswissmap (this binary uses the Swiss-table map)")
		os.Exit(2)
	}
	if *n < 0 {
		fmt.Fprintln(os.Stderr, "gotrace: -n must be >= 0")
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	fmt.Fprintln(out, "step\top\tcount\tB\tnoverflow\tgrowing\tnevacuate\tsame_size_grow")
	m := make(map[uint64]uint64)
	step := 0
	row := func(op string) {
		h := header(m)
		growing := h.oldbuckets != nil
		// hmap.nevacuate as it is: it keeps its last value (the old array's size) after a
		// grow ends, as gomap trace, gomap layout --format json and gomap explore show it.
		nevac := h.nevacuate
		fmt.Fprintf(out, "%d\t%s\t%d\t%d\t%d\t%t\t%d\t%t\n", step, op, h.count, h.b, h.noverflow,
			growing, nevac, h.flags&sameSizeGrowFlag != 0)
		step++
	}
	row("new")
	N := uint64(*n)
	for k := uint64(0); k < N; k++ {
		m[k] = k
		row(fmt.Sprintf("insert %d", k))
	}
	for k := uint64(0); k < N; k += 2 {
		delete(m, k)
		row(fmt.Sprintf("delete %d", k))
	}
	for k := N; k < 2*N; k++ {
		m[k] = k
		row(fmt.Sprintf("insert %d", k))
	}
}
