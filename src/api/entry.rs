//! The Entry API, as std's: one lookup (Go's mapassign search) serves a read-modify-write.

use core::fmt;
use core::mem;

use super::engine::Engine;

/// A view into a single entry of a [`GoMap`](crate::GoMap), from [`GoMap::entry`](crate::GoMap::entry).
pub enum Entry<'a, K, V, E: Engine<K, V>> {
    /// The key is present.
    Occupied(OccupiedEntry<'a, K, V, E>),
    /// The key is absent; a slot for it has been chosen.
    Vacant(VacantEntry<'a, K, V, E>),
}

/// An entry whose key is present.
pub struct OccupiedEntry<'a, K, V, E: Engine<K, V>> {
    pub(crate) table: &'a mut E,
    pub(crate) found: E::Occupied,
}

/// An entry whose key is absent. Inserting fills the slot Go's mapassign picked.
pub struct VacantEntry<'a, K, V, E: Engine<K, V>> {
    pub(crate) table: &'a mut E,
    pub(crate) slot: E::Vacant,
    pub(crate) key: K,
}

impl<'a, K, V, E: Engine<K, V>> Entry<'a, K, V, E> {
    /// Inserts `default` if vacant; returns a mutable reference to the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{map::Entry, GoMap};
    /// let mut m: GoMap<&str, u32> = GoMap::new();
    /// *m.entry("poneyland").or_insert(3) += 10;
    /// assert_eq!(m["poneyland"], 13);
    /// *m.entry("poneyland").or_insert(3) *= 2;
    /// assert_eq!(m["poneyland"], 26);
    /// ```
    pub fn or_insert(self, default: V) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default),
        }
    }

    /// Inserts `default()` if vacant; returns a mutable reference to the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m: GoMap<&str, String> = GoMap::new();
    /// let s = "hoho".to_string();
    /// m.entry("poneyland").or_insert_with(|| s);
    /// assert_eq!(m["poneyland"], "hoho");
    /// ```
    pub fn or_insert_with<F: FnOnce() -> V>(self, default: F) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default()),
        }
    }

    /// Inserts `default(&key)` if vacant; returns a mutable reference to the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m: GoMap<&str, usize> = GoMap::new();
    /// m.entry("poneyland").or_insert_with_key(|key| key.chars().count());
    /// assert_eq!(m["poneyland"], 9);
    /// ```
    pub fn or_insert_with_key<F: FnOnce(&K) -> V>(self, default: F) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let v = default(&e.key);
                e.insert(v)
            }
        }
    }

    /// The entry's key.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{map::Entry, GoMap};
    /// let mut m: GoMap<&str, u32> = GoMap::new();
    /// assert_eq!(m.entry("poneyland").key(), &"poneyland");
    /// ```
    pub fn key(&self) -> &K {
        match self {
            Entry::Occupied(e) => e.key(),
            Entry::Vacant(e) => e.key(),
        }
    }

    /// Calls `f` on the value if occupied.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{map::Entry, GoMap};
    /// let mut m: GoMap<&str, u32> = GoMap::new();
    /// m.entry("poneyland").and_modify(|e| *e += 1).or_insert(42);
    /// assert_eq!(m["poneyland"], 42);
    /// m.entry("poneyland").and_modify(|e| *e += 1).or_insert(42);
    /// assert_eq!(m["poneyland"], 43);
    /// ```
    pub fn and_modify<F: FnOnce(&mut V)>(mut self, f: F) -> Self {
        if let Entry::Occupied(e) = &mut self {
            f(e.get_mut());
        }
        self
    }

    /// Sets the value, inserting if vacant, and returns the occupied entry.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{map::Entry, GoMap};
    /// let mut m: GoMap<&str, u32> = GoMap::new();
    /// let entry = m.entry("horseyland").insert_entry(37);
    /// assert_eq!(entry.key(), &"horseyland");
    /// assert_eq!(m["horseyland"], 37);
    /// ```
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, E> {
        match self {
            Entry::Occupied(mut e) => {
                e.insert(value);
                e
            }
            Entry::Vacant(e) => e.insert_entry(value),
        }
    }
}

