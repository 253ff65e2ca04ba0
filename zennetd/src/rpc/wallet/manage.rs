//! Loading, creating and unloading wallets; encryption; wallet info; backup.

use rpc::{codes, Args, RpcError};
use serde_json::{json, Value};
use zeroize::Zeroizing;

use super::{werr, Call};
use crate::clock;
use crate::rpc::json::amount;
use crate::rpc::RpcResult;
use crate::wallets::Wallets;

/// Start-up wallets come from `-wallet=` (in zennet.conf or the command line), not a settings file.
const LOAD_ON_STARTUP_WARNING: &str =
    "load_on_startup is not stored: add wallet=<name> to zennet.conf to load it at start";

/// Longest `walletpassphrase` timeout, as Core (about three years).
const MAX_UNLOCK_SECONDS: i64 = 100_000_000;

/// Said at creation of a wallet with keys and no passphrase (as Core's GUI warns).
const UNENCRYPTED_WARNING: &str = "Wallet created without a passphrase: its recovery phrase and private keys are stored unencrypted on disk. Use encryptwallet to protect them.";

pub async fn createwallet(wallets: &Wallets, args: &Args) -> RpcResult {
    let name = args.str(0, "wallet_name")?.to_string();
    let disable_private_keys = args.opt_bool(1)?.unwrap_or(false);
    let blank = args.opt_bool(2)?.unwrap_or(false);
    let passphrase = args.opt_str(3)?.map(|p| Zeroizing::new(p.to_string()));
    if args.opt_bool(4)?.unwrap_or(false) {
        return Err(RpcError::new(codes::WALLET_ERROR, "avoid_reuse is not supported by Zennet wallets"));
    }
    if args.opt_bool(5)? == Some(false) {
        return Err(RpcError::new(
            codes::WALLET_ERROR,
            "Zennet wallets are descriptor wallets; descriptors=false is not supported",
        ));
    }
    if args.opt_bool(7)?.unwrap_or(false) {
        return Err(RpcError::new(
            codes::WALLET_ERROR,
            "Compiled without external signing support (required for external signing)",
        ));
    }
    let mnemonic = match args.opt_str(8)? {
        Some(text) => Some(
            wallet::keys::parse_mnemonic(text)
                .map_err(|e| RpcError::invalid_parameter(format!("Invalid mnemonic: {e}")))?,
        ),
        None => None,
    };
    if mnemonic.is_some() && disable_private_keys {
        return Err(RpcError::invalid_parameter(
            "A mnemonic restores private keys: it cannot go with disable_private_keys",
        ));
    }
    let mut warnings = Vec::new();
    if args.opt_bool(6)?.unwrap_or(false) {
        warnings.push(LOAD_ON_STARTUP_WARNING);
    }
    let passphrase = match passphrase {
        Some(p) if p.is_empty() => {
            warnings.push("Empty string given as passphrase, wallet will not be encrypted.");
            None
        }
        Some(_) if disable_private_keys => {
            return Err(RpcError::new(
                codes::WALLET_ENCRYPTION_FAILED,
                "Passphrase provided but private keys are disabled. A passphrase is only used to encrypt private keys, so cannot be used for wallets with private keys disabled.",
            ));
        }
        other => other,
    };
    if passphrase.is_none() && !disable_private_keys {
        warnings.push(UNENCRYPTED_WARNING);
    }
    let phrase = wallets.create(&name, disable_private_keys, blank, passphrase, mnemonic).await?;
    let mut result = json!({ "name": name });
    if !warnings.is_empty() {
        result["warnings"] = json!(warnings);
    }
    if let Some(phrase) = phrase {
        // Shown once: the only copy outside the (possibly encrypted) wallet.
        result["mnemonic"] = Value::String(phrase.to_string());
    }
    Ok(result)
}

pub async fn loadwallet(wallets: &Wallets, args: &Args) -> RpcResult {
    let name = args.str(0, "filename")?.to_string();
    wallets.load(&name).await?;
    let mut result = json!({ "name": name });
    if args.opt_bool(1)?.unwrap_or(false) {
        result["warnings"] = json!([LOAD_ON_STARTUP_WARNING]);
    }
    Ok(result)
}

pub fn unloadwallet(wallets: &Wallets, args: &Args, endpoint: Option<&str>) -> RpcResult {
    let named = args.opt_str(0)?;
    let name = match (endpoint, named) {
        (Some(e), Some(n)) if e != n => {
            return Err(RpcError::invalid_parameter(
                "RPC endpoint wallet and wallet_name parameter specify different wallets",
            ))
        }
        (Some(e), _) => e.to_string(),
        (None, Some(n)) => n.to_string(),
        (None, None) => wallets.resolve(None)?.0,
    };
    wallets.unload(&name)?;
    Ok(json!({}))
}

pub fn listwalletdir(wallets: &Wallets) -> RpcResult {
    Ok(json!({ "wallets": wallets.on_disk().into_iter().map(|n| json!({"name": n})).collect::<Vec<_>>() }))
}

