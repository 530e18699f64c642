//! A group: one 8-byte control word and 8 slots, and the array of groups a table owns.
//!
//! This file and `map.rs` are the only ones in `src/swiss/` with `unsafe` code. Everything
//! that reads or writes a slot's memory is here, behind [`GroupArray`], whose one invariant
//! makes its methods safe: **a slot holds a live key and value exactly when its control byte
//! is full** (high bit clear). Every method that looks at a slot reads the control byte first;
//! every method that fills or empties a slot writes the slot and the byte together.
//!
//! Layout, as Go's compiler builds the group type (`reflectdata.SwissMapGroupType`):
//! `struct { ctrl uint64; slots [8]struct{ key K; elem V } }`, key before elem in each slot.
//! A key or elem over 128 bytes is boxed and the slot holds the pointer (Go's indirect key and
//! elem), and a struct whose last field is zero-sized gets one byte of padding (Go's
//! `CalcStructSize`), so the sizes are Go's.

use core::alloc::Layout;
use core::marker::PhantomData;
use core::mem::{align_of, size_of};
use core::ptr::{self, NonNull};
use std::alloc;

use super::hooks::Observer;
use super::{AllocError, CTRL_DELETED, CTRL_EMPTY, GROUP_SLOTS, MAX_ELEM_SIZE, MAX_KEY_SIZE};

/// One in each byte.
pub(crate) const BITSET_LSB: u64 = 0x0101_0101_0101_0101;
/// The high bit of each byte.
pub(crate) const BITSET_MSB: u64 = 0x8080_8080_8080_8080;
/// A control word of 8 empty slots.
pub(crate) const BITSET_EMPTY: u64 = BITSET_LSB * CTRL_EMPTY as u64;

/// Go's `ctrlGroupMatchH2`: the slots whose byte equals `h2`, as a byte mask (the high bit of
/// byte i for slot i). Like Go's, it may also report a full slot just above a true match (the
/// subtraction's borrow runs upward); callers compare keys anyway, and a false report only
/// costs one key comparison, so the same keys are compared as in Go.
#[inline(always)]
pub(crate) fn match_h2(ctrl: u64, h2: u8) -> u64 {
    let v = ctrl ^ (BITSET_LSB * u64::from(h2));
    v.wrapping_sub(BITSET_LSB) & !v & BITSET_MSB
}

/// The slots whose byte is exactly `h2` (no false reports), as a byte mask: what the small
/// map's byte-by-byte scan compares, for its observer.
#[inline]
pub(crate) fn match_h2_exact(ctrl: u64, h2: u8) -> u64 {
    (0..GROUP_SLOTS).filter(|&i| ctrl_get(ctrl, i) == h2).fold(0, |m, i| m | 0x80 << (8 * i))
}

/// Go's `ctrlGroupMatchEmpty`: exactly the empty slots (0x80; a tombstone 0xFE has bit 1 set).
#[inline(always)]
pub(crate) fn match_empty(ctrl: u64) -> u64 {
    (ctrl & !(ctrl << 6)) & BITSET_MSB
}

/// Go's `ctrlGroupMatchEmptyOrDeleted`: the slots whose high bit is set.
#[inline(always)]
pub(crate) fn match_empty_or_deleted(ctrl: u64) -> u64 {
    ctrl & BITSET_MSB
}

/// Go's `ctrlGroupMatchFull`: the slots whose high bit is clear.
#[inline(always)]
pub(crate) fn match_full(ctrl: u64) -> u64 {
    !ctrl & BITSET_MSB
}

/// Go's `bitset.first`: the slot of the lowest byte set in a mask.
#[inline(always)]
pub(crate) fn first(mask: u64) -> usize {
    (mask.trailing_zeros() >> 3) as usize
}

/// Go's `bitset.removeFirst`.
#[inline(always)]
pub(crate) fn remove_first(mask: u64) -> u64 {
    mask & mask.wrapping_sub(1)
}

/// Go's `bitset.removeBelow`: drops the slots below `i` (i < 8).
#[inline(always)]
pub(crate) fn remove_below(mask: u64, i: usize) -> u64 {
    mask & !((1u64 << (8 * i)) - 1)
}

