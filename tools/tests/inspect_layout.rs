//! The layout snapshot against maps whose placement the tests choose (ModuloState puts key k
//! in bucket k mod 2^B), and against random operation sequences.

use gomap::map::traced::Step;
use gomap::GoMap;
use gomap_tools::inspect::{
    self, lookup_path, snapshot, tour, Chain, FixedState, Generation, Layout, ModuloState, OpTrace,
    SlotState,
};
use proptest::prelude::*;
use std::collections::HashMap;
use std::hash::BuildHasher;

fn modulo_map(keys: impl IntoIterator<Item = u64>) -> GoMap<u64, u64, ModuloState> {
    let mut m = GoMap::with_hasher(ModuloState);
    for k in keys {
        m.insert(k, k * 10);
    }
    m
}

fn live_keys(l: &Layout) -> Vec<String> {
    let serving = l.buckets.iter().chain(l.old_buckets.iter().filter(|c| !c.evacuated));
    let mut v: Vec<String> = serving
        .flat_map(|c| c.bmaps.iter())
        .flat_map(|b| b.slots.iter())
        .filter_map(|s| s.key.clone())
        .collect();
    v.sort();
    v
}

#[test]
fn slot_states_follow_the_reserved_tophash_values() {
    assert_eq!(SlotState::of(0), SlotState::EmptyRest);
    assert_eq!(SlotState::of(1), SlotState::EmptyOne);
    assert_eq!(SlotState::of(2), SlotState::EvacuatedX);
    assert_eq!(SlotState::of(3), SlotState::EvacuatedY);
    assert_eq!(SlotState::of(4), SlotState::EvacuatedEmpty);
    for t in 5..=255u8 {
        assert_eq!(SlotState::of(t), SlotState::Filled);
    }
}

/// Go's tophash, written out here as the test's own oracle.
fn go_tophash(hash: u64) -> u8 {
    let top = (hash >> 56) as u8;
    if top < 5 {
        top + 5
    } else {
        top
    }
}

#[test]
fn an_empty_map_has_no_bucket_array_yet() {
    let m: GoMap<u64, u64, ModuloState> = GoMap::with_hasher(ModuloState);
    let l = snapshot(&m);
    assert_eq!(l.header.count, 0);
    assert_eq!(l.header.b, 0);
    assert!(l.buckets.is_empty() && l.old_buckets.is_empty());
    assert_eq!(l.figures().bytes_per_entry, None);
}

#[test]
fn eight_keys_fill_bucket_zero_in_order_with_their_tophash() {
    let m = modulo_map(0..8);
    let l = snapshot(&m);
    assert_eq!(l.buckets.len(), 1);
    let b = &l.buckets[0].bmaps[0];
    for (i, s) in b.slots.iter().enumerate() {
        assert_eq!(s.key.as_deref(), Some(i.to_string().as_str()));
        assert_eq!(s.value.as_deref(), Some((i * 10).to_string().as_str()));
        assert_eq!(s.tophash, go_tophash(ModuloState.hash_one(i as u64)));
        assert_eq!(s.tophash, m.raw().trace_lookup(&(i as u64)).tophash);
    }
    let f = l.figures();
    assert_eq!(f.probes_per_miss, 8.0);
    assert_eq!(f.probes_per_hit, 4.5);
    assert_eq!(f.load_factor, 8.0);
}

