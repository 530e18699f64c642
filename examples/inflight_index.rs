//! A queue engine's in-flight index on a `GoMap`, after NSQ's nsqd (`nsqd/channel.go`).
//!
//! A channel hands messages to consumers and must find each one again by its 16-byte ID when the
//! consumer answers: FIN (done, forget it), REQ (put it back, maybe after a delay) or nothing,
//! in which case the message times out and is redelivered. nsqd keeps that index in a Go map
//! (`inFlightMessages map[MessageID]*Message`) next to a priority queue ordered by deadline;
//! this is the same structure with a `GoMap`.
//!
//! Why a plain `GoMap` and not one of gomap's concurrent maps: every message ID is stored once,
//! looked up about once (FIN or REQ) and deleted, at about 100K keys: the `churn` workload of
//! docs/concurrency.md, where ConcurrentMap is the slowest of the maps measured (a key added
//! after a promotion copies the whole read map into a new dirty map, and lookups of fresh keys
//! miss the read map and take the lock anyway). The index must also change together with the
//! deadline queue, so a channel shared by several connections needs one lock around both in any
//! case (nsqd's `inFlightMutex`): a map behind that lock is exactly this `GoMap`, and RwLockMap
//! would only add a second lock.
//!
//! Run: `cargo run --release --example inflight_index [seconds]` (simulated seconds, default 20).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The index type: Go's classic map, as nsqd had it before Go 1.24.
type Index<K, V> = gomap::GoMap<K, V>;

/// nsqd's message ID: the hex text of a 64-bit time-ordered guid.
type MessageId = [u8; 16];

/// Milliseconds of simulated time.
type Millis = u64;

const MSG_TIMEOUT: Millis = 10_000;

#[derive(Debug)]
struct Message {
    id: MessageId,
    attempts: u16,
    /// Set on delivery: who holds it and until when.
    client: u32,
    deadline: Millis,
}

#[derive(Debug, PartialEq, Eq)]
enum ChannelError {
    /// FIN/REQ for an ID that is not in flight (finished already, or timed out and requeued).
    NotInFlight(MessageId),
    /// FIN/REQ from a client other than the one the message was delivered to.
    WrongClient { id: MessageId, owner: u32, sender: u32 },
    /// A delivery of an ID already in flight: a bug in the channel.
    AlreadyInFlight(MessageId),
}

impl fmt::Display for ChannelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = |id: &MessageId| String::from_utf8_lossy(id).into_owned();
        match self {
            ChannelError::NotInFlight(id) => write!(f, "message {} is not in flight", text(id)),
            ChannelError::WrongClient { id, owner, sender } => {
                write!(f, "message {} belongs to client {owner}, not client {sender}", text(id))
            }
            ChannelError::AlreadyInFlight(id) => {
                write!(f, "message {} is already in flight", text(id))
            }
        }
    }
}

#[derive(Default, Debug)]
struct Counters {
    published: u64,
    delivered: u64,
    finished: u64,
    requeued: u64,
    timed_out: u64,
    late_answers: u64,
    max_in_flight: usize,
    max_attempts: u16,
}

struct Channel {
    ready: VecDeque<Message>,
    in_flight: Index<MessageId, Message>,
    /// Deadlines of delivered messages, earliest first. Entries are not removed on FIN (nsqd
    /// keeps a heap index inside each message for that); a popped entry whose message is gone
    /// or has a newer deadline is stale and skipped.
    in_flight_pq: BinaryHeap<Reverse<(Millis, MessageId)>>,
    /// REQ with a delay parks the message here until it is due.
    deferred: BinaryHeap<Reverse<(Millis, MessageId)>>,
    deferred_msgs: Index<MessageId, Message>,
    next_guid: u64,
    counters: Counters,
}

impl Channel {
    fn new() -> Self {
        Channel {
            ready: VecDeque::new(),
            in_flight: Index::default(),
            in_flight_pq: BinaryHeap::new(),
            deferred: BinaryHeap::new(),
            deferred_msgs: Index::default(),
            next_guid: 0x0600_0000_0000_0000,
            counters: Counters::default(),
        }
    }