pub async fn getwalletinfo(call: &Call<'_>) -> RpcResult {
    let w = call.wallet()?;
    let b = w.balances(0);
    let pool = w.keypool_size();
    let mut info = json!({
        "walletname": call.name,
        "walletversion": 169900,
        "format": "sled",
        "balance": amount(b.trusted),
        "unconfirmed_balance": amount(b.untrusted_pending),
        "immature_balance": amount(b.immature),
        "txcount": w.txs().count(),
        "keypoolsize": if w.accounts().next().is_some() { pool[0] } else { 0 },
        "keypoolsize_hd_internal": if w.accounts().next().is_some() { pool[1] } else { 0 },
    });
    if let Some(until) = w.unlocked_until() {
        info["unlocked_until"] = json!(until);
    }
    info["paytxfee"] = amount(w.pay_tx_fee());
    info["private_keys_enabled"] = json!(w.private_keys_enabled());
    info["avoid_reuse"] = json!(false);
    info["scanning"] = json!(false);
    info["descriptors"] = json!(true);
    info["external_signer"] = json!(false);
    info["blank"] = json!(w.is_blank());
    if w.birth_time() > 0 {
        info["birthtime"] = json!(w.birth_time());
    }
    if let Some((hash, height)) = w.best_block() {
        info["lastprocessedblock"] = json!({"hash": hash.to_string(), "height": height});
    }
    Ok(info)
}

pub async fn encryptwallet(call: &Call<'_>) -> RpcResult {
    let passphrase = Zeroizing::new(call.args.str(0, "passphrase")?.to_string());
    if passphrase.is_empty() {
        return Err(RpcError::invalid_parameter("passphrase cannot be empty"));
    }
    {
        let w = call.wallet()?;
        if !w.private_keys_enabled() {
            return Err(RpcError::new(
                codes::WALLET_ENCRYPTION_FAILED,
                "Error: wallet does not contain private keys, nothing to encrypt.",
            ));
        }
        if w.is_encrypted() {
            return Err(werr(wallet::WalletError::AlreadyEncrypted));
        }
    }
    let kdf = call.wallets.settings.kdf;
    call.blocking(move |w| w.encrypt(&passphrase, kdf).map_err(werr)).await?;
    Ok(Value::String(
        "wallet encrypted; the recovery phrase is unchanged, so an earlier written copy of it still restores this wallet."
            .into(),
    ))
}

pub async fn walletpassphrase(call: &Call<'_>) -> RpcResult {
    let passphrase = Zeroizing::new(call.args.str(0, "passphrase")?.to_string());
    let timeout = call.args.i64(1, "timeout")?;
    if !call.wallet()?.is_encrypted() {
        return Err(werr(wallet::WalletError::NotEncrypted("walletpassphrase")));
    }
    if timeout < 0 {
        return Err(RpcError::invalid_parameter("Timeout cannot be negative."));
    }
    if passphrase.is_empty() {
        return Err(RpcError::invalid_parameter("passphrase cannot be empty"));
    }
    let until = clock::now() + timeout.min(MAX_UNLOCK_SECONDS);
    call.blocking(move |w| w.unlock(&passphrase, until).map_err(werr)).await?;
    Ok(Value::Null)
}

pub async fn walletpassphrasechange(call: &Call<'_>) -> RpcResult {
    let old = Zeroizing::new(call.args.str(0, "oldpassphrase")?.to_string());
    let new = Zeroizing::new(call.args.str(1, "newpassphrase")?.to_string());
    if !call.wallet()?.is_encrypted() {
        return Err(werr(wallet::WalletError::NotEncrypted("walletpassphrasechange")));
    }
    if old.is_empty() || new.is_empty() {
        return Err(RpcError::invalid_parameter("passphrase cannot be empty"));
    }
    let kdf = call.wallets.settings.kdf;
    call.blocking(move |w| w.change_passphrase(&old, &new, kdf).map_err(werr)).await?;
    Ok(Value::Null)
}

pub fn walletlock(call: &Call<'_>) -> RpcResult {
    let mut w = call.wallet()?;
    if !w.is_encrypted() {
        return Err(werr(wallet::WalletError::NotEncrypted("walletlock")));
    }
    w.lock();
    Ok(Value::Null)
}

pub async fn backupwallet(call: &Call<'_>) -> RpcResult {
    let destination = std::path::PathBuf::from(call.args.str(0, "destination")?);
    let backup_failed = |why: &str| RpcError::new(codes::WALLET_ERROR, format!("Error: Wallet backup failed! ({why})"));
    if destination.as_os_str().is_empty() {
        return Err(backup_failed("no destination given"));
    }
    if destination.is_dir() {
        return Err(backup_failed(&format!("{} is a directory", destination.display())));
    }
    call.blocking(move |w| {
        w.backup(&destination)
            .map_err(|e| RpcError::new(codes::WALLET_ERROR, format!("Error: Wallet backup failed! ({e})")))
    })
    .await?;
    Ok(Value::Null)
}
