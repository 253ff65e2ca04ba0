//! Bitcoin Core's wallet RPCs over the wallet service. Each call first
//! brings its wallet level with the chain, then works under the wallet's
//! lock on a blocking thread (signing and selection are CPU work).

mod announce;
mod channel;
mod history;
mod keys;
mod labels;
mod manage;
mod market;
mod pay;
mod psbt;
mod task_args;

pub use keys::{validateaddress, verifymessage};

use std::sync::Arc;

use primitives::{Address, COIN, MAX_MONEY};
use rpc::{codes, Args, RpcError};
use serde_json::Value;
use wallet::Wallet;

use super::{RpcContext, RpcResult};
use crate::wallets::{lock, SharedWallet, WalletServiceError, Wallets};
use wallet::WalletError;

/// Whether `name` is a wallet method (served by [`dispatch`]).
pub fn is_wallet_method(name: &str) -> bool {
    SERVICE_METHODS.contains(&name) || CALL_METHODS.contains(&name)
}

pub async fn dispatch(name: &str, args: Args, ctx: &RpcContext, endpoint: Option<&str>) -> RpcResult {
    let Some(wallets) = ctx.wallets.clone() else {
        return Err(RpcError::new(codes::METHOD_NOT_FOUND, "Method not found (wallet is disabled)"));
    };
    if SERVICE_METHODS.contains(&name) {
        return dispatch_service(name, &wallets, &args, endpoint).await;
    }
    let (wallet_name, shared) = wallets.resolve(endpoint)?;
    wallets.catch_up(&shared).await?;
    let call = Call { ctx, wallets: wallets.clone(), shared, name: wallet_name, args };
    dispatch_call(name, &call).await
}

// Methods of the wallet service, not of one wallet.
super::dispatch_table!(SERVICE_METHODS, pub async fn dispatch_service(wallets: &Arc<Wallets>, args: &Args, endpoint: Option<&str>) {
        "createwallet" => manage::createwallet(wallets, args).await,
        "loadwallet" => manage::loadwallet(wallets, args).await,
        "unloadwallet" => manage::unloadwallet(wallets, args, endpoint),
        "listwallets" => Ok(Value::from(wallets.list())),
        "listwalletdir" => manage::listwalletdir(wallets),
        "getidentityjob" => market::getidentityjob(&wallets.jobs, args),
        "abortidentityjob" => market::abortidentityjob(&wallets.jobs, args).await,
});

// Methods of one wallet, brought level with the chain first.
super::dispatch_table!(CALL_METHODS, pub async fn dispatch_call(call: &Call<'_>) {
        "getwalletinfo" => manage::getwalletinfo(call).await,
        "encryptwallet" => manage::encryptwallet(call).await,
        "walletpassphrase" => manage::walletpassphrase(call).await,
        "walletpassphrasechange" => manage::walletpassphrasechange(call).await,
        "walletlock" => manage::walletlock(call),
        "backupwallet" => manage::backupwallet(call).await,
        "getnewaddress" => keys::getnewaddress(call),
        "getrawchangeaddress" => keys::getrawchangeaddress(call),
        "getaddressinfo" => keys::getaddressinfo(call),
        "listdescriptors" => keys::listdescriptors(call),
        "importdescriptors" => keys::importdescriptors(call).await,
        "signmessage" => keys::signmessage(call),
        "rescanblockchain" => keys::rescanblockchain(call).await,
        "getbalance" => history::getbalance(call),
        "getbalances" => history::getbalances(call),
        "getreceivedbyaddress" => history::getreceivedbyaddress(call),
        "listunspent" => history::listunspent(call),
        "listtransactions" => history::listtransactions(call),
        "listsinceblock" => history::listsinceblock(call).await,
        "gettransaction" => history::gettransaction(call),
        "sendtoaddress" => pay::sendtoaddress(call).await,
        "sendmany" => pay::sendmany(call).await,
        "bumpfee" => pay::bumpfee(call).await,
        "settxfee" => pay::settxfee(call).await,
        "lockunspent" => pay::lockunspent(call),
        "listlockunspent" => pay::listlockunspent(call),
        "abandontransaction" => pay::abandontransaction(call),
        "fundrawtransaction" => psbt::fundrawtransaction(call).await,
        "setlabel" => labels::setlabel(call),
        "dumpprivkey" => Err(RpcError::new(codes::WALLET_ERROR, "Only legacy wallets are supported by this command")),
        "listlabels" => labels::listlabels(call),
        "getaddressesbylabel" => labels::getaddressesbylabel(call),
        "listreceivedbyaddress" => labels::listreceivedbyaddress(call),
        "listreceivedbylabel" => labels::listreceivedbylabel(call),
        "walletcreatefundedpsbt" => psbt::walletcreatefundedpsbt(call).await,
        "walletprocesspsbt" => psbt::walletprocesspsbt(call).await,
        "signrawtransactionwithwallet" => psbt::signrawtransactionwithwallet(call).await,
        "mineidentity" => market::mineidentity(call).await,
        "listidentities" => market::listidentities(call).await,
        "publishtask" => market::publishtask(call).await,
        "accepttask" => market::accepttask(call).await,
        "canceltask" => market::canceltask(call).await,
        "channelopen" => channel::channelopen(call).await,
        "channelpay" => channel::channelpay(call).await,
        "channelack" => channel::channelack(call).await,
        "channelrefund" => channel::channelrefund(call).await,
        "channelaccept" => channel::channelaccept(call).await,
        "channelreceive" => channel::channelreceive(call).await,
        "channelclose" => channel::channelclose(call).await,
        "listchannels" => channel::listchannels(call).await,
        "getchannel" => channel::getchannel(call).await,
});

