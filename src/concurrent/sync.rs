//! The few synchronisation primitives the concurrent maps are built on, behind one seam.
//!
//! Normal builds use arc-swap for lock-free publication and std for locks. Under `cfg(loom)`
//! the same interface is backed by loom's locks and atomics, because loom cannot see inside
//! arc-swap: the models then check the map's promotion and expunge protocol, with each atomic
//! pointer stood in for by a lock around an `Arc` that has the same load/swap/CAS meaning.

use std::sync::{LockResult, PoisonError};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::AtomicBool;
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::AtomicBool;
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

pub(crate) use imp::{AtomicArc, AtomicOptionArc, Guard};

/// Takes a lock even if another thread panicked while holding it.
///
/// The maps' own invariants never span a user callback, so a panic in `Hash`, `Eq` or `Clone`
/// leaves them usable; refusing every later call would turn one panic into many.
pub(crate) fn unpoison<G>(r: LockResult<G>) -> G {
    r.unwrap_or_else(PoisonError::into_inner)
}

#[cfg(not(loom))]
mod imp {
    use arc_swap::{ArcSwap, ArcSwapOption};
    use std::sync::Arc;

    /// A short-lived read of an atomic pointer; derefs to the `Arc` (or `Option<Arc>`) it holds.
    pub(crate) type Guard<T> = arc_swap::Guard<T>;

    /// An atomically replaceable `Arc<T>`.
    pub(crate) struct AtomicArc<T>(ArcSwap<T>);

    impl<T> AtomicArc<T> {
        pub(crate) fn new(value: Arc<T>) -> Self {
            Self(ArcSwap::new(value))
        }

        /// A cheap read that does not touch the reference count on the fast path.
        #[inline]
        pub(crate) fn load(&self) -> Guard<Arc<T>> {
            self.0.load()
        }

        /// A read meant to be held a long time (or across calls back into the map).
        pub(crate) fn load_full(&self) -> Arc<T> {
            self.0.load_full()
        }

        pub(crate) fn store(&self, value: Arc<T>) {
            self.0.store(value);
        }
    }

    /// An atomically replaceable `Option<Arc<T>>` with pointer compare-and-swap.
    pub(crate) struct AtomicOptionArc<T>(ArcSwapOption<T>);

    impl<T> AtomicOptionArc<T> {
        pub(crate) fn new(value: Option<Arc<T>>) -> Self {
            Self(ArcSwapOption::new(value))
        }

        #[inline]
        pub(crate) fn load(&self) -> Guard<Option<Arc<T>>> {
            self.0.load()
        }

        pub(crate) fn swap(&self, new: Option<Arc<T>>) -> Option<Arc<T>> {
            self.0.swap(new)
        }

        /// Replaces the value with `new` if it is still the very allocation `current` points to.
        ///
        /// The caller holds `current` alive, so its address cannot be reused meanwhile (no ABA).
        pub(crate) fn compare_and_swap(
            &self,
            current: &Option<Arc<T>>,
            new: Option<Arc<T>>,
        ) -> bool {
            let prev = self.0.compare_and_swap(current, new);
            ptr_eq(&prev, current)
        }
    }

    fn ptr_eq<T>(a: &Option<Arc<T>>, b: &Option<Arc<T>>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

#[cfg(loom)]
mod imp {
    use super::unpoison;
    use loom::sync::Mutex;
    use std::ops::Deref;
    use std::sync::Arc;

    /// An owned snapshot standing in for arc-swap's guard.
    pub(crate) struct Guard<T>(T);

    impl<T> Deref for Guard<T> {
        type Target = T;
        fn deref(&self) -> &T {
            &self.0
        }
    }

    /// Loom stand-in for `ArcSwap<T>`: every access is a scheduling point.
    pub(crate) struct AtomicArc<T>(Mutex<Arc<T>>);

    impl<T> AtomicArc<T> {
        pub(crate) fn new(value: Arc<T>) -> Self {
            Self(Mutex::new(value))
        }

        pub(crate) fn load(&self) -> Guard<Arc<T>> {
            Guard(self.load_full())
        }

        pub(crate) fn load_full(&self) -> Arc<T> {
            let current = unpoison(self.0.lock());
            Arc::clone(&current)
        }

        pub(crate) fn store(&self, value: Arc<T>) {
            let old = std::mem::replace(&mut *unpoison(self.0.lock()), value);
            drop(old);
        }
    }

    /// Loom stand-in for `ArcSwapOption<T>`.
    pub(crate) struct AtomicOptionArc<T>(Mutex<Option<Arc<T>>>);

    impl<T> AtomicOptionArc<T> {
        pub(crate) fn new(value: Option<Arc<T>>) -> Self {
            Self(Mutex::new(value))
        }

        pub(crate) fn load(&self) -> Guard<Option<Arc<T>>> {
            Guard(unpoison(self.0.lock()).clone())
        }

        pub(crate) fn swap(&self, new: Option<Arc<T>>) -> Option<Arc<T>> {
            std::mem::replace(&mut *unpoison(self.0.lock()), new)
        }

        pub(crate) fn compare_and_swap(
            &self,
            current: &Option<Arc<T>>,
            new: Option<Arc<T>>,
        ) -> bool {
            let mut slot = unpoison(self.0.lock());
            let same = match (&*slot, current) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            };
            if same {
                *slot = new;
            }
            same
        }
    }
}
