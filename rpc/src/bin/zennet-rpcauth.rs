//! `zennet-rpcauth <username> [<password>]`: an `rpcauth=` line for
//! zennet.conf, as Core's `share/rpcauth/rpcauth.py` writes one: a random
//! 16-byte salt in hex and HMAC-SHA256(salt, password). Without a password,
//! a random 32-byte one (base64url) is made and shown once.

use std::process::ExitCode;

use base64::Engine;
use rand::RngCore;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (user, password) = match args.as_slice() {
        [user] => {
            let mut bytes = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            (user.clone(), base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
        }
        [user, password] => (user.clone(), password.clone()),
        _ => {
            eprintln!("Usage: zennet-rpcauth <username> [<password>]\n\nPrints an rpcauth= line for zennet.conf (or -rpcauth=).");
            return ExitCode::from(1);
        }
    };
    if user.is_empty() || user.contains(':') {
        eprintln!("error: the user name must be non-empty and contain no ':'");
        return ExitCode::from(1);
    }
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt = hex::encode(salt);
    let hmac = rpc::auth::rpcauth_hmac(&salt, &password);
    println!("String to be appended to zennet.conf:\nrpcauth={user}:{salt}${hmac}\nYour password:\n{password}");
    ExitCode::SUCCESS
}
