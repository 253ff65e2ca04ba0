//! `help <method>` as Core writes it: usage, summary, then Arguments,
//! Result and Examples sections, all from the method table and the results
//! described here (a test keeps one result per method).

use crate::methods::{find, ArgType, MethodSpec, METHODS};

/// What each method returns, in Core's notation.
const RESULTS: &[(&str, &str)] = &[
    ("getbestblockhash", "\"hex\"    (string) the block hash, hex-encoded"),
    ("getblock", "\"hex\" for verbosity 0; for 1 an object: hash, confirmations, size, strippedsize, weight, height, version, merkleroot, tx (txids), time, mediantime, nonce, bits, difficulty, chainwork, nTx, previousblockhash, nextblockhash, pow_algo, pow_hash; for 2 tx holds decoded transactions with their fee; for 3 also each input's prevout"),
    ("getblockchaininfo", "{ chain, blocks, headers, bestblockhash, bits, difficulty, time, mediantime, verificationprogress, initialblockdownload, chainwork, size_on_disk, pruned, pruneheight (when pruned), automatic_pruning (when pruned), prune_target_size (automatic pruning), difficulties, warnings }"),
    ("pruneblockchain", "n (height of the last block pruned, -1 if none)"),
    ("getdeploymentinfo", "{ hash, height, deployments: { name: { type, active, height } } }"),
    ("getblockcount", "n    (numeric) the current block count"),
    ("getblockhash", "\"hex\"    (string) the block hash"),
    ("getblockheader", "an object (hash, confirmations, height, version, merkleroot, time, mediantime, nonce, bits, difficulty, chainwork, nTx, previousblockhash, nextblockhash, pow_algo, pow_hash), or \"hex\" when verbose is false"),
    ("getchaintips", "[ { height, hash, branchlen, status } ]"),
    ("gettxout", "{ bestblock, confirmations, value, scriptPubKey: { asm, desc, hex, address, type }, coinbase }, or null"),
    ("gettxoutsetinfo", "{ height, bestblock, txouts, bogosize, hash_serialized_3, total_amount, transactions, disk_size }"),
    ("invalidateblock", "null"),
    ("preciousblock", "null"),
    ("reconsiderblock", "null"),
    ("verifychain", "true|false    (boolean) verified or not"),
    ("sendrawtransaction", "\"hex\"    (string) the transaction hash"),
    ("testmempoolaccept", "[ { txid, wtxid, allowed, vsize, fees: { base, effective-feerate, effective-includes }, reject-reason } ]"),
    ("getrawmempool", "[ \"txid\", ... ], or with verbose an object of entries by txid"),
    ("getmempoolentry", "{ vsize, weight, time, height, descendantcount, descendantsize, ancestorcount, ancestorsize, wtxid, fees: { base, modified, ancestor, descendant }, depends, spentby, bip125-replaceable, unbroadcast }"),
    ("getmempoolancestors", "[ \"txid\", ... ], or with verbose an object of entries"),
    ("getmempooldescendants", "[ \"txid\", ... ], or with verbose an object of entries"),
    ("prioritisetransaction", "true    (boolean)"),
    ("estimatesmartfee", "{ feerate, errors, blocks }"),
    ("getmempoolinfo", "{ loaded, size, bytes, usage, total_fee, maxmempool, mempoolminfee, minrelaytxfee, incrementalrelayfee, unbroadcastcount, fullrbf, permitbaremultisig, maxdatacarriersize }"),
    ("getrawtransaction", "\"hex\" for verbosity 0; an object (txid, hash, size, vsize, weight, version, locktime, vin, vout, hex, blockhash, confirmations, time, blocktime) for 1; with fee and prevouts for 2"),
    ("decoderawtransaction", "{ txid, hash, size, vsize, weight, version, locktime, vin, vout, announcement }"),
    ("decodescript", "{ asm, desc, address, type, p2sh, segwit: { asm, desc, hex, address, type, p2sh-segwit } }"),
    ("submitheader", "null"),
    ("setmocktime", "null"),
    ("getdifficulty", "n.nnn    (numeric) the proof-of-work difficulty of the tip"),
    ("getmininginfo", "{ blocks, currentblockweight, currentblocktx, difficulty, networkhashps, hashrates, pooledtx, chain, generate, hashespersec, localhashps, pow_algo, pow_algo_id, difficulties, warnings }"),
    ("getblocktemplate", "a BIP22/23 template object (version, rules, previousblockhash, transactions, coinbasevalue, target, mintime, curtime, bits, height, pow_algo, default_witness_commitment, ...), or null/a reason for proposals"),
    ("getnetworkhashps", "n    (numeric) hashes per second"),
    ("setgenerate", "null"),
    ("submitblock", "null when connected, else \"duplicate\", \"inconclusive\" or the reject reason"),
    ("generatetoaddress", "[ \"blockhash\", ... ]"),
    ("abandontransaction", "null"),
    ("backupwallet", "null"),
    ("bumpfee", "{ txid, origfee, fee, errors }"),
    ("createwallet", "{ name, warnings, mnemonic }"),
    ("encryptwallet", "\"str\"    (string) a message about the wallet's encryption"),
    ("fundrawtransaction", "{ hex, fee, changepos }"),
    ("walletcreatefundedpsbt", "{ psbt, fee, changepos }"),
    ("walletprocesspsbt", "{ psbt, complete, hex }"),
    ("signrawtransactionwithwallet", "{ hex, complete, errors: [ { txid, vout, witness, scriptSig, sequence, error } ] }"),
    ("dumpprivkey", "(refused: descriptor wallets; see listdescriptors true)"),
    ("setlabel", "null"),
    ("listlabels", "[ \"label\", ... ]"),
    ("getaddressesbylabel", "{ \"address\": { purpose }, ... }"),
    ("listreceivedbyaddress", "[ { involvesWatchonly, address, amount, confirmations, label, txids } ]"),
    ("listreceivedbylabel", "[ { involvesWatchonly, amount, confirmations, label } ]"),
    ("getaddressinfo", "{ address, scriptPubKey, ismine, solvable, desc, parent_desc, iswatchonly, isscript, iswitness, witness_version, witness_program, pubkey, iscompressed, ischange, timestamp, hdkeypath, hdmasterfingerprint, labels }"),
    ("getbalance", "n    (numeric) the total amount in ZEN"),
    ("getbalances", "{ mine: { trusted, untrusted_pending, immature }, channels, lastprocessedblock }"),
    ("getnewaddress", "\"str\"    (string) the new address"),
    ("getrawchangeaddress", "\"str\"    (string) the new change address"),
    ("getreceivedbyaddress", "n    (numeric) the total amount in ZEN received at this address"),
    ("gettransaction", "{ amount, fee, confirmations, blockhash, blockheight, blockindex, blocktime, txid, wtxid, time, timereceived, bip125-replaceable, details, hex, decoded }"),
    ("getwalletinfo", "{ walletname, walletversion, format, balance, txcount, keypoolsize, keypoolsize_hd_internal, unlocked_until, paytxfee, private_keys_enabled, avoid_reuse, scanning, descriptors, ... }"),
    ("importdescriptors", "[ { success, warnings, error: { code, message } } ]"),
    ("listdescriptors", "{ wallet_name, descriptors: [ { desc, timestamp, active, internal, range, next, next_index } ] }"),
    ("listlockunspent", "[ { txid, vout } ]"),
    ("listsinceblock", "{ transactions, removed, lastblock }"),
    ("listtransactions", "[ { address, category, amount, label, vout, fee, confirmations, blockhash, blockheight, txid, time, timereceived, ... } ]"),
    ("listunspent", "[ { txid, vout, address, label, scriptPubKey, amount, confirmations, spendable, solvable, desc, parent_descs, safe } ]"),
    ("listwallets", "[ \"walletname\", ... ]"),
    ("listwalletdir", "{ wallets: [ { name } ] }"),
    ("loadwallet", "{ name, warnings }"),
    ("lockunspent", "true|false    (boolean) whether the command was successful"),
    ("rescanblockchain", "{ start_height, stop_height }"),
    ("sendmany", "\"hex\"    (string) the transaction id (or an object with verbose)"),
    ("sendtoaddress", "\"hex\"    (string) the transaction id (or { txid, fee_reason } with verbose)"),
    ("settxfee", "true|false    (boolean) whether it was set"),
    ("signmessage", "\"str\"    (string) the signature, base64-encoded"),
    ("unloadwallet", "{ warnings }"),
    ("walletlock", "null"),
    ("walletpassphrase", "null"),
    ("walletpassphrasechange", "null"),
    ("validateaddress", "{ isvalid, address, scriptPubKey, isscript, iswitness, witness_version, witness_program, error, error_locations }"),
    ("verifymessage", "true|false    (boolean) whether the signature is verified"),
    ("getpeerinfo", "[ { id, addr, addrbind, services, servicesnames, relaytxes, lastsend, lastrecv, bytessent, bytesrecv, conntime, pingtime, version, subver, inbound, startingheight, synced_headers, synced_blocks, connection_type, ... } ]"),
    ("getnetworkinfo", "{ version, subversion, protocolversion, localservices, localservicesnames, localrelay, timeoffset, networkactive, connections, connections_in, connections_out, networks, relayfee, incrementalfee, localaddresses, warnings }"),
    ("getconnectioncount", "n    (numeric) the connection count"),
    ("addnode", "null"),
    ("disconnectnode", "null"),
    ("getaddednodeinfo", "[ { addednode, connected, addresses } ]"),
    ("setban", "null"),
    ("listbanned", "[ { address, ban_created, banned_until, ban_duration, time_remaining } ]"),
    ("clearbanned", "null"),
    ("getnettotals", "{ totalbytesrecv, totalbytessent, timemillis, uploadtarget }"),
    ("ping", "null"),
    ("getnodeaddresses", "[ { time, services, address, port, network } ]"),
    ("setnetworkactive", "true|false    (boolean) the value that was passed in"),
    ("help", "\"text\"    (string) the help text"),
    ("stop", "\"str\"    (string) a string with the content 'Zennet server stopping'"),
    ("echo", "[ arguments... ]"),
    ("echojson", "[ arguments... ]"),
    ("getzmqnotifications", "[ { type, address, hwm } ]"),
    ("getrpcinfo", "{ active_commands: [ { method, duration } ], logpath }"),
    ("logging", "{ \"category\": true|false, ... }"),
    ("syncwithvalidationinterfacequeue", "null"),
    ("waitfornewblock", "{ hash, height }"),
    ("waitforblock", "{ hash, height }"),
    ("waitforblockheight", "{ hash, height }"),
    ("createrawtransaction", "\"hex\"    (string) hex string of the transaction"),
    ("signrawtransactionwithkey", "{ hex, complete, errors: [ { txid, vout, witness, scriptSig, sequence, error } ] }"),
    ("combinerawtransaction", "\"hex\"    (string) the hex-encoded raw transaction with signature(s)"),
    ("createpsbt", "\"str\"    (string) the resulting raw transaction (base64-encoded string)"),
    ("converttopsbt", "\"str\"    (string) the resulting raw transaction (base64-encoded string)"),
    ("decodepsbt", "{ tx, global_xpubs, psbt_version, proprietary, unknown, inputs, outputs, fee }"),
    ("combinepsbt", "\"str\"    (string) the base64-encoded partially signed transaction"),
    ("finalizepsbt", "{ psbt, hex, complete }"),
    ("joinpsbts", "\"str\"    (string) the base64-encoded partially signed transaction"),
    ("analyzepsbt", "{ inputs: [ { has_utxo, is_final, missing: { pubkeys, signatures, redeemscript, witnessscript }, next } ], estimated_vsize, estimated_feerate, fee, next, error }"),
    ("utxoupdatepsbt", "\"str\"    (string) the base64-encoded partially signed transaction with inputs updated"),
    ("descriptorprocesspsbt", "{ psbt, complete, hex }"),
    ("getdescriptorinfo", "{ descriptor, checksum, isrange, issolvable, hasprivatekeys }"),
    ("deriveaddresses", "[ \"address\", ... ]"),
    ("signmessagewithprivkey", "\"str\"    (string) the signature of the message encoded in base 64"),
    ("createmultisig", "{ address, redeemScript, descriptor }"),
    ("generatetodescriptor", "[ \"blockhash\", ... ]"),
    ("generateblock", "{ hash, hex }    (hex only when submit is false)"),
    ("savemempool", "{ filename }"),
    ("getchaintxstats", "{ time, txcount, window_final_block_hash, window_final_block_height, window_block_count, window_interval, window_tx_count, txrate }"),
    ("scantxoutset", "for start: { success, txouts, height, bestblock, unspents: [ { txid, vout, scriptPubKey, desc, amount, coinbase, height, blockhash, confirmations } ], total_amount }; for status: { progress } or null; for abort: true|false"),
    ("getblockstats", "{ avgfee, avgfeerate, avgtxsize, blockhash, feerate_percentiles, height, ins, maxfee, maxfeerate, maxtxsize, medianfee, mediantime, mediantxsize, minfee, minfeerate, mintxsize, outs, subsidy, swtotal_size, swtotal_weight, swtxs, time, total_out, total_size, total_weight, totalfee, txs, utxo_increase, utxo_size_inc, utxo_increase_actual, utxo_size_inc_actual }"),
    ("getindexinfo", "{ \"index_name\": { synced, best_block_height } }"),
    ("uptime", "ttt    (numeric) the number of seconds that the server has been running"),
    ("channelopen", "{ channel_id, open_blob, funding_txid, capacity, fee_reserve, expiry_height }"),
    ("channelpay", "{ pay_blob, sequence, paid }"),
    ("channelack", "{ channel_id, sequence, paid }"),
    ("channelrefund", "{ txid }"),
    ("channelaccept", "{ channel_id, capacity, expiry_height, ... }"),
    ("channelreceive", "{ ack_blob, sequence, paid }"),
    ("channelclose", "{ txid }"),
    ("listchannels", "[ { channel_id, role, state, capacity, paid, expiry_height, ... } ]"),
    ("getchannel", "{ channel_id, role, state, capacity, paid, sequence, funding_txid, expiry_height, ... }"),
    ("listtasks", "[ { task_id, state, publisher, os, cores, rates, block, ... } ]"),
    ("gettask", "{ task_id, txid, state, every task field, block, acceptances, cancels }"),
    ("getannouncement", "{ txid, kind, expiry, body, signer, pow_hash, ... }"),
    ("decodeannouncement", "{ kind, expiry, body, signer, pow_hash, ... }"),
    ("getidentityinfo", "{ role, pubkey, pow_hash, target, valid, valid_until_height }"),
    ("getmarketinfo", "{ tasks by state, bestblock, block_bytes, pruned_bytes }"),
    ("mineidentity", "{ job_id }"),
    ("getidentityjob", "{ job_id, state, hashes, hashrate, elapsed_secs, expected_hashes, expected_secs, result, error }"),
    ("abortidentityjob", "{ job_id, state }"),
    ("listidentities", "[ { identity, role, label, valid, valid_until_height, used } ]"),
    ("publishtask", "{ txid, task_id, fee, funding_txid, funding_fee, pow_hashes } (or { job_id } with wait false)"),
    ("accepttask", "{ txid, fee, funding_txid, funding_fee, pow_hashes } (or { job_id } with wait false)"),
    ("canceltask", "{ txid, fee, funding_txid, funding_fee }"),
];

