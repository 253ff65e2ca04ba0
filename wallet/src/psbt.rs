//! PSBT (BIP174, version 0, as Core) work that needs no chain: signing with
//! given keys or the wallet's HD keys, finalizing (miniscript's finalizer),
//! and the per-input analysis `analyzepsbt` reports.

use std::collections::BTreeMap;

use bitcoin::bip32::{DerivationPath, Fingerprint, KeySource};
use bitcoin::hashes::{hash160, sha256, Hash};
use bitcoin::psbt::{GetKey, GetKeyError, KeyRequest, Psbt};
use bitcoin::secp256k1::{All, Secp256k1, Signing};
use bitcoin::{PrivateKey, PublicKey, ScriptBuf, TxOut};
use miniscript::psbt::PsbtExt;

use crate::keys::{p2tr_script, p2wpkh_script, AccountKeys, AccountSecret, Chain, OutputType};

/// Base64 text of a PSBT, as Core prints it.
pub fn encode(psbt: &Psbt) -> String {
    psbt.to_string()
}

/// A PSBT from base64 text, with the reason when it does not decode.
pub fn decode(text: &str) -> Result<Psbt, String> {
    text.trim().parse::<Psbt>().map_err(|e| e.to_string())
}

/// The output input `index` spends, if the PSBT carries it.
pub fn spent_output(psbt: &Psbt, index: usize) -> Option<TxOut> {
    let input = psbt.inputs.get(index)?;
    if let Some(out) = &input.witness_utxo {
        return Some(out.clone());
    }
    let vout = psbt.unsigned_tx.input.get(index)?.previous_output.vout as usize;
    input.non_witness_utxo.as_ref()?.output.get(vout).cloned()
}

fn is_p2tr(script: &ScriptBuf) -> bool {
    script.as_bytes().len() == 34 && script.as_bytes()[..2] == [0x51, 0x20]
}

fn p2pkh(key: &PublicKey) -> ScriptBuf {
    ScriptBuf::new_p2pkh(&key.pubkey_hash())
}

/// Whether `key` can sign for input `index`: its P2PKH, P2WPKH (bare or
/// P2SH-wrapped) or BIP86 taproot output, or a key pushed in the redeem or
/// witness script (P2PK, multisig).
fn key_signs_input(secp: &Secp256k1<All>, psbt: &Psbt, index: usize, key: &PublicKey) -> bool {
    let Some(spent) = spent_output(psbt, index) else { return false };
    let input = &psbt.inputs[index];
    let spk = &spent.script_pubkey;
    let wpkh = p2wpkh_script(&key.inner);
    if *spk == p2pkh(key) || *spk == wpkh || input.redeem_script.as_ref() == Some(&wpkh) {
        return true;
    }
    if is_p2tr(spk) {
        return p2tr_script(secp, &key.inner).is_ok_and(|s| s == *spk);
    }
    let bytes = key.to_bytes();
    let pushes_key = |script: &ScriptBuf| {
        script.instructions().flatten().any(|i| i.push_bytes().is_some_and(|p| p.as_bytes() == bytes.as_slice()))
    };
    pushes_key(spk)
        || input.redeem_script.as_ref().is_some_and(pushes_key)
        || input.witness_script.as_ref().is_some_and(pushes_key)
}

/// Signs every input `keys` can sign (as `signrawtransactionwithkey`):
/// records which key each input needs, then signs with rust-bitcoin's PSBT
/// signer. Returns the inputs that could not be signed and why.
pub fn sign_with_keys(psbt: &mut Psbt, keys: &[PrivateKey], secp: &Secp256k1<All>) -> Vec<(usize, String)> {
    let mut map: BTreeMap<PublicKey, PrivateKey> = BTreeMap::new();
    for key in keys {
        map.insert(key.public_key(secp), *key);
    }
    let origin: KeySource = (Fingerprint::default(), DerivationPath::master());
    for index in 0..psbt.inputs.len() {
        for public in map.keys() {
            if !key_signs_input(secp, psbt, index, public) {
                continue;
            }
            let is_taproot = spent_output(psbt, index).is_some_and(|o| is_p2tr(&o.script_pubkey));
            let input = &mut psbt.inputs[index];
            if is_taproot {
                let (xonly, _) = public.inner.x_only_public_key();
                input.tap_internal_key = Some(xonly);
                input.tap_key_origins.entry(xonly).or_insert_with(|| (Vec::new(), origin.clone()));
            } else {
                input.bip32_derivation.entry(public.inner).or_insert_with(|| origin.clone());
            }
        }
    }
    sign(psbt, &map, secp)
}