impl<'a, K, V: Default, E: Engine<K, V>> Entry<'a, K, V, E> {
    /// Inserts `V::default()` if vacant; returns a mutable reference to the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::GoMap;
    /// let mut m: GoMap<&str, Option<u32>> = GoMap::new();
    /// m.entry("poneyland").or_default();
    /// assert_eq!(m["poneyland"], None);
    /// ```
    pub fn or_default(self) -> &'a mut V {
        self.or_insert_with(V::default)
    }
}

impl<'a, K, V, E: Engine<K, V>> OccupiedEntry<'a, K, V, E> {
    /// The stored key.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{map::Entry, GoMap};
    /// let mut m: GoMap<&str, u32> = GoMap::new();
    /// m.entry("poneyland").or_insert(12);
    /// if let Entry::Occupied(o) = m.entry("poneyland") {
    ///     assert_eq!(o.key(), &"poneyland");
    /// }
    /// ```
    pub fn key(&self) -> &K {
        // SAFETY: `found` is a valid slot of the borrowed table.
        unsafe { &*self.table.slot_ptrs(E::occupied_slot(self.found)).0 }
    }

    /// The value.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{map::Entry, GoMap};
    /// let mut m: GoMap<&str, u32> = GoMap::new();
    /// m.entry("poneyland").or_insert(12);
    /// if let Entry::Occupied(o) = m.entry("poneyland") {
    ///     assert_eq!(o.get(), &12);
    /// }
    /// ```
    pub fn get(&self) -> &V {
        // SAFETY: as in `key`.
        unsafe { &*self.table.slot_ptrs(E::occupied_slot(self.found)).1 }
    }

    /// The value, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{map::Entry, GoMap};
    /// let mut m: GoMap<&str, u32> = GoMap::new();
    /// m.entry("poneyland").or_insert(12);
    /// if let Entry::Occupied(mut o) = m.entry("poneyland") {
    ///     *o.get_mut() += 10;
    ///     assert_eq!(*o.get(), 22);
    ///     *o.get_mut() += 2; // it can be used more than once
    /// }
    /// assert_eq!(m["poneyland"], 24);
    /// ```
    pub fn get_mut(&mut self) -> &mut V {
        // SAFETY: as in `key`; the entry borrows the table mutably.
        unsafe { &mut *self.table.slot_ptrs(E::occupied_slot(self.found)).1 }
    }

    /// The value, with the entry's lifetime.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{map::Entry, GoMap};
    /// let mut m: GoMap<&str, u32> = GoMap::new();
    /// m.entry("poneyland").or_insert(12);
    /// if let Entry::Occupied(o) = m.entry("poneyland") {
    ///     *o.into_mut() += 10;
    /// }
    /// assert_eq!(m["poneyland"], 22);
    /// ```
    pub fn into_mut(self) -> &'a mut V {
        // SAFETY: as in `key`; the reference takes over the entry's mutable borrow.
        unsafe { &mut *self.table.slot_ptrs(E::occupied_slot(self.found)).1 }
    }

    /// Replaces the value, returning the old one.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{map::Entry, GoMap};
    /// let mut m: GoMap<&str, u32> = GoMap::new();
    /// m.entry("poneyland").or_insert(12);
    /// if let Entry::Occupied(mut o) = m.entry("poneyland") {
    ///     assert_eq!(o.insert(15), 12);
    /// }
    /// assert_eq!(m["poneyland"], 15);
    /// ```
    pub fn insert(&mut self, value: V) -> V {
        mem::replace(self.get_mut(), value)
    }

    /// Removes the entry, returning its value.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{map::Entry, GoMap};
    /// let mut m: GoMap<&str, u32> = GoMap::new();
    /// m.entry("poneyland").or_insert(12);
    /// if let Entry::Occupied(o) = m.entry("poneyland") {
    ///     assert_eq!(o.remove(), 12);
    /// }
    /// assert!(!m.contains_key("poneyland"));
    /// ```
    pub fn remove(self) -> V {
        self.remove_entry().1
    }

    /// Removes the entry, returning the stored key and value.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{map::Entry, GoMap};
    /// let mut m: GoMap<&str, u32> = GoMap::new();
    /// m.entry("poneyland").or_insert(12);
    /// if let Entry::Occupied(o) = m.entry("poneyland") {
    ///     assert_eq!(o.remove_entry(), ("poneyland", 12));
    /// }
    /// assert!(m.is_empty());
    /// ```
    pub fn remove_entry(self) -> (K, V) {
        // SAFETY: the handle is valid: found (or filled) on this table, which the entry has
        // borrowed since.
        unsafe { self.table.remove_occupied(self.found) }
    }
}

