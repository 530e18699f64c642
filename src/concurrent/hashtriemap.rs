//! `HashTrieMap`: Go 1.24's `sync.Map`, a concurrent hash trie (internal/sync/hashtriemap.go).
//!
//! The design, step by step, and a table of Go's names are in [`HashTrieMap`]'s docs.

use std::borrow::Borrow;
use std::convert::Infallible;
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::marker::PhantomData;
#[cfg(not(loom))]
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

#[cfg(loom)]
use loom::sync::atomic::{AtomicBool, AtomicPtr};
#[cfg(not(loom))]
use std::sync::atomic::{AtomicBool, AtomicPtr};

use super::sync::{unpoison, Mutex, MutexGuard};
use crate::RandomState;

/// Hash bits consumed per level (Go's `nChildrenLog2`).
const BITS: u32 = 4;
/// Children of an indirect node.
const CHILDREN: usize = 1 << BITS;
/// Low pointer bit set on a slot that points at an entry (both node types are pointer-aligned).
const ENTRY_TAG: usize = 1;

/// One of the trie's atomic pointers: the root, a child slot, an overflow link.
///
/// Under loom every read and write first bumps a counter beside the pointer. Loom's
/// partial-order reduction remembers only the last access to each atomic, so a writer's own
/// load of a slot just before its store would hide a reader's earlier load of it, and the
/// reader would never be run after the store; read-modify-writes of the counter are accesses
/// loom orders against every later one. The counter is relaxed and carries no synchronisation,
/// and the pointer itself is still loaded plainly, so loom still explores stale reads of it.
struct Link<T> {
    p: AtomicPtr<T>,
    #[cfg(loom)]
    seen: loom::sync::atomic::AtomicUsize,
}

impl<T> Link<T> {
    fn new(p: *mut T) -> Self {
        Link {
            p: AtomicPtr::new(p),
            #[cfg(loom)]
            seen: loom::sync::atomic::AtomicUsize::new(0),
        }
    }

    #[inline]
    fn touch(&self) {
        #[cfg(loom)]
        self.seen.fetch_add(1, Relaxed);
    }

    #[inline]
    fn get(&self) -> *mut T {
        self.touch();
        self.p.load(Acquire)
    }

    fn set(&self, p: *mut T) {
        self.touch();
        self.p.store(p, Release);
    }

    fn swap(&self, p: *mut T) -> *mut T {
        self.touch();
        self.p.swap(p, AcqRel)
    }

    /// A load that loom need not order (under a lock, or with the trie to ourselves).
    fn peek(&self) -> *mut T {
        self.p.load(Acquire)
    }
}

/// The slot of the node at `shift` (the root's is 60) that `hash` goes to.
#[inline]
fn index(hash: u64, shift: u32) -> usize {
    ((hash >> shift) as usize) & (CHILDREN - 1)
}

