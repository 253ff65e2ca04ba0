//! The HTTP layer in front of jsonrpsee that makes it speak like Bitcoin
//! Core: Basic auth (401 with `WWW-Authenticate`), POST only, and legacy
//! JSON-RPC 1.0/1.1 requests (any content type) rewritten to 2.0 on the way
//! in and back to the legacy shape on the way out (`result` and `error` both
//! present; HTTP 404 for an unknown method, 500 for other errors).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{header, HeaderValue, Method, StatusCode};
use http_body_util::{BodyExt, Limited};
use jsonrpsee::core::BoxError;
use jsonrpsee::server::{HttpBody, HttpRequest, HttpResponse};
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tower::{Layer, Service};

use crate::auth::Auth;
use crate::codes;

/// How long a failed login waits for its answer (Core's deterrent against
/// guessing; other clients are not held up).
const FAILED_LOGIN_DELAY: Duration = Duration::from_millis(250);

/// The address of the client, set by the server's accept loop.
#[derive(Debug, Clone, Copy)]
pub struct RemoteAddr(pub SocketAddr);

/// What the HTTP layer enforces.
pub struct HttpSettings {
    pub auth: Auth,
    /// Largest request body.
    pub max_body: usize,
    /// `-rpcservertimeout`: time for a request's body to arrive.
    pub server_timeout: Duration,
    /// `-rpcthreads` + `-rpcworkqueue`: requests in progress at once; more
    /// are answered 503 "Work queue depth exceeded" (Core).
    pub work_slots: usize,
    /// `-rest`: the REST interface (GET `/rest/…`, no authentication, as
    /// Core); `None` answers those paths 403.
    pub rest: Option<Arc<dyn RestHandler>>,
    /// `-rpcallowip`: whether a client address may use the server (None:
    /// every one, the server listening on loopback only).
    pub client_allowed: Option<ClientFilter>,
}

/// Whether a client address may use the server.
pub type ClientFilter = Arc<dyn Fn(&std::net::IpAddr) -> bool + Send + Sync>;

