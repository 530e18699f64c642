//! The few synchronisation primitives the concurrent maps are built on, behind one seam.
//!
//! Normal builds publish pointers with crossbeam-epoch: a reader pins the thread once (one
//! fenced write to a thread-local word) and then follows any number of published pointers with
//! plain acquire loads, and a replaced pointee is freed only after every thread pinned at the
//! time has unpinned. All of the crate's unsafe code for the concurrent maps is in this file.
//!
//! Under `cfg(loom)` the same interface is backed by loom locks around `Arc`s, because loom
//! cannot see inside crossbeam-epoch; the loom models then check the map's promotion and expunge
//! protocol. Snapshots are leaked there (never freed), which keeps pointer identity unique.

use std::sync::{LockResult, PoisonError};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::AtomicBool;
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::AtomicBool;
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

pub(crate) use imp::{pin, Fresh, Guard, Published, Snapshot, ValueCell};

/// Takes a lock even if another thread panicked while holding it.
///
/// The maps' own invariants never span a user callback, so a panic in `Hash`, `Eq` or `Clone`
/// leaves them usable; refusing every later call would turn one panic into many.
pub(crate) fn unpoison<G>(r: LockResult<G>) -> G {
    r.unwrap_or_else(PoisonError::into_inner)
}

/// The two value-less states a [`ValueCell`] can be set to.
#[derive(Clone, Copy)]
pub(crate) enum Mark {
    Deleted,
    Expunged,
}

/// What a [`ValueCell`] held when it was read. Go's `entry.p`: nil, `expunged`, or a value.
pub(crate) enum State<'a, V> {
    Deleted,
    Expunged,
    Value(&'a V),
}

#[cfg(not(loom))]
mod imp {
    use super::{Mark, State};
    use crossbeam_epoch::{self as epoch, Atomic, Owned, Shared};
    use std::cell::UnsafeCell;
    use std::mem::{self, ManuallyDrop};
    use std::ptr::{self, NonNull};
    use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
    use std::sync::atomic::{fence, AtomicUsize};

    pub(crate) use epoch::Guard;

    /// Pins this thread: pointers loaded under the guard stay valid until it is dropped.
    #[inline]
    pub(crate) fn pin() -> Guard {
        epoch::pin()
    }

    /// A never-null published pointer. Readers load it lock-free; writers replace it only while
    /// holding the map's lock, so a plain swap suffices.
    pub(crate) struct Published<T> {
        p: Atomic<T>,
    }

    impl<T> Published<T> {
        pub(crate) fn new(value: T) -> Self {
            Published { p: Atomic::new(value) }
        }

        #[inline]
        pub(crate) fn load<'a>(&'a self, guard: &'a Guard) -> &'a T {
            let cur = self.p.load(Acquire, guard);
            // SAFETY: the pointer is never null (set in `new`, only ever swapped for another
            // `Owned`), and a replaced pointee is destroyed through `defer_destroy`, i.e. only
            // after `guard`, pinned before the load, is dropped.
            unsafe { cur.deref() }
        }

        /// Publishes `value`; the old one is freed once no pinned reader can still see it.
        pub(crate) fn replace(&self, value: T, guard: &Guard)
        where
            T: Send + 'static,
        {
            let old = self.p.swap(Owned::new(value), AcqRel, guard);
            // SAFETY: `old` is unlinked, so no reader that pins from now on can reach it; the
            // epoch delays the drop past every guard that may have loaded it. `T: Send +
            // 'static` because that drop may run on another thread, after the map is gone.
            unsafe { guard.defer_destroy(old) };
            // Hand the old pointee to the global queue now: a thread that seldom retires
            // anything would otherwise keep it in its local bag, and ConcurrentMap waits for
            // the last reference to a retired read map before emptying it.
            guard.flush();
        }
    }

