//! For teaching: a lookup that reports every step the Swiss map's own
//! `getWithKey` takes, so a page or a tour can draw a lookup without re-deriving it.
//!
//! [`SwissMap::trace_lookup`] runs the map's own lookup ([`SwissMap::get`]'s code) with an
//! observer that records the hash split (h1, h2), the directory entry, each group read with
//! its control word and h2 matches, and each key compared. The map's own calls pass `()`,
//! whose hooks are empty and compile away. (The reports derive `Serialize` with the `teach`
//! feature, as the classic map's `RawView::trace_lookup` does.)
//!
//! ```
//! use gomap::SwissMap;
//! let mut m = SwissMap::new();
//! for k in 0..100u64 {
//!     m.insert(k, k);
//! }
//! let t = m.trace_lookup(&42);
//! let last = t.probes.last().expect("a table lookup reads a group");
//! // The key was found in the last group read, in the slot of its equal compare.
//! assert_eq!(t.found, Some((last.group, last.compares.last().unwrap().0)));
//! assert!(last.matches.contains(&t.found.unwrap().1));
//! ```

use super::hooks::Observer;
use super::{h1, h2, SwissMap, GROUP_SLOTS};
use core::borrow::Borrow;
use core::hash::{BuildHasher, Hash};

/// One group the lookup read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "teach", derive(serde::Serialize))]
pub struct Probe {
    /// The group's index in its table (0 in the small map), in probe order.
    pub group: usize,
    /// Its control word (slot i is byte i).
    pub ctrl: u64,
    /// The slots whose key the lookup compares because their byte matched h2 (Go's
    /// `matchH2`, which may also report a full slot just above a true match).
    pub matches: Vec<usize>,
    /// The keys compared, in order: (slot, equal).
    pub compares: Vec<(usize, bool)>,
}

/// What one lookup did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "teach", derive(serde::Serialize))]
pub struct Lookup {
    /// The key's hash, from the map's hasher.
    pub hash: u64,
    /// Go's h1 (hash >> 7): where probing starts.
    pub h1: u64,
    /// Go's h2 (hash & 0x7f): what a full slot's control byte holds.
    pub h2: u8,
    /// The small map's one group was scanned byte by byte (no directory, no table).
    pub small: bool,
    /// The directory entry the top bits chose (`None` for the small map).
    pub directory_index: Option<usize>,
    /// The table that entry points to, as [`raw`](super::raw) numbers tables.
    pub table: Option<usize>,
    /// Every group read, in order; the lookup ended at the last (a match, or an empty slot).
    pub probes: Vec<Probe>,
    /// Where the key is: (group, slot), if found.
    pub found: Option<(usize, usize)>,
}

#[derive(Default)]
struct Recorder {
    probes: Vec<Probe>,
}

impl Observer for Recorder {
    fn group(&mut self, g: usize, ctrl: u64, matches: u64) {
        let matches = (0..GROUP_SLOTS).filter(|i| matches & (0x80 << (8 * i)) != 0).collect();
        self.probes.push(Probe { group: g, ctrl, matches, compares: Vec::new() });
    }
    fn compare(&mut self, slot: usize, equal: bool) {
        if let Some(p) = self.probes.last_mut() {
            p.compares.push((slot, equal));
        }
    }
}

impl<K, V, S> SwissMap<K, V, S>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    /// Looks `k` up with the map's own lookup and reports each step it took.
    pub fn trace_lookup<Q>(&self, k: &Q) -> Lookup
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(k);
        let mut rec = Recorder::default();
        let slot = self.table.find_observed(hash, |q| q.borrow() == k, &mut rec);
        let view = self.raw();
        let small = view.header().small;
        let directory_index = (!small).then(|| view.directory_index(hash));
        let table = directory_index.map(|i| view.directory()[i]);
        let found = slot.map(|_| {
            let p = rec.probes.last().expect("a found key was in a group read");
            let (i, _) = *p.compares.last().expect("a found key was compared");
            (p.group, i)
        });
        Lookup {
            hash,
            h1: h1(hash),
            h2: h2(hash),
            small,
            directory_index,
            table,
            probes: rec.probes,
            found,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swiss::raw::CtrlState;

    /// Checks one traced lookup against the map's view and Go's probe sequence.
    fn check(m: &SwissMap<u64, u64>, k: u64) {
        let t = m.trace_lookup(&k);
        assert_eq!(t.found.is_some(), m.contains_key(&k), "key {k}");
        let view = m.raw();
        if t.small {
            assert_eq!(t.probes.len(), 1);
            match view.small_group() {
                Some(g) => {
                    let exact: Vec<usize> = (0..8).filter(|&i| g.ctrl_byte(i) == t.h2).collect();
                    assert_eq!(t.probes[0].matches, exact, "the small map compares exact bytes");
                }
                // Nothing allocated yet: the lookup reads an all-empty control word.
                None => assert_eq!(t.probes[0].ctrl, 0x8080_8080_8080_8080),
            }
        } else {
            let tables = view.tables();
            let table = &tables[t.table.expect("a table lookup names its table")];
            let mask = table.group_count() - 1;
            // Go's probe sequence: h1's group, then +1, +2, +3 ... groups.
            let mut g = (t.h1 as usize) & mask;
            for (i, p) in t.probes.iter().enumerate() {
                assert_eq!(p.group, g, "key {k}: probe {i}");
                assert_eq!(p.ctrl, table.group(g).ctrl(), "key {k}: the control word read");
                g = (g + i + 1) & mask;
            }
            let last = t.probes.last().expect("a table lookup reads a group");
            if t.found.is_none() {
                let g = table.group(last.group);
                assert!(
                    (0..8).any(|i| g.state(i) == CtrlState::Empty),
                    "a miss ends at an empty slot"
                );
            }
            for p in &t.probes[..t.probes.len() - 1] {
                let g = table.group(p.group);
                assert!(
                    (0..8).all(|i| g.state(i) != CtrlState::Empty),
                    "no probe goes past an empty slot"
                );
            }
        }
        for p in &t.probes {
            let compared: Vec<usize> = p.compares.iter().map(|c| c.0).collect();
            assert!(
                compared.iter().all(|i| p.matches.contains(i)),
                "compares only where h2 matched"
            );
            assert!(
                p.compares.iter().rev().skip(1).all(|c| !c.1),
                "the search stops at the equal key"
            );
        }
        if let Some((g, i)) = t.found {
            let slot = if t.small {
                view.small_group().unwrap().slot(i)
            } else {
                view.tables()[t.table.unwrap()].group(g).slot(i)
            };
            assert_eq!(slot.map(|(k, _)| *k), Some(k), "found where the view shows the key");
        }
    }

    #[test]
    fn a_traced_lookup_is_the_map_s_own_search() {
        let mut m = SwissMap::new();
        for n in [0u64, 5, 8, 9, 100, 2000, 5000] {
            while (m.len() as u64) < n {
                let k = m.len() as u64;
                m.insert(k, k);
            }
            for k in (0..n + 50).step_by(7) {
                check(&m, k);
            }
        }
        // Tombstones: deletes from a full table, then lookups past them.
        for k in (0..5000).step_by(3) {
            m.remove(&k);
        }
        let t = m.raw().tables().iter().map(|t| t.tombstones()).sum::<u16>();
        assert!(t > 0, "the deletes left tombstones");
        for k in 0..5100 {
            check(&m, k);
        }
    }
}
