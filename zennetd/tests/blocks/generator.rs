//! The generator: named blocks on named parents, signed spends of coinbases,
//! and assertions that also check the tip and UTXO set do not move on reject.

use std::collections::HashMap;
use std::sync::Arc;

use bitcoin::hashes::{hash160, sha256d, Hash, HashEngine};
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey};
use consensus::target::from_compact;
use consensus::ChainParams;
use primitives::block::witness_commitment_script;
use primitives::{Amount, Block, BlockHash, OutPoint, PowAlgo, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};
use script::cache::SignatureCache;
use script::sighash::{segwit_v0_sighash, SIGHASH_ALL};
use script::PrecomputedTransactionData;
use zennetd::chainstate::{Accepted, ChainOptions, Chainstate};
use zennetd::miner::solve;
use zennetd::node_state::NodeState;
use zennetd::store::MemoryStore;

pub const EASY_BITS: u32 = 0x207fffff;

/// Main's rules with every target at the regtest limit, market targets easy.
pub fn easy_main() -> ChainParams {
    let mut p = ChainParams::main();
    let easy = from_compact(EASY_BITS).unwrap();
    p.pow_limit = std::array::from_fn(|_| easy.clone());
    p.initial_target = std::array::from_fn(|_| easy.clone());
    p.market.publisher_identity_target = consensus::target::two_pow_256() >> 2;
    p.market.node_identity_target = consensus::target::two_pow_256() >> 2;
    p.market.task_pow_bits = 0x2000ffff;
    p.market.accept_pow_bits = 0x2000ffff;
    p
}

pub struct Gen {
    /// The node's state: chain, mempool and market index.
    pub node: NodeState,
    pub params: Arc<ChainParams>,
    pub blocks: HashMap<String, Block>,
    pub key: SecretKey,
    pub script: ScriptBuf,
    /// "Now" for every submission: far enough ahead that block times never trip it.
    pub now: i64,
}

impl Gen {
    pub fn new(params: ChainParams) -> Gen {
        let params = Arc::new(params);
        let cache = Arc::new(SignatureCache::new(10_000, [9; 32]));
        let chain = Chainstate::open(
            params.clone(),
            Box::new(MemoryStore::default()),
            cache.clone(),
            ChainOptions { script_threads: 2, txindex: false, cache_bytes: 64 << 10, prune: None },
        )
        .unwrap();
        let node = NodeState::new(chain, Default::default(), cache, true).unwrap();
        let key = SecretKey::from_slice(&[0x33; 32]).unwrap();
        let pubkey = PublicKey::from_secret_key(&Secp256k1::new(), &key);
        let script =
            ScriptBuf::from_bytes([&[0u8, 20][..], hash160::Hash::hash(&pubkey.serialize()).as_byte_array()].concat());
        let now = i64::from(params.genesis.header.time) + 100_000_000;
        let mut blocks = HashMap::new();
        blocks.insert("genesis".to_string(), params.genesis.clone());
        Gen { node, params, blocks, key, script, now }
    }

    pub fn block(&self, name: &str) -> &Block {
        self.blocks.get(name).unwrap_or_else(|| panic!("no block named {name}"))
    }

    pub fn height(&self, name: &str) -> u32 {
        self.node
            .chain
            .entry(&self.block(name).block_hash())
            .map(|e| e.height)
            .unwrap_or_else(|| panic!("{name} not indexed"))
    }

    /// The algorithm the generator uses at `height` (rotating, so no run is too long).
    pub fn algo_at(height: u32) -> PowAlgo {
        PowAlgo::ALL[(height % 5) as usize]
    }

    /// A solved block on `parent` carrying `txs`, one minute after its parent.
    pub fn next(&mut self, name: &str, parent: &str, txs: Vec<Transaction>) -> Block {
        let parent_block = self.block(parent).clone();
        let parent_hash = parent_block.block_hash();
        let height = self.height(parent) + 1;
        let algo = Self::algo_at(height);
        let time = i64::from(parent_block.header.time) + 60;
        let extra = name.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
        let mut block = self
            .node
            .chain
            .block_template_on(
                &parent_hash,
                algo,
                &self.script,
                time,
                extra,
                txs.into_iter().map(Into::into).collect(),
                0,
            )
            .unwrap();
        block.header.time = time as u32;
        Self::solve(&mut block);
        self.blocks.insert(name.to_string(), block.clone());
        block
    }

    /// Recomputes the witness commitment and merkle root, then grinds the nonce.
    pub fn refresh(block: &mut Block) {
        if let Some(index) = block.witness_commitment_index() {
            let commitment = block.compute_witness_commitment(&[0u8; 32]);
            block.txdata[0]
                .modify(|coinbase| coinbase.output[index].script_pubkey = witness_commitment_script(&commitment));
        }
        block.header.merkle_root = block.compute_merkle_root().0;
        Self::solve(block);
    }

    pub fn solve(block: &mut Block) {
        let algo = PowAlgo::from_version(block.header.version.to_consensus()).unwrap_or(PowAlgo::Sha256d);
        block.header.nonce = 0;
        assert!(solve(block, algo, &mut 10_000_000));
    }

