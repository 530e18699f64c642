mod common;
use gomap::GoMap;
use std::collections::HashMap;

#[test]
fn many_inserts_lookups_removes() {
    let mut m = GoMap::new();
    let mut s = HashMap::new();
    for i in 0..20_000u64 {
        assert_eq!(m.insert(i, i * 2), s.insert(i, i * 2));
        if i % 3 == 0 {
            assert_eq!(m.remove(&(i / 2)), s.remove(&(i / 2)));
        }
    }
    assert_eq!(m.len(), s.len());
    for i in 0..20_000u64 {
        assert_eq!(m.get(&i), s.get(&i));
    }
    let mut got: Vec<_> = m.iter().map(|(k, v)| (*k, *v)).collect();
    got.sort();
    let mut want: Vec<_> = s.iter().map(|(k, v)| (*k, *v)).collect();
    want.sort();
    assert_eq!(got, want);
}
