//! The accept loop: HTTP/1.1 connections with a header-read timeout (which also closes a
//! keep-alive connection idle for that long), a cap on open connections overall and per
//! client address, refused connections closed at once, and `accept` errors (out of file
//! descriptors) backed off instead of retried in a tight loop. Graceful shutdown lets
//! requests in flight finish.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt as _;

/// Limits on connections.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionLimits {
    /// Time a client has to send a request's headers, counted from when the connection
    /// opens or the previous response ends (so it is also the keep-alive idle timeout).
    pub header_timeout: Duration,
    /// Connections open at once, overall. Keep it below the process's file-descriptor
    /// limit, leaving room for the database, blobs and logs.
    pub max_connections: usize,
    /// Connections open at once from one client address.
    pub max_connections_per_client: usize,
    /// How long a write to a client may stay blocked (a client that stops reading a
    /// response) before the connection is closed.
    pub write_timeout: Duration,
    /// How long shutdown waits for open connections (event streams never end by
    /// themselves) before it closes them.
    pub shutdown_grace: Duration,
    /// Peers exempt from the per-client cap: trusted reverse proxies, which carry many
    /// clients (the overall cap still counts them).
    pub shared_peers: Vec<IpAddr>,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(10),
            max_connections: default_max_connections(),
            max_connections_per_client: 256,
            write_timeout: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(30),
            shared_peers: Vec::new(),
        }
    }
}

/// Three quarters of the process's open-file limit (read from `/proc/self/limits`), at most
/// 16,384; 768 where the limit cannot be read.
fn default_max_connections() -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("Max open files"))
                .and_then(|line| line.split_whitespace().nth(3))
                .and_then(|soft| soft.parse::<usize>().ok())
        })
        .unwrap_or(1024);
    (soft / 4 * 3).clamp(64, 16_384)
}

/// Things open at once per key (connections or streams per client address, uploads per
/// user); a key with none open takes no room.
#[derive(Debug)]
pub(crate) struct PerKey<K: std::hash::Hash + Eq> {
    #[expect(
        clippy::disallowed_types,
        reason = "a count per key, looked up on every admission; never iterated"
    )]
    open: Mutex<std::collections::HashMap<K, usize>>,
}

impl<K: std::hash::Hash + Eq> Default for PerKey<K> {
    fn default() -> Self {
        PerKey {
            open: Mutex::default(),
        }
    }
}

/// Open connections (or streams) per client address.
pub(crate) type PerClient = PerKey<IpAddr>;

/// One open thing of a key; dropping it closes the count.
#[derive(Debug)]
pub(crate) struct KeySlot<K: std::hash::Hash + Eq + Clone> {
    keys: Arc<PerKey<K>>,
    key: K,
}

/// One open connection (or stream) of a client.
pub(crate) type ClientSlot = KeySlot<IpAddr>;

impl<K: std::hash::Hash + Eq + Clone> PerKey<K> {
    /// A slot for `key`, or `None` when it has `max` open already.
    pub(crate) fn enter(self: &Arc<Self>, key: K, max: usize) -> Option<KeySlot<K>> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = open.get(&key).copied().unwrap_or(0);
        if count >= max {
            return None;
        }
        open.insert(key.clone(), count + 1);
        Some(KeySlot {
            keys: Arc::clone(self),
            key,
        })
    }
}

impl<K: std::hash::Hash + Eq + Clone> Drop for KeySlot<K> {
    fn drop(&mut self) {
        let mut open = self
            .keys
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// Whether an `accept` error concerns one connection only (retry at once) rather than the
/// process (out of descriptors or memory: wait before trying again).
fn is_connection_error(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// Serves `app` on `listener` with `limits` until `shutdown` completes, then lets requests
/// in flight finish.
///
/// # Errors
/// Never for a failed `accept` (those are logged and retried); the signature leaves room
/// for listener failures.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let total = Arc::new(Semaphore::new(limits.max_connections));
    let clients = Arc::new(PerClient::default());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let mut backoff = Duration::from_millis(5);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => {
                    backoff = Duration::from_millis(5);
                    accepted
                }
                Err(error) if is_connection_error(&error) => continue,
                Err(error) => {
                    tracing::error!(%error, wait_ms = backoff.as_millis() as u64, "accept failed; waiting");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                    continue;
                }
            },
        };
        let Some(slots) = admit(&total, &clients, peer, &limits) else {
            // Over a cap: closed at once, so it holds no descriptor.
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service =
            app.clone()
                .map_request(move |mut request: hyper::Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request
                });
        let service = TowerToHyperService::new(service);
        match &tls {
            None => {
                let stream = WriteDeadline::new(stream, limits.write_timeout);
                let connection =
                    graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    let _slots = slots;
                    if let Err(error) = connection.await {
                        tracing::debug!(%error, %peer, "connection closed with an error");
                    }
                });
            }
            Some(acceptor) => {
                // The handshake gets the time the headers get; a connection that does not
                // finish it is closed. Shutdown does not wait for handshakes.
                let (acceptor, builder, graceful) =
                    (acceptor.clone(), builder.clone(), graceful.watcher());
                let (handshake, write_timeout) = (limits.header_timeout, limits.write_timeout);
                tokio::spawn(async move {
                    let _slots = slots;
                    let stream =
                        match tokio::time::timeout(handshake, acceptor.accept(stream)).await {
                            Ok(Ok(stream)) => stream,
                            Ok(Err(error)) => {
                                tracing::debug!(%error, %peer, "TLS handshake failed");
                                return;
                            }
                            Err(_) => return,
                        };
                    let stream = WriteDeadline::new(stream, write_timeout);
                    let connection =
                        graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
                    if let Err(error) = connection.await {
                        tracing::debug!(%error, %peer, "connection closed with an error");
                    }
                });
            }
        }
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the shutdown grace period; closing them");
    }
    Ok(())
}

