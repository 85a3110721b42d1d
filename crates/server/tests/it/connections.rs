//! The denial-of-service findings, replayed against a listening server (the accept loop,
//! its timeouts and caps are part of what is tested): idle and trickling connections, more
//! connections than the caps, large uploads with bad tokens or without the rights. Each
//! attack comes from its own loopback address (127.0.0.2, 127.0.0.3, …) while `/healthz`
//! is asked from 127.0.0.1 and must answer within a second. Every loop is bounded.

use std::net::SocketAddr;
use std::time::Duration;

use skillreg_server::ConnectionLimits;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream};

use super::*;

/// A connection to `server` from the loopback address `from`.
async fn connect_from(from: &str, server: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(format!("{from}:0").parse().unwrap())?;
    socket.connect(server).await
}

/// One request on a fresh connection from 127.0.0.1; its status line's code.
async fn request_status(server: SocketAddr, request: &str) -> Option<u16> {
    let mut stream = connect_from("127.0.0.1", server).await.ok()?;
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut head = [0u8; 64];
    let read = stream.read(&mut head).await.ok()?;
    let text = std::str::from_utf8(&head[..read]).ok()?;
    text.split_whitespace().nth(1)?.parse().ok()
}

/// `/healthz` from 127.0.0.1 answers 200 within a second.
async fn healthz_answers(server: SocketAddr) {
    let status = tokio::time::timeout(
        Duration::from_secs(1),
        request_status(
            server,
            "GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        ),
    )
    .await;
    assert_eq!(status, Ok(Some(200)), "/healthz did not answer within 1 s");
}

/// Whether the server closed `stream` (EOF or reset) within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 256];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            // A response (408 or 400) may come first; the close follows.
            Ok(Ok(_)) => {}
        }
    }
}

async fn listening(s: &TestServer, limits: ConnectionLimits) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let state = s.state.clone().with_connection_limits(limits);
    tokio::spawn(skillreg_server::run(
        listener,
        state,
        std::future::pending(),
    ));
    address
}

