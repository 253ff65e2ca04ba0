//! A blocking JSON-RPC client (for `zennet-cli`, the GUI's backend thread and tests).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{json, Value};
use ureq::Agent;

use crate::auth::Credentials;
use crate::error::RpcError;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("could not connect to the server {url}: {message}")]
    Transport { url: String, message: String },
    #[error("incorrect rpcuser or rpcpassword (authorization failed)")]
    Unauthorized,
    #[error("server returned HTTP {status}: {body}")]
    Http { status: u16, body: String },
    #[error("{0}")]
    Rpc(RpcError),
    #[error("malformed reply: {0}")]
    BadReply(String),
}

pub struct RpcClient {
    agent: Agent,
    url: String,
    credentials: Credentials,
    next_id: AtomicU64,
}

impl RpcClient {
    pub fn new(url: impl Into<String>, credentials: Credentials, timeout: Duration) -> Self {
        let agent: Agent =
            Agent::config_builder().http_status_as_error(false).timeout_global(Some(timeout)).build().into();
        RpcClient { agent, url: url.into(), credentials, next_id: AtomicU64::new(1) }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Posts `body` as is; returns the HTTP status and the reply text.
    pub fn post_raw(&self, body: &str) -> Result<(u16, String), ClientError> {
        let mut response = self
            .agent
            .post(&self.url)
            .header("Authorization", &self.credentials.basic_header())
            .header("Content-Type", "application/json")
            .send(body)
            .map_err(|e| ClientError::Transport { url: self.url.clone(), message: e.to_string() })?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| ClientError::Transport { url: self.url.clone(), message: e.to_string() })?;
        Ok((status, text))
    }

    /// Calls `method` with `params` (an array, or an object of named arguments).
    pub fn call(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = json!({"jsonrpc": "2.0", "method": method, "params": params, "id": id});
        let (status, text) = self.post_raw(&body.to_string())?;
        if status == 401 {
            return Err(ClientError::Unauthorized);
        }
        let reply: Value = serde_json::from_str(&text).map_err(|_| ClientError::Http { status, body: text.clone() })?;
        if let Some(error) = reply.get("error").filter(|e| !e.is_null()) {
            let code = error.get("code").and_then(Value::as_i64).unwrap_or(0) as i32;
            let message = error.get("message").and_then(Value::as_str).unwrap_or_default().to_string();
            return Err(ClientError::Rpc(RpcError::new(code, message)));
        }
        reply.get("result").cloned().ok_or(ClientError::BadReply(text))
    }
}