/// A concurrent map built like Go 1.24's `sync.Map`: a hash trie with lock-free loads and a
/// mutex per trie node.
///
/// A key's hash picks a path of 16-way nodes from the root, four bits per level; the path ends
/// at the key's entry. A load follows atomic pointers and takes no lock; a write locks only
/// the node whose slot it changes, so writes to different parts of the trie do not contend.
/// The trie never resizes: it grows a level where two keys' hashes share a prefix, and shrinks
/// back when deletes empty a node.
///
/// Replaced entries and pruned nodes are freed through crossbeam-epoch, i.e. later, possibly
/// on another thread and after the map is dropped; hence the `Send + Sync + 'static` bounds on
/// keys and values. Values are returned as clones, never as guards.
///
/// # The design
///
/// Go 1.24 replaced the read-map/dirty-map pair of the classic `sync.Map` (see
/// [`ConcurrentMap`](super::ConcurrentMap)) with a hash trie that never resizes:
///
/// - An *indirect* node has 16 child slots and a mutex. The root is one; a key's 64-bit hash
///   picks a slot four bits at a time, from the top bits down (the root uses bits 63..60, its
///   children bits 59..56, and so on, at most 16 levels).
/// - A slot is empty, points at a deeper indirect node, or points at an *entry* node: one key,
///   its value, its hash, and an overflow chain of further entries whose hashes are equal to it
///   in all 64 bits (a full collision; with a good hash these are rare).
/// - A load takes no lock: it follows atomic pointers from the root until it reaches an empty
///   slot or an entry, and compares keys along that entry's chain.
/// - A write (store, delete, compare-and-swap, ...) walks down the same way, then locks the
///   indirect node holding the slot it reached and checks that the slot still holds what it
///   saw and that the node has not been pruned (`dead`); if either changed, it starts over.
///   Entries are immutable: overwriting a value publishes a new entry in the old one's place.
/// - A store whose slot holds an entry for another key *expands*: it builds as many new indirect
///   nodes as the two hashes share 4-bit digits below this level, puts both entries at the first
///   level where they differ, and publishes the new subtree with one pointer store, so a reader
///   sees either the old entry or both. Equal hashes chain instead.
/// - A delete that empties an indirect node *prunes* it: it locks the parent (locks are always
///   taken child first, then parent), marks the node dead, clears the parent's slot, and goes on
///   upward while nodes are empty. The root is never pruned.
/// - `clear` swaps in a fresh root. There is no count: `len` walks the trie.
///
/// Go needs no more than this because its garbage collector frees what no reader can reach.
/// Here unlinked nodes are retired through crossbeam-epoch (already what `ConcurrentMap` uses):
/// each operation pins the thread, and a replaced entry, a pruned node or a cleared trie is
/// freed once every thread pinned at the time has unpinned. Under `cfg(loom)` the atomics and
/// mutexes are loom's and retired nodes are leaked instead (loom cannot see inside
/// crossbeam-epoch; the models are small), so the loom models (tests/loom_hashtriemap.rs)
/// check the trie's own protocol.
///
/// # Go's names
///
/// | Go (internal/sync/hashtriemap.go) | here |
/// |---|---|
/// | `HashTrieMap` | [`HashTrieMap`] |
/// | `Load`, `Store`, `Swap`, `LoadOrStore` | [`load`](HashTrieMap::load), [`store`](HashTrieMap::store), [`swap`](HashTrieMap::swap), [`load_or_store`](HashTrieMap::load_or_store) |
/// | `LoadAndDelete`, `Delete` | [`load_and_delete`](HashTrieMap::load_and_delete), [`delete`](HashTrieMap::delete) |
/// | `CompareAndSwap`, `CompareAndDelete` | [`compare_and_swap`](HashTrieMap::compare_and_swap), [`compare_and_delete`](HashTrieMap::compare_and_delete) |
/// | `Range`, `All`, `iter` | [`range`](HashTrieMap::range) (one callback walk, as `Range`) |
/// | `Clear` | [`clear`](HashTrieMap::clear) |
/// | — (Go has none) | [`len`](HashTrieMap::len), [`is_empty`](HashTrieMap::is_empty): walks |
/// | `indirect`, `entry`, `node` | `Indirect`, `Entry`, `Node` |
/// | `entry.overflow` | `Entry::overflow` |
/// | `expand` | `expand` |
/// | `find` | `find` |
/// | `nChildrenLog2`, `nChildren` | `BITS`, `CHILDREN` |
/// | `init`, `initSlow` | — (the root is made in the constructor) |
/// | `keyHash`, `seed` | the map's [`BuildHasher`] |
/// | `valEqual` | `V: PartialEq`, required by the compare methods only |
///
/// # When to use it
///
/// Unlike [`ConcurrentMap`](super::ConcurrentMap), there is no read-only snapshot to promote
/// and no dirty map to rebuild, so new keys and deletes cost about what overwrites cost (a walk,
/// one lock, one allocation), whatever the mix; a load walks a few nodes (about
/// log16(len) + 1) where `ConcurrentMap` probes one hash table. Go 1.24's release notes credit
/// the switch with faster modifications (writes to disjoint keys of a large map rarely contend)
/// and loads that need no warm-up promotion.
///
/// Lookups use `K: Borrow<Q>`, like [`HashMap`](std::collections::HashMap).
///
/// # Panics
///
/// No method panics by itself. A panic raised by `K`'s `Hash`/`Eq`/`Clone` or `V`'s
/// `Clone`/`PartialEq` unwinds out of the call before the trie is changed, so the call has no
/// effect and the map stays usable (its locks are not left poisoned). Those impls must not call
/// back into the same map: its locks are not reentrant. A key or value whose `Drop` panics is
/// dropped once all the same: in the map's own `Drop` the panic propagates after every other
/// entry is dropped; in a deferred free (run by whichever thread next collects garbage) the
/// panic is caught and discarded, so that it cannot stop the frees queued behind it.
///
/// # Examples
///
/// ```
/// use gomap::concurrent::HashTrieMap;
///
/// let m = HashTrieMap::new();
/// m.store("a", 1);
/// assert_eq!(m.load("a"), Some(1));
/// assert_eq!(m.load_or_store("a", 2), (1, true));
/// assert!(m.compare_and_swap("a", &1, 3));
/// assert_eq!(m.load_and_delete("a"), Some(3));
/// assert_eq!(m.len(), 0);
/// ```
pub struct HashTrieMap<K, V, S = RandomState> {
    /// Never null; swapped only by `clear`.
    root: Link<Indirect<K, V>>,
    hasher: S,
}

/// An inner node of the trie (Go's `indirect`).
struct Indirect<K, V> {
    children: [Slot<K, V>; CHILDREN],
    /// Held while changing `children` or any entry chain hanging from them.
    mu: Mutex<()>,
    /// Set (under `mu` and the parent's `mu`) when the node is unlinked from its parent.
    dead: AtomicBool,
    /// Null for the root. A node's parent outlives it in the trie: it is pruned only once empty.
    parent: *const Indirect<K, V>,
}