/// Finding 2: idle and trickling connections stayed open past 100 s, and enough of them
/// exhausted the file descriptors so `/healthz` stopped answering.
pub(crate) async fn idle_trickling_and_surplus_connections_are_bounded(s: TestServer) {
    let limits = ConnectionLimits {
        header_timeout: Duration::from_secs(1),
        max_connections: 200,
        max_connections_per_client: 40,
        ..ConnectionLimits::default()
    };
    let server = listening(&s, limits).await;
    healthz_answers(server).await;

    // 40 idle connections from one address (its cap), 40 trickling from another, and 150
    // more from each of a third and a fourth, past their caps: 160 admitted in all, under
    // the overall cap of 200, which keeps room for everyone else.
    let mut idle = Vec::new();
    for _ in 0..40 {
        idle.push(connect_from("127.0.0.2", server).await.unwrap());
    }
    let mut trickling = Vec::new();
    for _ in 0..40 {
        let mut stream = connect_from("127.0.0.3", server).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\n")
            .await
            .unwrap();
        trickling.push(stream);
    }
    let mut surplus = Vec::new();
    for from in ["127.0.0.4", "127.0.0.5"] {
        for _ in 0..150 {
            if let Ok(stream) = connect_from(from, server).await {
                surplus.push(stream);
            }
        }
    }
    healthz_answers(server).await;
    // Over a cap, a connection is closed at once: it holds no descriptor.
    let mut refused = 0;
    for stream in &mut surplus {
        if closed_within(stream, Duration::from_millis(200)).await {
            refused += 1;
        }
    }
    assert!(
        refused >= 220,
        "only {refused} of {} surplus connections were closed",
        surplus.len()
    );
    // Trickle one header byte every 300 ms: the header timeout (1 s) still closes them.
    for _ in 0..4 {
        for stream in &mut trickling {
            let _ = stream.write_all(b"x").await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        healthz_answers(server).await;
    }
    for (what, streams) in [("idle", &mut idle), ("trickling", &mut trickling)] {
        for stream in streams.iter_mut() {
            assert!(
                closed_within(stream, Duration::from_secs(2)).await,
                "an {what} connection stayed open past the header timeout"
            );
        }
    }
    // A keep-alive connection idle after its response is closed the same way.
    let mut kept = connect_from("127.0.0.6", server).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut head = [0u8; 128];
    let read = kept.read(&mut head).await.unwrap();
    assert!(head[..read].starts_with(b"HTTP/1.1 200"));
    assert!(
        closed_within(&mut kept, Duration::from_secs(3)).await,
        "idle keep-alive"
    );
    healthz_answers(server).await;
}

/// Findings 7 and 8: bodies were buffered before authentication and unpacked before
/// authorization. A 20 MiB upload announced with a bad token, or by a token without the
/// rights, is answered from its headers alone: the body is never sent here, and the answer
/// comes anyway.
pub(crate) async fn uploads_are_refused_before_their_body(s: TestServer) {
    let server = listening(&s, ConnectionLimits::default()).await;
    let announce = |token: &str, uri: &str| {
        format!(
            "POST {uri} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {token}\r\n\
             content-type: application/gzip\r\ncontent-length: {}\r\n\r\n",
            20 * 1024 * 1024
        )
    };
    let mut tasks = Vec::new();
    for i in 0..80 {
        let request = announce(&format!("skr_{i:064x}"), "/api/v1/skills?namespace=acme");
        tasks.push(tokio::spawn(async move {
            let mut stream = connect_from("127.0.0.7", server).await.unwrap();
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut head = [0u8; 64];
            let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut head))
                .await
                .expect("answered without the body")
                .unwrap();
            String::from_utf8_lossy(&head[..read]).into_owned()
        }));
    }
    healthz_answers(server).await;
    for task in tasks {
        let head = task.await.unwrap();
        assert!(
            head.starts_with("HTTP/1.1 401") || head.starts_with("HTTP/1.1 429"),
            "{head}"
        );
    }
    // A valid token without `publish-new`, into a namespace it may not use.
    let request = announce(
        &s.reader_token,
        "/api/v1/skills?namespace=acme&version=1.0.0",
    );
    let mut stream = connect_from("127.0.0.8", server).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut head))
        .await
        .expect("answered without the body")
        .unwrap();
    assert!(
        head[..read].starts_with(b"HTTP/1.1 403"),
        "{}",
        String::from_utf8_lossy(&head[..read])
    );
    healthz_answers(server).await;
    // One user sending bodies slowly holds at most two of the four upload turns: another
    // user's upload goes through meanwhile.
    let bob = super::attacks::token_of(&s, 7, "bob", &[TokenScope::PublishNew], &["*"]).await;
    let mut slow = Vec::new();
    for _ in 0..4 {
        let mut stream = connect_from("127.0.0.11", server).await.unwrap();
        let request = announce(&s.token, "/api/v1/skills?namespace=acme&version=1.0.0");
        stream.write_all(request.as_bytes()).await.unwrap();
        stream.write_all(&[0u8; 1024]).await.unwrap();
        slow.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let bobs = archive_named("bobs", "bob's tools", &[]);
    let mut stream = connect_from("127.0.0.12", server).await.unwrap();
    let head = format!(
        "POST /api/v1/skills?namespace=bobs&version=1.0.0 HTTP/1.1\r\nhost: x\r\n\
         authorization: Bearer {bob}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        bobs.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&bobs).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .expect("another user's upload is not stuck behind the slow ones")
        .unwrap();
    assert!(
        response.starts_with(b"HTTP/1.1 201"),
        "{}",
        String::from_utf8_lossy(&response)
    );
    drop(slow);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Valid uploads one after the other still work through the same server.
    let archive = archive_of("Fills PDF forms", &[]);
    let mut stream = connect_from("127.0.0.1", server).await.unwrap();
    let head = format!(
        "POST /api/v1/skills?namespace=acme&version=1.0.0 HTTP/1.1\r\nhost: x\r\n\
         authorization: Bearer {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        s.token,
        archive.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&archive).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    assert!(
        response.starts_with(b"HTTP/1.1 201"),
        "{}",
        String::from_utf8_lossy(&response)
    );
}

/// Finding 9: random bearer tokens on an unknown route each added a rate-limit key, and
/// past 100,000 keys every request scanned the map. Now a bad token counts against its
/// client at once; 20,000 of them from one address leave `/healthz` answering.
pub(crate) async fn random_tokens_do_not_grow_the_limiter(mut s: TestServer) {
    // Ten failed sign-ins at once, then one a minute: the run takes seconds, so at most one
    // more comes back.
    s.state = s.state.with_limits(skillreg_server::LimitsConfig {
        auth_failures: skillreg_server::Rate {
            burst: 10,
            per_minute: 1,
        },
        ..skillreg_server::LimitsConfig::default()
    });
    let server = listening(&s, ConnectionLimits::default()).await;
    let mut stream = connect_from("127.0.0.9", server).await.unwrap();
    let mut statuses = std::collections::BTreeMap::<String, usize>::new();
    for batch in 0..40 {
        let mut requests = String::new();
        for i in 0..500 {
            requests.push_str(&format!(
                "GET /no/such/route HTTP/1.1\r\nhost: x\r\nauthorization: Bearer skr_{batch:04}{i:060}\r\n\r\n"
            ));
        }
        stream.write_all(requests.as_bytes()).await.unwrap();
        let mut seen = 0;
        let mut buffer = Vec::new();
        while seen < 500 {
            let mut chunk = [0u8; 65536];
            let read = stream.read(&mut chunk).await.unwrap();
            assert!(read > 0, "closed early");
            buffer.extend_from_slice(&chunk[..read]);
            let text = String::from_utf8_lossy(&buffer);
            seen = text.matches("HTTP/1.1 ").count();
        }
        let text = String::from_utf8_lossy(&buffer);
        for response in text.split("HTTP/1.1 ").skip(1) {
            *statuses.entry(response[..3].to_owned()).or_default() += 1;
        }
        if batch % 10 == 0 {
            healthz_answers(server).await;
        }
    }
    assert_eq!(
        statuses.get("401"),
        Some(&10),
        "the burst of failed sign-ins: {statuses:?}"
    );
    assert_eq!(statuses.get("429"), Some(&19_990), "{statuses:?}");
    healthz_answers(server).await;
}

/// A client that sends requests and never reads the answers: once the server's writes have
/// been blocked for the write timeout, the connection closes, and the server goes on.
pub(crate) async fn a_client_that_stops_reading_is_let_go(s: TestServer) {
    let limits = ConnectionLimits {
        write_timeout: Duration::from_secs(1),
        ..ConnectionLimits::default()
    };
    let server = listening(&s, limits).await;
    let stream = connect_from("127.0.0.10", server).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    // Pipelined requests whose answers fill the socket buffers: about 40 MB of answers.
    let flood = tokio::spawn(async move {
        let request = b"GET /api/v1/openapi.json HTTP/1.1\r\nhost: x\r\n\r\n".repeat(100);
        for _ in 0..20 {
            if writer.write_all(&request).await.is_err() {
                break;
            }
        }
        writer
    });
    tokio::time::sleep(Duration::from_secs(3)).await;
    healthz_answers(server).await;
    // Now read: what was buffered arrives, then the end, well before all answers would.
    let mut total = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                Ok(read) => total += read,
            }
        }
    })
    .await
    .unwrap_or(false);
    assert!(closed, "the connection stayed open after {total} bytes");
    let document = skillreg_server::openapi_document().len();
    assert!(
        total < 2000 * document / 2,
        "{total} bytes: most of the {} answered were never sent",
        2000
    );
    flood.abort();
    healthz_answers(server).await;
}
