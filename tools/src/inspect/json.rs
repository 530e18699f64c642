//! JSON for tools: the snapshot and its figures as one object, through serde.

use super::{Figures, Layout};
use serde::Serialize;

/// Renders `layout` as a JSON object: `hmap`, `types`, `allocated_bytes`, `buckets`,
/// `oldbuckets`, `reads` (as [`Layout`] names them) and `figures`.
pub fn render_json(layout: &Layout) -> String {
    #[derive(Serialize)]
    struct Json<'a> {
        #[serde(flatten)]
        layout: &'a Layout,
        figures: Figures,
    }
    let json = Json { layout, figures: layout.figures() };
    let mut s = serde_json::to_string_pretty(&json).expect("a layout has no map keys to fail on");
    s.push('\n');
    s
}
