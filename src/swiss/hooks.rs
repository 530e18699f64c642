//! What a Swiss lookup reports as it runs, for the traced lookup of the `teach` feature.
//!
//! The map's own `getWithKey` (table and small map) calls an [`Observer`] at each group it
//! reads and each key it compares. The map passes `()`, whose hooks are empty and compile
//! away; [`traced`](super::traced) passes a recorder. Observers only watch.

/// Hooks the map's own lookup calls. `()` is the map's own observer: `ENABLED` is false and
/// every hook is empty.
pub(crate) trait Observer {
    /// Whether hooks that need extra work to call are called at all.
    const ENABLED: bool = true;
    /// The lookup read group `g` (0 in the small map), whose control word is `ctrl`;
    /// `matches` is the byte mask of the slots whose key it will compare (the high bit of
    /// byte i for slot i).
    fn group(&mut self, _g: usize, _ctrl: u64, _matches: u64) {}
    /// The key in slot `slot` of that group was compared.
    fn compare(&mut self, _slot: usize, _equal: bool) {}
}

impl Observer for () {
    const ENABLED: bool = false;
}