    impl<T> Drop for Published<T> {
        fn drop(&mut self) {
            let p = mem::replace(&mut self.p, Atomic::null());
            // SAFETY: `&mut self` means no thread holds a guard-bound reference into this
            // cell any more (loads borrow `self`), and the pointee is the one we own.
            drop(unsafe { p.try_into_owned() });
        }
    }

    /// Tag on a null pointer that marks a cell expunged, standing in for Go's sentinel.
    const EXPUNGED: usize = 1;

    /// A value; the alignment guarantees the low pointer bit that carries `EXPUNGED`.
    #[repr(align(2))]
    pub(crate) struct Boxed<V>(V);

    /// A cell's one allocation. `first` holds the value the cell was made with, next to `p`,
    /// so that a load of a key whose value was never replaced touches one cache line after
    /// the map's bucket; later values are boxed. `refs` counts the handles (the read and the
    /// dirty map share a cell) plus one while a retired `first` awaits its deferred drop.
    #[repr(C)]
    struct CellInner<V> {
        /// Null (deleted), tagged null (expunged), `first`, or a boxed later value.
        p: Atomic<Boxed<V>>,
        first: UnsafeCell<ManuallyDrop<Boxed<V>>>,
        refs: AtomicUsize,
    }

    /// A counted handle to one entry's value cell (Go's `*entry`): deleted, expunged or a
    /// value. Cloning it shares the cell.
    pub(crate) struct ValueCell<V> {
        inner: NonNull<CellInner<V>>,
    }

    // SAFETY: a cell hands out `&V` to any thread holding a handle (so `V: Sync`) and drops
    // values on whichever thread retires or frees them (so `V: Send`); its own fields are
    // atomics, and `first` is only written by its deferred drop, after every reader is gone.
    unsafe impl<V: Send + Sync> Send for ValueCell<V> {}
    // SAFETY: as for `Send`: every method takes `&self` and synchronises through the atomics.
    unsafe impl<V: Send + Sync> Sync for ValueCell<V> {}

