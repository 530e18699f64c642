//! Feature `serde`: GoMap, SwissMap, GoSet and the concurrent maps round-trip through JSON (a
//! self-describing text format) and postcard (a binary one that is not: lengths up front, no
//! field names), and read what std's HashMap and HashSet write.

use std::collections::{HashMap, HashSet};

use gomap::concurrent::{HashTrieMap, RwLockMap};
use gomap::{ConcurrentMap, GoMap, GoSet, RandomState, SwissMap};

/// A map mid-grow, so serialization walks old and new buckets alike.
fn growing_map() -> GoMap<u64, String> {
    let m: GoMap<u64, String> = (0..833).map(|i| (i, format!("v{i}"))).collect();
    assert!(m.stats().growing);
    m
}

fn as_std<K: Clone + Eq + std::hash::Hash, V: Clone, S>(m: &GoMap<K, V, S>) -> HashMap<K, V> {
    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

#[test]
fn map_round_trips_through_json_and_postcard() {
    let m = growing_map();
    let json = serde_json::to_string(&m).unwrap();
    let back: GoMap<u64, String> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, m);

    let bytes = postcard::to_allocvec(&m).unwrap();
    let back: GoMap<u64, String> = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(back, m);
    // With another hasher type too.
    let back: GoMap<u64, String, std::hash::RandomState> = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(as_std(&back), as_std(&m));
}

#[test]
fn map_reads_and_writes_what_std_does() {
    let std_map: HashMap<String, Vec<u8>> =
        (0..50).map(|i| (format!("k{i}"), vec![i as u8; i % 4])).collect();
    let json = serde_json::to_string(&std_map).unwrap();
    let m: GoMap<String, Vec<u8>> = serde_json::from_str(&json).unwrap();
    assert_eq!(as_std(&m), std_map);
    let bytes = postcard::to_allocvec(&m).unwrap();
    let again: HashMap<String, Vec<u8>> = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(again, std_map);
}

#[test]
fn duplicate_keys_keep_the_last_value_as_std() {
    let json = r#"{"a":1,"b":2,"a":3}"#;
    let m: GoMap<String, i32> = serde_json::from_str(json).unwrap();
    let s: HashMap<String, i32> = serde_json::from_str(json).unwrap();
    assert_eq!(as_std(&m), s);
    assert_eq!(m["a"], 3);
}

#[test]
fn wrong_shapes_are_errors() {
    assert!(serde_json::from_str::<GoMap<String, i32>>("[1, 2]").is_err());
    assert!(serde_json::from_str::<GoSet<i32>>(r#"{"a": 1}"#).is_err());
    assert!(serde_json::from_str::<GoMap<String, i32>>(r#"{"a": "x"}"#).is_err());
    // A length prefix far beyond the input: an error, not a huge allocation.
    let mut bytes = vec![0xff, 0xff, 0xff, 0xff, 0x0f];
    bytes.extend([1, 2]);
    assert!(postcard::from_bytes::<GoMap<u8, u8>>(&bytes).is_err());
}

#[test]
fn set_round_trips_and_matches_std() {
    let set: GoSet<u64> = (0..833).collect();
    assert!(set.stats().growing);
    let json = serde_json::to_string(&set).unwrap();
    let back: GoSet<u64> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, set);
    let std_set: HashSet<u64> = serde_json::from_str(&json).unwrap();
    assert_eq!(std_set, (0..833).collect());

    let bytes = postcard::to_allocvec(&set).unwrap();
    let back: GoSet<u64> = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(back, set);
    let from_std: GoSet<u64> =
        postcard::from_bytes(&postcard::to_allocvec(&std_set).unwrap()).unwrap();
    assert_eq!(from_std, set);

    // Duplicates collapse, as in std.
    let dup: GoSet<i32> = serde_json::from_str("[1, 2, 1]").unwrap();
    assert_eq!(dup, GoSet::from([1, 2]));
}

fn concurrent_contents<S>(m: &ConcurrentMap<u64, String, S>) -> HashMap<u64, String>
where
    S: std::hash::BuildHasher + Clone + Send + Sync + 'static,
{
    let mut out = HashMap::new();
    m.range(|k, v| {
        out.insert(*k, v.clone());
        true
    });
    out
}

#[test]
fn concurrent_maps_serialize_a_snapshot() {
    let want = as_std(&growing_map());

    let c: ConcurrentMap<u64, String> = ConcurrentMap::new();
    for (k, v) in &want {
        c.store(*k, v.clone());
    }
    c.delete(&0);
    let mut want_c = want.clone();
    want_c.remove(&0);
    let json = serde_json::to_string(&c).unwrap();
    let bytes = postcard::to_allocvec(&c).unwrap();
    let back: ConcurrentMap<u64, String> = serde_json::from_str(&json).unwrap();
    assert_eq!(concurrent_contents(&back), want_c);
    let back: ConcurrentMap<u64, String> = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(concurrent_contents(&back), want_c);
    let as_map: HashMap<u64, String> = serde_json::from_str(&json).unwrap();
    assert_eq!(as_map, want_c);

    let t: HashTrieMap<u64, String> = want.clone().into_iter().collect();
    t.delete(&0);
    let json = serde_json::to_string(&t).unwrap();
    let bytes = postcard::to_allocvec(&t).unwrap();
    for back in [
        serde_json::from_str::<HashTrieMap<u64, String>>(&json).unwrap(),
        postcard::from_bytes::<HashTrieMap<u64, String>>(&bytes).unwrap(),
    ] {
        let mut got = HashMap::new();
        back.range(|k, v| {
            got.insert(*k, v.clone());
            true
        });
        assert_eq!(got, want_c);
    }

    let r: RwLockMap<u64, String> = want.clone().into_iter().collect();
    let json = serde_json::to_string(&r).unwrap();
    let back: RwLockMap<u64, String, RandomState> = serde_json::from_str(&json).unwrap();
    let mut got = HashMap::new();
    back.range(|k, v| {
        got.insert(*k, v.clone());
        true
    });
    assert_eq!(got, want);
    let bytes = postcard::to_allocvec(&r).unwrap();
    let as_go: GoMap<u64, String> = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(as_std(&as_go), want);
}

/// SwissMap shares GoMap's impls (one over both engines): it round-trips, and each map reads
/// what the other writes.
#[test]
fn swiss_map_round_trips_and_reads_what_gomap_writes() {
    let m: SwissMap<u64, String> = (0..2000).map(|i| (i, format!("v{i}"))).collect();
    let json = serde_json::to_string(&m).unwrap();
    let back: SwissMap<u64, String> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, m);
    let bytes = postcard::to_allocvec(&m).unwrap();
    let classic: GoMap<u64, String> = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(classic.len(), m.len());
    assert!(m.iter().all(|(k, v)| classic.get(k) == Some(v)));
    let again: SwissMap<u64, String> =
        postcard::from_bytes(&postcard::to_allocvec(&classic).unwrap()).unwrap();
    assert_eq!(again, m);
}
