//! Go's allocator size classes, for the one place the map's layout depends on them: Go's
//! makeBucketArray asks `roundupsize` how big the array's allocation will really be and fills
//! the slack with preallocated overflow buckets. Copied from Go 1.24's runtime/msize.go,
//! runtime/sizeclasses.go (generated there by mksizeclasses.go) and the constants of
//! runtime/malloc.go and runtime/mbitmap.go, for 64-bit platforms.

/// Objects up to this size come from a size class; larger ones get whole pages (`maxSmallSize`).
const MAX_SMALL_SIZE: usize = 32768;
/// `smallSizeDiv`, `smallSizeMax`, `largeSizeDiv`: the steps of the two lookup tables.
const SMALL_SIZE_DIV: usize = 8;
const SMALL_SIZE_MAX: usize = 1024;
const LARGE_SIZE_DIV: usize = 128;
/// Go's page (`_PageSize`, 1 << `_PageShift`): a large object is rounded up to whole pages.
const PAGE_SIZE: usize = 8192;
/// The header a small object with pointers carries above `MIN_SIZE_FOR_MALLOC_HEADER` bytes.
const MALLOC_HEADER_SIZE: usize = 8;
/// `goarch.PtrSize * ptrBits`: up to this size the pointer bitmap sits in the span instead.
const MIN_SIZE_FOR_MALLOC_HEADER: usize = 8 * 64;

/// `class_to_size`: the object size of each size class (class 0 is unused).
const CLASS_TO_SIZE: [u16; 68] = [
    0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320,
    352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792,
    2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728,
    10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672,
    32768,
];
/// `size_to_class8`: the class of a small object, by its size in steps of 8 up to 1024.
const SIZE_TO_CLASS8: [u8; 129] = [
    0, 1, 2, 3, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15,
    16, 16, 17, 17, 18, 18, 19, 19, 19, 19, 20, 20, 20, 20, 21, 21, 21, 21, 22, 22, 22, 22, 23, 23,
    23, 23, 24, 24, 24, 24, 25, 25, 25, 25, 26, 26, 26, 26, 27, 27, 27, 27, 27, 27, 27, 27, 28, 28,
    28, 28, 28, 28, 28, 28, 29, 29, 29, 29, 29, 29, 29, 29, 30, 30, 30, 30, 30, 30, 30, 30, 31, 31,
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32,
    32, 32, 32, 32, 32, 32,
];
/// `size_to_class128`: the class of an object over 1024 bytes, by its size in steps of 128.
const SIZE_TO_CLASS128: [u8; 249] = [
    32, 33, 34, 35, 36, 37, 37, 38, 38, 39, 39, 40, 40, 40, 41, 41, 41, 42, 43, 43, 44, 44, 44, 44,
    44, 45, 45, 45, 45, 45, 45, 46, 46, 46, 46, 47, 47, 47, 47, 47, 47, 48, 48, 48, 49, 49, 50, 51,
    51, 51, 51, 51, 51, 51, 51, 51, 51, 52, 52, 52, 52, 52, 52, 52, 52, 52, 52, 53, 53, 54, 54, 54,
    54, 55, 55, 55, 55, 55, 56, 56, 56, 56, 56, 56, 56, 56, 56, 56, 56, 57, 57, 57, 57, 57, 57, 57,
    57, 57, 57, 58, 58, 58, 58, 58, 58, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59,
    59, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 61, 61, 61, 61, 61, 62, 62,
    62, 62, 62, 62, 62, 62, 62, 62, 62, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 65, 65, 65, 65, 65, 65, 65,
    65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
    66, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67,
    67, 67, 67, 67, 67, 67, 67, 67, 67,
];

