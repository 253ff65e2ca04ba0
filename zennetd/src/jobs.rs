//! Long grinds as background jobs: identity mining, and the transaction
//! proof of work of `publishtask` / `accepttask` with `"wait": false`.
//! Each job runs on threads of its own, never on the RPC server's or the
//! chainstate's; the RPC reads its progress (`getidentityjob`) and can
//! abort it. Jobs live in memory only: a restart forgets them, but what a
//! job produced (an identity, a transaction) is stored before the job says
//! it is done.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::Value;

/// Finished jobs kept for reading; older ones are forgotten.
const MAX_FINISHED: usize = 256;

#[derive(Debug, Clone, PartialEq)]
pub enum JobState {
    Running,
    /// Done; the value is the job's result.
    Found(Value),
    Aborted,
    Failed(String),
}

impl JobState {
    pub fn as_str(&self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Found(_) => "found",
            JobState::Aborted => "aborted",
            JobState::Failed(_) => "failed",
        }
    }
}

/// One job: what it grinds, how far it got, and how to stop it.
pub struct Job {
    pub id: u64,
    pub kind: &'static str,
    pub threads: usize,
    started: Instant,
    /// Hashes a hit takes on average (2^256 / (target + 1)).
    pub expected_hashes: f64,
    hashes: AtomicU64,
    cancel: AtomicBool,
    state: Mutex<(JobState, Option<f64>)>,
}

impl Job {
    pub fn cancel_flag(&self) -> &AtomicBool {
        &self.cancel
    }

    pub fn set_hashes(&self, n: u64) {
        self.hashes.fetch_max(n, Ordering::Relaxed);
    }

    pub fn hashes(&self) -> u64 {
        self.hashes.load(Ordering::Relaxed)
    }

    pub fn state(&self) -> JobState {
        self.state.lock().map(|s| s.0.clone()).unwrap_or(JobState::Failed("job lock poisoned".into()))
    }

    /// Seconds from start to now, or to the end once finished.
    pub fn elapsed(&self) -> f64 {
        match self.state.lock().ok().and_then(|s| s.1) {
            Some(end) => end,
            None => self.started.elapsed().as_secs_f64(),
        }
    }

    pub fn finish(&self, state: JobState) {
        if let Ok(mut slot) = self.state.lock() {
            *slot = (state, Some(self.started.elapsed().as_secs_f64()));
        }
    }

    /// Hashes per second so far.
    pub fn hash_rate(&self) -> f64 {
        let elapsed = self.elapsed();
        if elapsed > 0.0 {
            self.hashes() as f64 / elapsed
        } else {
            0.0
        }
    }

    /// Expected seconds to a hit at the current rate (the search has no
    /// memory: the expectation does not shrink as time passes).
    pub fn expected_seconds(&self) -> Option<f64> {
        let rate = self.hash_rate();
        (rate > 0.0).then(|| self.expected_hashes / rate)
    }

    pub fn abort(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

#[derive(Default)]
pub struct Jobs {
    next: AtomicU64,
    jobs: Mutex<BTreeMap<u64, Arc<Job>>>,
}

impl Jobs {
    /// Registers a job and runs `work` on a thread of its own; the job's
    /// state becomes what `work` returns.
    pub fn spawn(
        &self,
        kind: &'static str,
        threads: usize,
        expected_hashes: f64,
        work: impl FnOnce(&Job) -> JobState + Send + 'static,
    ) -> Result<Arc<Job>, String> {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let job = Arc::new(Job {
            id,
            kind,
            threads,
            started: Instant::now(),
            expected_hashes,
            hashes: AtomicU64::new(0),
            cancel: AtomicBool::new(false),
            state: Mutex::new((JobState::Running, None)),
        });
        self.insert(job.clone());
        let worker = job.clone();
        std::thread::Builder::new()
            .name(format!("job-{id}"))
            .spawn(move || {
                let state = work(&worker);
                worker.finish(state);
            })
            .map_err(|e| format!("cannot start a job thread: {e}"))?;
        Ok(job)
    }

    fn insert(&self, job: Arc<Job>) {
        let Ok(mut jobs) = self.jobs.lock() else { return };
        jobs.insert(job.id, job);
        let finished: Vec<u64> = jobs.values().filter(|j| j.state() != JobState::Running).map(|j| j.id).collect();
        if finished.len() > MAX_FINISHED {
            for id in &finished[..finished.len() - MAX_FINISHED] {
                jobs.remove(id);
            }
        }
    }

    pub fn get(&self, id: u64) -> Option<Arc<Job>> {
        self.jobs.lock().ok()?.get(&id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait_done(job: &Job) -> JobState {
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        while job.state() == JobState::Running && Instant::now() < deadline {
            std::thread::yield_now();
        }
        job.state()
    }

    #[test]
    fn a_job_reports_its_result_and_can_be_aborted() {
        let jobs = Jobs::default();
        let done = jobs.spawn("test", 1, 10.0, |job| {
            job.set_hashes(5);
            JobState::Found(Value::from(7))
        });
        let done = done.unwrap();
        assert_eq!(wait_done(&done), JobState::Found(Value::from(7)));
        assert_eq!(done.hashes(), 5);
        let stuck = jobs
            .spawn("test", 1, 1e30, |job| {
                while !job.cancel_flag().load(Ordering::Relaxed) {
                    std::thread::yield_now();
                }
                JobState::Aborted
            })
            .unwrap();
        assert_eq!(jobs.get(stuck.id).unwrap().state(), JobState::Running);
        stuck.abort();
        assert_eq!(wait_done(&stuck), JobState::Aborted);
        assert!(jobs.get(999).is_none());
    }
}
