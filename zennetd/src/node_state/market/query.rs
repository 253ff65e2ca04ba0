//! Reading the market: task and acceptance states, filters, and the views
//! the RPC renders. States are named as marketplace clients name them
//! (Golem's and Akash's `open`, `closed`, `cancelled`, `expired`), and are
//! derived from the tip height, so nothing has to change as blocks pass.

use primitives::market::{task_id, Acceptance, Cancel, Identity, MachineOffer, MarketBody, SignedBody, Task};
use primitives::{AnnouncementBody, BlockHash, Transaction, Txid};

use super::{AnnouncementRecord, MarketIndex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// In the mempool.
    Pending,
    /// Taking acceptances.
    Open,
    /// Its accept window is over.
    Closed,
    Cancelled,
    Expired,
    /// Its body is gone.
    Pruned,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Pending => "pending",
            TaskState::Open => "open",
            TaskState::Closed => "closed",
            TaskState::Cancelled => "cancelled",
            TaskState::Expired => "expired",
            TaskState::Pruned => "pruned",
        }
    }

    pub fn parse(text: &str) -> Option<TaskState> {
        [
            TaskState::Pending,
            TaskState::Open,
            TaskState::Closed,
            TaskState::Cancelled,
            TaskState::Expired,
            TaskState::Pruned,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptanceState {
    Pending,
    Active,
    /// Its task expired.
    Expired,
    Cancelled,
}

impl AcceptanceState {
    pub fn as_str(self) -> &'static str {
        match self {
            AcceptanceState::Pending => "pending",
            AcceptanceState::Active => "active",
            AcceptanceState::Expired => "expired",
            AcceptanceState::Cancelled => "cancelled",
        }
    }
}

/// An announcement in the mempool, decoded.
#[derive(Debug, Clone)]
pub struct PendingAnnouncement {
    pub txid: Txid,
    pub expiry: u32,
    pub nonce: u64,
    pub body: SignedBody,
}

impl PendingAnnouncement {
    pub fn from_tx(tx: &Transaction) -> Option<PendingAnnouncement> {
        let ann = tx.announcement.as_ref()?;
        let AnnouncementBody::Full(bytes) = &ann.body else { return None };
        let body = SignedBody::decode(ann.known_kind()?, bytes).ok()?;
        Some(PendingAnnouncement { txid: tx.txid(), expiry: ann.expiry, nonce: ann.nonce, body })
    }
}

/// What `listtasks` filters on. A machine's figures select the tasks it
/// qualifies for; rates are maxima in zats.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub states: Vec<TaskState>,
    pub publisher: Option<Identity>,
    /// Any of these operating systems.
    pub os: Vec<String>,
    pub machine: Option<MachineOffer>,
    /// The machine's memory per core (MB).
    pub memory_mb_per_core: Option<u32>,
    pub max_rate_core_ghz_hour: Option<u64>,
    pub max_rate_memory_mb_hour: Option<u64>,
    pub max_rate_disk_gb_hour: Option<u64>,
    pub max_rate_transfer_gb: Option<u64>,
    /// Tasks whose lease can last at least this long.
    pub min_lease_secs: Option<u32>,
    pub prepaid_only: bool,
    /// Only tasks published or accepted by these identity keys (`mine`).
    pub identity_keys: Option<Vec<[u8; 32]>>,
}

impl TaskFilter {
    fn admits_task(&self, task: &Task) -> bool {
        if self.publisher.is_some_and(|p| p != task.publisher) {
            return false;
        }
        if !self.os.is_empty() && !task.os_choices.iter().any(|os| self.os.contains(os)) {
            return false;
        }
        if let Some(machine) = &self.machine {
            let qualifies = task.core_choices.iter().any(|c| c.count <= machine.cores && c.min_mhz <= machine.mhz)
                && task.min_disk_mb <= machine.disk_mb
                && task.min_bandwidth_kbps <= machine.bandwidth_kbps;
            if !qualifies {
                return false;
            }
        }
        if self.memory_mb_per_core.is_some_and(|m| task.memory_mb_per_core > m) {
            return false;
        }
        let over = |max: Option<u64>, rate: u64| max.is_some_and(|m| rate > m);
        if over(self.max_rate_core_ghz_hour, task.rate_core_ghz_hour)
            || over(self.max_rate_memory_mb_hour, task.rate_memory_mb_hour)
            || over(self.max_rate_disk_gb_hour, task.rate_disk_gb_hour)
            || over(self.max_rate_transfer_gb, task.rate_transfer_gb)
        {
            return false;
        }
        if self.min_lease_secs.is_some_and(|l| task.lease_max_secs < l) {
            return false;
        }
        !(self.prepaid_only && task.payout_interval_secs >= 0)
    }

    /// Whether the filter needs the task's fields (a pruned task has none).
    fn reads_body(&self) -> bool {
        self.publisher.is_some()
            || !self.os.is_empty()
            || self.machine.is_some()
            || self.memory_mb_per_core.is_some()
            || self.max_rate_core_ghz_hour.is_some()
            || self.max_rate_memory_mb_hour.is_some()
            || self.max_rate_disk_gb_hour.is_some()
            || self.max_rate_transfer_gb.is_some()
            || self.min_lease_secs.is_some()
            || self.prepaid_only
    }
}