/// Go's `roundupsize`: the bytes mallocgc really hands out for a request of `size` bytes (less
/// the malloc header it adds to a small object with pointers). `noscan`: no pointers inside.
pub(crate) fn roundupsize(size: usize, noscan: bool) -> usize {
    let mut req = size;
    if req <= MAX_SMALL_SIZE - MALLOC_HEADER_SIZE {
        if !noscan && req > MIN_SIZE_FOR_MALLOC_HEADER {
            req += MALLOC_HEADER_SIZE;
        }
        let class = if req <= SMALL_SIZE_MAX - 8 {
            SIZE_TO_CLASS8[req.div_ceil(SMALL_SIZE_DIV)]
        } else {
            SIZE_TO_CLASS128[(req - SMALL_SIZE_MAX).div_ceil(LARGE_SIZE_DIV)]
        };
        return usize::from(CLASS_TO_SIZE[usize::from(class)]) - (req - size);
    }
    // A large object: whole pages (Go returns the size as is when rounding would overflow).
    match req.checked_add(PAGE_SIZE - 1) {
        Some(r) => r & !(PAGE_SIZE - 1),
        None => size,
    }
}

/// Go's makeBucketArray sizing: the overflow buckets an array of 2^b buckets of `bucket_size`
/// bytes carries at its tail. From B = 4 on it asks for 2^(B-4), then keeps every whole bucket
/// that fits in the allocation rounded up to its size class or to whole pages.
pub(crate) fn preallocated_overflow(b: u8, bucket_size: usize, holds_pointers: bool) -> usize {
    if b < 4 || bucket_size == 0 {
        return 0;
    }
    let Some(base) = 1usize.checked_shl(u32::from(b)) else { return 0 };
    let n = base + (base >> 4);
    // Too big to allocate anyway: the caller reports the overflow.
    let Some(size) = bucket_size.checked_mul(n) else { return n - base };
    let up = roundupsize(size, !holds_pointers);
    if up == size {
        n - base
    } else {
        up / bucket_size - base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_sizes_round_up_to_their_class() {
        assert_eq!(roundupsize(1, true), 8);
        assert_eq!(roundupsize(9, true), 16);
        assert_eq!(roundupsize(144, true), 144);
        assert_eq!(roundupsize(145, true), 160);
        assert_eq!(roundupsize(1016, true), 1024);
        assert_eq!(roundupsize(1025, true), 1152);
        assert_eq!(roundupsize(2448, true), 2688);
        assert_eq!(roundupsize(32768, true), 32768);
    }

    #[test]
    fn a_small_object_with_pointers_makes_room_for_its_malloc_header() {
        // Up to 512 bytes the pointer bitmap lives in the span: no header.
        assert_eq!(roundupsize(512, false), 512);
        // 600 + 8 = 608 -> class 640, of which the header takes 8.
        assert_eq!(roundupsize(600, false), 632);
        assert_eq!(roundupsize(600, true), 640);
        // 32760 + 8 just fits the last class; one byte more takes whole pages, no header.
        assert_eq!(roundupsize(32760, false), 32760);
        assert_eq!(roundupsize(32761, false), 32768);
    }

    #[test]
    fn large_objects_take_whole_pages() {
        assert_eq!(roundupsize(32769, true), 40960);
        assert_eq!(roundupsize(39168, true), 40960);
        assert_eq!(roundupsize(40960, false), 40960);
        assert_eq!(roundupsize(usize::MAX - 3, true), usize::MAX - 3);
    }

    #[test]
    fn a_u64_map_gets_the_overflow_buckets_a_live_go_map_has() {
        // map[uint64]uint64: 144-byte buckets without pointers, read from Go 1.24 maps.
        let go = [
            (0, 0),
            (3, 0),
            (4, 2),
            (5, 5),
            (6, 7),
            (7, 14),
            (8, 28),
            (9, 56),
            (10, 113),
            (12, 284),
        ];
        for (b, n) in go {
            assert_eq!(preallocated_overflow(b, 144, false), n, "B = {b}");
        }
        // 2^(B-4) asked for, never fewer.
        for b in 4..40 {
            assert!(preallocated_overflow(b, 144, false) >= 1 << (b - 4), "B = {b}");
        }
    }

    #[test]
    fn overflowing_sizes_fall_back_to_what_was_asked_for() {
        assert_eq!(preallocated_overflow(60, 144, false), 1 << 56);
        assert_eq!(preallocated_overflow(70, 144, false), 0);
    }
}
