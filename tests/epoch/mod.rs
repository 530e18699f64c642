//! A helper for the concurrent maps' tests (kept out of tests/common, which the tools' tests
//! also include and which does not depend on crossbeam-epoch there).

/// The concurrent maps free replaced values through epoch-based reclamation, once no thread
/// is pinned in an old epoch; this pushes that along until `done` holds, giving other test
/// threads a few seconds to unpin before it gives up and returns false.
pub fn reclaimed(done: impl Fn() -> bool) -> bool {
    for _ in 0..3000 {
        if done() {
            return true;
        }
        crossbeam_epoch::pin().flush();
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    done()
}