    fn publish(&mut self, now: Millis) {
        // nsqd's guid: milliseconds << 22 | node << 12 | sequence; hex-encoded into the ID.
        self.next_guid = self.next_guid.max(now << 22) + 1;
        let id = hex_id(self.next_guid);
        self.ready.push_back(Message { id, attempts: 0, client: 0, deadline: 0 });
        self.counters.published += 1;
    }

    /// Hands the next ready message to `client` (nsqd: StartInFlightTimeout).
    fn deliver(&mut self, now: Millis, client: u32) -> Result<Option<MessageId>, ChannelError> {
        let Some(mut msg) = self.ready.pop_front() else {
            return Ok(None);
        };
        let id = msg.id;
        if self.in_flight.contains_key(&id) {
            return Err(ChannelError::AlreadyInFlight(id));
        }
        msg.attempts += 1;
        self.counters.max_attempts = self.counters.max_attempts.max(msg.attempts);
        msg.client = client;
        msg.deadline = now + MSG_TIMEOUT;
        self.in_flight_pq.push(Reverse((msg.deadline, id)));
        self.in_flight.insert(id, msg);
        self.counters.delivered += 1;
        self.counters.max_in_flight = self.counters.max_in_flight.max(self.in_flight.len());
        Ok(Some(id))
    }

    /// nsqd's popInFlightMessage: look up, check the owner, then delete.
    fn pop_in_flight(&mut self, client: u32, id: &MessageId) -> Result<Message, ChannelError> {
        match self.in_flight.get(id) {
            None => return Err(ChannelError::NotInFlight(*id)),
            Some(m) if m.client != client => {
                return Err(ChannelError::WrongClient { id: *id, owner: m.client, sender: client })
            }
            Some(_) => {}
        }
        Ok(self.in_flight.remove(id).expect("looked up just above"))
    }

    /// FIN: the consumer is done with the message.
    fn fin(&mut self, client: u32, id: &MessageId) -> Result<(), ChannelError> {
        self.pop_in_flight(client, id)?;
        self.counters.finished += 1;
        Ok(())
    }

    /// REQ: put the message back now (delay 0) or after `delay`.
    fn req(
        &mut self,
        now: Millis,
        client: u32,
        id: &MessageId,
        delay: Millis,
    ) -> Result<(), ChannelError> {
        let msg = self.pop_in_flight(client, id)?;
        self.counters.requeued += 1;
        self.requeue(now, msg, delay);
        Ok(())
    }

    fn requeue(&mut self, now: Millis, msg: Message, delay: Millis) {
        if delay == 0 {
            self.ready.push_back(msg);
        } else {
            self.deferred.push(Reverse((now + delay, msg.id)));
            self.deferred_msgs.insert(msg.id, msg);
        }
    }

    /// nsqd's processInFlightQueue: requeue every message whose deadline has passed.
    fn process_timeouts(&mut self, now: Millis) {
        while let Some(&Reverse((deadline, id))) = self.in_flight_pq.peek() {
            if deadline > now {
                break;
            }
            self.in_flight_pq.pop();
            let live = matches!(self.in_flight.get(&id), Some(m) if m.deadline == deadline);
            if live {
                let msg = self.in_flight.remove(&id).expect("checked live");
                self.counters.timed_out += 1;
                self.requeue(now, msg, 0);
            }
        }
    }

    /// nsqd's processDeferredQueue: deferred messages that are due become ready.
    fn process_deferred(&mut self, now: Millis) {
        while let Some(&Reverse((due, id))) = self.deferred.peek() {
            if due > now {
                break;
            }
            self.deferred.pop();
            let msg = self.deferred_msgs.remove(&id).expect("deferred message indexed");
            self.ready.push_back(msg);
        }
    }
}

fn hex_id(guid: u64) -> MessageId {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = [0u8; 16];
    for (i, b) in id.iter_mut().enumerate() {
        *b = HEX[((guid >> (60 - 4 * i)) & 0xf) as usize];
    }
    id
}

