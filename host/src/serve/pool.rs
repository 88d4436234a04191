//! Sessions on worker threads: each owns the component and a connection to the database, so
//! reads run side by side and writes are serialized by SQLite (BEGIN IMMEDIATE, busy timeout),
//! as for several `seats` processes on one file. A request is a job run on whichever is free.

use crate::service::{self, Options, Session};
use anyhow::Result;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce(&mut Session) + Send>;

pub struct Pool {
    jobs: mpsc::Sender<Job>,
}

impl Pool {
    /// Opens `workers` sessions on the database (each compiles or loads the component).
    pub fn start(o: &Options, workers: usize) -> Result<Pool> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..workers.max(1) {
            let mut session = service::open(o)?;
            let queue = Arc::clone(&queue);
            std::thread::spawn(move || {
                loop {
                    // The lock is held only to take the next job.
                    let job = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(&mut session),
                        Err(_) => return,
                    }
                }
            });
        }
        Ok(Pool { jobs })
    }

    /// Runs `f` on a free session and waits for its answer.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Session) -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |s| {
            let _ = tx.send(f(s));
        });
        self.jobs.send(job).ok()?;
        rx.await.ok()
    }
}