/// The result text of `method`.
pub fn result_of(method: &str) -> Option<&'static str> {
    RESULTS.iter().find(|(name, _)| *name == method).map(|(_, r)| *r)
}

/// Core's argument types, from the parameter's name where the table says JSON.
fn type_of(spec: &MethodSpec, index: usize) -> &'static str {
    let arg = spec.args[index];
    if arg.kind == ArgType::Str {
        return "string";
    }
    match arg.name {
        "verbose"
        | "include_mempool"
        | "include_empty"
        | "include_watchonly"
        | "include_immature_coinbase"
        | "sign"
        | "finalize"
        | "bip32derivs"
        | "extract"
        | "permitsigdata"
        | "iswitness"
        | "replaceable"
        | "submit"
        | "generate"
        | "disable_private_keys"
        | "blank"
        | "avoid_reuse"
        | "descriptors"
        | "load_on_startup"
        | "external_signer"
        | "private"
        | "unlock"
        | "state"
        | "include_unsafe"
        | "subtractfeefromamount"
        | "avoid" => "boolean",
        "inputs" | "outputs" | "txs" | "rawtxs" | "keys" | "privkeys" | "prevtxs" | "stats" | "scanobjects"
        | "transactions" | "include" | "exclude" | "requests" | "addresses" => "array",
        "options" | "template_request" | "amounts" => "object",
        _ => "numeric",
    }
}