impl<'a, K, V, E: Engine<K, V>> VacantEntry<'a, K, V, E> {
    /// The key that would be inserted.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{map::Entry, GoMap};
    /// let mut m: GoMap<&str, u32> = GoMap::new();
    /// if let Entry::Vacant(v) = m.entry("poneyland") {
    ///     assert_eq!(v.key(), &"poneyland");
    /// }
    /// ```
    pub fn key(&self) -> &K {
        &self.key
    }

    /// Takes the key back.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{map::Entry, GoMap};
    /// let mut m: GoMap<String, u32> = GoMap::new();
    /// if let Entry::Vacant(v) = m.entry("poneyland".to_string()) {
    ///     assert_eq!(v.into_key(), "poneyland");
    /// }
    /// assert!(m.is_empty());
    /// ```
    pub fn into_key(self) -> K {
        self.key
    }

    /// Inserts the value, returning a mutable reference to it.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{map::Entry, GoMap};
    /// let mut m: GoMap<&str, u32> = GoMap::new();
    /// if let Entry::Vacant(v) = m.entry("poneyland") {
    ///     *v.insert(37) += 1;
    /// }
    /// assert_eq!(m["poneyland"], 38);
    /// ```
    pub fn insert(self, value: V) -> &'a mut V {
        // SAFETY: the slot was chosen on this table, which the entry has borrowed since.
        let occ = unsafe { self.table.insert_at(self.slot, self.key, value) };
        // SAFETY: the slot is now filled; the reference takes over the entry's borrow.
        unsafe { &mut *self.table.slot_ptrs(E::occupied_slot(occ)).1 }
    }

    /// Inserts the value, returning the occupied entry.
    ///
    /// # Examples
    ///
    /// ```
    /// use gomap::{map::Entry, GoMap};
    /// let mut m: GoMap<&str, u32> = GoMap::new();
    /// if let Entry::Vacant(v) = m.entry("poneyland") {
    ///     let o = v.insert_entry(37);
    ///     assert_eq!(o.get(), &37);
    /// }
    /// assert_eq!(m["poneyland"], 37);
    /// ```
    pub fn insert_entry(self, value: V) -> OccupiedEntry<'a, K, V, E> {
        // SAFETY: as in `insert`.
        let found = unsafe { self.table.insert_at(self.slot, self.key, value) };
        OccupiedEntry { table: self.table, found }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, E: Engine<K, V>> fmt::Debug for Entry<'_, K, V, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(e) => f.debug_tuple("Entry").field(e).finish(),
            Entry::Vacant(e) => f.debug_tuple("Entry").field(e).finish(),
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, E: Engine<K, V>> fmt::Debug for OccupiedEntry<'_, K, V, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OccupiedEntry").field("key", self.key()).field("value", self.get()).finish()
    }
}

impl<K: fmt::Debug, V, E: Engine<K, V>> fmt::Debug for VacantEntry<'_, K, V, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VacantEntry").field(self.key()).finish()
    }
}