/// A leaf (Go's `entry`): never changed once published, except for `overflow`, which is written
/// under the lock of the indirect node whose slot holds the chain's head.
struct Entry<K, V> {
    /// The key's full hash, kept so that expanding never calls `Hash` under a lock.
    hash: u64,
    /// Further entries whose hash equals `hash`.
    overflow: Link<Entry<K, V>>,
    key: K,
    value: V,
}

/// One child slot of an indirect node: null, an indirect node, or an entry (tagged).
struct Slot<K, V> {
    p: Link<()>,
    /// Ties the untyped pointer to the node types it holds.
    _nodes: PhantomData<*const Entry<K, V>>,
}

/// What a slot points at, borrowed for as long as the guard it was loaded under.
enum Node<'g, K, V> {
    Indirect(&'g Indirect<K, V>),
    Entry(&'g Entry<K, V>),
}

impl<K, V> Slot<K, V> {
    fn empty() -> Self {
        Slot { p: Link::new(ptr::null_mut()), _nodes: PhantomData }
    }

    #[inline]
    fn load<'g>(&'g self, _guard: &'g Guard) -> Option<Node<'g, K, V>> {
        let p = self.p.get();
        if p.is_null() {
            None
        } else if p.addr() & ENTRY_TAG != 0 {
            let e = p.map_addr(|a| a & !ENTRY_TAG).cast::<Entry<K, V>>();
            // SAFETY: a tagged pointer in a slot is an entry made by `Box::into_raw`. It was
            // reachable when loaded under `_guard`, and a node is freed only after it is
            // unlinked and every guard pinned before that is dropped (`retire`), or by the
            // map's `Drop`, which has the map to itself.
            Some(Node::Entry(unsafe { &*e }))
        } else {
            // SAFETY: as above, for an untagged pointer, which is an indirect node.
            Some(Node::Indirect(unsafe { &*p.cast::<Indirect<K, V>>() }))
        }
    }

    fn set(&self, p: *mut ()) {
        self.p.set(p);
    }
}

/// The slot value for an entry.
fn entry_ptr<K, V>(e: *const Entry<K, V>) -> *mut () {
    debug_assert_eq!(e.addr() & ENTRY_TAG, 0);
    e.cast_mut().cast::<()>().map_addr(|a| a | ENTRY_TAG)
}

/// The slot value for an indirect node.
fn indirect_ptr<K, V>(i: *const Indirect<K, V>) -> *mut () {
    i.cast_mut().cast::<()>()
}

impl<K, V> Indirect<K, V> {
    fn new(parent: *const Indirect<K, V>) -> *mut Self {
        Box::into_raw(Box::new(Indirect {
            children: std::array::from_fn(|_| Slot::empty()),
            mu: Mutex::new(()),
            dead: AtomicBool::new(false),
            parent,
        }))
    }

    fn is_empty(&self) -> bool {
        self.children.iter().all(|s| s.p.peek().is_null())
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        unpoison(self.mu.lock())
    }
}

impl<K, V> Entry<K, V> {
    fn new(hash: u64, key: K, value: V, overflow: *mut Entry<K, V>) -> *mut Self {
        Box::into_raw(Box::new(Entry { hash, overflow: Link::new(overflow), key, value }))
    }

    #[inline]
    fn next<'g>(&'g self, _guard: &'g Guard) -> Option<&'g Self> {
        let p = self.overflow.get();
        // SAFETY: a chain link is null or an entry made by `Box::into_raw`, valid under the
        // guard for the reasons given in `Slot::load`.
        unsafe { p.as_ref() }
    }

    /// Walks the chain from `self` to the entry for `key` whose value passes `ok`; returns it
    /// with its predecessor (`None` for the head).
    #[inline]
    #[allow(clippy::type_complexity)]
    fn find<'g, Q>(
        &'g self,
        hash: u64,
        key: &Q,
        mut ok: impl FnMut(&V) -> bool,
        guard: &'g Guard,
    ) -> Option<(Option<&'g Self>, &'g Self)>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        // A chain's entries all have the head's hash: one comparison rules the chain out.
        if self.hash != hash {
            return None;
        }
        let (mut prev, mut e) = (None, self);
        loop {
            if e.key.borrow() == key && ok(&e.value) {
                return Some((prev, e));
            }
            prev = Some(e);
            e = e.next(guard)?;
        }
    }
}

#[cfg(not(loom))]
use crossbeam_epoch::{pin, Guard};

/// Loom stand-in for an epoch guard: nothing is freed while the map is shared, so it guards
/// nothing.
#[cfg(loom)]
struct Guard;

#[cfg(loom)]
fn pin() -> Guard {
    Guard
}

/// Runs a deferred free, discarding a panic from a key's or value's `Drop`: it would unwind
/// out of some unrelated thread's pin and strand the frees queued behind this one.
#[cfg(not(loom))]
fn quietly(f: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(f));
}

