//! The password-hashing pool: every argon2 and PBKDF2 computation (REGISTER,
//! NickServ REGISTER, IDENTIFY and SET PASSWORD, SASL PLAIN, OPER and
//! OPERATOR ADD) runs here, on at most `accounts.hash_workers` blocking
//! threads at once, with at most `accounts.hash_queue` more waiting.
//!
//! A flood of hashing commands therefore waits in the queue, and past it is
//! refused ([`Busy`]), instead of starting one argon2 run (about 19 MiB)
//! per line; others' commands never wait for it, since the lock is not held.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The pool was full: the caller answers "try again later".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

#[derive(Debug)]
struct Inner {
    workers: Arc<Semaphore>,
    /// Jobs admitted: running or waiting for a worker.
    admitted: AtomicUsize,
    limit: usize,
    running: AtomicUsize,
    busiest: AtomicUsize,
}

/// A bounded pool of hashing workers with a bounded queue.
#[derive(Debug, Clone)]
pub struct HashPool(Arc<Inner>);

/// Releases a job's place when dropped, wherever the job ends.
struct Admitted(Arc<Inner>);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.admitted.fetch_sub(1, Ordering::SeqCst);
    }
}

impl HashPool {
    /// A pool of `workers` (at least 1) with `queue` places to wait in.
    pub fn new(workers: usize, queue: usize) -> HashPool {
        let workers = workers.max(1);
        HashPool(Arc::new(Inner {
            workers: Arc::new(Semaphore::new(workers)),
            admitted: AtomicUsize::new(0),
            limit: workers + queue,
            running: AtomicUsize::new(0),
            busiest: AtomicUsize::new(0),
        }))
    }

    /// Runs `job` on a worker when one is free, or refuses at once when the
    /// queue is full. The place is held until the job itself ends, even if
    /// the caller stops waiting (a client that disconnects).
    pub async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
        let inner = &self.0;
        let place = Admitted(inner.clone());
        if inner.admitted.fetch_add(1, Ordering::SeqCst) >= inner.limit {
            return Err(Busy);
        }
        let permit = inner.workers.clone().acquire_owned().await.map_err(|_| Busy)?;
        let pool = inner.clone();
        tokio::task::spawn_blocking(move || {
            let now = pool.running.fetch_add(1, Ordering::SeqCst) + 1;
            pool.busiest.fetch_max(now, Ordering::SeqCst);
            let out = job();
            pool.running.fetch_sub(1, Ordering::SeqCst);
            drop((permit, place));
            out
        })
        .await
        .map_err(|_| Busy)
    }

    /// The most jobs that have run at once since the server started.
    pub fn busiest(&self) -> usize {
        self.0.busiest.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bounded_workers_and_queue() {
        let pool = HashPool::new(2, 3);
        let jobs: Vec<_> = (0..10)
            .map(|_| {
                let pool = pool.clone();
                tokio::spawn(async move { pool.run(|| std::thread::sleep(Duration::from_millis(50))).await })
            })
            .collect();
        let mut ok = 0;
        for j in jobs {
            ok += usize::from(j.await.unwrap().is_ok());
        }
        assert_eq!(ok, 5, "two running and three waiting; the rest refused");
        assert_eq!(pool.busiest(), 2);
        assert!(pool.run(|| 1).await.is_ok(), "places come back");
    }
}