fn example_value(spec: &MethodSpec, index: usize) -> String {
    let arg = spec.args[index];
    match type_of(spec, index) {
        "string" => format!("\"{}\"", arg.name),
        "boolean" => "true".into(),
        "array" => "[]".into(),
        "object" => "{}".into(),
        _ => "0".into(),
    }
}

/// Core's `help <command>`: usage, summary, Arguments, Result, Examples.
pub fn help_for(name: &str) -> Option<String> {
    let spec = find(name)?;
    let mut out = format!("{}\n\n{}\n", spec.usage(), spec.summary);
    if !spec.args.is_empty() {
        out.push_str("\nArguments:\n");
        let width = spec.args.iter().map(|a| a.name.len()).max().unwrap_or(0);
        for (i, arg) in spec.args.iter().enumerate() {
            let need = if arg.optional { "optional" } else { "required" };
            out.push_str(&format!("{}. {:width$}    ({}, {need})\n", i + 1, arg.name, type_of(spec, i)));
        }
    }
    out.push_str(&format!("\nResult:\n{}\n", result_of(name).unwrap_or("null")));
    let required: Vec<usize> = (0..spec.args.len()).filter(|i| !spec.args[*i].optional).collect();
    let cli_args: Vec<String> = required.iter().map(|i| example_value(spec, *i)).collect();
    let json_args = cli_args.join(", ");
    out.push_str("\nExamples:\n");
    out.push_str(&format!("> zennet-cli {} {}\n", spec.name, cli_args.join(" ")));
    out.push_str(&format!(
        "> curl --user myusername --data-binary '{{\"jsonrpc\": \"2.0\", \"id\": \"curltest\", \"method\": \"{}\", \"params\": [{json_args}]}}' -H 'content-type: application/json' http://127.0.0.1:7878/\n",
        spec.name
    ));
    Some(out)
}

/// The methods in the table with no result described (empty when complete).
pub fn undescribed() -> Vec<&'static str> {
    METHODS.iter().map(|m| m.name).filter(|n| result_of(n).is_none()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_has_a_result_and_full_help() {
        assert_eq!(undescribed(), Vec::<&str>::new());
        for spec in METHODS {
            let text = help_for(spec.name).unwrap();
            assert!(text.contains("\nResult:\n") && text.contains("\nExamples:\n> zennet-cli "), "{}", spec.name);
            assert_eq!(!spec.args.is_empty(), text.contains("\nArguments:\n1. "), "{}", spec.name);
        }
        for (name, _) in RESULTS {
            assert!(find(name).is_some(), "{name} is described but not in the table");
        }
    }

    #[test]
    fn sendtoaddress_help_reads_as_core() {
        let text = help_for("sendtoaddress").unwrap();
        assert!(text.starts_with("sendtoaddress \"address\" amount"), "{text}");
        assert!(text.contains("1. address "), "{text}");
        assert!(text.contains("(string, required)"));
        assert!(text.contains("\"method\": \"sendtoaddress\", \"params\": [\"address\", 0]"), "{text}");
    }
}