/// Frees `p` (made by `Box::into_raw`) once no thread pinned now can still reach it.
///
/// # Safety
///
/// `p` has just been unlinked, so that no thread pinning from now on can reach it; it is
/// retired once; and `T` may be dropped on another thread (the map's `K, V: Send + 'static`).
#[cfg(not(loom))]
unsafe fn retire<T>(guard: &Guard, p: *const T) {
    let p = p.cast_mut();
    // SAFETY: the caller's contract is `defer_unchecked`'s: the pointee is unreachable for new
    // readers, freed once (by this closure), after every guard that may have loaded it, and it
    // may be dropped on another thread.
    unsafe { guard.defer_unchecked(move || quietly(|| drop(Box::from_raw(p)))) };
}

/// As [`retire`], for a whole unlinked trie (`clear`'s old root).
///
/// # Safety
///
/// As for [`retire`]; writers still working in the old trie are pinned, so the free runs after
/// them, and what they unlinked there they retired themselves.
#[cfg(not(loom))]
unsafe fn retire_trie<K, V>(guard: &Guard, root: *mut Indirect<K, V>) {
    // SAFETY: as for `retire`; when the closure runs no thread can reach the old trie, so
    // `free_trie` may free each node still linked in it, once.
    unsafe { guard.defer_unchecked(move || quietly(|| free_trie(root))) };
}

/// Loom: retired nodes are leaked (see [`HashTrieMap`]'s docs).
#[cfg(loom)]
unsafe fn retire<T>(_guard: &Guard, _p: *const T) {}

#[cfg(loom)]
unsafe fn retire_trie<K, V>(_guard: &Guard, _root: *mut Indirect<K, V>) {}

/// Frees a trie no thread can reach: every indirect node and every entry of every chain.
///
/// All nodes are first collected into boxes and then dropped, so a key or value whose `Drop`
/// panics does not stop the others being dropped (a `Vec` drops the rest of its elements while
/// unwinding) and the panic propagates afterwards.
///
/// # Safety
///
/// `root` is an indirect node made by `Indirect::new` that no thread can reach any more, nor
/// anything linked below it; nodes unlinked from it earlier are not linked there any more.
unsafe fn free_trie<K, V>(root: *mut Indirect<K, V>) {
    let mut nodes = Vec::new();
    let mut entries = Vec::new();
    let mut stack = vec![root];
    while let Some(p) = stack.pop() {
        // SAFETY: the caller hands over the trie, so each node is ours, and each appears once
        // (a node has one parent slot); `Box::from_raw` matches the `Box::into_raw` in `new`.
        let node = unsafe { Box::from_raw(p) };
        for slot in &node.children {
            let c = slot.p.peek();
            if c.is_null() {
                continue;
            }
            if c.addr() & ENTRY_TAG == 0 {
                stack.push(c.cast());
                continue;
            }
            let mut e = c.map_addr(|a| a & !ENTRY_TAG).cast::<Entry<K, V>>();
            while !e.is_null() {
                // SAFETY: as for the nodes: each chain entry is linked exactly once.
                let b = unsafe { Box::from_raw(e) };
                e = b.overflow.peek();
                entries.push(b);
            }
        }
        nodes.push(node);
    }
    drop(nodes);
    drop(entries);
}

/// A write's position: the indirect node `node`, locked, whose slot for the key's hash (at
/// `shift`) holds `head` (an entry chain, or nothing) and is known not to hold an indirect node.
struct Locked<'g, K, V> {
    node: &'g Indirect<K, V>,
    lock: MutexGuard<'g, ()>,
    shift: u32,
    head: Option<&'g Entry<K, V>>,
}

impl<K, V> HashTrieMap<K, V, RandomState> {
    /// Creates an empty map.
    ///
    /// # Examples
    ///
    /// ```
    /// let m: gomap::concurrent::HashTrieMap<String, u32> = gomap::concurrent::HashTrieMap::new();
    /// assert!(m.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::with_hasher(RandomState::new())
    }

    /// Creates an empty map. The trie never resizes, so there is nothing to reserve: the
    /// capacity is ignored (the constructor exists so that code written for
    /// [`ConcurrentMap`](super::ConcurrentMap) compiles unchanged).
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::HashTrieMap;
    /// let m = HashTrieMap::with_capacity(1000);
    /// m.store(1, "one");
    /// assert_eq!(m.load(&1), Some("one"));
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_and_hasher(capacity, RandomState::new())
    }
}

impl<K, V, S> HashTrieMap<K, V, S> {
    /// Creates an empty map that hashes keys with `hasher`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use gomap::concurrent::HashTrieMap;
    ///
    /// let m = HashTrieMap::with_hasher(RandomState::new()); // std's SipHash
    /// m.store("a", 1);
    /// assert_eq!(m.load("a"), Some(1));
    /// ```
    pub fn with_hasher(hasher: S) -> Self {
        HashTrieMap { root: Link::new(Indirect::new(ptr::null())), hasher }
    }

