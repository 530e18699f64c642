//! An NSQ-style broker's topic and channel registry on `ConcurrentMap`.
//!
//! A broker maps topic names to topics and, per topic, channel names to channels. Topics are
//! created rarely and looked up on every publish: the "written once, read many times" case that
//! Go's `sync.Map` (and so `ConcurrentMap`) is built for. Several publisher threads publish to a
//! few hot topics and now and then to a brand-new one; each message is fanned out to every
//! channel of its topic. The same run on `RwLockMap` is printed for comparison.
//!
//! Why `ConcurrentMap`: a registry holds few keys, is read on every publish by every publisher
//! thread, and gains a key rarely. That is the `read_99` row of docs/concurrency.md at 1K keys,
//! where ConcurrentMap's lock-free hits lead RwLockMap, dashmap and papaya at two threads
//! (RwLockMap's readers all write its lock word), and its `grow_only` row, where ConcurrentMap
//! doubles RwLockMap (papaya, outside gomap, leads there). On one thread the bench favours
//! RwLockMap's uncontended lock; in this example the publish's own counter updates weigh as
//! much as the lookup, and the run printed at the end shows the two level with one publisher
//! and ConcurrentMap ahead with two.
//!
//! Lookups return clones, here `Arc<Topic>`: one atomic increment on the topic's shared count
//! per publish, which with few hot topics costs about as much as the lookup itself. A broker
//! that wants more would cache the `Arc<Topic>` per publisher connection, as NSQ's clients do.
//!
//! Run: `cargo run --release --example topic_registry -- [publishers] [messages_per_publisher]`

use gomap::concurrent::RwLockMap;
use gomap::ConcurrentMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;

/// A consumer group's queue; here just its depth.
struct Channel {
    depth: AtomicU64,
}

struct Topic {
    messages: AtomicU64,
    channels: ConcurrentMap<String, Arc<Channel>>,
}

impl Topic {
    fn new() -> Arc<Self> {
        let t = Topic { messages: AtomicU64::new(0), channels: ConcurrentMap::new() };
        for name in ["archive", "billing"] {
            t.channel(name);
        }
        Arc::new(t)
    }

    /// Gets or creates a channel, as a consumer subscribing would.
    fn channel(&self, name: &str) -> Arc<Channel> {
        if let Some(c) = self.channels.load(name) {
            return c;
        }
        let fresh = Arc::new(Channel { depth: AtomicU64::new(0) });
        self.channels.load_or_store(name.to_string(), fresh).0
    }

    fn publish(&self) {
        self.messages.fetch_add(1, Relaxed);
        self.channels.range(|_, c| {
            c.depth.fetch_add(1, Relaxed);
            true
        });
    }
}

/// The two registries differ only in the map type; both have the same methods.
macro_rules! registry {
    ($name:ident, $map:ident) => {
        struct $name {
            topics: $map<String, Arc<Topic>>,
        }

        impl $name {
            fn new() -> Self {
                Self { topics: $map::new() }
            }

            /// The hot path: one lookup per publish; creation only on first use.
            fn topic(&self, name: &str) -> Arc<Topic> {
                if let Some(t) = self.topics.load(name) {
                    return t;
                }
                self.topics.load_or_store(name.to_string(), Topic::new()).0
            }

            fn topic_count(&self) -> usize {
                self.topics.len()
            }

            fn totals(&self) -> (u64, bool) {
                let (mut total, mut fanned_out) = (0, true);
                self.topics.range(|_, t| {
                    let n = t.messages.load(Relaxed);
                    total += n;
                    t.channels.range(|_, c| {
                        fanned_out &= c.depth.load(Relaxed) == n;
                        true
                    });
                    true
                });
                (total, fanned_out)
            }
        }
    };
}

registry!(SyncMapRegistry, ConcurrentMap);
registry!(RwLockRegistry, RwLockMap);

const HOT_TOPICS: usize = 8;
/// One publish in this many goes to a topic that did not exist before.
const NEW_TOPIC_EVERY: u64 = 5_000;

macro_rules! drive {
    ($reg:expr, $publishers:expr, $per:expr) => {{
        let reg = &$reg;
        let hot: Vec<String> = (0..HOT_TOPICS).map(|i| format!("topic-{i}")).collect();
        let hot = &hot;
        let start = Instant::now();
        std::thread::scope(|s| {
            for p in 0..$publishers {
                s.spawn(move || {
                    let mut x = 0x2545_F491_4F6C_DD1Du64 ^ p as u64;
                    for i in 0..$per {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        if i % NEW_TOPIC_EVERY == NEW_TOPIC_EVERY - 1 {
                            reg.topic(&format!("ephemeral-{p}-{i}")).publish();
                        } else {
                            reg.topic(&hot[(x % HOT_TOPICS as u64) as usize]).publish();
                        }
                    }
                });
            }
        });
        start.elapsed()
    }};
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>());
    let publishers = args.next().and_then(Result::ok).unwrap_or(4);
    let per = args.next().and_then(Result::ok).unwrap_or(200_000);
    let total = publishers * per;
    let new_topics = publishers * (per / NEW_TOPIC_EVERY);
    println!(
        "{publishers} publishers x {per} messages, {HOT_TOPICS} hot topics, \
         a new topic every {NEW_TOPIC_EVERY} publishes, 2 channels per topic"
    );

    let sync_map = SyncMapRegistry::new();
    let t_sync = drive!(sync_map, publishers, per);
    let (published, fanned_out) = sync_map.totals();
    assert_eq!(published, total, "lost or duplicated publishes");
    assert!(fanned_out, "a channel missed messages of its topic");
    assert_eq!(sync_map.topic_count() as u64, HOT_TOPICS as u64 + new_topics);

    let rwlock = RwLockRegistry::new();
    let t_rw = drive!(rwlock, publishers, per);
    let (published, fanned_out) = rwlock.totals();
    assert_eq!(published, total);
    assert!(fanned_out);
    assert_eq!(rwlock.topic_count(), sync_map.topic_count());

    for (name, t) in [("ConcurrentMap", t_sync), ("RwLockMap", t_rw)] {
        println!(
            "{name:>13}: {total} publishes in {:>7.1} ms = {:>6.2} M publishes/s",
            t.as_secs_f64() * 1e3,
            total as f64 / t.as_secs_f64() / 1e6
        );
    }
    println!(
        "{} topics registered; every channel saw every message of its topic",
        sync_map.topic_count()
    );
}
