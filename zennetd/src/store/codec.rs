//! Byte layouts of stored records.

use bitcoin::hashes::Hash;
use consensus::check::Coin;
use num_bigint::BigUint;
use primitives::block::{decode_header, encode_header};
use primitives::encode::{write_var_bytes, Reader};
use primitives::{Amount, BlockHash, Header, OutPoint, ScriptBuf, TxOut};

use super::StoreError;

/// A block index entry as stored: header, height, cumulative chain work,
/// transaction count and status flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexRecord {
    pub header: Header,
    pub height: u32,
    pub chain_work: BigUint,
    pub tx_count: u32,
    pub status: u8,
}

fn corrupt(what: &str) -> impl Fn(primitives::DecodeError) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

impl IndexRecord {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(120);
        encode_header(&self.header, &mut out);
        out.extend_from_slice(&self.height.to_le_bytes());
        write_var_bytes(&mut out, &self.chain_work.to_bytes_be());
        out.extend_from_slice(&self.tx_count.to_le_bytes());
        out.push(self.status);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, StoreError> {
        let mut r = Reader::new(bytes);
        let header = decode_header(&mut r).map_err(corrupt("index header"))?;
        let height = r.u32("height").map_err(corrupt("index height"))?;
        let chain_work = BigUint::from_bytes_be(r.var_bytes("work").map_err(corrupt("index work"))?);
        let tx_count = r.u32("tx count").map_err(corrupt("index tx count"))?;
        let status = r.u8("status").map_err(corrupt("index status"))?;
        r.finish().map_err(corrupt("index record"))?;
        Ok(IndexRecord { header, height, chain_work, tx_count, status })
    }
}

pub fn outpoint_key(outpoint: &OutPoint) -> [u8; 36] {
    let mut key = [0u8; 36];
    key[..32].copy_from_slice(outpoint.txid.as_byte_array());
    key[32..].copy_from_slice(&outpoint.vout.to_be_bytes());
    key
}

pub fn encode_coin(coin: &Coin, out: &mut Vec<u8>) {
    out.extend_from_slice(&coin.height.to_le_bytes());
    out.push(u8::from(coin.is_coinbase));
    out.extend_from_slice(&coin.output.value.to_sat().to_le_bytes());
    write_var_bytes(out, coin.output.script_pubkey.as_bytes());
}

pub fn decode_coin(r: &mut Reader<'_>) -> Result<Coin, StoreError> {
    let height = r.u32("coin height").map_err(corrupt("coin"))?;
    let is_coinbase = r.u8("coin flags").map_err(corrupt("coin"))? != 0;
    let value = Amount::from_sat(r.u64("coin value").map_err(corrupt("coin"))?);
    let script = ScriptBuf::from_bytes(r.var_bytes("coin script").map_err(corrupt("coin"))?.to_vec());
    Ok(Coin { output: TxOut { value, script_pubkey: script }, height, is_coinbase })
}

/// Undo data: the coins a block spent, in spend order.
pub fn encode_undo(spent: &[(OutPoint, Coin)]) -> Vec<u8> {
    let mut out = Vec::new();
    primitives::encode::write_compact_size(&mut out, spent.len() as u64);
    for (outpoint, coin) in spent {
        out.extend_from_slice(&outpoint_key(outpoint));
        encode_coin(coin, &mut out);
    }
    out
}

pub fn decode_undo(bytes: &[u8]) -> Result<Vec<(OutPoint, Coin)>, StoreError> {
    let mut r = Reader::new(bytes);
    let count = r.count("undo entries", 50).map_err(corrupt("undo"))?;
    let mut spent = Vec::with_capacity(count);
    for _ in 0..count {
        spent.push((decode_outpoint_key(r.array("undo outpoint").map_err(corrupt("undo"))?), decode_coin(&mut r)?));
    }
    r.finish().map_err(corrupt("undo"))?;
    Ok(spent)
}

pub fn decode_outpoint_key(key: [u8; 36]) -> OutPoint {
    let mut txid = [0u8; 32];
    txid.copy_from_slice(&key[..32]);
    let vout = u32::from_be_bytes([key[32], key[33], key[34], key[35]]);
    OutPoint { txid: primitives::Txid::from_byte_array(txid), vout }
}

pub fn hash_from_slice(bytes: &[u8]) -> Result<BlockHash, StoreError> {
    let array: [u8; 32] = bytes.try_into().map_err(|_| StoreError::Corrupt("block hash length".into()))?;
    Ok(BlockHash::from_byte_array(array))
}