    /// Creates an empty map that hashes keys with `hasher`. The capacity is ignored: the trie
    /// allocates a node per key and never resizes.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{concurrent::HashTrieMap, RandomState};
    /// let m = HashTrieMap::with_capacity_and_hasher(100, RandomState::new());
    /// for i in 0..100 {
    ///     m.store(i, i * 2);
    /// }
    /// assert_eq!(m.load(&7), Some(14));
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
        let _ = capacity;
        Self::with_hasher(hasher)
    }

    #[inline]
    fn root<'g>(&'g self, _guard: &'g Guard) -> &'g Indirect<K, V> {
        // SAFETY: the root is never null; a replaced root is retired by `clear` (freed after
        // `_guard`) and the current one is freed only by `Drop`, which needs `&mut self`.
        unsafe { &*self.root.get() }
    }
}

impl<K, V, S: Default> Default for HashTrieMap<K, V, S> {
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<K, V, S> Drop for HashTrieMap<K, V, S> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no thread holds a reference into the trie (every borrow of the
        // map has ended), and what was unlinked from it was retired, not left linked.
        unsafe { free_trie(self.root.peek()) };
    }
}

// SAFETY: the map owns its keys and values (dropped on whichever thread drops the map or runs a
// deferred free: `Send`) and hands out `&K`/`&V` to any thread sharing it (`Sync`); the raw
// pointers inside are to nodes it owns, reached only through atomics and node mutexes.
unsafe impl<K: Send + Sync, V: Send + Sync, S: Send> Send for HashTrieMap<K, V, S> {}
// SAFETY: as above; every method takes `&self` and synchronises through atomics and mutexes.
unsafe impl<K: Send + Sync, V: Send + Sync, S: Sync> Sync for HashTrieMap<K, V, S> {}

impl<K, V, S> HashTrieMap<K, V, S>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: BuildHasher,
{
    #[inline]
    fn hash<Q: Hash + ?Sized>(&self, key: &Q) -> u64 {
        self.hasher.hash_one(key)
    }