fn sign<K: GetKey>(psbt: &mut Psbt, keys: &K, secp: &Secp256k1<All>) -> Vec<(usize, String)> {
    match psbt.sign(keys, secp) {
        Ok(_) => Vec::new(),
        Err((_, errors)) => errors.into_iter().map(|(i, e)| (i, e.to_string())).collect(),
    }
}

/// The wallet's HD keys as a PSBT key source: a request for a BIP32 origin
/// under one of the wallet's accounts (its master fingerprint and
/// `m/<purpose>'/<coin>'/<account>'/<chain>/<index>`) gets that key.
pub struct HdKeySource<'a> {
    pub accounts: Vec<&'a AccountKeys>,
    pub secret: &'a AccountSecret,
}

impl GetKey for HdKeySource<'_> {
    type Error = GetKeyError;

    fn get_key<C: Signing>(&self, request: KeyRequest, _: &Secp256k1<C>) -> Result<Option<PrivateKey>, Self::Error> {
        let KeyRequest::Bip32((fingerprint, path)) = request else { return Ok(None) };
        let secp = Secp256k1::new();
        for account in &self.accounts {
            if fingerprint != account.master_fingerprint {
                continue;
            }
            let steps: Vec<u32> = path.into_iter().map(|c| u32::from(*c)).collect();
            let hardened = |n: u32| n | 0x8000_0000;
            let prefix = [hardened(account.output_type.purpose()), hardened(account.coin), hardened(account.account)];
            let [a, b, c, chain, index] = steps.as_slice() else { continue };
            if [*a, *b, *c] != prefix || *index >= 0x8000_0000 {
                continue;
            }
            let chain = match chain {
                0 => Chain::Receive,
                1 => Chain::Change,
                _ => continue,
            };
            let key = self
                .secret
                .secret_key(&secp, account.output_type, chain, *index)
                .map_err(|_| GetKeyError::NotSupported)?;
            return Ok(Some(PrivateKey::new(key, bitcoin::NetworkKind::Test)));
        }
        Ok(None)
    }
}

/// Signs every input whose key origins name one of the wallet's HD keys.
pub fn sign_with_hd(psbt: &mut Psbt, source: &HdKeySource<'_>, secp: &Secp256k1<All>) -> Vec<(usize, String)> {
    sign(psbt, source, secp)
}

/// Records the key origin of an input or output script of the wallet's HD
/// accounts (BIP32 derivation for P2WPKH; internal key and origin for
/// BIP86 taproot), as Core's updater does.
pub fn add_hd_origin(
    input: &mut bitcoin::psbt::Input,
    account: &AccountKeys,
    chain: Chain,
    index: u32,
    secp: &Secp256k1<All>,
) -> Result<(), crate::keys::KeyError> {
    let key = account.public_key(secp, chain, index)?;
    let path: DerivationPath = account
        .path_of(chain, index)
        .replace('h', "'")
        .parse()
        .map_err(|e: bitcoin::bip32::Error| crate::keys::KeyError::Derivation(e.to_string()))?;
    let origin: KeySource = (account.master_fingerprint, path);
    match account.output_type {
        OutputType::Bech32 => {
            input.bip32_derivation.insert(key, origin);
        }
        OutputType::Bech32m => {
            let (xonly, _) = key.x_only_public_key();
            input.tap_internal_key = Some(xonly);
            input.tap_key_origins.insert(xonly, (Vec::new(), origin));
        }
    }
    Ok(())
}

/// Finalizes every input that has what it needs; returns the others and why.
pub fn finalize(psbt: &mut Psbt, secp: &Secp256k1<All>) -> Vec<(usize, String)> {
    let mut failures = Vec::new();
    for index in 0..psbt.inputs.len() {
        if is_final(&psbt.inputs[index]) {
            continue;
        }
        if let Err(e) = psbt.finalize_inp_mut(secp, index) {
            failures.push((index, e.to_string()));
        }
    }
    failures
}

