//! Maps shared between threads, the two ways Go does it.
//!
//! - [`RwLockMap`]: a map behind a readers-writer lock (Go's `map` + `sync.RWMutex`).
//! - [`ConcurrentMap`]: Go's classic `sync.Map`, whose reads of settled keys take no lock.
//!
//! Both have one method set (`load`, `store`, `load_or_store`, `load_and_delete`, `delete`,
//! `swap`, `compare_and_swap`, `compare_and_delete`, `range`, `clear`, `len`), return values as
//! clones, and are `Send + Sync` when `K` and `V` are. Both take a hasher and a capacity hint
//! (`with_hasher`, `with_capacity_and_hasher`), [`RandomState`](crate::RandomState) by default.

mod rwlock_map;
#[allow(unsafe_code)]
mod sync;
mod sync_map;

pub use rwlock_map::RwLockMap;
pub use sync_map::ConcurrentMap;

/// The map both types are built on: the crate's own Go map, used only through the methods it
/// shares with std's `HashMap` (so swapping in `HashMap` for comparison is a one-line change).
pub(crate) type Inner<K, V, S = crate::RandomState> = crate::GoMap<K, V, S>;
