//! The node's state (chain, mempool, market index: [`NodeState`]) lives on
//! one thread; everyone else talks to it through a [`ChainHandle`], sending
//! closures and awaiting their results. After each one, the chain's block
//! events reach the mempool and the market index. No lock is ever held
//! across an `.await`, and validation never blocks the async runtime.

use std::sync::mpsc;
use std::thread::JoinHandle;

use crate::chainstate::HeaderView;
use crate::node_state::NodeState;

/// A closure to run on the state's thread; what it returns sends the reply,
/// once the chain's events are handled and the tick is published, so that a
/// caller never sees its change before everyone else can.
type Job = Box<dyn FnOnce(&mut NodeState) -> Reply + Send>;
type Reply = Box<dyn FnOnce() + Send>;

#[derive(Debug, thiserror::Error)]
#[error("the chainstate thread has stopped")]
pub struct ChainStopped;

/// What changes that others wait on: the tip and the mempool's update count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainTick {
    pub tip: primitives::BlockHash,
    pub height: u32,
    pub mempool_updates: u64,
}

#[derive(Clone)]
pub struct ChainHandle {
    jobs: mpsc::Sender<Job>,
    ticks: tokio::sync::watch::Receiver<ChainTick>,
    headers: HeaderView,
}

impl ChainHandle {
    /// Starts the thread that owns `state`. It ends when every handle is dropped.
    pub fn spawn(mut state: NodeState) -> std::io::Result<(ChainHandle, JoinHandle<()>)> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let (tick_tx, ticks) = tokio::sync::watch::channel(state.tick());
        let headers = state.chain.header_view();
        let thread = std::thread::Builder::new().name("chainstate".into()).spawn(move || {
            while let Ok(job) = queue.recv() {
                let reply = job(&mut state);
                state.process_chain_events(crate::clock::now());
                state.chain.publish_headers();
                let now = state.tick();
                tick_tx.send_if_modified(|t| std::mem::replace(t, now) != now);
                reply();
            }
            if let Err(e) = state.chain.flush() {
                tracing::error!("could not flush the chainstate at shutdown: {e}");
            }
        })?;
        Ok((ChainHandle { jobs, ticks, headers }, thread))
    }

    /// Changes of tip and mempool, for those who react to them.
    pub fn ticks(&self) -> tokio::sync::watch::Receiver<ChainTick> {
        self.ticks.clone()
    }

    pub fn current_tick(&self) -> ChainTick {
        *self.ticks.borrow()
    }

    /// The index and active chain as of the current tick, readable without
    /// a round trip to the chainstate thread.
    pub fn headers(&self) -> &HeaderView {
        &self.headers
    }

    /// [`call`](Self::call) from a plain thread (the miner's).
    pub fn call_blocking<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut NodeState) -> R + Send + 'static,
    ) -> Result<R, ChainStopped> {
        let (reply, result) = mpsc::channel();
        let job: Job = Box::new(move |node| {
            let value = f(node);
            Box::new(move || {
                let _ = reply.send(value);
            })
        });
        self.jobs.send(job).map_err(|_| ChainStopped)?;
        result.recv().map_err(|_| ChainStopped)
    }

    /// Runs `f` on the node state's thread and returns its result.
    pub async fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut NodeState) -> R + Send + 'static,
    ) -> Result<R, ChainStopped> {
        let (reply, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |node| {
            let value = f(node);
            Box::new(move || {
                let _ = reply.send(value);
            })
        });
        self.jobs.send(job).map_err(|_| ChainStopped)?;
        result.await.map_err(|_| ChainStopped)
    }
}