    /// Walks from the root, lock-free, to the first slot for `hash` that is empty or holds an
    /// entry; returns its node, the node's shift and the entry, if any.
    #[inline]
    fn descend<'g>(
        &'g self,
        hash: u64,
        guard: &'g Guard,
    ) -> (&'g Indirect<K, V>, u32, Option<&'g Entry<K, V>>) {
        let mut node = self.root(guard);
        let mut shift = u64::BITS;
        while shift != 0 {
            shift -= BITS;
            match node.children[index(hash, shift)].load(guard) {
                None => return (node, shift, None),
                Some(Node::Entry(e)) => return (node, shift, Some(e)),
                Some(Node::Indirect(i)) => node = i,
            }
        }
        // Two entries whose hashes differ part ways at some level above 0, and equal hashes
        // chain, so no path is longer than 64 / BITS levels.
        unreachable!("HashTrieMap: ran out of hash bits")
    }

    /// Locks the node reached by `descend`, re-checked: its slot still holds no indirect node
    /// and the node is still in the trie. `stop` sees the entry found on the way down, before
    /// any lock is taken; if it returns something, that is returned instead.
    fn lock_slot<'g, R>(
        &'g self,
        hash: u64,
        guard: &'g Guard,
        mut stop: impl FnMut(Option<&'g Entry<K, V>>) -> Option<R>,
    ) -> Result<Locked<'g, K, V>, R> {
        loop {
            let (node, shift, seen) = self.descend(hash, guard);
            if let Some(r) = stop(seen) {
                return Err(r);
            }
            let lock = node.lock();
            // Relaxed: `dead` is only written with this lock held.
            if !node.dead.load(Relaxed) {
                match node.children[index(hash, shift)].load(guard) {
                    Some(Node::Indirect(_)) => {}
                    None => return Ok(Locked { node, lock, shift, head: None }),
                    Some(Node::Entry(e)) => return Ok(Locked { node, lock, shift, head: Some(e) }),
                }
            }
            // An expand or a prune got there first: start over from the root.
            drop(lock);
        }
    }

    /// Go's `find`: the locked position of the entry for `key` whose value passes `ok`, or
    /// `None` if the lock-free walk finds no such entry.
    fn find<'g, Q>(
        &'g self,
        hash: u64,
        key: &Q,
        ok: &mut impl FnMut(&V) -> bool,
        guard: &'g Guard,
    ) -> Option<Locked<'g, K, V>>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.lock_slot(hash, guard, |seen| match seen {
            Some(e) if e.find(hash, key, &mut *ok, guard).is_some() => None,
            _ => Some(()),
        })
        .ok()
    }

    /// Puts a new entry for a key not in the chain at `at` (the lock held): into the empty slot,
    /// on top of the chain of an equal hash, or into a subtree made by `expand`.
    fn insert_locked(&self, at: &Locked<'_, K, V>, hash: u64, key: K, value: V) {
        let slot = &at.node.children[index(hash, at.shift)];
        match at.head {
            None => slot.set(entry_ptr(Entry::new(hash, key, value, ptr::null_mut()))),
            Some(head) if head.hash == hash => {
                let head = ptr::from_ref(head).cast_mut();
                slot.set(entry_ptr(Entry::new(hash, key, value, head)));
            }
            Some(head) => {
                let new = Entry::new(hash, key, value, ptr::null_mut());
                slot.set(Self::expand(head, new, hash, at.shift, at.node));
            }
        }
    }

    /// Builds the indirect nodes that separate `old` (a chain already in the trie, in `parent`'s
    /// slot at `shift`) from `new` (a hash that differs from it) and returns the subtree's root
    /// for the caller to publish in that slot: until then no reader sees any of it.
    fn expand(
        old: &Entry<K, V>,
        new: *mut Entry<K, V>,
        new_hash: u64,
        mut shift: u32,
        parent: &Indirect<K, V>,
    ) -> *mut () {
        debug_assert_ne!(old.hash, new_hash);
        let top = Indirect::new(parent);
        let mut node = top;
        loop {
            // Distinct hashes that agree above `shift` differ somewhere below it.
            debug_assert_ne!(shift, 0);
            shift -= BITS;
            let (o, n) = (index(old.hash, shift), index(new_hash, shift));
            // SAFETY: `node` was made just now by `Indirect::new` and is not yet published.
            let here = unsafe { &*node };
            if o != n {
                here.children[o].set(entry_ptr(old));
                here.children[n].set(entry_ptr(new));
                return indirect_ptr(top);
            }
            let next = Indirect::new(node);
            here.children[o].set(indirect_ptr(next));
            node = next;
        }
    }

    /// Replaces `e` (in the chain at `at`, after `prev`) with `with`, a new entry or null to
    /// unlink it, and retires `e`. If that empties the slot, prunes empty nodes upward.
    fn replace_locked<'g>(
        &self,
        at: Locked<'g, K, V>,
        hash: u64,
        prev: Option<&'g Entry<K, V>>,
        e: &'g Entry<K, V>,
        with: *mut Entry<K, V>,
        guard: &'g Guard,
    ) {
        let next = if with.is_null() { e.overflow.get() } else { with };
        match prev {
            Some(p) => p.overflow.set(next),
            None => at.node.children[index(hash, at.shift)].set(if next.is_null() {
                ptr::null_mut()
            } else {
                entry_ptr(next)
            }),
        }
        // SAFETY: `e` was just unlinked, under the lock that guards its chain, so only this
        // thread retires it; `K, V: Send + 'static`.
        unsafe { retire(guard, e) };
        if prev.is_none() && next.is_null() {
            self.prune(at, hash, guard);
        }
    }

    /// Unlinks empty indirect nodes from `at.node` upward (never the root), locking each parent
    /// before releasing the child.
    fn prune<'g>(&self, at: Locked<'g, K, V>, hash: u64, guard: &'g Guard) {
        let Locked { mut node, mut lock, mut shift, .. } = at;
        while !node.parent.is_null() && node.is_empty() {
            // SAFETY: a node's parent stays in the trie while the node is in it (a parent is
            // pruned only once empty) and we reached `node` under `guard`, so the parent is
            // freed, if ever, after `guard` is dropped.
            let parent = unsafe { &*node.parent };
            let parent_lock = parent.lock();
            shift += BITS;
            node.dead.store(true, Relaxed);
            parent.children[index(hash, shift)].set(ptr::null_mut());
            drop(lock);
            // SAFETY: `node` was just unlinked, with its own lock and its parent's held; a
            // writer that locks it later sees `dead` and starts over.
            unsafe { retire(guard, node) };
            (node, lock) = (parent, parent_lock);
        }
        drop(lock);
    }

    /// Returns a clone of the value stored for `key`, if any. Takes no lock.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::HashTrieMap;
    /// let m = HashTrieMap::new();
    /// m.store("a", 1);
    /// assert_eq!(m.load("a"), Some(1));
    /// assert_eq!(m.load("b"), None);
    /// ```
    #[inline]
    pub fn load<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(key);
        let guard = &pin();
        let (_, _, head) = self.descend(hash, guard);
        let (_, e) = head?.find(hash, key, |_| true, guard)?;
        Some(e.value.clone())
    }

    /// Sets the value for `key`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::HashTrieMap;
    /// let m = HashTrieMap::new();
    /// m.store("a", 1);
    /// m.store("a", 2);
    /// assert_eq!(m.load("a"), Some(2));
    /// ```
    pub fn store(&self, key: K, value: V) {
        self.swap_value(key, value, false);
    }

    /// Sets the value for `key` and returns the previous one, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::HashTrieMap;
    /// let m = HashTrieMap::new();
    /// assert_eq!(m.swap("a", 1), None);
    /// assert_eq!(m.swap("a", 2), Some(1));
    /// ```
    pub fn swap(&self, key: K, value: V) -> Option<V> {
        self.swap_value(key, value, true)
    }

    /// Go's `Swap` (and `Store`): replaces the key's entry with a new one, or inserts it.
    fn swap_value(&self, key: K, value: V, want_old: bool) -> Option<V> {
        let hash = self.hash(&key);
        let guard = &pin();
        let Ok(at) = self.lock_slot(hash, guard, |_| None::<Infallible>);
        let found = at.head.and_then(|h| h.find(hash, &key, |_| true, guard));
        let Some((prev, e)) = found else {
            self.insert_locked(&at, hash, key, value);
            return None;
        };
        let old = if want_old { Some(e.value.clone()) } else { None };
        let new = Entry::new(hash, key, value, e.overflow.get());
        self.replace_locked(at, hash, prev, e, new, guard);
        old
    }

    /// Returns the existing value for `key` and `true` if there is one; otherwise stores
    /// `value` and returns a clone of it and `false`. A key already present is found without
    /// a lock.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::HashTrieMap;
    /// let m = HashTrieMap::new();
    /// assert_eq!(m.load_or_store("a", 1), (1, false));
    /// assert_eq!(m.load_or_store("a", 2), (1, true));
    /// ```
    pub fn load_or_store(&self, key: K, value: V) -> (V, bool) {
        let hash = self.hash(&key);
        let guard = &pin();
        let found = |seen: Option<&Entry<K, V>>| {
            let (_, e) = seen?.find(hash, &key, |_| true, guard)?;
            Some(e.value.clone())
        };
        let at = match self.lock_slot(hash, guard, found) {
            Ok(at) => at,
            Err(v) => return (v, true),
        };
        if let Some(v) = found(at.head) {
            return (v, true);
        }
        let ret = value.clone();
        self.insert_locked(&at, hash, key, value);
        (ret, false)
    }

    /// Go's `LoadAndDelete` and `CompareAndDelete`: unlinks the entry for `key` whose value
    /// passes `ok`. `None` if there is none; else `Some` of a clone of its value if `want`.
    fn delete_if<Q>(&self, key: &Q, mut ok: impl FnMut(&V) -> bool, want: bool) -> Option<Option<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(key);
        let guard = &pin();
        let at = self.find(hash, key, &mut ok, guard)?;
        let (prev, e) = at.head?.find(hash, key, ok, guard)?;
        let v = if want { Some(e.value.clone()) } else { None };
        self.replace_locked(at, hash, prev, e, ptr::null_mut(), guard);
        Some(v)
    }

    /// Removes `key`, returning its value if it had one.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::HashTrieMap;
    /// let m = HashTrieMap::new();
    /// m.store("a", 1);
    /// assert_eq!(m.load_and_delete("a"), Some(1));
    /// assert_eq!(m.load_and_delete("a"), None);
    /// ```
    pub fn load_and_delete<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.delete_if(key, |_| true, true).flatten()
    }

    /// Removes `key`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::HashTrieMap;
    /// let m = HashTrieMap::new();
    /// m.store("a", 1);
    /// m.delete("a");
    /// assert_eq!(m.load("a"), None);
    /// ```
    pub fn delete<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.delete_if(key, |_| true, false);
    }

    /// Replaces the value for `key` with `new` if it currently equals `old`.
    ///
    /// Returns whether it was replaced; a missing key is never replaced. The new entry holds a
    /// clone of the stored key.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::HashTrieMap;
    /// let m = HashTrieMap::new();
    /// m.store("a", 1);
    /// assert!(!m.compare_and_swap("a", &2, 3));
    /// assert!(m.compare_and_swap("a", &1, 3));
    /// assert_eq!(m.load("a"), Some(3));
    /// assert!(!m.compare_and_swap("b", &1, 3)); // a missing key is never swapped
    /// ```
    pub fn compare_and_swap<Q>(&self, key: &Q, old: &V, new: V) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: PartialEq,
    {
        let hash = self.hash(key);
        let guard = &pin();
        let mut ok = |v: &V| v == old;
        let Some(at) = self.find(hash, key, &mut ok, guard) else {
            return false;
        };
        let Some((prev, e)) = at.head.and_then(|h| h.find(hash, key, ok, guard)) else {
            return false;
        };
        let new = Entry::new(hash, e.key.clone(), new, e.overflow.get());
        self.replace_locked(at, hash, prev, e, new, guard);
        true
    }

    /// Removes `key` if its value equals `old`. Returns whether it was removed.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::HashTrieMap;
    /// let m = HashTrieMap::new();
    /// m.store("a", 1);
    /// assert!(!m.compare_and_delete("a", &2));
    /// assert!(m.compare_and_delete("a", &1));
    /// assert!(m.is_empty());
    /// ```
    pub fn compare_and_delete<Q>(&self, key: &Q, old: &V) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: PartialEq,
    {
        self.delete_if(key, |v| v == old, false).is_some()
    }

    /// Calls `f` on each key and value until it returns `false`.
    ///
    /// As in Go, this is not a snapshot: each key is visited at most once, but a key stored
    /// or deleted during the call may or may not be seen. `f` may call back into the map. The
    /// thread stays pinned for the whole walk (the walk holds references into the trie), so a
    /// long `range` delays the freeing of whatever other threads replace meanwhile.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::HashTrieMap;
    /// let m = HashTrieMap::new();
    /// for i in 0..10 {
    ///     m.store(i, i * i);
    /// }
    /// let mut sum = 0;
    /// m.range(|_, v| {
    ///     sum += v;
    ///     true
    /// });
    /// assert_eq!(sum, 285);
    /// let mut seen = 0;
    /// m.range(|_, _| {
    ///     seen += 1;
    ///     seen < 3 // stop after three
    /// });
    /// assert_eq!(seen, 3);
    /// ```
    pub fn range<F>(&self, mut f: F)
    where
        F: FnMut(&K, &V) -> bool,
    {
        fn walk<K, V>(
            node: &Indirect<K, V>,
            guard: &Guard,
            f: &mut dyn FnMut(&K, &V) -> bool,
        ) -> bool {
            for slot in &node.children {
                match slot.load(guard) {
                    Some(Node::Indirect(i)) if !walk(i, guard, f) => return false,
                    None | Some(Node::Indirect(_)) => {}
                    Some(Node::Entry(mut e)) => loop {
                        if !f(&e.key, &e.value) {
                            return false;
                        }
                        match e.next(guard) {
                            Some(n) => e = n,
                            None => break,
                        }
                    },
                }
            }
            true
        }
        let guard = &pin();
        walk(self.root(guard), guard, &mut f);
    }

    /// Removes every entry: a fresh root replaces the trie, which is freed once no thread
    /// can still be reading it.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::HashTrieMap;
    /// let m = HashTrieMap::new();
    /// m.store("a", 1);
    /// m.clear();
    /// assert_eq!(m.load("a"), None);
    /// ```
    pub fn clear(&self) {
        let guard = &pin();
        if self.root(guard).is_empty() {
            return;
        }
        let old = self.root.swap(Indirect::new(ptr::null()));
        // SAFETY: the swap unlinked the old trie, exactly once; `K, V: Send + 'static`.
        unsafe { retire_trie(guard, old) };
    }

    /// Counts the entries by walking the trie: Go's map keeps no count, and neither does this,
    /// so it is O(n). Concurrent writers may change the answer before it is returned.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::HashTrieMap;
    /// let m = HashTrieMap::new();
    /// m.store("a", 1);
    /// m.store("b", 2);
    /// assert_eq!(m.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        let mut n = 0;
        self.range(|_, _| {
            n += 1;
            true
        });
        n
    }

    /// Whether the map has no entries. Stops at the first entry found.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::concurrent::HashTrieMap;
    /// let m = HashTrieMap::new();
    /// assert!(m.is_empty());
    /// m.store("a", 1);
    /// assert!(!m.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        let mut empty = true;
        self.range(|_, _| {
            empty = false;
            false
        });
        empty
    }
}

