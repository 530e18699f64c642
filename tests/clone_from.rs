//! `clone_from` reuses the destination's bucket arrays where their sizes match the source's
//! (as std's and hashbrown's reuse their allocation), and allocates where they do not. A
//! counting allocator sees which: it counts the calls this thread makes for blocks of at
//! least a bucket array's size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use gomap::{GoMap, GoSet};

struct Counting;

thread_local! {
    static BIG_ALLOCS: Cell<usize> = const { Cell::new(0) };
}

/// Smaller than any bucket array below (B >= 4 with u64 keys and values), larger than the
/// other allocations a clone makes.
const BIG: usize = 2048;

// SAFETY: forwards to the system allocator; the counter is a const-initialised thread local,
// which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout);
        // SAFETY: forwarded from the caller.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout);
        // SAFETY: forwarded from the caller.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from the caller.
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn count(layout: Layout) {
    if layout.size() >= BIG {
        let _ = BIG_ALLOCS.try_with(|c| c.set(c.get() + 1));
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn big_allocs_in(f: impl FnOnce()) -> usize {
    let before = BIG_ALLOCS.with(Cell::get);
    f();
    BIG_ALLOCS.with(Cell::get) - before
}

fn map(n: u64, offset: u64) -> GoMap<u64, u64> {
    (0..n).map(|i| (i + offset, i)).collect()
}

#[test]
fn clone_from_reuses_arrays_of_the_same_size() {
    // Same B, not growing: the destination's array is reused, nothing big is allocated.
    let src = map(400, 0);
    let mut dst = map(400, 1_000_000);
    assert_eq!((src.stats().b, src.stats().growing), (dst.stats().b, false));
    assert_eq!(big_allocs_in(|| dst.clone_from(&src)), 0);
    assert_eq!(dst, src);

    // Both mid-grow at the same sizes: both arrays are reused.
    let src = map(833, 0);
    let mut dst = map(833, 1_000_000);
    assert!(src.stats().growing && dst.stats().growing);
    assert_eq!(big_allocs_in(|| dst.clone_from(&src)), 0);
    assert_eq!(dst.stats(), src.stats());
    assert_eq!(dst, src);

    // A different size: a new array, as `clone` would make.
    let mut small = map(100, 7);
    let n = big_allocs_in(|| small.clone_from(&src));
    assert!(n >= 1, "{n}");
    assert_eq!(small, src);

    // Sets share the code.
    let a: GoSet<u64> = (0..400).collect();
    let mut b: GoSet<u64> = (500..900).collect();
    assert_eq!(big_allocs_in(|| b.clone_from(&a)), 0);
    assert_eq!(a, b);
}