/// A REST answer: status, content type and body.
pub struct RestReply {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl RestReply {
    pub fn text(status: StatusCode, text: impl Into<String>) -> RestReply {
        RestReply { status, content_type: "text/plain", body: (text.into() + "\r\n").into_bytes() }
    }
}

/// Serves GET `/rest/…` (the daemon implements it over its chain).
pub trait RestHandler: Send + Sync {
    /// `path` is everything after `/rest/`, with its query string.
    fn get(&self, path: String) -> Pin<Box<dyn Future<Output = RestReply> + Send>>;
}

/// Installs [`CoreHttp`] around the jsonrpsee service.
#[derive(Clone)]
pub struct CoreHttpLayer {
    shared: Arc<Shared>,
}

struct Shared {
    settings: HttpSettings,
    work: Arc<tokio::sync::Semaphore>,
}

impl CoreHttpLayer {
    pub fn with_settings(settings: HttpSettings) -> Self {
        let work = Arc::new(tokio::sync::Semaphore::new(settings.work_slots.max(1)));
        CoreHttpLayer { shared: Arc::new(Shared { settings, work }) }
    }
}

impl<S> Layer<S> for CoreHttpLayer {
    type Service = CoreHttp<S>;
    fn layer(&self, inner: S) -> CoreHttp<S> {
        CoreHttp { inner, shared: self.shared.clone() }
    }
}

/// The wallet a request addresses: `/wallet/<name>` (URL-decoded), or none for `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletEndpoint(pub Option<String>);

impl WalletEndpoint {
    /// `None` for paths the server does not serve.
    pub fn from_path(path: &str) -> Option<WalletEndpoint> {
        if path.is_empty() || path == "/" {
            return Some(WalletEndpoint(None));
        }
        let name = path.strip_prefix("/wallet/")?;
        Some(WalletEndpoint(Some(percent_decode(name)?)))
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[derive(Clone)]
pub struct CoreHttp<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> Service<HttpRequest<HttpBody>> for CoreHttp<S>
where
    S: Service<HttpRequest<HttpBody>, Response = HttpResponse<HttpBody>, Error = BoxError> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = HttpResponse<HttpBody>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: HttpRequest<HttpBody>) -> Self::Future {
        // The clone that was polled ready serves this call.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(handle(inner, self.shared.clone(), req))
    }
}

fn plain(status: StatusCode, body: &'static str) -> HttpResponse<HttpBody> {
    let mut resp = HttpResponse::new(HttpBody::from(body));
    *resp.status_mut() = status;
    resp
}

fn json_response(status: StatusCode, body: &Value) -> HttpResponse<HttpBody> {
    let mut resp = HttpResponse::new(HttpBody::from(body.to_string() + "\n"));
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// A JSON body already written out (ending in a newline, as Core's).
fn json_text_response(status: StatusCode, body: String) -> HttpResponse<HttpBody> {
    let mut resp = HttpResponse::new(HttpBody::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// A response after which the connection is closed.
fn closing(status: StatusCode, body: &'static str) -> HttpResponse<HttpBody> {
    let mut resp = plain(status, body);
    resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// The methods a request (or batch) calls.
fn methods_of(request: &Value) -> Vec<&str> {
    fn one(v: &Value) -> &str {
        v.get("method").and_then(Value::as_str).unwrap_or("")
    }
    match request {
        Value::Array(items) => items.iter().map(one).collect(),
        single => vec![one(single)],
    }
}

async fn handle<S>(
    mut inner: S,
    shared: Arc<Shared>,
    req: HttpRequest<HttpBody>,
) -> Result<HttpResponse<HttpBody>, BoxError>
where
    S: Service<HttpRequest<HttpBody>, Response = HttpResponse<HttpBody>, Error = BoxError>,
{
    let settings = &shared.settings;
    let remote =
        req.extensions().get::<RemoteAddr>().map_or_else(|| "an unknown address".to_string(), |r| r.0.to_string());
    if let (Some(allowed), Some(RemoteAddr(address))) = (&settings.client_allowed, req.extensions().get::<RemoteAddr>())
    {
        if !allowed(&address.ip()) {
            tracing::warn!("HTTP request from {remote} rejected: Client network is not allowed RPC access");
            return Ok(plain(StatusCode::FORBIDDEN, ""));
        }
    }
    if let Some(rest_path) = req.uri().path().strip_prefix("/rest/") {
        if req.method() != Method::GET {
            return Ok(plain(StatusCode::METHOD_NOT_ALLOWED, "REST handles only GET requests"));
        }
        let Some(handler) = &settings.rest else {
            return Ok(plain(StatusCode::FORBIDDEN, "REST is disabled: start zennetd with -rest"));
        };
        let path = match req.uri().query() {
            Some(query) => format!("{rest_path}?{query}"),
            None => rest_path.to_string(),
        };
        let reply = handler.get(path).await;
        let mut resp = HttpResponse::new(HttpBody::from(reply.body));
        *resp.status_mut() = reply.status;
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
        return Ok(resp);
    }
    if req.method() != Method::POST {
        return Ok(plain(StatusCode::METHOD_NOT_ALLOWED, "JSONRPC server handles only POST requests"));
    }
    let authorization = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let Some(user) = settings.auth.check(authorization) else {
        tracing::warn!("ThreadRPCServer incorrect password attempt from {remote}");
        tokio::time::sleep(FAILED_LOGIN_DELAY).await;
        let mut resp = plain(StatusCode::UNAUTHORIZED, "");
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"jsonrpc\""));
        return Ok(resp);
    };

    let endpoint = match WalletEndpoint::from_path(req.uri().path()) {
        Some(e) => e,
        None => return Ok(plain(StatusCode::NOT_FOUND, "")),
    };
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(endpoint);
    let bytes =
        match tokio::time::timeout(settings.server_timeout, Limited::new(body, settings.max_body).collect()).await {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(_)) => return Ok(closing(StatusCode::PAYLOAD_TOO_LARGE, "request too large")),
            Err(_) => {
                tracing::debug!("RPC request from {remote}: body not received within {:?}", settings.server_timeout);
                return Ok(closing(StatusCode::REQUEST_TIMEOUT, "request timed out"));
            }
        };
    // Requests in progress are bounded (Core's work queue); the slot is held until the answer is out.
    let Ok(_slot) = shared.work.clone().try_acquire_owned() else {
        tracing::warn!("Request rejected because http work queue depth exceeded, it can be increased with the -rpcworkqueue= setting");
        return Ok(plain(StatusCode::SERVICE_UNAVAILABLE, "Work queue depth exceeded"));
    };
    let request: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(_) => {
            let reply =
                json!({"result": null, "error": {"code": codes::PARSE_ERROR, "message": "Parse error"}, "id": null});
            return Ok(json_response(StatusCode::INTERNAL_SERVER_ERROR, &reply));
        }
    };
    if let Some(method) = methods_of(&request).into_iter().find(|m| !settings.auth.allowed(&user, m)) {
        tracing::warn!("RPC User {user} not allowed to call method {method}");
        return Ok(plain(StatusCode::FORBIDDEN, ""));
    }
    let is_batch = request.is_array();
    // As Core: an empty batch is answered with an empty array.
    if request.as_array().is_some_and(Vec::is_empty) {
        return Ok(json_response(StatusCode::OK, &Value::Array(Vec::new())));
    }
    // A JSON-RPC 2.0 notification (no id) is carried out and answered 204 with no body.
    let notification =
        !is_batch && request.get("jsonrpc").and_then(Value::as_str) == Some("2.0") && request.get("id").is_none();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    // A single JSON-RPC 2.0 call goes through as it came (no copy of a large body).
    let plain_v2 =
        !is_batch && request.get("jsonrpc").and_then(Value::as_str) == Some("2.0") && request.get("id").is_some();
    if plain_v2 {
        drop(request);
        return inner.call(HttpRequest::from_parts(parts, HttpBody::new(http_body_util::Full::new(bytes)))).await;
    }
    drop(bytes);
    let (rewritten, slots) = rewrite_request(request);
    let forwarded = HttpRequest::from_parts(parts, HttpBody::from(rewritten.to_string()));
    let response = inner.call(forwarded).await?;
    if notification {
        let _ = response.into_body().collect().await;
        return Ok(plain(StatusCode::NO_CONTENT, ""));
    }

    let (resp_parts, resp_body) = response.into_parts();
    let resp_bytes = resp_body.collect().await?.to_bytes();
    let status = |legacy_error| match (is_batch, legacy_error) {
        (false, Some(codes::METHOD_NOT_FOUND)) => StatusCode::NOT_FOUND,
        (false, Some(codes::INVALID_REQUEST)) => StatusCode::BAD_REQUEST,
        (false, Some(_)) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => resp_parts.status,
    };
    match restore_response(&resp_bytes, &slots) {
        Some((body, legacy_error)) => Ok(json_text_response(status(legacy_error), body)),
        None => Ok(HttpResponse::from_parts(resp_parts, HttpBody::from(resp_bytes.to_vec()))),
    }
}

/// What a request's id was before it was replaced by its slot number, and
/// whether it came in the legacy shape.
#[derive(Debug, Clone)]
struct Slot {
    id: Value,
    legacy: bool,
}

/// Rewrites every request object to JSON-RPC 2.0 with a unique numeric id
/// (so responses map back whatever ids the client chose).
fn rewrite_request(request: Value) -> (Value, Vec<Slot>) {
    let mut slots = Vec::new();
    let rewritten = match request {
        Value::Array(items) => Value::Array(items.into_iter().map(|i| rewrite_one(i, &mut slots)).collect()),
        single => rewrite_one(single, &mut slots),
    };
    (rewritten, slots)
}

fn rewrite_one(item: Value, slots: &mut Vec<Slot>) -> Value {
    let Value::Object(mut obj) = item else {
        return item;
    };
    let legacy = obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0");
    if !legacy && !obj.contains_key("id") {
        return Value::Object(obj); // a 2.0 notification: no reply
    }
    let id = obj.remove("id").unwrap_or(Value::Null);
    if obj.get("params").is_some_and(Value::is_null) {
        obj.remove("params");
    }
    obj.insert("jsonrpc".into(), Value::from("2.0"));
    obj.insert("id".into(), Value::from(slots.len() as u64));
    slots.push(Slot { id, legacy });
    Value::Object(obj)
}

/// Puts the original ids back and legacy replies into the legacy shape,
/// working on the reply's text: results and errors are copied as the bytes
/// the server wrote (a large `getblock` is scanned once, not parsed into a
/// tree and written again). Also returns the error code of a single legacy
/// reply (for the HTTP status). None when the reply is not JSON.
fn restore_response(reply: &[u8], slots: &[Slot]) -> Option<(String, Option<i32>)> {
    let text = std::str::from_utf8(reply).ok()?;
    if text.trim_start().starts_with('[') {
        let items: Vec<&RawValue> = serde_json::from_str(text).ok()?;
        let items: Vec<String> = items.into_iter().map(|item| restore_one(item, slots).0).collect();
        return Some((format!("[{}]\n", items.join(",")), None));
    }
    let (mut restored, code) = restore_one(serde_json::from_str(text).ok()?, slots);
    restored.push('\n');
    Some((restored, code))
}

/// One reply object; anything that is not the reply to a rewritten call
/// (no slot for its id) is passed on as it is.
fn restore_one(item: &RawValue, slots: &[Slot]) -> (String, Option<i32>) {
    #[derive(serde::Deserialize)]
    struct Reply<'a> {
        id: Option<u64>,
        #[serde(borrow, default)]
        result: Option<&'a RawValue>,
        #[serde(borrow, default)]
        error: Option<&'a RawValue>,
    }
    #[derive(serde::Deserialize)]
    struct ErrorCode {
        code: Option<i64>,
    }
    let unchanged = || (item.get().to_owned(), None);
    let Ok(reply) = serde_json::from_str::<Reply<'_>>(item.get()) else { return unchanged() };
    let Some(slot) = reply.id.and_then(|i| usize::try_from(i).ok()).and_then(|i| slots.get(i)) else {
        return unchanged();
    };
    let Ok(id) = serde_json::to_string(&slot.id) else { return unchanged() };
    let raw = |value: Option<&RawValue>| value.map_or("null", RawValue::get).to_owned();
    if slot.legacy {
        let code = reply
            .error
            .and_then(|e| serde_json::from_str::<ErrorCode>(e.get()).ok())
            .and_then(|e| e.code)
            .map(|c| c as i32);
        let (result, error) = (raw(reply.result), raw(reply.error));
        (format!("{{\"result\":{result},\"error\":{error},\"id\":{id}}}"), code)
    } else {
        let member = match reply.error {
            Some(error) => format!("\"error\":{}", error.get()),
            None => format!("\"result\":{}", raw(reply.result)),
        };
        (format!("{{\"jsonrpc\":\"2.0\",{member},\"id\":{id}}}"), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reply as the server writes it (serde_json's compact text).
    fn restored(reply: Value, slots: &[Slot]) -> (Value, Option<i32>) {
        let (text, code) = restore_response(reply.to_string().as_bytes(), slots).expect("JSON");
        assert!(text.ends_with('\n'));
        (serde_json::from_str(&text).expect("JSON out"), code)
    }

    #[test]
    fn legacy_request_round_trip() {
        let req = json!({"method": "getblockcount", "params": [], "id": "curltest"});
        let (rewritten, slots) = rewrite_request(req);
        assert_eq!(rewritten["jsonrpc"], "2.0");
        assert_eq!(rewritten["id"], 0);
        let (reply, code) = restored(json!({"jsonrpc": "2.0", "result": 7, "id": 0}), &slots);
        assert_eq!(reply, json!({"result": 7, "error": null, "id": "curltest"}));
        assert_eq!(code, None);
        let err = json!({"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": 0});
        let (reply, code) = restored(err, &slots);
        assert_eq!(reply["result"], Value::Null);
        assert_eq!(code, Some(-32601));
    }

    /// The text out, byte for byte: Core's member order, the result and
    /// error exactly as written (numbers, escapes), the client's own id.
    #[test]
    fn replies_keep_core_order_and_the_servers_bytes() {
        let replies = [
            json!({"jsonrpc": "2.0", "id": 0, "result": 7}),
            json!({"jsonrpc": "2.0", "id": 0, "result": null}),
            json!({"jsonrpc": "2.0", "id": 0, "result": {
                "z": 0.00000001, "a": [2.5e16, 4.656542373906925e-10, "é\"\n\u{1}", {"b": -0.0}], "m": ""
            }}),
            json!({"jsonrpc": "2.0", "id": 0, "error": {"code": -8, "message": "Block height out of range"}}),
            json!({"jsonrpc": "2.0", "id": 0, "error": {"code": -32601, "message": "Method not found", "data": [1]}}),
        ];
        for legacy in [true, false] {
            for id in [json!("curltest"), json!(1.50), json!(null), json!({"x": [1]})] {
                let slots = [Slot { id: id.clone(), legacy }];
                for reply in &replies {
                    let (result, error) = (reply.get("result").cloned(), reply.get("error").cloned());
                    let expected = match (legacy, error) {
                        (true, error) => json!({"result": result, "error": error, "id": id}),
                        (false, Some(error)) => json!({"jsonrpc": "2.0", "error": error, "id": id}),
                        (false, None) => json!({"jsonrpc": "2.0", "result": result, "id": id}),
                    };
                    let code = if legacy { reply["error"]["code"].as_i64().map(|c| c as i32) } else { None };
                    let text = restore_response(reply.to_string().as_bytes(), &slots).expect("JSON");
                    assert_eq!(text, (expected.to_string() + "\n", code), "{reply} legacy={legacy} id={id}");
                }
            }
        }
        // Not the reply to a rewritten call: passed on as it is.
        let slots = [Slot { id: json!(1), legacy: true }];
        for other in
            [r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700}}"#, r#"{"jsonrpc":"2.0","id":3,"result":1}"#]
        {
            assert_eq!(restore_response(other.as_bytes(), &slots), Some((format!("{other}\n"), None)));
        }
        assert_eq!(restore_response(b"[]", &slots), Some(("[]\n".to_string(), None)));
        assert_eq!(restore_response(b"not json", &slots), None);
    }

    #[test]
    fn batch_keeps_each_shape_and_duplicate_ids() {
        let req = json!([
            {"jsonrpc": "2.0", "method": "a", "id": 1},
            {"method": "b", "id": 1},
            {"jsonrpc": "2.0", "method": "notify"}
        ]);
        let (rewritten, slots) = rewrite_request(req);
        assert_eq!(slots.len(), 2);
        assert!(rewritten[2].get("id").is_none());
        let reply = json!([
            {"jsonrpc": "2.0", "result": "x", "id": 1},
            {"jsonrpc": "2.0", "result": "y", "id": 0}
        ]);
        let (restored, code) = restored(reply, &slots);
        assert_eq!(restored[0], json!({"result": "x", "error": null, "id": 1}));
        assert_eq!(restored[1], json!({"jsonrpc": "2.0", "result": "y", "id": 1}));
        assert_eq!(code, None);
    }

    /// `-rpcallowip`: a client outside the allowed networks gets 403 before
    /// anything else; an allowed one reaches the server.
    #[tokio::test]
    async fn clients_outside_rpcallowip_are_refused() {
        let settings = HttpSettings {
            auth: Auth::with_logins(Vec::new()),
            max_body: 1 << 20,
            server_timeout: Duration::from_secs(5),
            work_slots: 4,
            rest: None,
            client_allowed: Some(Arc::new(|ip: &std::net::IpAddr| {
                ip.is_loopback() || ip.to_string().starts_with("10.1.")
            })),
        };
        let shared = Arc::new(Shared { work: Arc::new(tokio::sync::Semaphore::new(4)), settings });
        let inner = tower::service_fn(|_req: HttpRequest<HttpBody>| async {
            Ok::<_, BoxError>(HttpResponse::new(HttpBody::from("reached")))
        });
        let request = |from: &str| {
            let mut req = HttpRequest::new(HttpBody::from("{}"));
            *req.method_mut() = Method::POST;
            req.extensions_mut().insert(RemoteAddr(format!("{from}:5000").parse().unwrap()));
            req
        };
        let refused = handle(inner, shared.clone(), request("192.0.2.7")).await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        // Allowed clients go on to authentication (none given here: 401, not 403).
        for from in ["10.1.2.3", "127.0.0.1"] {
            let allowed = handle(inner, shared.clone(), request(from)).await.unwrap();
            assert_eq!(allowed.status(), StatusCode::UNAUTHORIZED, "{from}");
        }
    }
}