/// One wallet RPC: its context, its wallet and its arguments.
pub struct Call<'a> {
    pub ctx: &'a RpcContext,
    pub wallets: Arc<Wallets>,
    pub shared: SharedWallet,
    pub name: String,
    pub args: Args,
}

impl Call<'_> {
    pub fn wallet(&self) -> Result<std::sync::MutexGuard<'_, Wallet>, RpcError> {
        Ok(lock(&self.shared)?)
    }

    /// Runs `f` with the wallet on a blocking thread.
    pub async fn blocking<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Wallet) -> Result<R, RpcError> + Send + 'static,
    ) -> Result<R, RpcError> {
        let shared = self.shared.clone();
        tokio::task::spawn_blocking(move || f(&mut *lock(&shared)?))
            .await
            .map_err(|e| RpcError::internal(e.to_string()))?
    }
}

/// Core's AmountFromValue: a number or numeric string of at most 8 decimals.
pub fn parse_amount(v: &Value) -> Result<u64, RpcError> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => return Err(RpcError::wrong_type(other, "number")),
    };
    let invalid = || RpcError::type_error("Invalid amount");
    let text = text.trim();
    if text.starts_with('-') {
        return Err(RpcError::type_error("Amount out of range"));
    }
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None if text.contains(['e', 'E']) => return parse_exponent(text),
        None => (text, ""),
    };
    if frac.contains(['e', 'E']) {
        return parse_exponent(text);
    }
    if frac.len() > 8
        || whole.is_empty() && frac.is_empty()
        || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
    {
        return Err(invalid());
    }
    let whole: u64 =
        if whole.is_empty() { 0 } else { whole.parse().map_err(|_| RpcError::type_error("Amount out of range"))? };
    let frac: u64 = format!("{frac:0<8}").parse().map_err(|_| invalid())?;
    let zats = whole
        .checked_mul(COIN)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(|| RpcError::type_error("Amount out of range"))?;
    if zats > MAX_MONEY {
        return Err(RpcError::type_error("Amount out of range"));
    }
    Ok(zats)
}

/// Amounts like 1e-05 (what a float prints): exact when they name whole zats.
fn parse_exponent(text: &str) -> Result<u64, RpcError> {
    let value: f64 = text.parse().map_err(|_| RpcError::type_error("Invalid amount"))?;
    let zats = (value * COIN as f64).round();
    if !(0.0..=MAX_MONEY as f64).contains(&zats) {
        return Err(RpcError::type_error("Amount out of range"));
    }
    if ((zats / COIN as f64) - value).abs() > 1e-12 {
        return Err(RpcError::type_error("Invalid amount"));
    }
    Ok(zats as u64)
}

/// An address of this network, with Core's error.
pub fn parse_address(text: &str, ctx: &RpcContext) -> Result<Address, RpcError> {
    Address::parse(text, ctx.network)
        .map_err(|e| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, format!("Invalid Zennet address: {text} ({e})")))
}