    /// A read of a [`ValueCell`], valid while the guard and the cell it came from are borrowed.
    pub(crate) struct Snapshot<'a, V> {
        raw: Shared<'a, Boxed<V>>,
    }

    impl<V> Clone for Snapshot<'_, V> {
        fn clone(&self) -> Self {
            *self
        }
    }
    impl<V> Copy for Snapshot<'_, V> {}

    impl<'a, V> Snapshot<'a, V> {
        #[inline]
        pub(crate) fn state(self) -> State<'a, V> {
            // SAFETY: `raw` was loaded from a cell under a guard that outlives 'a. It points at
            // a boxed value or at the cell's `first`; either is dropped, once replaced, only
            // by a deferred function that runs after that guard, and the cell itself (which
            // frees its current value directly when its last handle goes) is borrowed for 'a.
            match unsafe { self.raw.as_ref() } {
                Some(b) => State::Value(&b.0),
                None if self.raw.tag() == EXPUNGED => State::Expunged,
                None => State::Deleted,
            }
        }
    }

    /// A boxed value not yet in any cell; a rejected compare-and-swap hands it back.
    pub(crate) struct Fresh<V>(Owned<Boxed<V>>);

    impl<V> Fresh<V> {
        pub(crate) fn new(v: V) -> Self {
            Fresh(Owned::new(Boxed(v)))
        }

        pub(crate) fn get(&self) -> &V {
            &self.0 .0
        }

        /// The value, unboxed (for a brand-new cell, which keeps it inline).
        pub(crate) fn into_inner(self) -> V {
            self.0.into_box().0
        }
    }

    fn marker<'a, V>(mark: Mark) -> Shared<'a, Boxed<V>> {
        match mark {
            Mark::Deleted => Shared::null(),
            Mark::Expunged => Shared::null().with_tag(EXPUNGED),
        }
    }

    /// Where `inner`'s first value lives.
    fn first_of<V>(inner: NonNull<CellInner<V>>) -> *const Boxed<V> {
        // SAFETY: only computes a field address inside the live allocation; `ManuallyDrop`
        // and `UnsafeCell` are `repr(transparent)`, so the cast keeps the type's layout.
        unsafe { ptr::addr_of!((*inner.as_ptr()).first) as *const Boxed<V> }
    }

    /// Drops one count of `inner`, freeing the cell (and its current value) with the last.
    ///
    /// # Safety
    ///
    /// The caller owns one count, and gives it up.
    unsafe fn release<V>(inner: NonNull<CellInner<V>>) {
        // SAFETY: the caller's count keeps the allocation alive until the decrement.
        if unsafe { inner.as_ref() }.refs.fetch_sub(1, Release) != 1 {
            return;
        }
        // Pairs with the other handles' Release decrements: their uses happen before the free.
        fence(Acquire);
        // SAFETY: this was the last count: no handle, snapshot or deferred drop remains, so we
        // own the allocation (made by `Box` in `ValueCell::new`).
        let cell = unsafe { Box::from_raw(inner.as_ptr()) };
        // SAFETY: this was the last count, so nothing else can reach the cell; `unprotected`
        // suits such exclusive use.
        let cur = cell.p.load(Relaxed, unsafe { epoch::unprotected() });
        if cur.as_raw() == first_of(inner) {
            // SAFETY: `first` was never retired (`p` never returns to it once swapped away),
            // so it is still live, and this is its only drop.
            unsafe { ManuallyDrop::drop(&mut *cell.first.get()) };
        } else if !cur.is_null() {
            // SAFETY: a non-null `p` other than `first` is a boxed value this cell owns and
            // never retired (a retired one is no longer in `p`).
            drop(unsafe { cur.into_owned() });
        }
    }

    impl<V> ValueCell<V> {
        pub(crate) fn new(v: V) -> Self {
            let inner = NonNull::from(Box::leak(Box::new(CellInner {
                p: Atomic::null(),
                first: UnsafeCell::new(ManuallyDrop::new(Boxed(v))),
                refs: AtomicUsize::new(1),
            })));
            // Relaxed: the cell reaches other threads only through a map published later.
            // SAFETY: just allocated, and the handle below keeps it alive.
            unsafe { inner.as_ref() }.p.store(Shared::from(first_of(inner)), Relaxed);
            ValueCell { inner }
        }

        #[inline]
        fn cell(&self) -> &CellInner<V> {
            // SAFETY: this handle holds a count, so the allocation is live while `self` is.
            unsafe { self.inner.as_ref() }
        }

        #[inline]
        pub(crate) fn load<'a>(&'a self, guard: &'a Guard) -> Snapshot<'a, V> {
            Snapshot { raw: self.cell().p.load(Acquire, guard) }
        }

        /// Stores `new` if the cell still holds exactly what `current` read.
        pub(crate) fn compare_and_swap<'a>(
            &'a self,
            current: Snapshot<'a, V>,
            new: Fresh<V>,
            guard: &'a Guard,
        ) -> Result<(), Fresh<V>>
        where
            V: Send + 'static,
        {
            match self.cell().p.compare_exchange(current.raw, new.0, AcqRel, Acquire, guard) {
                Ok(_) => {
                    self.retire(current.raw, guard);
                    Ok(())
                }
                Err(e) => Err(Fresh(e.new)),
            }
        }

        /// Sets the cell to `mark` if it still holds exactly what `current` read.
        pub(crate) fn compare_and_mark<'a>(
            &'a self,
            current: Snapshot<'a, V>,
            mark: Mark,
            guard: &'a Guard,
        ) -> bool
        where
            V: Send + 'static,
        {
            let cas =
                self.cell().p.compare_exchange(current.raw, marker(mark), AcqRel, Acquire, guard);
            if cas.is_ok() {
                self.retire(current.raw, guard);
            }
            cas.is_ok()
        }

        /// Stores `new` unconditionally, returning what was there (readable until `guard` ends).
        pub(crate) fn swap<'a>(&'a self, new: Fresh<V>, guard: &'a Guard) -> Snapshot<'a, V>
        where
            V: Send + 'static,
        {
            let old = self.cell().p.swap(new.0, AcqRel, guard);
            self.retire(old, guard);
            Snapshot { raw: old }
        }

        /// Drops `old`, just unlinked from `p` by this thread's swap or CAS, once no pinned
        /// reader can still see it.
        fn retire(&self, old: Shared<'_, Boxed<V>>, guard: &Guard)
        where
            V: Send + 'static,
        {
            if old.is_null() {
                return;
            }
            if old.as_raw() != first_of(self.inner) {
                // SAFETY: `old` is a boxed value unlinked exactly once (by the caller's atomic
                // swap or CAS), so new readers cannot reach it; the drop waits for every guard
                // that may have loaded it. `V: Send + 'static` because that drop may run on
                // another thread, after the map is gone.
                unsafe { guard.defer_destroy(old) };
                return;
            }
            // The first value lives inside the cell: the deferred drop holds a count so the
            // cell outlives it, and `release` then sees `p` elsewhere and leaves `first` alone.
            self.cell().refs.fetch_add(1, Relaxed);
            let inner = SendCell(self.inner);
            // SAFETY: the closure runs after every guard that may have loaded `first`, so it
            // drops the value with no reader left; it runs once, and only it drops `first`
            // (`release` skips it now that `p` moved on). The count taken above keeps the cell
            // alive until then. It may run on another thread: `V: Send`, and `SendCell` only
            // carries the pointer there.
            unsafe {
                guard.defer_unchecked(move || {
                    let inner = inner.into_inner();
                    ManuallyDrop::drop(&mut *inner.as_ref().first.get());
                    release(inner);
                })
            };
        }
    }

    /// Carries a cell pointer into a deferred function (which may run on another thread).
    struct SendCell<V>(NonNull<CellInner<V>>);

    // SAFETY: the pointer is used there only as `retire` describes, and `V: Send` lets the
    // value it drops be dropped on that thread.
    unsafe impl<V: Send> Send for SendCell<V> {}

    impl<V> SendCell<V> {
        /// Moves the whole wrapper into a closure (edition 2021 would capture only the field).
        fn into_inner(self) -> NonNull<CellInner<V>> {
            self.0
        }
    }

    impl<V> Clone for ValueCell<V> {
        fn clone(&self) -> Self {
            // Relaxed, as in `Arc::clone`: the new handle is derived from a live one.
            let old = self.cell().refs.fetch_add(1, Relaxed);
            if old > isize::MAX as usize {
                std::process::abort();
            }
            ValueCell { inner: self.inner }
        }
    }

    impl<V> Drop for ValueCell<V> {
        fn drop(&mut self) {
            // SAFETY: this handle owns one count and is going away.
            unsafe { release(self.inner) };
        }
    }
}