/// Byte `i` of a control word (Go's `ctrlGroup.get` on a little-endian machine: slot i is the
/// i-th byte in memory, which is bits 8i..8i+8 of the word read little-endian).
#[inline(always)]
pub(crate) fn ctrl_get(ctrl: u64, i: usize) -> u8 {
    (ctrl >> (8 * (i & 7))) as u8
}

const fn round_up(n: usize, align: usize) -> usize {
    (n + align - 1) & !(align - 1)
}

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// Go's struct size rule: the end of the last field, plus a byte if that field is zero-sized
/// (so a pointer to it never points past the struct), rounded up to the alignment.
const fn struct_size(end: usize, last_field_size: usize, align: usize) -> usize {
    let end = if end > 0 && last_field_size == 0 { end + 1 } else { end };
    round_up(end, align)
}

/// The shape of a group for one `(K, V)`: Go's `SwissMapType` sizes and offsets.
pub(crate) struct Shape<K, V>(PhantomData<(K, V)>);

impl<K, V> Shape<K, V> {
    /// Go's `IndirectKey`: the slot holds a pointer to a boxed key.
    pub(crate) const INDIRECT_KEY: bool = size_of::<K>() > MAX_KEY_SIZE;
    /// Go's `IndirectElem`.
    pub(crate) const INDIRECT_ELEM: bool = size_of::<V>() > MAX_ELEM_SIZE;
    const KEY_SIZE: usize = if Self::INDIRECT_KEY { size_of::<*mut K>() } else { size_of::<K>() };
    const KEY_ALIGN: usize =
        if Self::INDIRECT_KEY { align_of::<*mut K>() } else { align_of::<K>() };
    const ELEM_SIZE: usize = if Self::INDIRECT_ELEM { size_of::<*mut V>() } else { size_of::<V>() };
    const ELEM_ALIGN: usize =
        if Self::INDIRECT_ELEM { align_of::<*mut V>() } else { align_of::<V>() };
    const SLOT_ALIGN: usize = max(Self::KEY_ALIGN, Self::ELEM_ALIGN);
    /// Go's `ElemOff`: where the elem starts inside a slot.
    pub(crate) const ELEM_OFF: usize = round_up(Self::KEY_SIZE, Self::ELEM_ALIGN);
    /// Go's `SlotSize`.
    pub(crate) const SLOT_SIZE: usize =
        struct_size(Self::ELEM_OFF + Self::ELEM_SIZE, Self::ELEM_SIZE, Self::SLOT_ALIGN);
    /// Where slot 0 starts (8 in Go, whose alignments never exceed 8; more for a Rust type
    /// aligned to 16).
    const SLOTS_OFF: usize = round_up(size_of::<u64>(), Self::SLOT_ALIGN);
    pub(crate) const GROUP_ALIGN: usize = max(align_of::<u64>(), Self::SLOT_ALIGN);
    /// Go's `GroupSize`.
    pub(crate) const GROUP_SIZE: usize = struct_size(
        Self::SLOTS_OFF + GROUP_SLOTS * Self::SLOT_SIZE,
        GROUP_SLOTS * Self::SLOT_SIZE,
        Self::GROUP_ALIGN,
    );
}

/// The pointer to a key stored in the slot at `slot` (following the box of an indirect key).
///
/// # Safety
/// `slot` must point to a slot of a live [`GroupArray<K, V>`] whose control byte is full.
#[inline(always)]
pub(crate) unsafe fn slot_key<K, V>(slot: NonNull<u8>) -> *mut K {
    if Shape::<K, V>::INDIRECT_KEY {
        // SAFETY: a full indirect slot holds the Box pointer `GroupArray::put` wrote.
        unsafe { ptr::read(slot.as_ptr().cast::<*mut K>()) }
    } else {
        slot.as_ptr().cast::<K>()
    }
}