#[derive(Debug, Clone)]
pub struct AcceptanceView {
    pub txid: Txid,
    pub height: Option<u32>,
    pub state: AcceptanceState,
    pub acceptance: Option<Acceptance>,
}

#[derive(Debug, Clone)]
pub struct CancelView {
    pub txid: Txid,
    pub height: Option<u32>,
    pub cancel: Option<Cancel>,
}

/// A task as the RPC shows it.
#[derive(Debug, Clone)]
pub struct TaskView {
    pub task_id: Option<[u8; 32]>,
    pub txid: Txid,
    pub state: TaskState,
    /// Inclusion height and block; `None` while pending.
    pub height: Option<u32>,
    pub block: Option<BlockHash>,
    pub expiry: u32,
    pub body_len: u16,
    pub body_hash: [u8; 32],
    pub nonce: u64,
    pub task: Option<Task>,
    pub acceptances: Vec<AcceptanceView>,
    pub cancels: Vec<CancelView>,
}

impl TaskView {
    /// Height until which acceptances are taken.
    pub fn accept_until(&self) -> Option<u32> {
        Some(self.height?.saturating_add(self.task.as_ref()?.accept_within_blocks))
    }

    pub fn expiry_height(&self) -> Option<u32> {
        Some(self.height?.saturating_add(self.expiry))
    }
}

/// Counts for `getmarketinfo`.
#[derive(Debug, Clone, Default)]
pub struct MarketSummary {
    pub announcements: usize,
    pub tasks_by_state: Vec<(&'static str, usize)>,
    pub pruned_bytes: u64,
    pub marker: Option<(BlockHash, u32)>,
}

impl MarketIndex {
    /// A confirmed task's state at `tip`.
    fn task_state(&self, record: &AnnouncementRecord, tip: u32) -> TaskState {
        let Some(MarketBody::Task(task)) = record.body.as_ref().map(|b| &b.body) else { return TaskState::Pruned };
        if record.expired_at(tip) {
            return TaskState::Expired;
        }
        if self.cancel_of(record, task, None, tip).is_some() {
            return TaskState::Cancelled;
        }
        if u64::from(tip) > u64::from(record.height) + u64::from(task.accept_within_blocks) {
            return TaskState::Closed;
        }
        TaskState::Open
    }

    /// A confirmed cancel of this task by its publisher (of the whole task,
    /// or, with `node`, of that node's storage).
    fn cancel_of(&self, record: &AnnouncementRecord, task: &Task, node: Option<[u8; 32]>, tip: u32) -> Option<Txid> {
        let id = record.task_id?;
        self.links.get(&id)?.iter().filter_map(|t| self.records.get(t)).find_map(|r| {
            let Some(MarketBody::Cancel(c)) = r.body.as_ref().map(|b| &b.body) else { return None };
            let scope_hits = c.node_pubkey.is_none() || (node.is_some() && c.node_pubkey == node);
            (c.publisher == task.publisher && scope_hits && r.height <= tip).then_some(r.txid)
        })
    }

    fn view(&self, record: &AnnouncementRecord, tip: u32, pending: &[PendingAnnouncement]) -> TaskView {
        let task = match record.body.as_ref().map(|b| &b.body) {
            Some(MarketBody::Task(t)) => Some(t.clone()),
            _ => None,
        };
        let state = self.task_state(record, tip);
        let mut acceptances = Vec::new();
        let mut cancels = Vec::new();
        let task_cancelled = state == TaskState::Cancelled;
        for r in record.task_id.and_then(|id| self.links.get(&id)).into_iter().flatten() {
            let Some(linked) = self.records.get(r) else { continue };
            match linked.body.as_ref().map(|b| &b.body) {
                Some(MarketBody::Acceptance(a)) => {
                    let node_cancelled =
                        task.as_ref().is_some_and(|t| self.cancel_of(record, t, Some(a.node.pubkey), tip).is_some());
                    let state = if record.expired_at(tip) || state == TaskState::Pruned {
                        AcceptanceState::Expired
                    } else if task_cancelled || node_cancelled {
                        AcceptanceState::Cancelled
                    } else {
                        AcceptanceState::Active
                    };
                    acceptances.push(AcceptanceView {
                        txid: linked.txid,
                        height: Some(linked.height),
                        state,
                        acceptance: Some(a.clone()),
                    });
                }
                Some(MarketBody::Cancel(c)) => {
                    cancels.push(CancelView { txid: linked.txid, height: Some(linked.height), cancel: Some(c.clone()) })
                }
                _ if linked.kind == primitives::AnnouncementKind::Acceptance as u8 => {
                    acceptances.push(AcceptanceView {
                        txid: linked.txid,
                        height: Some(linked.height),
                        state: AcceptanceState::Expired,
                        acceptance: None,
                    })
                }
                _ => cancels.push(CancelView { txid: linked.txid, height: Some(linked.height), cancel: None }),
            }
        }
        add_pending_links(record.task_id, pending, &mut acceptances, &mut cancels);
        TaskView {
            task_id: record.task_id,
            txid: record.txid,
            state,
            height: Some(record.height),
            block: Some(record.block),
            expiry: record.expiry,
            body_len: record.body_len,
            body_hash: record.body_hash.to_byte_array(),
            nonce: record.nonce,
            task,
            acceptances,
            cancels,
        }
    }