/// What a consumer will do with a message, and when.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Answer {
    Fin,
    Req(Millis),
}

fn main() {
    let seconds: u64 = match std::env::args().nth(1) {
        None => 20,
        Some(s) => s.parse().unwrap_or_else(|_| {
            eprintln!("usage: inflight_index [simulated seconds]; got {s:?}");
            std::process::exit(2)
        }),
    };
    const CLIENTS: u32 = 64;
    const PUBLISH_PER_MS: u32 = 62; // about 100K in flight at steady state

    let mut rng = StdRng::seed_from_u64(6);
    let mut ch = Channel::new();
    // Consumer answers due at a time: (due, client, id, answer).
    let mut answers: BinaryHeap<Reverse<(Millis, u32, MessageId, Answer)>> = BinaryHeap::new();

    for now in 0..seconds * 1000 {
        for _ in 0..PUBLISH_PER_MS {
            ch.publish(now);
        }
        ch.process_deferred(now);
        ch.process_timeouts(now);
        // Consumers take everything that is ready (their RDY counts never run out here).
        loop {
            let client = rng.gen_range(0..CLIENTS);
            let Some(id) = ch.deliver(now, client).expect("channel bug") else {
                break;
            };
            let roll = rng.gen_range(0..100);
            let work = rng.gen_range(100..1_900);
            let (due, answer) = match roll {
                0..=89 => (now + work, Answer::Fin),
                90..=94 => (now + work, Answer::Req(1_000)),
                // The consumer stalls: the message times out; half the time a FIN comes late.
                95..=97 => (now + MSG_TIMEOUT + 1_000, Answer::Fin),
                _ => continue,
            };
            answers.push(Reverse((due, client, id, answer)));
        }
        while let Some(&Reverse((due, client, id, answer))) = answers.peek() {
            if due > now {
                break;
            }
            answers.pop();
            let r = match answer {
                Answer::Fin => ch.fin(client, &id),
                Answer::Req(delay) => ch.req(now, client, &id, delay),
            };
            match r {
                Ok(()) => {}
                // The message timed out first: it is waiting again or with another client.
                // nsqd answers E_FIN_FAILED / E_REQ_FAILED here.
                Err(e @ (ChannelError::NotInFlight(_) | ChannelError::WrongClient { .. })) => {
                    if ch.counters.late_answers == 0 {
                        println!("first late answer: {e}");
                    }
                    ch.counters.late_answers += 1;
                }
                Err(e) => panic!("channel bug: {e}"),
            }
        }
    }

    let c = &ch.counters;
    println!("simulated {seconds} s, {CLIENTS} clients, {PUBLISH_PER_MS} messages/ms");
    println!(
        "published {}  delivered {}  finished {}  requeued {}  timed out {}  late answers {}",
        c.published, c.delivered, c.finished, c.requeued, c.timed_out, c.late_answers
    );
    println!(
        "in flight now {}  (max {}), deferred {}, ready {}, most attempts on one message {}",
        ch.in_flight.len(),
        c.max_in_flight,
        ch.deferred_msgs.len(),
        ch.ready.len(),
        c.max_attempts
    );
    let st = ch.in_flight.stats();
    println!(
        "in-flight index: B = {} ({} buckets), noverflow = {}, growing = {}",
        st.b,
        1usize << st.b,
        st.noverflow,
        st.growing
    );
    // Every published message is exactly one of: finished, in flight, deferred, ready.
    let accounted =
        c.finished as usize + ch.in_flight.len() + ch.deferred_msgs.len() + ch.ready.len();
    assert_eq!(accounted as u64, c.published, "messages lost or duplicated");
    // Ready and deferred gain a message on publish, REQ and timeout, and lose one per delivery.
    let waiting = (ch.ready.len() + ch.deferred_msgs.len()) as u64;
    assert_eq!(c.published + c.requeued + c.timed_out - c.delivered, waiting, "delivery count");
}