    pub fn store(&mut self, name: &str, block: Block) {
        self.blocks.insert(name.to_string(), block);
    }

    fn submit(&mut self, name: &str) -> Result<Accepted, String> {
        let block = self.block(name).clone();
        self.node.submit_block(block, self.now).map_err(|e| e.bip22_result())
    }

    pub fn accepted(&mut self, name: &str) {
        assert_eq!(self.submit(name), Ok(Accepted::Active), "{name}");
        assert_eq!(self.node.chain.tip().hash, self.block(name).block_hash(), "{name} is the tip");
    }

    pub fn accepted_side(&mut self, name: &str) {
        assert_eq!(self.submit(name), Ok(Accepted::SideBranch), "{name}");
    }

    /// Rejected with exactly `reason`; tip and UTXO set unchanged.
    pub fn rejected(&mut self, name: &str, reason: &str) {
        let (tip, utxos) = (self.node.chain.tip().hash, self.utxo_hash());
        assert_eq!(self.submit(name), Err(reason.to_string()), "{name}");
        assert_eq!(self.node.chain.tip().hash, tip, "{name}: tip moved");
        assert_eq!(self.utxo_hash(), utxos, "{name}: UTXO set changed");
    }

    pub fn tip_is(&self, name: &str) {
        assert_eq!(self.node.chain.tip().hash, self.block(name).block_hash(), "tip should be {name}");
    }

    /// SHA256d over the UTXO set in outpoint order (as gettxoutsetinfo).
    pub fn utxo_hash(&mut self) -> [u8; 32] {
        let mut engine = sha256d::Hash::engine();
        self.node
            .chain
            .for_each_coin(&mut |o, c| {
                engine.input(o.txid.as_byte_array());
                engine.input(&o.vout.to_le_bytes());
                engine.input(&(c.height * 2 + u32::from(c.is_coinbase)).to_le_bytes());
                engine.input(&c.output.value.to_sat().to_le_bytes());
                engine.input(c.output.script_pubkey.as_bytes());
            })
            .unwrap();
        sha256d::Hash::from_engine(engine).to_byte_array()
    }

    /// The first output of a block's coinbase (paid to the generator's key).
    pub fn coinbase_out(&self, name: &str) -> (OutPoint, TxOut) {
        let coinbase = &self.block(name).txdata[0];
        (OutPoint { txid: coinbase.txid(), vout: 0 }, coinbase.output[0].clone())
    }

    /// A version-2 transaction spending `inputs` (the generator's P2WPKH
    /// coins) to `outputs`, signed.
    pub fn spend(&self, inputs: &[(OutPoint, TxOut)], outputs: Vec<TxOut>) -> Transaction {
        self.spend_with(inputs, outputs, |_| {})
    }

    /// As [`spend`], with `edit` applied before signing.
    pub fn spend_with(
        &self,
        inputs: &[(OutPoint, TxOut)],
        outputs: Vec<TxOut>,
        edit: impl FnOnce(&mut Transaction),
    ) -> Transaction {
        let mut tx = Transaction {
            version: 2,
            input: inputs
                .iter()
                .map(|(o, _)| TxIn {
                    previous_output: *o,
                    script_sig: ScriptBuf::new(),
                    sequence: Sequence::MAX,
                    witness: Witness::new(),
                })
                .collect(),
            output: outputs,
            announcement: None,
            lock_time: 0,
        };
        edit(&mut tx);
        self.sign(&mut tx, inputs);
        tx
    }

    pub fn sign(&self, tx: &mut Transaction, inputs: &[(OutPoint, TxOut)]) {
        let secp = Secp256k1::new();
        let pubkey = PublicKey::from_secret_key(&secp, &self.key);
        let program = &self.script.as_bytes()[2..];
        let code = [&[0x76u8, 0xa9, 20][..], program, &[0x88, 0xac]].concat();
        let pre = PrecomputedTransactionData::new(tx);
        for (i, (_, prev)) in inputs.iter().enumerate() {
            let sighash = segwit_v0_sighash(tx, i, &code, prev.value.to_sat(), SIGHASH_ALL, &pre);
            let mut sig = secp.sign_ecdsa(&Message::from_digest(sighash), &self.key).serialize_der().to_vec();
            sig.push(SIGHASH_ALL as u8);
            tx.input[i].witness = Witness::from_slice(&[sig, pubkey.serialize().to_vec()]);
        }
    }

    /// An output paying `zats` to the generator's key.
    pub fn pay(&self, zats: u64) -> TxOut {
        TxOut { value: Amount::from_sat(zats), script_pubkey: self.script.clone() }
    }

    /// Extends `parent` by `count` empty blocks named `prefix0..`; returns the last name.
    pub fn extend(&mut self, prefix: &str, parent: &str, count: usize) -> String {
        let mut parent = parent.to_string();
        for i in 0..count {
            let name = format!("{prefix}{i}");
            self.next(&name, &parent, Vec::new());
            self.accepted(&name);
            parent = name;
        }
        parent
    }

    pub fn hash(&self, name: &str) -> BlockHash {
        self.block(name).block_hash()
    }
}