    /// `gettask`: by task id, or by the txid of the task's announcement
    /// (a pruned task whose id was never seen is found that way).
    pub fn task_view(&self, id: &[u8; 32], tip: u32, pending: &[PendingAnnouncement]) -> Option<TaskView> {
        let txid = Txid::from_byte_array(*id);
        let record = match self.tasks.get(id) {
            Some(txid) => self.records.get(txid),
            None => self
                .records
                .get(&txid)
                .or_else(|| self.records.get(&Txid::from_byte_array(reversed(id))))
                .filter(|r| r.kind == primitives::AnnouncementKind::Task as u8),
        };
        if let Some(record) = record {
            return Some(self.view(record, tip, pending));
        }
        pending
            .iter()
            .find(|p| matches!(&p.body.body, MarketBody::Task(t) if task_id(t) == *id))
            .map(|p| pending_view(p, pending))
    }

    /// `listtasks`: newest first (pending ones before all), filtered.
    pub fn list(
        &self,
        filter: &TaskFilter,
        count: usize,
        skip: usize,
        tip: u32,
        pending: &[PendingAnnouncement],
    ) -> Vec<TaskView> {
        let wants = |state: TaskState| filter.states.is_empty() || filter.states.contains(&state);
        let mine = |view: &TaskView| match &filter.identity_keys {
            None => true,
            Some(keys) => {
                view.task.as_ref().is_some_and(|t| keys.contains(&t.publisher.pubkey))
                    || view
                        .acceptances
                        .iter()
                        .any(|a| a.acceptance.as_ref().is_some_and(|a| keys.contains(&a.node.pubkey)))
            }
        };
        let pending_tasks = pending.iter().filter_map(|p| match &p.body.body {
            MarketBody::Task(t) if wants(TaskState::Pending) && filter.admits_task(t) => Some(pending_view(p, pending)),
            _ => None,
        });
        let confirmed = self.order.iter().rev().filter_map(|(_, _, txid)| {
            let record = self.records.get(txid)?;
            match record.body.as_ref().map(|b| &b.body) {
                Some(MarketBody::Task(t)) if !filter.admits_task(t) => return None,
                None if filter.reads_body() => return None,
                _ => {}
            }
            if !wants(self.task_state(record, tip)) {
                return None;
            }
            Some(self.view(record, tip, pending))
        });
        pending_tasks.chain(confirmed).filter(|v| mine(v)).skip(skip).take(count).collect()
    }

    pub fn summary(&self, tip: u32) -> MarketSummary {
        let mut counts = [0usize; 6];
        for (_, _, txid) in &self.order {
            if let Some(record) = self.records.get(txid) {
                counts[self.task_state(record, tip) as usize] += 1;
            }
        }
        let names = ["pending", "open", "closed", "cancelled", "expired", "pruned"];
        MarketSummary {
            announcements: self.records.len(),
            tasks_by_state: names.into_iter().zip(counts).skip(1).collect(),
            pruned_bytes: self.pruned_bytes,
            marker: self.marker,
        }
    }
}

fn reversed(id: &[u8; 32]) -> [u8; 32] {
    let mut out = *id;
    out.reverse();
    out
}

fn add_pending_links(
    id: Option<[u8; 32]>,
    pending: &[PendingAnnouncement],
    acceptances: &mut Vec<AcceptanceView>,
    cancels: &mut Vec<CancelView>,
) {
    let Some(id) = id else { return };
    for p in pending {
        match &p.body.body {
            MarketBody::Acceptance(a) if a.task_id == id => acceptances.push(AcceptanceView {
                txid: p.txid,
                height: None,
                state: AcceptanceState::Pending,
                acceptance: Some(a.clone()),
            }),
            MarketBody::Cancel(c) if c.task_id == id => {
                cancels.push(CancelView { txid: p.txid, height: None, cancel: Some(c.clone()) })
            }
            _ => {}
        }
    }
}

fn pending_view(p: &PendingAnnouncement, pending: &[PendingAnnouncement]) -> TaskView {
    let MarketBody::Task(task) = &p.body.body else { unreachable!("called for tasks only") };
    let id = task_id(task);
    let mut acceptances = Vec::new();
    let mut cancels = Vec::new();
    add_pending_links(Some(id), pending, &mut acceptances, &mut cancels);
    let body = p.body.encode();
    TaskView {
        task_id: Some(id),
        txid: p.txid,
        state: TaskState::Pending,
        height: None,
        block: None,
        expiry: p.expiry,
        body_len: body.len() as u16,
        body_hash: bitcoin::hashes::sha256::Hash::hash(&body).to_byte_array(),
        nonce: p.nonce,
        task: Some(task.clone()),
        acceptances,
        cancels,
    }
}

use bitcoin::hashes::Hash;
