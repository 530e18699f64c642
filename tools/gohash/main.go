// Command gohash prints known-answer vectors for gomap's hash tests, computed by the Go
// runtime's own map hash functions (runtime.memhash, strhash, memhash32, memhash64) together
// with the random key schedule this process started with.
//
// Regenerate the vectors from the repository root (amd64 with AES-NI; Go 1.24, classic runtime):
//
//	cd tools/gohash
//	go run -ldflags=-checklinkname=0 . > ../../tests/data/hash/aes.txt
//	GODEBUG=cpu.aes=off go run -ldflags=-checklinkname=0 . > ../../tests/data/hash/mem.txt
//
// The first run takes the AES path (aeshash in asm_amd64.s); cpu.aes=off makes the runtime fall
// back to memhash (hash64.go). -checklinkname=0 lets the linker accept the pulls below of
// runtime symbols that are not marked for outside use. Each run draws a fresh key schedule, so
// the files change on every run; the Rust tests read the schedule from the file.
//
// arm64's aeshash (asm_arm64.s) is a different function; its vectors come from the same program
// built for arm64, here run on x86-64 under qemu-user, which emulates the AES instructions:
//
//	cd tools/gohash
//	GOARCH=arm64 go build -ldflags=-checklinkname=0 -o /tmp/gohash-arm64 .
//	qemu-aarch64 /tmp/gohash-arm64 > ../../tests/data/hash/arm64-aes.txt
//	GODEBUG=cpu.aes=off qemu-aarch64 /tmp/gohash-arm64 > ../../tests/data/hash/arm64-mem.txt
//
// Output, one record a line, all numbers in hex:
//
//	backend aes|mem
//	aeskeysched <128 bytes>       the runtime's aeskeysched (zero on the mem path)
//	hashkey <w0> <w1> <w2> <w3>   the runtime's hashkey words (zero on the aes path)
//	bytes <300 bytes>             random bytes; "mem" vectors hash a prefix of them
//	text <300 bytes>              printable ASCII; "str" vectors hash a prefix as a string
//	mem <seed> <len> <hash>       runtime.memhash(bytes[:len], seed)
//	str <seed> <len> <hash>       runtime.strhash(text[:len], seed)
//	u32 <seed> <value> <hash>     runtime.memhash32(&value, seed)
//	u64 <seed> <value> <hash>     runtime.memhash64(&value, seed)
package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"unsafe"
)

//go:linkname aeskeysched runtime.aeskeysched
var aeskeysched [128]byte

//go:linkname hashkey runtime.hashkey
var hashkey [4]uintptr

//go:linkname useAeshash runtime.useAeshash
var useAeshash bool

//go:linkname memhash runtime.memhash
func memhash(p unsafe.Pointer, h, s uintptr) uintptr

//go:linkname strhash runtime.strhash
func strhash(p unsafe.Pointer, h uintptr) uintptr

//go:linkname memhash32 runtime.memhash32
func memhash32(p unsafe.Pointer, h uintptr) uintptr

//go:linkname memhash64 runtime.memhash64
func memhash64(p unsafe.Pointer, h uintptr) uintptr

const maxLen = 300

func main() {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()

	if useAeshash {
		fmt.Fprintln(w, "backend aes")
	} else {
		fmt.Fprintln(w, "backend mem")
	}
	fmt.Fprintf(w, "aeskeysched %s\n", hex.EncodeToString(aeskeysched[:]))
	fmt.Fprintf(w, "hashkey %x %x %x %x\n", hashkey[0], hashkey[1], hashkey[2], hashkey[3])

	// Fixed inputs, so that two runs differ only in the key schedule.
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, maxLen)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/."
	text := make([]byte, maxLen)
	for i := range text {
		text[i] = alphabet[rng.IntN(len(alphabet))]
	}
	fmt.Fprintf(w, "bytes %s\n", hex.EncodeToString(data))
	fmt.Fprintf(w, "text %s\n", hex.EncodeToString(text))

	// A zero seed, a 32-bit one like Go's hmap.hash0, and one using all 64 bits.
	seeds := []uintptr{0, 0x9b3e_41c7, 0xf00d_cafe_1234_5678}

	for _, seed := range seeds {
		for n := 0; n <= maxLen; n++ {
			h := memhashOf(data[:n], seed)
			if n > 0 && n < 16 {
				checkPageEnd(data[:n], seed, h)
			}
			fmt.Fprintf(w, "mem %x %d %x\n", seed, n, h)
		}
		for n := 0; n <= maxLen; n++ {
			s := string(text[:n])
			fmt.Fprintf(w, "str %x %d %x\n", seed, n, strhash(unsafe.Pointer(&s), seed))
		}
	}

	values := []uint64{0, 1, 2, 0xff, 0x100, 0x8000_0000, 0xffff_ffff, 0x1_0000_0000,
		0x0123_4567_89ab_cdef, 0x8000_0000_0000_0000, 0xffff_ffff_ffff_ffff}
	for i := 0; i < 16; i++ {
		values = append(values, rng.Uint64())
	}
	for _, seed := range seeds {
		for _, v := range values {
			v32 := uint32(v)
			fmt.Fprintf(w, "u32 %x %x %x\n", seed, v32, memhash32(unsafe.Pointer(&v32), seed))
		}
		for _, v := range values {
			v64 := v
			fmt.Fprintf(w, "u64 %x %x %x\n", seed, v64, memhash64(unsafe.Pointer(&v64), seed))
		}
	}
}

func memhashOf(b []byte, seed uintptr) uintptr {
	if len(b) == 0 {
		var zero byte
		return memhash(unsafe.Pointer(&zero), seed, 0)
	}
	return memhash(unsafe.Pointer(&b[0]), seed, uintptr(len(b)))
}

// checkPageEnd hashes a copy of b that ends exactly at a 4 KiB boundary, which sends short
// inputs down aeshash's other load path (load the 16 bytes ending at the input, then shuffle),
// and stops if the result differs: the Rust port has a single path for both.
func checkPageEnd(b []byte, seed, want uintptr) {
	buf := make([]byte, 3*4096)
	base := uintptr(unsafe.Pointer(&buf[0]))
	end := (base+4096)&^4095 + 4096
	off := int(end-base) - len(b)
	copy(buf[off:], b)
	if got := memhashOf(buf[off:off+len(b)], seed); got != want {
		fmt.Fprintf(os.Stderr, "len %d: page-end hash %x != %x\n", len(b), got, want)
		os.Exit(1)
	}
}