#[test]
fn a_ninth_key_in_one_bucket_takes_an_overflow_bucket() {
    // B = 1 after the 9th key; then even keys pile into bucket 0.
    let m = modulo_map((0..9).chain([10, 12, 14, 16]));
    let l = snapshot(&m);
    assert_eq!(l.header.b, 1);
    assert_eq!(l.header.noverflow, 1);
    assert_eq!(l.buckets[0].bmaps.len(), 2);
    assert_eq!(l.buckets[1].bmaps.len(), 1);
    let ovf = &l.buckets[0].bmaps[1];
    assert_eq!(ovf.slots[0].key.as_deref(), Some("16"));
    assert_eq!(ovf.slots[1].state, SlotState::EmptyRest);
    let f = l.figures();
    assert_eq!(f.overflow_buckets, 1);
    assert_eq!(f.longest_chain, 2);
    assert_eq!(f.avg_chain, 1.5);
    assert_eq!(f.overflow_share, 0.5);
    // Bucket 0 holds 9, bucket 1 holds 4: hits cost (1+..+9 + 1+..+4) / 13.
    assert!((f.probes_per_hit - 55.0 / 13.0).abs() < 1e-9);
    assert_eq!(f.probes_per_miss, 6.5);
}

fn half_grown() -> GoMap<u64, u64, ModuloState> {
    // 26 keys at B = 2 (6.5 per bucket), then key 28 (old bucket 0) starts the grow to B = 3.
    let mut keys: Vec<u64> = (0..=25).collect();
    keys.push(28);
    modulo_map(keys)
}

#[test]
fn mid_grow_shows_both_arrays_and_the_evacuation_mark() {
    let m = half_grown();
    let st = m.stats();
    assert!(st.growing, "the tour's premise: one write cannot evacuate 4 buckets");
    let l = snapshot(&m);
    assert_eq!(l.header.b, 3);
    assert_eq!(l.buckets.len(), 8);
    assert_eq!(l.old_buckets.len(), 4);
    assert_eq!(l.header.old_b, Some(2));
    let evac: Vec<bool> = l.old_buckets.iter().map(|c| c.evacuated).collect();
    for (i, &e) in evac.iter().enumerate() {
        assert_eq!(e, i < l.header.nevacuate, "old bucket {i}");
    }
    assert!(evac[0], "the write's own old bucket is evacuated");
    // Evacuated slots keep their tophash as a forwarding note and drop key and value.
    for s in l.old_buckets[0].bmaps.iter().flat_map(|b| b.slots.iter()) {
        assert!(s.state.is_evacuated(), "{s:?}");
        assert!(s.key.is_none() && s.value.is_none());
    }
    assert_eq!(live_keys(&l).len(), 27);
    let text = inspect::render_text(&l, &inspect::TextOptions::default());
    assert!(text.contains(&format!("nevacuate = {}", l.header.nevacuate)));
    assert!(text.contains("evX"));
}

#[test]
fn a_lookup_mid_grow_reads_the_unevacuated_old_bucket() {
    let m = half_grown();
    let l = snapshot(&m);
    let k = (0..26u64)
        .find(|&k| !l.old_buckets[(k & 3) as usize].evacuated)
        .expect("some old bucket is still waiting");
    let p = lookup_path(&m, &k).trace;
    assert_eq!(p.bucket, (k & 7) as usize);
    assert_eq!(p.read, Some((Generation::Old, (k & 3) as usize)));
    let (depth, slot) = p.found.expect("found");
    let old = &l.old_buckets[(k & 3) as usize];
    assert_eq!(old.bmaps[depth].slots[slot].key, Some(k.to_string()));
    // Go's byte loop checks every filled slot up to the key's, and compares that key.
    let before: usize = old.bmaps[..depth].iter().map(|b| b.live()).sum();
    let in_last = old.bmaps[depth].slots[..=slot].iter().filter(|s| s.key.is_some()).count();
    assert_eq!(p.probes, before + in_last);
    assert!(p.key_compares >= 1);
    assert_eq!(m.get(&k), Some(&(k * 10)));
    // A key whose old bucket moved is read from the new array.
    let moved = (0..26u64).find(|&k| l.old_buckets[(k & 3) as usize].evacuated).unwrap();
    let p = lookup_path(&m, &moved).trace;
    assert_eq!(p.read, Some((Generation::Current, (moved & 7) as usize)));
    assert!(p.found.is_some());
    let miss = lookup_path(&m, &1_000_003).trace;
    assert_eq!(miss.found, None);
    // A miss checks every filled slot of the chain it reads.
    let (g, i) = miss.read.unwrap();
    assert_eq!(miss.probes, l.array(g)[i].live());
}