pub fn is_final(input: &bitcoin::psbt::Input) -> bool {
    input.final_script_sig.is_some() || input.final_script_witness.is_some()
}

/// Core's PSBT roles, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Creator,
    Updater,
    Signer,
    Finalizer,
    Extractor,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Creator => "creator",
            Role::Updater => "updater",
            Role::Signer => "signer",
            Role::Finalizer => "finalizer",
            Role::Extractor => "extractor",
        }
    }
}

/// What one input still lacks (Core's `analyzepsbt` input entry).
#[derive(Debug, Default, Clone)]
pub struct InputAnalysis {
    pub has_utxo: bool,
    pub is_final: bool,
    /// Key ids (hash160) of keys whose public key is not known.
    pub missing_pubkeys: Vec<String>,
    /// Key ids (hash160) of keys whose signature is missing.
    pub missing_signatures: Vec<String>,
    pub missing_redeem_script: Option<String>,
    pub missing_witness_script: Option<String>,
    pub next: Option<Role>,
}

/// Keys pushed in a script (P2PK and multisig keys).
fn script_keys(script: &ScriptBuf) -> Vec<PublicKey> {
    script
        .instructions()
        .flatten()
        .filter_map(|i| i.push_bytes().and_then(|p| PublicKey::from_slice(p.as_bytes()).ok()))
        .collect()
}

/// Core's `AnalyzePSBT` for one input.
pub fn analyze_input(psbt: &Psbt, index: usize, secp: &Secp256k1<All>) -> InputAnalysis {
    let input = &psbt.inputs[index];
    let mut a = InputAnalysis { has_utxo: spent_output(psbt, index).is_some(), ..Default::default() };
    if is_final(input) {
        a.is_final = true;
        return a;
    }
    let Some(spent) = spent_output(psbt, index) else {
        a.next = Some(Role::Updater);
        return a;
    };
    // Does it finalize with what it has?
    let mut trial = psbt.clone();
    if trial.finalize_inp_mut(secp, index).is_ok() {
        a.next = Some(Role::Finalizer);
        return a;
    }
    let spk = &spent.script_pubkey;
    let mut inner = spk.clone();
    if spk.is_p2sh() {
        match &input.redeem_script {
            Some(redeem) => inner = redeem.clone(),
            None => {
                a.missing_redeem_script = Some(hex::encode(&spk.as_bytes()[2..22]));
                a.next = Some(Role::Updater);
                return a;
            }
        }
    }
    if inner.is_p2wsh() {
        match &input.witness_script {
            Some(witness) => inner = witness.clone(),
            None => {
                a.missing_witness_script = Some(hex::encode(&inner.as_bytes()[2..34]));
                a.next = Some(Role::Updater);
                return a;
            }
        }
    }
    let has_sig = |key: &PublicKey| input.partial_sigs.contains_key(key);
    if inner.is_p2wpkh() || inner.is_p2pkh() {
        let hash = if inner.is_p2wpkh() { &inner.as_bytes()[2..22] } else { &inner.as_bytes()[3..23] };
        let known = input.bip32_derivation.keys().map(|k| PublicKey::new(*k)).chain(input.partial_sigs.keys().copied());
        let key = known.into_iter().find(|k| k.pubkey_hash().as_byte_array() == hash);
        match key {
            Some(k) if has_sig(&k) => {}
            Some(_) => a.missing_signatures.push(hex::encode(hash)),
            None => {
                a.missing_pubkeys.push(hex::encode(hash));
                a.missing_signatures.push(hex::encode(hash));
            }
        }
    } else if is_p2tr(&inner) {
        if input.tap_key_sig.is_none() && input.tap_script_sigs.is_empty() {
            let key = input.tap_internal_key.map_or_else(|| inner.as_bytes()[2..].to_vec(), |k| k.serialize().to_vec());
            a.missing_signatures.push(hex::encode(key));
        }
    } else {
        for key in script_keys(&inner) {
            if !has_sig(&key) {
                a.missing_signatures.push(hex::encode(hash160::Hash::hash(&key.to_bytes()).as_byte_array()));
            }
        }
    }
    a.next = Some(Role::Signer);
    a
}

