//! The chainstate runs on its own thread; everyone else talks to it through a
//! [`ChainHandle`], sending closures and awaiting their results. No lock is
//! ever held across an `.await`, and validation never blocks the async runtime.

use std::sync::mpsc;
use std::thread::JoinHandle;

use crate::chainstate::Chainstate;

type Job = Box<dyn FnOnce(&mut Chainstate) + Send>;

#[derive(Debug, thiserror::Error)]
#[error("the chainstate thread has stopped")]
pub struct ChainStopped;

#[derive(Clone)]
pub struct ChainHandle {
    jobs: mpsc::Sender<Job>,
}

impl ChainHandle {
    /// Starts the thread that owns `chainstate`. It ends when every handle is dropped.
    pub fn spawn(mut chainstate: Chainstate) -> std::io::Result<(ChainHandle, JoinHandle<()>)> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new().name("chainstate".into()).spawn(move || {
            while let Ok(job) = queue.recv() {
                job(&mut chainstate);
            }
            if let Err(e) = chainstate.flush() {
                tracing::error!("could not flush the chainstate at shutdown: {e}");
            }
        })?;
        Ok((ChainHandle { jobs }, thread))
    }

    /// Runs `f` on the chainstate thread and returns its result.
    pub async fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Chainstate) -> R + Send + 'static,
    ) -> Result<R, ChainStopped> {
        let (reply, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |cs| {
            let _ = reply.send(f(cs));
        });
        self.jobs.send(job).map_err(|_| ChainStopped)?;
        result.await.map_err(|_| ChainStopped)
    }
}
