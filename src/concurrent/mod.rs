//! Maps shared between threads, the ways Go does it.
//!
//! - [`RwLockMap`]: a map behind a readers-writer lock (Go's `map` + `sync.RWMutex`).
//! - [`ConcurrentMap`]: Go's classic `sync.Map`, whose reads of settled keys take no lock.
//! - [`HashTrieMap`]: Go 1.24's `sync.Map`, a concurrent hash trie with lock-free reads and a
//!   lock per trie node.
//!
//! All three have one method set (`load`, `store`, `load_or_store`, `load_and_delete`, `delete`,
//! `swap`, `compare_and_swap`, `compare_and_delete`, `range`, `clear`, `len`), return values as
//! clones, and are `Send + Sync` when `K` and `V` are. All take a hasher and a capacity hint
//! (`with_hasher`, `with_capacity_and_hasher`; the trie, which never resizes, ignores the hint),
//! [`RandomState`](crate::RandomState) by default.

#[allow(unsafe_code)]
mod hashtriemap;
mod rwlock_map;
#[allow(unsafe_code)]
mod sync;
mod sync_map;

pub use hashtriemap::HashTrieMap;
pub use rwlock_map::RwLockMap;
pub use sync_map::ConcurrentMap;

/// The map both types are built on: the crate's own Go map, used only through the methods it
/// shares with std's `HashMap` (so swapping in `HashMap` for comparison is a one-line change).
pub(crate) type Inner<K, V, S = crate::RandomState> = crate::GoMap<K, V, S>;
