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
    use std::mem;
    use std::sync::atomic::Ordering::{AcqRel, Acquire};

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

    /// Boxed value; the alignment guarantees the low pointer bit that carries `EXPUNGED`.
    #[repr(align(2))]
    pub(crate) struct Boxed<V>(V);

    /// One entry's value cell: deleted (null), expunged (tagged null) or a boxed value.
    pub(crate) struct ValueCell<V> {
        p: Atomic<Boxed<V>>,
    }

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
            // SAFETY: `raw` was loaded from a cell under a guard that outlives 'a; a value
            // replaced since is only destroyed through `defer_destroy`, after that guard, and
            // the cell itself (which frees its current value directly on drop) is borrowed
            // for 'a, so it cannot be dropped meanwhile.
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
    }

    fn marker<'a, V>(mark: Mark) -> Shared<'a, Boxed<V>> {
        match mark {
            Mark::Deleted => Shared::null(),
            Mark::Expunged => Shared::null().with_tag(EXPUNGED),
        }
    }

    impl<V> ValueCell<V> {
        pub(crate) fn new(value: Fresh<V>) -> Self {
            ValueCell { p: Atomic::from(value.0) }
        }

        #[inline]
        pub(crate) fn load<'a>(&'a self, guard: &'a Guard) -> Snapshot<'a, V> {
            Snapshot { raw: self.p.load(Acquire, guard) }
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
            match self.p.compare_exchange(current.raw, new.0, AcqRel, Acquire, guard) {
                Ok(_) => {
                    retire(current.raw, guard);
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
            let swapped =
                self.p.compare_exchange(current.raw, marker(mark), AcqRel, Acquire, guard).is_ok();
            if swapped {
                retire(current.raw, guard);
            }
            swapped
        }

        /// Stores `new` unconditionally, returning what was there (readable until `guard` ends).
        pub(crate) fn swap<'a>(&'a self, new: Fresh<V>, guard: &'a Guard) -> Snapshot<'a, V>
        where
            V: Send + 'static,
        {
            let old = self.p.swap(new.0, AcqRel, guard);
            retire(old, guard);
            Snapshot { raw: old }
        }
    }

    fn retire<V: Send + 'static>(old: Shared<'_, Boxed<V>>, guard: &Guard) {
        if !old.is_null() {
            // SAFETY: the caller just unlinked `old` from its cell with an atomic swap or CAS,
            // so it is retired exactly once and new readers cannot reach it; the drop waits for
            // every guard that may have loaded it. `V: Send + 'static` because that drop may
            // run on another thread, after the map is gone.
            unsafe { guard.defer_destroy(old) };
        }
    }

    impl<V> Drop for ValueCell<V> {
        fn drop(&mut self) {
            let p = mem::replace(&mut self.p, Atomic::null());
            // SAFETY: `&mut self`: every snapshot borrows the cell, so none is alive; the
            // current value was never retired, so this is its only owner. A tagged null
            // (expunged) has no pointee and is skipped by `try_into_owned`.
            drop(unsafe { p.try_into_owned() });
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

    pub(crate) struct ValueCell<V>(Mutex<Cell<V>>);

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
        pub(crate) fn new(value: Fresh<V>) -> Self {
            ValueCell(Mutex::new(Cell::Value(value.0)))
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
