//! Feature `serde`: `Serialize` and `Deserialize` for both maps ([`GoMap`] and
//! [`SwissMap`](crate::SwissMap), one impl over [`Map`]) and [`GoSet`], and for
//! [`ConcurrentMap`], [`HashTrieMap`] and [`RwLockMap`] as a snapshot of their entries.
//!
//! A map is written as a serde map and a set as a sequence, as std's `HashMap` and `HashSet`
//! are, so data written from one reads into the other. Reading inserts each entry in turn: a
//! key that comes twice keeps its last value, as it does for std.
//!
//! ```
//! use gomap::GoMap;
//!
//! let m = GoMap::from([("gopher".to_string(), 1)]);
//! let json = serde_json::to_string(&m).unwrap();
//! assert_eq!(json, r#"{"gopher":1}"#);
//! let back: GoMap<String, i32> = serde_json::from_str(&json).unwrap();
//! assert_eq!(back, m);
//! ```

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;

use ::serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use ::serde::ser::{Serialize, Serializer};

use crate::api::{Engine, Map};
use crate::concurrent::{ConcurrentMap, HashTrieMap, RwLockMap};
use crate::{GoMap, GoSet};

/// The most a size hint from the input may make a map or set allocate up front: a hostile
/// length cannot exhaust memory before the entries themselves arrive (serde's own rule).
const MAX_PREALLOC_BYTES: usize = 1024 * 1024;

/// The capacity to make for a size hint: at most `MAX_PREALLOC_BYTES` worth of `T`.
fn cautious<T>(hint: Option<usize>) -> usize {
    hint.unwrap_or(0).min(MAX_PREALLOC_BYTES / core::mem::size_of::<T>().max(1))
}

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<K: Serialize, V: Serialize, S, E: Engine<K, V>> Serialize for Map<K, V, S, E> {
    fn serialize<Z: Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serializer.collect_map(self)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<'de, K, V, S, E: Engine<K, V>> Deserialize<'de> for Map<K, V, S, E>
where
    K: Deserialize<'de> + Eq + Hash,
    V: Deserialize<'de>,
    S: BuildHasher + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V, S, E>(PhantomData<Map<K, V, S, E>>);

        impl<'de, K, V, S, E: Engine<K, V>> Visitor<'de> for MapVisitor<K, V, S, E>
        where
            K: Deserialize<'de> + Eq + Hash,
            V: Deserialize<'de>,
            S: BuildHasher + Default,
        {
            type Value = Map<K, V, S, E>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let capacity = cautious::<(K, V)>(access.size_hint());
                let mut m = Map::with_capacity_and_hasher(capacity, S::default());
                while let Some((k, v)) = access.next_entry()? {
                    m.insert(k, v);
                }
                Ok(m)
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<T: Serialize, S> Serialize for GoSet<T, S> {
    fn serialize<Z: Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serializer.collect_seq(self)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<'de, T, S> Deserialize<'de> for GoSet<T, S>
where
    T: Deserialize<'de> + Eq + Hash,
    S: BuildHasher + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SetVisitor<T, S>(PhantomData<GoSet<T, S>>);

        impl<'de, T, S> Visitor<'de> for SetVisitor<T, S>
        where
            T: Deserialize<'de> + Eq + Hash,
            S: BuildHasher + Default,
        {
            type Value = GoSet<T, S>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let capacity = cautious::<T>(access.size_hint());
                let mut set = GoSet::with_capacity_and_hasher(capacity, S::default());
                while let Some(v) = access.next_element()? {
                    set.insert(v);
                }
                Ok(set)
            }
        }

        deserializer.deserialize_seq(SetVisitor(PhantomData))
    }
}

/// Clones the entries a concurrent map's `range` visits (`range` is given the visitor).
fn snapshot<K: Clone, V: Clone>(range: impl FnOnce(&mut dyn FnMut(&K, &V) -> bool)) -> Vec<(K, V)> {
    let mut entries = Vec::new();
    range(&mut |k: &K, v: &V| {
        entries.push((k.clone(), v.clone()));
        true
    });
    entries
}

/// Writes a snapshot of `(key, value)` clones as a map, with no lock held while the entries
/// serialize (the concurrent maps run no user code under their locks).
fn serialize_snapshot<K, V, Z>(entries: &[(K, V)], serializer: Z) -> Result<Z::Ok, Z::Error>
where
    K: Serialize,
    V: Serialize,
    Z: Serializer,
{
    serializer.collect_map(entries.iter().map(|(k, v)| (k, v)))
}

/// A concurrent map is written as a snapshot: the entries `range` visits, cloned, written as a
/// map. Writes made meanwhile by other threads may or may not be in it, as with `range`.
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<K, V, S> Serialize for ConcurrentMap<K, V, S>
where
    K: Serialize + Eq + Hash + Clone + Send + Sync + 'static,
    V: Serialize + Clone + Send + Sync + 'static,
    S: BuildHasher + Clone + Send + Sync + 'static,
{
    fn serialize<Z: Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serialize_snapshot(&snapshot(|f| self.range(f)), serializer)
    }
}

/// Reads a map into a new `ConcurrentMap` with the default hasher.
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<'de, K, V, S> Deserialize<'de> for ConcurrentMap<K, V, S>
where
    K: Deserialize<'de> + Eq + Hash + Clone + Send + Sync + 'static,
    V: Deserialize<'de> + Clone + Send + Sync + 'static,
    S: BuildHasher + Clone + Default + Send + Sync + 'static,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries: GoMap<K, V, S> = Deserialize::deserialize(deserializer)?;
        let m = ConcurrentMap::with_capacity_and_hasher(entries.len(), S::default());
        for (k, v) in entries {
            m.store(k, v);
        }
        Ok(m)
    }
}

/// A `HashTrieMap` is written as a snapshot, as [`ConcurrentMap`] is: the entries `range`
/// visits, cloned, written as a map.
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<K, V, S> Serialize for HashTrieMap<K, V, S>
where
    K: Serialize + Eq + Hash + Clone + Send + Sync + 'static,
    V: Serialize + Clone + Send + Sync + 'static,
    S: BuildHasher,
{
    fn serialize<Z: Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serialize_snapshot(&snapshot(|f| self.range(f)), serializer)
    }
}

/// Reads a map into a new `HashTrieMap` with the default hasher.
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<'de, K, V, S> Deserialize<'de> for HashTrieMap<K, V, S>
where
    K: Deserialize<'de> + Eq + Hash + Clone + Send + Sync + 'static,
    V: Deserialize<'de> + Clone + Send + Sync + 'static,
    S: BuildHasher + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries: GoMap<K, V> = Deserialize::deserialize(deserializer)?;
        let m = HashTrieMap::with_hasher(S::default());
        for (k, v) in entries {
            m.store(k, v);
        }
        Ok(m)
    }
}

/// An `RwLockMap` is written as a snapshot: its entries cloned under the read lock, then
/// written with no lock held.
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<K, V, S> Serialize for RwLockMap<K, V, S>
where
    K: Serialize + Clone,
    V: Serialize + Clone,
{
    fn serialize<Z: Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serialize_snapshot(&self.snapshot(), serializer)
    }
}

/// Reads a map into a new `RwLockMap` with the default hasher.
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<'de, K, V, S> Deserialize<'de> for RwLockMap<K, V, S>
where
    K: Deserialize<'de> + Eq + Hash,
    V: Deserialize<'de>,
    S: BuildHasher + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let m: GoMap<K, V, S> = Deserialize::deserialize(deserializer)?;
        Ok(RwLockMap::from_map(m))
    }
}