#[test]
fn deletes_leave_empty_one_then_empty_rest() {
    let mut m = modulo_map(0..5); // B = 0, slots 0..5
    m.remove(&1);
    let l = snapshot(&m);
    let states: Vec<SlotState> = l.buckets[0].bmaps[0].slots.iter().map(|s| s.state).collect();
    assert_eq!(states[1], SlotState::EmptyOne);
    assert_eq!(states[5], SlotState::EmptyRest);
    // Removing the tail turns the trailing run, the earlier emptyOne included, into emptyRest.
    for k in [4, 3, 2] {
        m.remove(&k);
    }
    let l = snapshot(&m);
    let slots = &l.buckets[0].bmaps[0].slots;
    assert_eq!(slots[0].state, SlotState::Filled);
    for s in &slots[1..] {
        assert_eq!(s.state, SlotState::EmptyRest);
    }
    assert_eq!(lookup_path(&m, &9).trace.probes, 1);
}

#[test]
fn sizes_and_bytes_per_entry_are_reported() {
    let m = modulo_map(0..8);
    let l = snapshot(&m);
    assert_eq!((l.types.key_size, l.types.value_size), (8, 8));
    assert_eq!(l.types.bucket_bytes, 8 + 8 * 16 + 8, "bmap {}", l.types.bucket_bytes);
    assert!(l.allocated_bytes >= l.types.bucket_bytes);
    let f = l.figures();
    let per = f.bytes_per_entry.unwrap();
    assert!((per - l.allocated_bytes as f64 / 8.0).abs() < 1e-9);
    assert!((f.overhead_per_entry.unwrap() - (per - 16.0)).abs() < 1e-9);
}

#[test]
fn renderers_draw_every_bucket() {
    let m = half_grown();
    let l = snapshot(&m);
    let svg = inspect::render_svg(&l, &inspect::SvgOptions::default());
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("class=\"chain\"").count(), 8 + 4);
    let greyed: usize = l.old_buckets.iter().filter(|c| c.evacuated).map(|c| c.bmaps.len()).sum();
    assert_eq!(svg.matches("opacity=\"0.5\"").count(), greyed);
    assert!(svg.contains(&format!("nevacuate = {}", l.header.nevacuate)));
    let plain = inspect::render_text(&l, &inspect::TextOptions::default());
    assert!(!plain.contains('\x1b'));
    let colored =
        inspect::render_text(&l, &inspect::TextOptions { color: true, ..Default::default() });
    assert!(colored.contains("\x1b[32m"));
}

