//! The error of a fallible allocation, shared by both maps' `try_reserve` and
//! `try_with_capacity_and_hasher`.

use core::fmt;

/// The error [`Map::try_reserve`](super::Map::try_reserve) returns, for either map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TryReserveError {
    /// The requested capacity needs more buckets than an address space can hold.
    CapacityOverflow,
    /// The allocator refused the table's memory.
    AllocError {
        /// The layout that could not be allocated.
        layout: core::alloc::Layout,
    },
}

impl fmt::Display for TryReserveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryReserveError::CapacityOverflow => {
                f.write_str("memory allocation failed because the computed capacity exceeded the collection's maximum")
            }
            TryReserveError::AllocError { layout } => write!(
                f,
                "memory allocation of {} bytes for a map's table failed",
                layout.size()
            ),
        }
    }
}

impl std::error::Error for TryReserveError {}