impl<K, V, S> HashTrieMap<K, V, S> {
    /// The trie's shape, one line per node, for drawings and tests (not a stable format).
    ///
    /// Each line is indented two spaces per level and starts with the slot index in hex:
    /// `root`, `3: indirect` or `3: entry 3fa0…` (the entry's full hash, 16 hex digits)
    /// followed by ` +n` when `n` more entries share that hash in its overflow chain.
    ///
    /// ```
    /// use gomap::concurrent::HashTrieMap;
    /// let m = HashTrieMap::new();
    /// m.store(1, 1);
    /// assert!(m.debug_shape().starts_with("root\n  "));
    /// ```
    #[doc(hidden)]
    pub fn debug_shape(&self) -> String {
        fn walk<K, V>(node: &Indirect<K, V>, depth: usize, guard: &Guard, out: &mut String) {
            use std::fmt::Write;
            for (i, slot) in node.children.iter().enumerate() {
                let pad = "  ".repeat(depth + 1);
                match slot.load(guard) {
                    None => {}
                    Some(Node::Indirect(n)) => {
                        let _ = writeln!(out, "{pad}{i:x}: indirect");
                        walk(n, depth + 1, guard, out);
                    }
                    Some(Node::Entry(e)) => {
                        let mut more = 0;
                        let mut c = e;
                        while let Some(n) = c.next(guard) {
                            more += 1;
                            c = n;
                        }
                        let _ = write!(out, "{pad}{i:x}: entry {:016x}", e.hash);
                        let _ = if more > 0 { writeln!(out, " +{more}") } else { writeln!(out) };
                    }
                }
            }
        }
        let guard = &pin();
        let mut out = String::from("root\n");
        walk(self.root(guard), 0, guard, &mut out);
        out
    }
}

impl<K, V, S> fmt::Debug for HashTrieMap<K, V, S>
where
    K: Eq + Hash + Clone + Send + Sync + 'static + fmt::Debug,
    V: Clone + Send + Sync + 'static + fmt::Debug,
    S: BuildHasher,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_map();
        self.range(|k, v| {
            out.entry(k, v);
            true
        });
        out.finish()
    }
}

impl<K, V, S> FromIterator<(K, V)> for HashTrieMap<K, V, S>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: BuildHasher + Default,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let m = HashTrieMap::default();
        for (k, v) in iter {
            m.store(k, v);
        }
        m
    }
}