/// The pointer to the value stored in the slot at `slot`.
///
/// # Safety
/// As [`slot_key`].
#[inline(always)]
pub(crate) unsafe fn slot_elem<K, V>(slot: NonNull<u8>) -> *mut V {
    // SAFETY: ELEM_OFF is inside the slot, which lies inside the group array's allocation.
    let p = unsafe { slot.as_ptr().add(Shape::<K, V>::ELEM_OFF) };
    if Shape::<K, V>::INDIRECT_ELEM {
        // SAFETY: a full indirect slot holds the Box pointer `GroupArray::put` wrote.
        unsafe { ptr::read(p.cast::<*mut V>()) }
    } else {
        p.cast::<V>()
    }
}

/// A copy of a [`GroupArray`]'s pointer and mask, with its table's id: what the directory's
/// fast path keeps per entry, so that a lookup goes from the directory straight to the
/// groups (one dependent load fewer than directory -> table -> groups).
pub(crate) struct GroupsRef<K, V> {
    data: NonNull<u8>,
    mask: u32,
    /// The id of the table owning the array.
    pub(crate) table: u32,
    marker: PhantomData<(K, V)>,
}

impl<K, V> Clone for GroupsRef<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, V> Copy for GroupsRef<K, V> {}

// SAFETY: an alias of a GroupArray kept inside the same map, which moves between threads with
// it (reads through it are unsafe fns whose callers hold the map).
unsafe impl<K: Send, V: Send> Send for GroupsRef<K, V> {}
// SAFETY: as above.
unsafe impl<K: Sync, V: Sync> Sync for GroupsRef<K, V> {}

impl<K, V> GroupsRef<K, V> {
    /// Go's `table.getWithKey` on these groups: the slot's address and group * 8 + slot.
    ///
    /// # Safety
    /// The [`GroupArray`] this was made from must be alive, unmoved (its allocation, that is;
    /// the `GroupArray` value may move) and not written during the call.
    #[inline(always)]
    pub(crate) unsafe fn get_with_key(
        self,
        hash: u64,
        eq: &mut impl FnMut(&K) -> bool,
        obs: &mut impl Observer,
    ) -> Option<(NonNull<u8>, usize)> {
        let h2 = (hash & 0x7f) as u8;
        let mask = self.mask as usize;
        let mut offset = (hash >> 7) as usize & mask;
        let mut index = 0;
        loop {
            // The probe sequence keeps offset <= mask, so the group is inside the array.
            let group = self.data.as_ptr().wrapping_add(offset * Shape::<K, V>::GROUP_SIZE);
            // SAFETY: the array is alive (caller), group `offset` is in it, aligned to 8.
            let ctrl = unsafe { group.cast::<u64>().read() };
            let mut m = match_h2(ctrl, h2);
            obs.group(offset, ctrl, m);
            while m != 0 {
                let i = first(m);
                let slot =
                    group.wrapping_add(Shape::<K, V>::SLOTS_OFF + i * Shape::<K, V>::SLOT_SIZE);
                // SAFETY: slot i of a group inside a live allocation (caller), so not null.
                let slot = unsafe { NonNull::new_unchecked(slot) };
                // SAFETY: match_h2 reports only full slots (see find_in_group), which hold live
                // keys by the GroupArray invariant; nobody writes during the call (caller).
                let key = unsafe { &*slot_key::<K, V>(slot) };
                let equal = eq(key);
                obs.compare(i, equal);
                if equal {
                    return Some((slot, offset * GROUP_SLOTS + i));
                }
                m = remove_first(m);
            }
            if match_empty(ctrl) != 0 {
                return None;
            }
            index += 1;
            offset = (offset + index) & mask;
        }
    }
}

/// The control word a `GroupArray` with no groups reads: all empty, never written.
static EMPTY_CTRL: u64 = BITSET_EMPTY;

/// Go's `groupsReference`: a power-of-two array of groups (or none), owning the keys and
/// values in its full slots. Dropping it drops each of them once and frees the array.
pub(crate) struct GroupArray<K, V> {
    /// The first group; with no groups, the static all-empty control word (read only).
    data: NonNull<u8>,
    /// Go's `lengthMask`: groups - 1 (0 with no groups, which then reads `EMPTY_CTRL`).
    mask: usize,
    /// The number of groups (0 or a power of two).
    len: usize,
    marker: PhantomData<(K, V)>,
}