#[test]
fn json_holds_the_whole_snapshot() {
    let m = half_grown();
    let l = snapshot(&m);
    let j: serde_json::Value = serde_json::from_str(&inspect::render_json(&l)).expect("JSON");
    let h = &j["hmap"];
    assert_eq!((h["count"].as_u64(), h["B"].as_u64()), (Some(27), Some(3)));
    assert_eq!(h["old_b"].as_u64(), Some(2));
    assert_eq!(h["nevacuate"].as_u64(), Some(l.header.nevacuate as u64));
    assert_eq!(j["types"]["key"], "u64");
    assert_eq!(j["types"]["bucket_bytes"].as_u64(), Some(l.types.bucket_bytes as u64));
    assert_eq!(j["allocated_bytes"].as_u64(), Some(l.allocated_bytes as u64));
    for (g, name) in [(Generation::Current, "buckets"), (Generation::Old, "oldbuckets")] {
        let chains = j[name].as_array().expect("an array of chains");
        assert_eq!(chains.len(), l.array(g).len(), "{name}");
        for (c, jc) in l.array(g).iter().zip(chains) {
            assert_eq!(jc["index"].as_u64(), Some(c.index as u64));
            assert_eq!(jc["evacuated"].as_bool(), Some(c.evacuated));
            let bmaps = jc["chain"].as_array().expect("the chain's bmaps");
            assert_eq!(bmaps.len(), c.bmaps.len());
            for (b, jb) in c.bmaps.iter().zip(bmaps) {
                assert_eq!(jb["preallocated"].as_bool(), Some(b.preallocated));
                for (s, js) in b.slots.iter().zip(jb["slots"].as_array().unwrap()) {
                    assert_eq!(js["tophash"].as_u64(), Some(u64::from(s.tophash)));
                    assert_eq!(js["state"], s.state.name());
                    assert_eq!(js["key"].as_str(), s.key.as_deref());
                    assert_eq!(js["value"].as_str(), s.value.as_deref());
                }
            }
        }
    }
    let f = l.figures();
    assert_eq!(j["figures"]["load_factor"].as_f64(), Some(f.load_factor));
    assert_eq!(j["figures"]["probes_per_miss"].as_f64(), Some(f.probes_per_miss));
    assert_eq!(j["figures"]["longest_chain"].as_u64(), Some(f.longest_chain as u64));
    assert_eq!(j["reads"].as_array().map(Vec::len), Some(8));
    assert_eq!(j["reads"][2], serde_json::json!(["old", 2]), "old bucket 2 waits");
}