/// The role the whole PSBT waits for: the earliest any input waits for,
/// or the extractor when every input is final.
pub fn next_role(inputs: &[InputAnalysis]) -> Role {
    inputs.iter().filter_map(|a| a.next).min().unwrap_or(if inputs.is_empty() {
        Role::Creator
    } else {
        Role::Extractor
    })
}

/// A witness script's hash as `analyzepsbt` names a missing one.
pub fn witness_script_id(script: &ScriptBuf) -> String {
    hex::encode(sha256::Hash::hash(script.as_bytes()).as_byte_array())
}

impl crate::Wallet {
    /// Core's wallet updater: for each input, the output it spends when the
    /// wallet has it, and for the wallet's own scripts (inputs and outputs)
    /// the key origins (`bip32derivs`) and the scripts a signer needs.
    pub fn update_psbt(&self, psbt: &mut Psbt, bip32derivs: bool) {
        use crate::state::Origin;
        for index in 0..psbt.inputs.len() {
            let outpoint = psbt.unsigned_tx.input[index].previous_output;
            let input = &mut psbt.inputs[index];
            if input.witness_utxo.is_none() && input.non_witness_utxo.is_none() {
                input.witness_utxo = self.output(&outpoint).cloned();
            }
            let Some(spent) = spent_output(psbt, index) else { continue };
            match self.origin(&spent.script_pubkey) {
                Some(Origin::Hd { output_type, chain, index: key_index }) if bip32derivs => {
                    if let Some(account) = self.account(output_type) {
                        let _ = add_hd_origin(&mut psbt.inputs[index], account, chain, key_index, &self.secp);
                    }
                }
                Some(Origin::Watch { descriptor, index: key_index }) => {
                    if let Some(definite) = self.watch.get(descriptor).and_then(|d| d.definite_at(key_index)) {
                        let _ = psbt.update_input_with_descriptor(index, &definite);
                    }
                }
                _ => {}
            }
        }
        for index in 0..psbt.outputs.len() {
            let script = psbt.unsigned_tx.output[index].script_pubkey.clone();
            match self.origin(&script) {
                Some(Origin::Hd { output_type, chain, index: key_index }) if bip32derivs => {
                    let Some(account) = self.account(output_type) else { continue };
                    let mut as_input = bitcoin::psbt::Input::default();
                    if add_hd_origin(&mut as_input, account, chain, key_index, &self.secp).is_ok() {
                        let output = &mut psbt.outputs[index];
                        output.bip32_derivation.extend(as_input.bip32_derivation);
                        output.tap_internal_key = output.tap_internal_key.or(as_input.tap_internal_key);
                        output.tap_key_origins.extend(as_input.tap_key_origins);
                    }
                }
                Some(Origin::Watch { descriptor, index: key_index }) => {
                    if let Some(definite) = self.watch.get(descriptor).and_then(|d| d.definite_at(key_index)) {
                        let _ = psbt.update_output_with_descriptor(index, &definite);
                    }
                }
                _ => {}
            }
        }
    }

    /// Signs every input the wallet's HD keys can sign (`sighash` applied to
    /// every input when given). The wallet must be unlocked.
    pub fn sign_psbt(
        &self,
        psbt: &mut Psbt,
        sighash: Option<bitcoin::psbt::PsbtSighashType>,
    ) -> Result<Vec<(usize, String)>, crate::WalletError> {
        self.ensure_can_sign()?;
        if let Some(sighash) = sighash {
            for input in &mut psbt.inputs {
                input.sighash_type = Some(sighash);
            }
        }
        let hd = self.account_secret().ok().map(|secret| HdKeySource { accounts: self.accounts().collect(), secret });
        let imported = self.imported.values().cloned().map(miniscript::descriptor::KeyMapWrapper::from).collect();
        let source = crate::imported::WalletKeySource { hd, imported };
        Ok(sign(psbt, &source, &self.secp))
    }
}