// SAFETY: a GroupArray owns its K and V values as a Vec<(K, V)> would.
unsafe impl<K: Send, V: Send> Send for GroupArray<K, V> {}
// SAFETY: shared access only reads, as for a Vec<(K, V)>.
unsafe impl<K: Sync, V: Sync> Sync for GroupArray<K, V> {}

impl<K, V> GroupArray<K, V> {
    /// An array of no groups (Go's small map before its first write, `dirPtr == nil`).
    pub(crate) const fn none() -> Self {
        GroupArray {
            // SAFETY: a pointer to a static is never null.
            data: unsafe { NonNull::new_unchecked(&EMPTY_CTRL as *const u64 as *mut u8) },
            mask: 0,
            len: 0,
            marker: PhantomData,
        }
    }

    /// The array layout of `len` groups.
    fn layout(len: usize) -> Result<Layout, AllocError> {
        let size =
            Shape::<K, V>::GROUP_SIZE.checked_mul(len).ok_or(AllocError::CapacityOverflow)?;
        Layout::from_size_align(size, Shape::<K, V>::GROUP_ALIGN)
            .map_err(|_| AllocError::CapacityOverflow)
    }

    /// Go's `newGroups` followed by `setEmpty` on each group: `len` (a power of two, > 0)
    /// groups, every slot empty.
    pub(crate) fn new(len: usize) -> Result<Self, AllocError> {
        assert!(len.is_power_of_two(), "group count must be a power of two");
        let layout = Self::layout(len)?;
        // Go's groups are never smaller than 16 bytes (ctrl word plus padding), so the size is
        // never zero.
        debug_assert!(layout.size() > 0);
        // SAFETY: the layout's size is nonzero (a group is at least its 8-byte control word).
        let raw = unsafe { alloc::alloc(layout) };
        let data = NonNull::new(raw).ok_or(AllocError::AllocError { layout })?;
        for g in 0..len {
            // SAFETY: group g's control word is inside the allocation and aligned to 8.
            unsafe {
                data.as_ptr().add(g * Shape::<K, V>::GROUP_SIZE).cast::<u64>().write(BITSET_EMPTY)
            };
        }
        Ok(GroupArray { data, mask: len - 1, len, marker: PhantomData })
    }

    /// The directory's copy of this array's address, for table `table`.
    pub(crate) fn as_ref(&self, table: usize) -> GroupsRef<K, V> {
        GroupsRef {
            data: self.data,
            mask: self.mask as u32,
            table: table as u32,
            marker: PhantomData,
        }
    }

    /// Whether `r` is a copy of this array's address.
    pub(crate) fn is(&self, r: &GroupsRef<K, V>) -> bool {
        self.data == r.data && self.mask == r.mask as usize
    }

    /// The number of groups.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Go's `lengthMask`.
    #[inline(always)]
    pub(crate) fn length_mask(&self) -> usize {
        self.mask
    }

    /// Bytes of the array's allocation.
    pub(crate) fn allocated_bytes(&self) -> usize {
        self.len * Shape::<K, V>::GROUP_SIZE
    }

    /// The address of group `g & mask`.
    #[inline(always)]
    fn group_ptr(&self, g: usize) -> *mut u8 {
        // With no groups mask is 0 and this is the static control word. Otherwise g & mask is
        // below len, so the offset stays inside the allocation.
        self.data.as_ptr().wrapping_add((g & self.mask) * Shape::<K, V>::GROUP_SIZE)
    }

    /// The address of slot `i` of group `g & mask` (a handle; making it touches no memory).
    #[inline(always)]
    pub(crate) fn slot_ptr(&self, g: usize, i: usize) -> NonNull<u8> {
        let p = self
            .group_ptr(g)
            .wrapping_add(Shape::<K, V>::SLOTS_OFF + (i & 7) * Shape::<K, V>::SLOT_SIZE);
        // SAFETY: an offset inside (or, with no groups, only computed next to) a non-null
        // allocation does not wrap to null.
        unsafe { NonNull::new_unchecked(p) }
    }