#[cfg(loom)]
mod imp {
    use super::{unpoison, Mark, State};
    use loom::sync::Mutex;
    use std::sync::Arc;

    /// Loom stand-in for an epoch guard: snapshots are leaked, so it has nothing to protect.
    pub(crate) struct Guard;

    pub(crate) fn pin() -> Guard {
        Guard
    }

    /// Keeps `arc`'s pointee alive for good; loom models are small, so the leak is bounded.
    fn leak<'a, T: 'a>(arc: Arc<T>) -> &'a T {
        let arc: &'a Arc<T> = Box::leak(Box::new(arc));
        arc
    }

    /// Loom stand-in for the epoch-published pointer: every access is a scheduling point.
    pub(crate) struct Published<T>(Mutex<Arc<T>>);

    impl<T> Published<T> {
        pub(crate) fn new(value: T) -> Self {
            Published(Mutex::new(Arc::new(value)))
        }

        pub(crate) fn load<'a>(&'a self, _guard: &'a Guard) -> &'a T {
            let cur = unpoison(self.0.lock());
            leak(Arc::clone(&cur))
        }

        pub(crate) fn replace(&self, value: T, _guard: &Guard) {
            *unpoison(self.0.lock()) = Arc::new(value);
        }
    }

    /// Loom: a value not yet in any cell.
    pub(crate) struct Fresh<V>(Arc<V>);

    impl<V> Fresh<V> {
        pub(crate) fn new(v: V) -> Self {
            Fresh(Arc::new(v))
        }

        pub(crate) fn get(&self) -> &V {
            &self.0
        }

        pub(crate) fn into_inner(self) -> V {
            Arc::try_unwrap(self.0)
                .unwrap_or_else(|_| unreachable!("a Fresh value is never shared"))
        }
    }

    enum Cell<V> {
        Marked(Mark),
        Value(Arc<V>),
    }

    impl<V> Cell<V> {
        fn id(&self) -> usize {
            match self {
                Cell::Marked(Mark::Deleted) => 0,
                Cell::Marked(Mark::Expunged) => 1,
                Cell::Value(v) => Arc::as_ptr(v) as usize,
            }
        }
    }

    /// Loom: a shared handle, as the real cell is.
    pub(crate) struct ValueCell<V>(Arc<Mutex<Cell<V>>>);

    impl<V> Clone for ValueCell<V> {
        fn clone(&self) -> Self {
            ValueCell(Arc::clone(&self.0))
        }
    }

    pub(crate) struct Snapshot<'a, V> {
        id: usize,
        state: &'a Cell<V>,
    }

    impl<V> Clone for Snapshot<'_, V> {
        fn clone(&self) -> Self {
            *self
        }
    }
    impl<V> Copy for Snapshot<'_, V> {}

    impl<'a, V> Snapshot<'a, V> {
        pub(crate) fn state(self) -> State<'a, V> {
            match self.state {
                Cell::Marked(Mark::Deleted) => State::Deleted,
                Cell::Marked(Mark::Expunged) => State::Expunged,
                Cell::Value(v) => State::Value(v),
            }
        }

        fn of(cell: &Cell<V>) -> Self
        where
            V: 'a,
        {
            let copy = match cell {
                Cell::Marked(m) => Cell::Marked(*m),
                Cell::Value(v) => Cell::Value(Arc::clone(v)),
            };
            Snapshot { id: cell.id(), state: leak(Arc::new(copy)) }
        }
    }

    impl<V> ValueCell<V> {
        pub(crate) fn new(value: V) -> Self {
            ValueCell(Arc::new(Mutex::new(Cell::Value(Arc::new(value)))))
        }

        pub(crate) fn load<'a>(&'a self, _guard: &'a Guard) -> Snapshot<'a, V> {
            let cell = unpoison(self.0.lock());
            Snapshot::of(&cell)
        }

        pub(crate) fn compare_and_swap<'a>(
            &'a self,
            current: Snapshot<'a, V>,
            new: Fresh<V>,
            _guard: &'a Guard,
        ) -> Result<(), Fresh<V>> {
            let mut cell = unpoison(self.0.lock());
            if cell.id() != current.id {
                return Err(new);
            }
            *cell = Cell::Value(new.0);
            Ok(())
        }

        pub(crate) fn compare_and_mark<'a>(
            &'a self,
            current: Snapshot<'a, V>,
            mark: Mark,
            _guard: &'a Guard,
        ) -> bool {
            let mut cell = unpoison(self.0.lock());
            let same = cell.id() == current.id;
            if same {
                *cell = Cell::Marked(mark);
            }
            same
        }

        pub(crate) fn swap<'a>(&'a self, new: Fresh<V>, _guard: &'a Guard) -> Snapshot<'a, V> {
            let mut cell = unpoison(self.0.lock());
            let old = Snapshot::of(&cell);
            *cell = Cell::Value(new.0);
            old
        }
    }
}