#[test]
fn json_escapes_keys() {
    let mut m = GoMap::with_hasher(FixedState::with_seed(1));
    m.insert("quote\" and \\ and\nnewline".to_string(), 1u8);
    let json = inspect::render_json(&snapshot(&m));
    let j: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let slots = j["buckets"][0]["chain"][0]["slots"].as_array().unwrap();
    let keys: Vec<&str> = slots.iter().filter_map(|s| s["key"].as_str()).collect();
    // Debug escapes the string once; JSON escapes that text again, and parsing undoes it.
    assert_eq!(keys, [r#""quote\" and \\ and\nnewline""#], "{json}");
}

#[test]
fn html_player_has_one_section_per_frame_and_controls() {
    let frames = vec![
        inspect::HtmlFrame {
            title: "a <b>".into(),
            narration: "one\ntwo".into(),
            svg: "<svg></svg>".into(),
            text: String::new(),
        };
        3
    ];
    let h = inspect::render_html("t", &frames);
    assert_eq!(h.matches("<section class=\"frame\"").count(), 3);
    // Every frame shows without JavaScript; only the script hides all but one, and shows the
    // controls it drives.
    assert!(!h.contains("<section class=\"frame\" id=\"frame-2\" hidden"), "{h}");
    assert!(h.contains("<nav hidden>") && h.contains("frames[i].hidden"));
    assert!(h.contains("id=\"slider\"") && h.contains("max=\"3\""));
    assert!(h.contains("a &lt;b&gt;"));
    assert!(h.contains("#frame="));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Whatever the operations, the snapshot holds exactly the map's entries, once each.
    #[test]
    fn snapshot_holds_exactly_the_live_entries(ops in prop::collection::vec((any::<bool>(), 0u64..300), 0..600)) {
        let mut m = GoMap::with_hasher(FixedState::with_seed(3));
        let mut model = HashMap::new();
        for (ins, k) in ops {
            if ins {
                m.insert(k, k + 1);
                model.insert(k, k + 1);
            } else {
                m.remove(&k);
                model.remove(&k);
            }
        }
        let l = snapshot(&m);
        let mut want: Vec<String> = model.keys().map(|k| k.to_string()).collect();
        want.sort();
        prop_assert_eq!(live_keys(&l), want);
        prop_assert_eq!(l.header.count, model.len());
        for k in model.keys() {
            let p = lookup_path(&m, k);
            prop_assert!(p.trace.found.is_some());
        }
    }
}

#[test]
fn the_live_iterator_follows_one_of_go_s_walks() {
    // Mid-grow, and again after the grow finished.
    let mut m = modulo_map((0..=25).chain([28]));
    for round in 0..2 {
        let l = snapshot(&m);
        let nb = l.buckets.len();
        let walks: Vec<Vec<String>> = (0..nb)
            .flat_map(|s| (0..8).map(move |o| (s, o)))
            .map(|(s, o)| {
                let steps = m.raw().walk(s, o);
                steps.iter().flat_map(|st| st.entries.iter().map(|(k, _)| k.to_string())).collect()
            })
            .collect();
        for w in &walks {
            let mut sorted = w.clone();
            sorted.sort();
            assert_eq!(sorted, live_keys(&l), "every walk yields each key once");
        }
        let mut seen = std::collections::HashSet::new();
        for _ in 0..40 {
            let order: Vec<String> = m.keys().map(|k| k.to_string()).collect();
            let at = walks.iter().position(|w| *w == order);
            assert!(at.is_some(), "round {round}: iterator order {order:?} is no Go walk");
            seen.insert(at);
        }
        assert!(seen.len() > 1, "the start is random, so orders vary");
        m.insert(30, 300); // finishes the grow
        assert!(!m.stats().growing);
    }
}

/// A chain with nothing in it: what a fresh array's bucket holds.
fn empty_chain(index: usize) -> Chain {
    Chain {
        index,
        evacuated: false,
        bmaps: vec![inspect::Bmap {
            preallocated: false,
            slots: vec![
                inspect::Slot {
                    tophash: 0,
                    state: SlotState::EmptyRest,
                    key: None,
                    value: None
                };
                8
            ],
        }],
    }
}

/// The chains of `after` whose content differs from what they held in `before`, worked out
/// from the two snapshots alone. `new_array`: the writes in between installed a fresh current
/// array (a grow started), so the old current array is now `oldbuckets` and the new one
/// started empty.
fn changed(before: &Layout, after: &Layout, new_array: bool) -> Vec<(Generation, usize)> {
    let mut out = Vec::new();
    for (g, chains) in
        [(Generation::Current, &after.buckets), (Generation::Old, &after.old_buckets)]
    {
        let was: &[Chain] = match (g, new_array) {
            (Generation::Current, true) => &[],
            (Generation::Old, true) => &before.buckets,
            _ => before.array(g),
        };
        for c in chains {
            let prior = was.get(c.index).cloned().unwrap_or_else(|| empty_chain(c.index));
            let same = prior.bmaps == c.bmaps && prior.evacuated == c.evacuated;
            if !same {
                out.push((g, c.index));
            }
        }
    }
    out
}

/// The touched chains that are still there to draw.
fn drawn(after: &Layout, touched: &[(Generation, usize)]) -> Vec<(Generation, usize)> {
    touched.iter().copied().filter(|&(g, i)| i < after.array(g).len()).collect()
}

/// The (bucket, bmap along its chain, slot) a traced write wrote or emptied.
fn slot(trace: &OpTrace) -> Option<(usize, usize, usize)> {
    trace.location().map(|l| (l.bucket, l.depth, l.slot))
}

fn sorted(mut v: Vec<(Generation, usize)>) -> Vec<(Generation, usize)> {
    v.sort_by_key(|&(g, i)| (g == Generation::Old, i));
    v.dedup();
    v
}

#[test]
fn a_write_reports_where_evacuation_moved_each_entry() {
    let mut m = modulo_map(0..=25);
    let before = snapshot(&m);
    let (old, trace) = m.traced().insert(28, 280);
    assert_eq!(old, None);
    let after = snapshot(&m);
    assert_eq!(trace.grow_started(), Some(false));
    assert!(!trace.steps.contains(&Step::GrowDone));
    // growWork: the old bucket key 28 needs (28 & 3 = 0), then the one at nevacuate (1).
    let olds: Vec<usize> = trace.evacuations().iter().map(|e| e.oldbucket).collect();
    assert_eq!(olds, [0, 1]);
    for e in &trace.evacuations() {
        let live = before.buckets[e.oldbucket].live();
        assert_eq!(e.moves.len(), live, "every entry of old bucket {} moved", e.oldbucket);
        for mv in &e.moves {
            let (depth, slot) = mv.from;
            let was = &before.buckets[e.oldbucket].bmaps[depth].slots[slot];
            let left = &after.old_buckets[e.oldbucket].bmaps[depth].slots[slot];
            let (b, d, i) = mv.to;
            let now = &after.buckets[b].bmaps[d].slots[i];
            assert_eq!(now.key, was.key, "{mv:?}");
            assert_eq!(now.tophash, was.tophash);
            let want = if mv.y { SlotState::EvacuatedY } else { SlotState::EvacuatedX };
            assert_eq!(left.state, want, "{mv:?}");
            assert_eq!(b, if mv.y { e.oldbucket + 4 } else { e.oldbucket });
        }
    }
    // Key 28 went to slot 3 of bucket 4, after 4, 12 and 20 moved in.
    assert_eq!(slot(&trace), Some((4, 0, 3)));
    assert_eq!(after.buckets[4].bmaps[0].slots[3].key.as_deref(), Some("28"));
    assert_eq!(
        sorted(trace.touched()),
        sorted(changed(&before, &after, true)),
        "touched is exactly what changed"
    );
}

#[test]
fn a_remove_reports_its_grow_work_and_slot() {
    let mut m = modulo_map((0..=25).chain([28]));
    let before = snapshot(&m);
    // Key 6 waits in old bucket 2: the delete evacuates it first, then removes 6 from bucket 6.
    let (v, trace) = m.traced().remove(&6);
    assert_eq!(v, Some(60));
    let after = snapshot(&m);
    assert_eq!(trace.evacuations().iter().map(|e| e.oldbucket).collect::<Vec<_>>(), [2, 3]);
    assert!(trace.steps.contains(&Step::GrowDone), "old buckets 2 and 3 were the last");
    let (b, d, i) = slot(&trace).expect("a slot was emptied");
    assert_eq!(b, 6);
    assert_eq!(after.buckets[b].bmaps[d].slots[i].key, None);
    assert_eq!(sorted(drawn(&after, &trace.touched())), sorted(changed(&before, &after, false)),);
    let (v, trace) = m.traced().remove(&6);
    assert_eq!((v, slot(&trace), trace.evacuations().len()), (None, None, 0));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Whatever a write does, every chain whose bytes it changed is in its touched set, and
    /// every other chain there did change, but the one holding the slot it wrote: storing the
    /// value already there, or deleting an entry its own grow work had just moved in, can
    /// leave that chain as it was.
    #[test]
    fn a_write_touches_the_chains_it_changes(ops in prop::collection::vec((0u8..4, 0u64..200), 1..400)) {
        let mut m = GoMap::with_hasher(FixedState::with_seed(5));
        for (op, k) in ops {
            let before = snapshot(&m);
            let trace: OpTrace = if op == 0 {
                m.traced().remove(&k).1
            } else {
                m.traced().insert(k, k + 1).1
            };
            let after = snapshot(&m);
            let changed = changed(&before, &after, trace.grow_started().is_some());
            let touched = drawn(&after, &trace.touched());
            for c in &changed {
                prop_assert!(touched.contains(c), "{:?} changed, not touched: {:?}", c, trace);
            }
            let slot = slot(&trace).map(|(b, _, _)| (Generation::Current, b));
            for c in touched.iter().filter(|&&c| Some(c) != slot) {
                prop_assert!(changed.contains(c), "{:?} touched, unchanged: {:?}", c, trace);
            }
        }
    }
}

/// The tour's orange outlines are what its writes changed, worked out here from the frames'
/// snapshots alone: every changed chain is outlined, and a frame of one write outlines nothing
/// else.
#[test]
fn the_tours_outlines_are_what_its_writes_changed() {
    let frames = tour::frames();
    let one_write = [
        "The first bucket",
        "The 9th entry doubles the array",
        "The 6.5 trigger",
        "A grow half done",
        "Evacuation finishing",
        "A delete leaves emptyOne",
        "A same-size grow",
    ];
    let mut seen = 0;
    // The last frame is another map (Go's twin).
    for w in frames[..frames.len() - 1].windows(2) {
        let (before, f) = (&w[0].layout, &w[1]);
        let after = &f.layout;
        let new_array = after.header.b != before.header.b
            || (after.header.growing() && !before.header.growing());
        let changed = sorted(changed(before, after, new_array));
        let outlined = sorted(drawn(after, &f.highlight));
        for c in &changed {
            assert!(outlined.contains(c), "{}: {c:?} changed but is not outlined", f.title);
        }
        if one_write.contains(&f.title.as_str()) {
            assert_eq!(outlined, changed, "{}", f.title);
            seen += 1;
        }
    }
    assert_eq!(seen, one_write.len());
    let frame = |t: &str| frames.iter().find(|f| f.title == t).unwrap();
    // The same-size grow's write moved key 0 into new bucket 0 (the issue's missing outline).
    let ss = frame("A same-size grow");
    assert!(ss.highlight.contains(&(Generation::Current, 0)), "{:?}", ss.highlight);
    let moved: usize = frame("A grow half done").evacuations.iter().map(|e| e.moves.len()).sum();
    assert_eq!(moved, 14, "old buckets 0 and 1 held 7 entries each");
}

#[test]
fn the_svg_draws_each_move_from_its_old_slot_to_its_new_one() {
    let frames = tour::frames();
    let f = frames.iter().find(|f| f.title == "A grow half done").unwrap();
    let svg = f.svg(None);
    let moves: Vec<_> =
        f.evacuations.iter().flat_map(|e| e.moves.iter().map(move |m| (e.oldbucket, m))).collect();
    assert_eq!(svg.matches("class=\"move\"").count(), moves.len());
    for (old, m) in &moves {
        let tag = format!(
            "data-from=\"{old} {} {}\" data-to=\"{} {} {}\"",
            m.from.0, m.from.1, m.to.0, m.to.1, m.to.2
        );
        assert!(svg.contains(&tag), "{tag}");
    }
    // Each moved entry's two slots carry its X or Y mark.
    assert_eq!(svg.matches("class=\"moved-in\"").count(), moves.len());
    assert_eq!(svg.matches("class=\"moved-out\"").count(), moves.len());
    let ys = moves.iter().filter(|(_, m)| m.y).count();
    assert_eq!(svg.matches("(Y)</title>").count(), 2 * ys);
    // With the old array gone, the new slots are still marked, and no arrow has two ends.
    let done = frames.iter().find(|f| f.title == "Evacuation finishing").unwrap();
    let svg = done.svg(None);
    assert_eq!(svg.matches("class=\"move\"").count(), 0);
    let n: usize = done.evacuations.iter().map(|e| e.moves.len()).sum();
    assert!(n > 0 && svg.matches("class=\"moved-in\"").count() == n);
    assert!(!svg.contains("class=\"moved-out\""));
}

#[test]
fn the_lookup_frame_boxes_the_slot_it_found() {
    let frames = tour::frames();
    let f = frames.iter().find(|f| f.title == "A lookup that reads an old bucket").unwrap();
    let svg = f.svg(None);
    assert_eq!(svg.matches("class=\"lookup\"").count(), 1);
    assert_eq!(svg.matches("class=\"found\"").count(), 1);
    assert_eq!(f.lookup.as_ref().unwrap().trace.found, Some((0, 1)));
    // The nevacuate mark sits under its bucket's label, not over the row.
    assert!(svg.contains("class=\"nevacuate\""));
    // And the legend explains the "pre" mark of a preallocated overflow bucket.
    assert!(svg.contains("pre: from the array's preallocated tail"));
}