    /// The control word of group `g & mask` (Go's `*g.ctrls()`).
    #[inline(always)]
    pub(crate) fn ctrls(&self, g: usize) -> u64 {
        // SAFETY: group_ptr points to a control word inside the allocation (or the static one),
        // aligned to 8 (GROUP_ALIGN >= 8 and GROUP_SIZE is a multiple of it).
        unsafe { self.group_ptr(g).cast::<u64>().read() }
    }

    /// Writes byte `i` of group `g`'s control word. Private: only methods that keep the
    /// invariant (full byte iff live slot) call it.
    #[inline(always)]
    fn set_ctrl(&mut self, g: usize, i: usize, c: u8) {
        assert!(self.len != 0, "write to a group array with no groups");
        // SAFETY: len > 0, so the control word of group g & mask is in the allocation and
        // `&mut self` means nobody else reads it; byte i & 7 is inside the 8-byte word.
        unsafe { self.group_ptr(g).add(i & 7).write(c) };
    }

    /// Marks a slot that holds nothing as empty or deleted (Go's `ctrls().set` with
    /// `ctrlEmpty`/`ctrlDeleted`): `c` must not be a full byte and the slot must not be full.
    pub(crate) fn set_free(&mut self, g: usize, i: usize, c: u8) {
        assert!(c == CTRL_EMPTY || c == CTRL_DELETED, "not a free control byte");
        assert!(ctrl_get(self.ctrls(g), i) & CTRL_EMPTY != 0, "slot is full");
        self.set_ctrl(g, i, c);
    }

    /// Searches group `g` for a key: the first slot whose byte matches `h2` (Go's `matchH2`)
    /// and whose key `eq` accepts, or else the group's control word, for the caller's
    /// end-of-probe test.
    #[inline(always)]
    pub(crate) fn find_in_group(
        &self,
        g: usize,
        h2: u8,
        eq: &mut impl FnMut(&K) -> bool,
    ) -> Result<usize, u64> {
        let ctrl = self.ctrls(g);
        let mut m = match_h2(ctrl, h2);
        while m != 0 {
            let i = first(m);
            // A false match from match_h2 lands on a full slot (an empty or deleted byte keeps
            // its high bit after the xor with a 7-bit h2, which the mask removes), so every
            // reported slot is full, as `ctrl` (read under `&self`) says.
            debug_assert!(ctrl_get(ctrl, i) & CTRL_EMPTY == 0);
            // SAFETY: slot i's byte in `ctrl` is full, so by the invariant it holds a live
            // key, which nobody mutates while `&self` is held.
            let key = unsafe { &*slot_key::<K, V>(self.slot_ptr(g, i)) };
            if eq(key) {
                return Ok(i);
            }
            m = remove_first(m);
        }
        Err(ctrl)
    }

    /// The key and value in slot `i` of group `g`, if the slot is full.
    #[inline]
    pub(crate) fn get(&self, g: usize, i: usize) -> Option<(&K, &V)> {
        if ctrl_get(self.ctrls(g), i) & CTRL_EMPTY != 0 {
            return None;
        }
        let p = self.slot_ptr(g, i);
        // SAFETY: the byte is full, so the slot holds a live key and value (invariant), which
        // stay unmutated while `&self` is borrowed.
        unsafe { Some((&*slot_key::<K, V>(p), &*slot_elem::<K, V>(p))) }
    }

    /// The key in slot `i` of group `g`, if the slot is full.
    #[inline]
    pub(crate) fn key(&self, g: usize, i: usize) -> Option<&K> {
        self.get(g, i).map(|(k, _)| k)
    }

