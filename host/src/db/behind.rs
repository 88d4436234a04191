//! Writes behind: the rows the component hands the store (users, assignments, audit entries,
//! service data) are written by a second thread while the component goes on planning the
//! next ones. Bulk calls read a page, plan it and write it, and read the next page before
//! writing the one planned (`guest/src/bulk.rs`), so the two cores each do part of the work:
//! SQLite's b-trees on one, the domain's checks and the copying across the component
//! boundary on the other. A load (`init --generate`) does the same over its whole run.
//!
//! The connection is shared, never used by both at once: a write is queued only through
//! `&mut Db` (`Db::write`), and every other use goes through `Db::conn`, which first waits
//! for the queue to be empty; so while the main thread holds a `&Connection`, no job can be
//! queued or running. Jobs run in the order queued; the first failure stops the rest and is
//! reported by `Db::sync`, which the runtime calls before each call commits (a load's calls
//! only check for one, and its end waits).

use rusqlite::Connection;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Instant;

/// One batch of rows to write.
pub type Job = Box<dyn FnOnce(&Connection) -> rusqlite::Result<()> + Send>;

/// Batches queued before the main thread waits: enough to keep the writer busy, few enough
/// that the rows in flight stay a few pages (each job is at most one crossing's rows).
const QUEUE: usize = 8;

#[derive(Default)]
struct State {
    /// Jobs queued and not yet finished.
    pending: Mutex<usize>,
    idle: Condvar,
    /// The first job that failed; later jobs are skipped.
    failed: Mutex<Option<anyhow::Error>>,
    /// Microseconds the writer spent writing, and the main thread waiting for it: with a
    /// full queue to take a job, or for the queue to empty before using the connection.
    busy: AtomicU64,
    queue_full: AtomicU64,
    draining: AtomicU64,
}

/// Where a load's time went between the two threads, in seconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    /// The writer thread writing.
    pub writing: f64,
    /// The main thread waiting for room in the queue (the writer is the slower one).
    pub queue_full: f64,
    /// The main thread waiting for the queue to empty, to read or write itself.
    pub draining: f64,
    /// Pages of a listing read on the writer thread and handed over, and those dropped
    /// because something changed before they were asked for (`ahead.rs`).
    pub pages_ahead: u64,
    pub pages_dropped: u64,
}

/// The connection, for the writer thread.
struct Shared(*const Connection);
// SAFETY: `Connection` may move between threads (it is `Send`); this pointer lets the writer
// use it while the main thread does not (the module's rule above), and `Behind` is dropped,
// joining the writer, before the connection it points to (`Db`'s field order).
unsafe impl Send for Shared {}

pub struct Behind {
    jobs: Option<SyncSender<Job>>,
    state: Arc<State>,
    writer: Option<JoinHandle<()>>,
}

impl Behind {
    /// Starts the writer thread over `conn`.
    ///
    /// # Safety
    /// `conn` must stay at its address and outlive the returned `Behind`, and must not be
    /// used by anyone else while a job is pending (`wait` returns when none is).
    pub unsafe fn start(conn: &Connection) -> std::io::Result<Behind> {
        let (jobs, queue) = sync_channel::<Job>(QUEUE);
        let state = Arc::new(State::default());
        let shared = Shared(conn);
        let writer = {
            let state = state.clone();
            std::thread::Builder::new()
                .name("seats-writer".into())
                .spawn(move || {
                    let shared = shared;
                    // SAFETY: see `start`: the caller keeps the connection alive and unused
                    // by others while jobs are pending.
                    let conn = unsafe { &*shared.0 };
                    run(conn, queue, &state);
                })?
        };
        Ok(Behind {
            jobs: Some(jobs),
            state,
            writer: Some(writer),
        })
    }

    pub fn queue(&self, job: Job) {
        *lock(&self.state.pending) += 1;
        let started = Instant::now();
        let sent = self.jobs.as_ref().map(|j| j.send(job));
        add(&self.state.queue_full, started);
        if !matches!(sent, Some(Ok(()))) {
            // The writer is gone (it only ends when `Behind` drops): nothing will run it.
            self.finished();
            *lock(&self.state.failed) = Some(stopped("the writer thread has stopped"));
        }
    }

    /// Waits until every queued job has run; returns the first failure, once.
    pub fn wait(&self) -> Option<anyhow::Error> {
        let mut pending = lock(&self.state.pending);
        let started = (*pending > 0).then(Instant::now);
        while *pending > 0 {
            pending = self
                .state
                .idle
                .wait(pending)
                .unwrap_or_else(PoisonError::into_inner);
        }
        drop(pending);
        if let Some(started) = started {
            add(&self.state.draining, started);
        }
        lock(&self.state.failed).take()
    }

    pub fn stats(&self) -> Stats {
        let secs = |a: &AtomicU64| a.load(Ordering::Relaxed) as f64 / 1e6;
        Stats {
            writing: secs(&self.state.busy),
            queue_full: secs(&self.state.queue_full),
            draining: secs(&self.state.draining),
            ..Stats::default()
        }
    }

    /// The first failure so far, without waiting for the jobs still queued.
    pub fn failure(&self) -> Option<anyhow::Error> {
        lock(&self.state.failed).take()
    }

    fn finished(&self) {
        finished(&self.state);
    }
}

fn add(total: &AtomicU64, since: Instant) {
    total.fetch_add(since.elapsed().as_micros() as u64, Ordering::Relaxed);
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn finished(state: &State) {
    let mut pending = lock(&state.pending);
    *pending -= 1;
    if *pending == 0 {
        state.idle.notify_all();
    }
}

fn stopped(why: &str) -> anyhow::Error {
    anyhow::anyhow!("{why}")
}

fn run(conn: &Connection, queue: Receiver<Job>, state: &State) {
    for job in queue {
        if lock(&state.failed).is_none() {
            let started = Instant::now();
            // A panic must not leave the main thread waiting for a job that never ends.
            let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(conn)));
            let failure = match done {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(anyhow::Error::new(e)),
                Err(_) => Some(stopped("writing a batch of rows panicked")),
            };
            if failure.is_some() {
                *lock(&state.failed) = failure;
            }
            add(&state.busy, started);
        }
        finished(state);
    }
}

impl Drop for Behind {
    fn drop(&mut self) {
        // Closing the queue ends the writer once it has run what is queued.
        self.jobs.take();
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}