/// Slots for long-lived things (event streams): at most `total` at once, at most
/// `per_client` from one client address.
#[derive(Debug)]
pub(crate) struct Slots {
    total: Arc<Semaphore>,
    clients: Arc<PerClient>,
    per_client: usize,
}

impl Slots {
    pub(crate) fn new(total: usize, per_client: usize) -> Self {
        Slots {
            total: Arc::new(Semaphore::new(total)),
            clients: Arc::default(),
            per_client,
        }
    }

    /// The slots one more stream of `client` takes, or `None` when a cap is reached.
    pub(crate) fn admit(&self, client: IpAddr) -> Option<(OwnedSemaphorePermit, ClientSlot)> {
        let permit = Arc::clone(&self.total).try_acquire_owned().ok()?;
        let slot = self.clients.enter(client, self.per_client)?;
        Some((permit, slot))
    }
}

/// A connection whose writes fail with `TimedOut` once one has been blocked for `timeout`:
/// a client that stops reading cannot hold a connection (and its response) forever.
#[derive(Debug)]
struct WriteDeadline<T> {
    inner: T,
    timeout: Duration,
    blocked: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl<T> WriteDeadline<T> {
    fn new(inner: T, timeout: Duration) -> Self {
        WriteDeadline {
            inner,
            timeout,
            blocked: None,
        }
    }

    /// After a write poll: progress clears the deadline; a block starts it, and past it the
    /// write fails.
    fn watch<R>(
        &mut self,
        cx: &mut std::task::Context<'_>,
        polled: std::task::Poll<std::io::Result<R>>,
    ) -> std::task::Poll<std::io::Result<R>> {
        use std::future::Future as _;
        match polled {
            std::task::Poll::Ready(result) => {
                self.blocked = None;
                std::task::Poll::Ready(result)
            }
            std::task::Poll::Pending => {
                let timeout = self.timeout;
                let blocked = self
                    .blocked
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                if blocked.as_mut().poll(cx).is_ready() {
                    std::task::Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the client stopped reading",
                    )))
                } else {
                    std::task::Poll::Pending
                }
            }
        }
    }
}

impl<T: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for WriteDeadline<T> {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for WriteDeadline<T> {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = std::pin::Pin::new(&mut this.inner).poll_write(cx, buf);
        this.watch(cx, polled)
    }

    fn poll_write_vectored(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = std::pin::Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.watch(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let polled = std::pin::Pin::new(&mut this.inner).poll_flush(cx);
        this.watch(cx, polled)
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The slots a new connection takes, or `None` when a cap is reached.
fn admit(
    total: &Arc<Semaphore>,
    clients: &Arc<PerClient>,
    peer: SocketAddr,
    limits: &ConnectionLimits,
) -> Option<(OwnedSemaphorePermit, Option<ClientSlot>)> {
    let permit = Arc::clone(total).try_acquire_owned().ok()?;
    if limits.shared_peers.contains(&peer.ip()) {
        return Some((permit, None));
    }
    let slot = clients.enter(peer.ip(), limits.max_connections_per_client)?;
    Some((permit, Some(slot)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admission_stops_at_the_overall_cap_and_at_each_clients_cap() {
        let limits = ConnectionLimits {
            max_connections: 3,
            max_connections_per_client: 2,
            ..ConnectionLimits::default()
        };
        let total = Arc::new(Semaphore::new(limits.max_connections));
        let clients = Arc::new(PerClient::default());
        let a: SocketAddr = "127.0.0.2:1".parse().unwrap();
        let b: SocketAddr = "127.0.0.3:1".parse().unwrap();
        let proxy: SocketAddr = "127.0.0.9:1".parse().unwrap();
        let shared = ConnectionLimits {
            shared_peers: vec![proxy.ip()],
            ..limits.clone()
        };
        let many: Vec<_> = (0..3)
            .map(|_| admit(&total, &clients, proxy, &shared).unwrap())
            .collect();
        assert!(
            admit(&total, &clients, proxy, &shared).is_none(),
            "the overall cap"
        );
        drop(many);
        let first = admit(&total, &clients, a, &limits).unwrap();
        let _second = admit(&total, &clients, a, &limits).unwrap();
        assert!(admit(&total, &clients, a, &limits).is_none(), "a's cap");
        let _third = admit(&total, &clients, b, &limits).unwrap();
        assert!(
            admit(&total, &clients, b, &limits).is_none(),
            "the overall cap"
        );
        drop(first);
        assert!(
            admit(&total, &clients, a, &limits).is_some(),
            "a slot came back"
        );
    }

    #[test]
    fn the_default_cap_stays_under_the_descriptor_limit() {
        let cap = default_max_connections();
        assert!((64..=16_384).contains(&cap), "{cap}");
    }
}