    /// Fills the free slot `i` of group `g` with `key`, `value` and control byte `h2` (< 0x80),
    /// and returns the slot's address. Panics (before anything is written) if the slot is full
    /// or the array has no groups.
    #[inline(always)]
    pub(crate) fn put(&mut self, g: usize, i: usize, h2: u8, key: K, value: V) -> NonNull<u8> {
        assert!(h2 < CTRL_EMPTY, "h2 is 7 bits");
        assert!(self.len != 0, "write to a group array with no groups");
        assert!(ctrl_get(self.ctrls(g), i) & CTRL_EMPTY != 0, "slot is full");
        let slot = self.slot_ptr(g, i);
        let p = slot.as_ptr();
        // SAFETY: the slot is inside the allocation (len > 0), free (no live value to
        // overwrite) and aligned (SLOTS_OFF and SLOT_SIZE are multiples of both alignments;
        // ELEM_OFF of the elem's). `&mut self` excludes other access.
        unsafe {
            if Shape::<K, V>::INDIRECT_KEY {
                p.cast::<*mut K>().write(Box::into_raw(Box::new(key)));
            } else {
                p.cast::<K>().write(key);
            }
            let e = p.add(Shape::<K, V>::ELEM_OFF);
            if Shape::<K, V>::INDIRECT_ELEM {
                e.cast::<*mut V>().write(Box::into_raw(Box::new(value)));
            } else {
                e.cast::<V>().write(value);
            }
        }
        self.set_ctrl(g, i, h2);
        slot
    }

    /// Empties the full slot `i` of group `g`, marking it `mark` (empty or deleted), and
    /// returns its key and value. Panics (changing nothing) if the slot is not full.
    #[inline(always)]
    pub(crate) fn take(&mut self, g: usize, i: usize, mark: u8) -> (K, V) {
        assert!(mark == CTRL_EMPTY || mark == CTRL_DELETED, "not a free control byte");
        assert!(ctrl_get(self.ctrls(g), i) & CTRL_EMPTY == 0, "slot is not full");
        let p = self.slot_ptr(g, i);
        // The byte goes first: from here the slot's values are ours alone.
        self.set_ctrl(g, i, mark);
        // SAFETY: the slot was full, so it held a live key and value (boxed when indirect),
        // which are read out exactly once now that the byte says free.
        unsafe {
            let k = slot_key::<K, V>(p);
            let v = slot_elem::<K, V>(p);
            let k = if Shape::<K, V>::INDIRECT_KEY { *Box::from_raw(k) } else { k.read() };
            let v = if Shape::<K, V>::INDIRECT_ELEM { *Box::from_raw(v) } else { v.read() };
            (k, v)
        }
    }

    /// Go's `typedmemclr` + `setEmpty` over every group: drops every key and value and marks
    /// every slot empty. If a drop panics, the rest are still dropped (a second panic aborts,
    /// as for a `Vec`) and every slot ends empty.
    pub(crate) fn clear(&mut self) {
        if self.len == 0 {
            return;
        }
        struct Rest<'a, K, V>(&'a mut GroupArray<K, V>);
        impl<K, V> Drop for Rest<'_, K, V> {
            fn drop(&mut self) {
                // Only reached while unwinding from a drop: carry on with the other slots.
                self.0.clear();
            }
        }
        let rest = Rest(self);
        for g in 0..rest.0.len {
            let mut full = match_full(rest.0.ctrls(g));
            if !core::mem::needs_drop::<K>()
                && !core::mem::needs_drop::<V>()
                && !Shape::<K, V>::INDIRECT_KEY
                && !Shape::<K, V>::INDIRECT_ELEM
            {
                full = 0;
            }
            while full != 0 {
                let i = first(full);
                full = remove_first(full);
                drop(rest.0.take(g, i, CTRL_EMPTY));
            }
            // SAFETY: group g's control word is in the allocation; every full slot of it has
            // been taken (or holds nothing that needs dropping), so marking all empty leaks
            // nothing that needs dropping and leaves no byte claiming a dead slot.
            unsafe { rest.0.group_ptr(g).cast::<u64>().write(BITSET_EMPTY) };
        }
        core::mem::forget(rest);
    }
}

