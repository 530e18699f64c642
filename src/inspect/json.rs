//! JSON for tools: the snapshot as one object (written by hand to keep serde out of the crate).

use super::{Chain, Layout};
use std::fmt::Write;

fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn opt_string(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.push_str("null"),
    }
}

fn number(out: &mut String, x: Option<f64>) {
    match x {
        Some(x) if x.is_finite() => {
            let _ = write!(out, "{x:.4}");
        }
        _ => out.push_str("null"),
    }
}

fn chains(out: &mut String, cs: &[Chain]) {
    out.push('[');
    for (ci, c) in cs.iter().enumerate() {
        if ci > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "\n    {{\"index\": {}, \"evacuated\": {}, \"chain\": [",
            c.index,
            c.evacuated()
        );
        for (bi, b) in c.bmaps.iter().enumerate() {
            if bi > 0 {
                out.push(',');
            }
            let _ = write!(out, "\n      {{\"preallocated\": {}, \"slots\": [", b.preallocated);
            for (si, s) in b.slots.iter().enumerate() {
                if si > 0 {
                    out.push(',');
                }
                let _ = write!(
                    out,
                    "\n        {{\"tophash\": {}, \"state\": \"{}\", \"key\": ",
                    s.tophash,
                    s.state().name()
                );
                opt_string(out, s.key.as_deref());
                out.push_str(", \"value\": ");
                opt_string(out, s.value.as_deref());
                out.push('}');
            }
            out.push_str("]}");
        }
        out.push_str("]}");
    }
    out.push(']');
}

/// Renders `layout` as a JSON object: `hmap`, `types`, `figures`, `buckets`, `oldbuckets`.
pub fn render_json(layout: &Layout) -> String {
    let h = &layout.header;
    let f = layout.figures();
    let mut o = String::new();
    let _ = write!(
        o,
        "{{\n  \"hmap\": {{\"count\": {}, \"B\": {}, \"noverflow\": {}, \"growing\": {}, \"same_size_grow\": {}, \"nevacuate\": {}, \"old_buckets\": {}}},\n",
        h.len, h.b, h.noverflow, h.growing, h.same_size_grow, h.nevacuate, h.old_buckets
    );
    o.push_str("  \"types\": {\"key\": ");
    string(&mut o, &layout.key_type);
    o.push_str(", \"value\": ");
    string(&mut o, &layout.value_type);
    let _ = writeln!(
        o,
        ", \"key_size\": {}, \"value_size\": {}, \"bucket_bytes\": {}, \"allocated_bytes\": {}}},",
        layout.key_size, layout.value_size, layout.bucket_bytes, layout.allocated_bytes
    );
    o.push_str("  \"figures\": {\"load_factor\": ");
    number(&mut o, Some(f.load_factor));
    o.push_str(", \"bytes_per_entry\": ");
    number(&mut o, f.bytes_per_entry);
    o.push_str(", \"overhead_per_entry\": ");
    number(&mut o, f.overhead_per_entry);
    let _ = write!(o, ", \"overflow_buckets\": {}, \"overflow_share\": ", f.overflow_buckets);
    number(&mut o, Some(f.overflow_share));
    o.push_str(", \"avg_chain\": ");
    number(&mut o, Some(f.avg_chain));
    let _ = write!(o, ", \"longest_chain\": {}, \"probes_per_hit\": ", f.longest_chain);
    number(&mut o, Some(f.probes_per_hit));
    o.push_str(", \"probes_per_miss\": ");
    number(&mut o, Some(f.probes_per_miss));
    o.push_str("},\n  \"buckets\": ");
    chains(&mut o, &layout.buckets);
    o.push_str(",\n  \"oldbuckets\": ");
    chains(&mut o, &layout.old_buckets);
    o.push_str("\n}\n");
    o
}
