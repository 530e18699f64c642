//! Interim default hasher: std's SipHash with a fresh key per map, until Go's aeshash and
//! memhash land in this module.

use std::collections::hash_map::DefaultHasher;

/// Builds the default hasher; each instance gets a fresh random key.
#[derive(Clone, Debug, Default)]
pub struct RandomState(std::collections::hash_map::RandomState);

impl RandomState {
    /// A new state with a fresh random key.
    pub fn new() -> Self {
        Self::default()
    }
}

impl core::hash::BuildHasher for RandomState {
    type Hasher = DefaultHasher;
    fn build_hasher(&self) -> DefaultHasher {
        self.0.build_hasher()
    }
}
