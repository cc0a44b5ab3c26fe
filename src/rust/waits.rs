//! Which load waits for which, across every cache and var of the instance, so that a cycle of
//! loads is refused instead of waited on for ever.
//!
//! A loader that awaits the value of another key (of any cache) makes its load wait for that
//! key's load: an edge of a waits-for graph, kept while the wait lasts. A wait that would close
//! a cycle — A's loader waits for B's load, whose loader now asks for A — is refused
//! ([`Error::Reentrant`](super::Error::Reentrant)); without this both loads would wait for each
//! other until a `timeout` (for ever without one; on workerd, restarted every 30 s). The waiting
//! load is the one whose loader is being called or polled when the `get()` is polled: a loader
//! that hands a `get()` to a task of its own and awaits something else is not seen.
//!
//! Loads are told apart by a number (0: not tracked). The graph is small — one edge per loader
//! waiting right now — and is borrowed only inside the functions here, which call no user code.

use std::cell::RefCell;

thread_local! {
    static GRAPH: RefCell<Graph> = RefCell::new(Graph::default());
}

#[derive(Default)]
struct Graph {
    /// The last number handed out.
    last: u64,
    /// Loads whose loader is being called or polled (innermost last).
    polling: Vec<u64>,
    /// `(waiting load, awaited load)`, one per wait going on.
    edges: Vec<(u64, u64)>,
}

fn with<R>(f: impl FnOnce(&mut Graph) -> R) -> Option<R> {
    GRAPH.with(|g| g.try_borrow_mut().ok().map(|mut g| f(&mut g)))
}

/// A number for a new load (never 0).
pub(crate) fn new_load() -> u64 {
    with(|g| {
        g.last = g.last.checked_add(1).unwrap_or(1);
        g.last
    })
    .unwrap_or(0)
}

/// Marks load `id`'s loader as being called or polled, until dropped.
pub(crate) struct Polling(u64);

impl Polling {
    pub(crate) fn enter(id: u64) -> Polling {
        with(|g| g.polling.push(id));
        Polling(id)
    }
}

impl Drop for Polling {
    fn drop(&mut self) {
        with(|g| {
            if let Some(pos) = g.polling.iter().rposition(|&l| l == self.0) {
                g.polling.remove(pos);
            }
        });
    }
}

/// A cycle of loads found: the wait was not recorded.
pub(crate) struct Cycle;

/// The current load's wait for load `on` (none when no loader is being polled), until dropped.
pub(crate) struct Wait(Option<(u64, u64)>);

/// Records that the load being polled now (if any) waits for load `on`; [`Cycle`] if `on`
/// waits, directly or through other loads, for that very load.
pub(crate) fn wait_for(on: u64) -> Result<Wait, Cycle> {
    with(|g| {
        let Some(&me) = g.polling.last() else {
            return Ok(Wait(None));
        };
        if me == 0 || on == 0 {
            return Ok(Wait(None));
        }
        // Depth-first from `on` along the waits going on: reaching `me` closes a cycle.
        let mut seen = vec![on];
        let mut next = vec![on];
        while let Some(load) = next.pop() {
            if load == me {
                return Err(Cycle);
            }
            for &(from, to) in &g.edges {
                if from == load && !seen.contains(&to) {
                    seen.push(to);
                    next.push(to);
                }
            }
        }
        g.edges.push((me, on));
        Ok(Wait(Some((me, on))))
    })
    .unwrap_or(Ok(Wait(None)))
}

impl Drop for Wait {
    fn drop(&mut self) {
        if let Some(edge) = self.0 {
            with(|g| {
                if let Some(pos) = g.edges.iter().position(|&e| e == edge) {
                    g.edges.swap_remove(pos);
                }
            });
        }
    }
}