/// An address the wallet may pay: refuses witness versions the node does
/// not enforce, whose outputs anyone could spend.
pub fn parse_payee(text: &str, ctx: &RpcContext) -> Result<Address, RpcError> {
    let address = parse_address(text, ctx)?;
    if let Some(version) = script::standard::unenforced_witness_version(address.script_pubkey().as_bytes()) {
        return Err(RpcError::new(
            codes::INVALID_ADDRESS_OR_KEY,
            format!(
                "Cannot send to {text}: witness version {version} is reserved for soft-fork upgrades and not enforced by this node, so anyone could spend the output"
            ),
        ));
    }
    Ok(address)
}

pub fn address_text(script: &primitives::ScriptBuf, ctx: &RpcContext) -> Option<String> {
    Address::from_script(script, ctx.network).ok().map(|a| a.to_string())
}

pub fn werr(e: wallet::WalletError) -> RpcError {
    wallet_error(e)
}

/// Core's RPC codes for wallet errors.
pub fn wallet_error(e: WalletError) -> RpcError {
    let code = match &e {
        WalletError::Locked => codes::WALLET_UNLOCK_NEEDED,
        WalletError::WrongPassphrase => codes::WALLET_PASSPHRASE_INCORRECT,
        WalletError::NotEncrypted(_) | WalletError::AlreadyEncrypted => codes::WALLET_WRONG_ENC_STATE,
        WalletError::Create(_) | WalletError::InsufficientFunds => codes::WALLET_INSUFFICIENT_FUNDS,
        WalletError::Amount(_) | WalletError::AddressNotKey => codes::TYPE_ERROR,
        WalletError::NoAddressOfType(_) => codes::WALLET_KEYPOOL_RAN_OUT,
        WalletError::InvalidAddressOrKey(_) => codes::INVALID_ADDRESS_OR_KEY,
        WalletError::InvalidParameter(_) => codes::INVALID_PARAMETER,
        WalletError::Store(_) => codes::DATABASE_ERROR,
        WalletError::PrivateKeysDisabled
        | WalletError::NoKeys
        | WalletError::Key(_)
        | WalletError::Other(_)
        | WalletError::Corrupt(_) => codes::WALLET_ERROR,
    };
    RpcError::new(code, e.to_string())
}

/// Core's RPC codes for the wallet service's errors.
impl From<WalletServiceError> for RpcError {
    fn from(e: WalletServiceError) -> Self {
        let message = e.to_string();
        let code = match e {
            WalletServiceError::Wallet(inner) => return wallet_error(inner),
            WalletServiceError::Channel(inner) => return channel::channel_rpc_error(inner),
            WalletServiceError::Stopped(_) => return RpcError::from(crate::actor::ChainStopped),
            WalletServiceError::InvalidName(_) => codes::WALLET_ERROR,
            WalletServiceError::AlreadyLoaded(_) => codes::WALLET_ALREADY_LOADED,
            // Core's createwallet answers -4 for a wallet that exists on disk.
            WalletServiceError::AlreadyExists(_) => codes::WALLET_ERROR,
            WalletServiceError::NoSuchPath(_) | WalletServiceError::NotLoaded | WalletServiceError::NoneLoaded => {
                codes::WALLET_NOT_FOUND
            }
            WalletServiceError::NotSpecified => codes::WALLET_NOT_SPECIFIED,
            WalletServiceError::Chain(_) => codes::DATABASE_ERROR,
            WalletServiceError::BeyondPruned => codes::WALLET_ERROR,
            WalletServiceError::Poisoned | WalletServiceError::Task(_) => codes::INTERNAL_ERROR,
        };
        RpcError::new(code, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_as_core_reads_them() {
        assert_eq!(parse_amount(&json!(1)).unwrap(), COIN);
        assert_eq!(parse_amount(&json!(0.1)).unwrap(), 10_000_000);
        assert_eq!(parse_amount(&json!("0.00000001")).unwrap(), 1);
        assert_eq!(parse_amount(&json!(1e-5)).unwrap(), 1_000);
        assert_eq!(parse_amount(&json!(0.000000001)).unwrap_err().message, "Invalid amount");
        assert_eq!(parse_amount(&json!(-1)).unwrap_err().message, "Amount out of range");
        assert_eq!(parse_amount(&json!(21_000_001)).unwrap_err().message, "Amount out of range");
        assert_eq!(parse_amount(&json!(true)).unwrap_err().code, -3);
    }
}
