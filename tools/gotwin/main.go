// Command gotwin is the Go half of gomap's twin test. It reads a script of map operations on
// stdin, performs them on a real Go classic map (the hmap/bmap map of Go 1.24 built with
// GOEXPERIMENT=noswissmap) and after each operation prints the header fields and the bucket
// chains that may have changed, read straight from the runtime's memory, plus periodic digests
// of the whole bucket state. `gomap twin` replays the same script on a GoMap seeded with this
// process's hash keys and hash0 and compares the two byte for byte. The input and output are
// those of PROTOCOL.md (version 2) in this directory; docs/twin.md says what is compared.
//
// Built without GOEXPERIMENT=noswissmap (Go 1.24's default), the same program runs the same
// scripts on a Swiss-table map instead and speaks PROTOCOL-SWISS.md (swiss.go); its -selftest
// is swiss_selftest.go's, and swiss-selftest.sh builds it and runs that on both hash paths.
//
// Run it from this directory:
//
//	GOTOOLCHAIN=local GOEXPERIMENT=noswissmap go run -ldflags=-checklinkname=0 . < script.txt
//	GODEBUG=cpu.aes=off GOTOOLCHAIN=local GOEXPERIMENT=noswissmap go run -ldflags=-checklinkname=0 . < script.txt
//
// The first takes the runtime's AES hash where the CPU has it, the second its memhash fallback.
// -checklinkname=0 lets the linker accept the pulls of runtime internals in runtime.go.
//
// Flags:
//
//	-check-every N   also checkpoint at every op whose index is a multiple of N (1: every op)
//	-check-budget N  replace the protocol's 1024 in the checkpoint schedule; checkpoints cost
//	                 about N chain scans per op (any other value leaves protocol version 1)
//	-changed-only    print a touched chain only when it differs from what was last sent
//	-verify-range    compare every range op with an ordinary Go range over the map
//	-selftest        run built-in scripts with every checkpoint on, and report whether the
//	                 touched sets ever missed a chain a scan then found
//	-prealloc maxB   print the overflow buckets makeBucketArray preallocates for maps of
//	                 many key and value shapes at B = 0..maxB (PROTOCOL.md), and exit
//	-cpuprofile FILE write a CPU profile
//
// A summary goes to stderr at the end. Run the built binary directly rather than through
// `go run` when the exit status matters: `go run` reports any failure of the program as 1.
//
// Exit status: 0 on success, 2 on bad input or flags (one line on stderr naming the script
// line), 1 when an internal cross-check against the runtime fails.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"
	"unsafe"
)

func main() {
	checkEvery := flag.Int("check-every", 0, "also checkpoint every op whose index is a multiple of `N` (1: every op; 0: only the protocol's own)")
	budget := flag.Int("check-budget", 1024, "the protocol's checkpoint budget: checkpoint every op while the arrays hold at most `N` chains, else every ceil(chains/N) ops (not part of protocol version 1 unless 1024)")
	changedOnly := flag.Bool("changed-only", false, "print a touched chain only when it differs from the model")
	verify := flag.Bool("verify-range", false, "check every range op against an ordinary Go range")
	selftest := flag.Bool("selftest", false, "run the built-in scripts and check internal consistency")
	prealloc := flag.Int("prealloc", -1, "print the preallocated overflow buckets of maps of many shapes at B = 0..`maxB`, and exit")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to `file`")
	flag.Parse()
	if swissMap {
		// The Swiss build speaks PROTOCOL-SWISS.md (swiss.go); -prealloc, -changed-only and
		// -cpuprofile are classic-map only.
		if *checkEvery < 0 || *budget < 1 || flag.NArg() != 0 || *prealloc >= 0 || *changedOnly || *cpuprofile != "" {
			fmt.Fprintln(os.Stderr, "gotwin: usage (Swiss build): gotwin [-check-every N] [-check-budget N] [-verify-range] [-selftest] < script")
			os.Exit(2)
		}
		os.Exit(runSwiss(options{checkEvery: *checkEvery, budget: *budget, verifyRange: *verify}, *selftest))
	}
	if *checkEvery < 0 || *budget < 1 || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "gotwin: usage: gotwin [-check-every N] [-check-budget N] [-changed-only] [-verify-range] [-selftest] [-prealloc maxB] < script")
		os.Exit(2)
	}
	checkLayouts()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gotwin: %v\n", err)
			os.Exit(2)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	opts := options{checkEvery: *checkEvery, budget: *budget, changedOnly: *changedOnly, verifyRange: *verify}
	if *selftest {
		os.Exit(runSelftest(opts))
	}
	if *prealloc >= 0 {
		os.Exit(runPrealloc(*prealloc))
	}

	t0 := time.Now()
	s, err := parseScript(os.Stdin)
	if err != nil {
		var ie *inputError
		if errors.As(err, &ie) {
			fmt.Fprintf(os.Stderr, "gotwin: %v\n", ie)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "gotwin: reading script: %v\n", err)
		os.Exit(2)
	}
	e := newEngine(s, os.Stdout, opts)
	st := e.run(s)
	fmt.Fprintf(os.Stderr, "gotwin: %d ops, %d chain lines, %d arrays, %d checkpoints, %d untracked chains, %.2fs\n",
		st.ops, st.chains, st.arrays, st.checkpoints, st.untracked, time.Since(t0).Seconds())
}

// checkLayouts compares the mirrors with the sizes the runtime itself insists on.
func checkLayouts() {
	ok := unsafe.Sizeof(hiter{}) == 8+12*unsafe.Sizeof(uintptr(0)) &&
		unsafe.Sizeof(hmap{}) == 56 && unsafe.Sizeof(rtype{}) == 48 &&
		unsafe.Offsetof(mapType{}.keySize) == 48+4*8 && unsafe.Offsetof(hiter{}.startBucket) == 64
	if !ok || unsafe.Sizeof(uintptr(0)) != 8 {
		fmt.Fprintln(os.Stderr, "gotwin: runtime mirrors do not match this platform (64-bit, Go 1.24 expected)")
		os.Exit(2)
	}
}