impl<K, V> Drop for GroupArray<K, V> {
    fn drop(&mut self) {
        if self.len == 0 {
            return;
        }
        struct Free(NonNull<u8>, Layout);
        impl Drop for Free {
            fn drop(&mut self) {
                // SAFETY: allocated in `new` with this layout, freed once (here).
                unsafe { alloc::dealloc(self.0.as_ptr(), self.1) };
            }
        }
        // The layout was valid when allocated.
        let layout = Self::layout(self.len).expect("layout");
        let _free = Free(self.data, layout);
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(w: u64) -> [u8; 8] {
        w.to_le_bytes()
    }

    fn slots(mut m: u64) -> Vec<usize> {
        let mut v = Vec::new();
        while m != 0 {
            v.push(first(m));
            m = remove_first(m);
        }
        v
    }

    #[test]
    fn matches_agree_with_a_byte_loop() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let b: [u8; 8] = core::array::from_fn(|i| {
                let r = (x >> (i * 7)) as u8;
                match r % 4 {
                    0 => CTRL_EMPTY,
                    1 => CTRL_DELETED,
                    _ => r & 0x7f,
                }
            });
            let w = u64::from_le_bytes(b);
            let want = |f: &dyn Fn(u8) -> bool| (0..8).filter(|&i| f(b[i])).collect::<Vec<_>>();
            assert_eq!(slots(match_empty(w)), want(&|c| c == CTRL_EMPTY));
            assert_eq!(slots(match_empty_or_deleted(w)), want(&|c| c & 0x80 != 0));
            assert_eq!(slots(match_full(w)), want(&|c| c & 0x80 == 0));
            let h2 = ((x >> 60) as u8 & 0x7f) | ((b[3] & 0x7f) * ((x & 1) as u8));
            let got = slots(match_h2(w, h2));
            let exact = want(&|c| c == h2);
            // The lowest report is exact; later ones are a superset, on full slots only.
            assert_eq!(got.first(), exact.first());
            assert!(exact.iter().all(|i| got.contains(i)));
            assert!(got.iter().all(|&i| bytes(w)[i] & 0x80 == 0));
            for (i, &c) in b.iter().enumerate() {
                assert_eq!(ctrl_get(w, i), c);
            }
        }
    }

    #[test]
    fn shapes_are_gos() {
        // map[int64]int64: slot 16, group 8 + 128.
        assert_eq!(Shape::<u64, u64>::SLOT_SIZE, 16);
        assert_eq!(Shape::<u64, u64>::GROUP_SIZE, 136);
        // map[int64]struct{}: the zero-sized elem is padded by a byte, then aligned.
        assert_eq!(Shape::<u64, ()>::SLOT_SIZE, 16);
        // map[uint8]uint64: key, 7 bytes padding, elem.
        assert_eq!(Shape::<u8, u64>::ELEM_OFF, 8);
        // map[struct{}]struct{}: zero-sized slots, the group still ends a byte after them.
        assert_eq!(Shape::<(), ()>::GROUP_SIZE, 16);
        // A 200-byte key is boxed.
        const { assert!(Shape::<[u8; 200], u8>::INDIRECT_KEY) };
        assert_eq!(Shape::<[u8; 200], u8>::SLOT_SIZE, 16);
    }

    #[test]
    fn put_take_and_drop() {
        // A 300-byte value is stored boxed (indirect).
        let mut a = GroupArray::<String, [u8; 300]>::new(2).unwrap();
        a.put(1, 3, 5, "x".into(), [1; 300]);
        assert_eq!(ctrl_get(a.ctrls(1), 3), 5);
        assert_eq!(a.key(1, 3).map(String::as_str), Some("x"));
        assert!(a.get(1, 2).is_none());
        let (k, v) = a.take(1, 3, CTRL_DELETED);
        assert_eq!((k.as_str(), v[7]), ("x", 1));
        assert_eq!(ctrl_get(a.ctrls(1), 3), CTRL_DELETED);
        a.put(0, 0, 1, "y".into(), [2; 300]);
        drop(a); // Miri/ASAN check that "y" is freed once.
        let none = GroupArray::<u8, u8>::none();
        assert_eq!(none.ctrls(5), BITSET_EMPTY);
    }
}
