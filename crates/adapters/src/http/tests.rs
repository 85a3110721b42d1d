use std::time::Duration;

use super::error::read_envelope;
use super::transport::segment;
use super::*;
use skillreg_api::{ErrorType, SearchParams};
use skillreg_core::ports::{LookupError, SkillLookup as _};
use skillreg_core::version::VersionReq;

#[test]
fn the_type_wins_over_the_status() {
    let body = |kind: &str| format!(r#"{{"error": {{"type": "{kind}", "message": "m"}}}}"#);
    assert_eq!(
        read_envelope(body("VersionNotFoundError").as_bytes()).0,
        Some(ErrorType::VersionNotFound)
    );
    assert_eq!(
        read_envelope(body("ConflictError").as_bytes()).0,
        Some(ErrorType::Conflict)
    );
    // A type of a newer registry keeps its message; the status decides the type.
    let (kind, message, _) = read_envelope(body("SomethingNewError").as_bytes());
    assert_eq!((kind, message.as_deref()), (None, Some("m")));
    assert_eq!(read_envelope(b"<html>bad gateway</html>").0, None);
}

/// A server answering each connection with the next canned response; counts requests.
fn scripted(responses: Vec<String>) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::Write as _;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = std::sync::Arc::clone(&count);
    std::thread::spawn(move || {
        for (stream, response) in listener.incoming().zip(responses) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            skillreg_testkit::http::read_request(&mut reader);
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = stream.write_all(response.as_bytes());
        }
    });
    (url, count)
}

fn answer(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}",
        body.len()
    )
}

fn quick() -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            attempts: 3,
            backoff: Duration::from_millis(10),
            max_retry_after: Duration::from_secs(2),
        },
        ..ClientOptions::default()
    }
}

#[tokio::test]
async fn reads_are_retried_after_a_short_429_and_a_5xx() {
    let ok = answer(
        "200 OK",
        "",
        r#"{"skills": [], "total": 0, "total_exact": true, "next_cursor": null}"#,
    );
    let (url, count) = scripted(vec![
        answer("429 Too Many Requests", "Retry-After: 1\r\n", "{}"),
        answer("503 Service Unavailable", "", "{}"),
        ok,
    ]);
    let client = RegistryClient::new(&url, quick()).unwrap();
    let page = client.search(&SearchParams::default()).await.unwrap();
    assert_eq!(page.total, 0);
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[tokio::test]
async fn writes_are_sent_once_and_long_waits_are_not_waited() {
    let envelope = r#"{"error": {"type": "InternalError", "message": "try later", "details": {}}}"#;
    let (url, count) = scripted(vec![answer("503 Service Unavailable", "", envelope); 3]);
    let client = RegistryClient::new(&url, quick()).unwrap();
    let namespace = "acme".parse().unwrap();
    let error = client
        .publish(&namespace, None, vec![1, 2, 3], &[])
        .await
        .unwrap_err();
    assert_eq!(error.api().unwrap().kind, ErrorType::Internal);
    assert_eq!(error.to_string(), "try later");
    assert_eq!(
        count.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "a publish is never retried"
    );

    let (url, count) = scripted(vec![
        answer(
            "429 Too Many Requests",
            "Retry-After: 600\r\n",
            "{}"
        );
        3
    ]);
    let client = RegistryClient::new(&url, quick()).unwrap();
    let error = client.search(&SearchParams::default()).await.unwrap_err();
    assert_eq!(error.api().unwrap().retry_after, Some(600));
    assert!(error.hint().unwrap().contains("600"));
    assert_eq!(
        count.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "a long Retry-After fails at once"
    );
}

#[tokio::test]
async fn an_unreachable_registry_is_unreachable_not_missing() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = RegistryClient::new(&format!("http://127.0.0.1:{port}"), quick()).unwrap();
    let error = client
        .find(&"acme/pdf".parse().unwrap(), &VersionReq::Latest)
        .await
        .unwrap_err();
    assert!(matches!(error, LookupError::Unreachable(_)), "{error}");
    assert!(RegistryClient::new("ftp://x", quick()).is_err());
}

#[test]
fn segments_escape_what_paths_cannot_carry() {
    assert_eq!(segment("acme/pdf"), "acme/pdf");
    assert_eq!(segment("1.0.0+build.1"), "1.0.0%2Bbuild.1");
    assert_eq!(segment("a b"), "a%20b");
}

/// A token goes only to the registry it was given for: a redirect to another origin is
/// followed without it.
#[tokio::test]
async fn a_redirect_to_another_origin_carries_no_token() {
    use std::io::{BufRead as _, Write as _};
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let other_port = other.local_addr().unwrap().port();
    let (heads, received) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for stream in other.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line.to_ascii_lowercase());
            }
            let _ = heads.send(head);
            let body = r#"{"skills": [], "total": 0, "total_exact": true, "next_cursor": null}"#;
            let _ = stream.write_all(answer("200 OK", "", body).as_bytes());
        }
    });
    let location = format!("Location: http://localhost:{other_port}/api/v1/skills\r\n");
    let (url, _) = scripted(vec![answer("302 Found", &location, ""); 3]);
    let client = RegistryClient::new(
        &url,
        ClientOptions {
            token: Some("skr_secret".to_owned()),
            ..quick()
        },
    )
    .unwrap();
    let page = client.search(&SearchParams::default()).await.unwrap();
    assert_eq!(page.total, 0);
    let heads: Vec<String> = received.try_iter().collect();
    assert_eq!(heads.len(), 1, "the redirect was followed once");
    assert!(!heads[0].contains("authorization"), "{}", heads[0]);
    assert!(!heads[0].contains("skr_secret"), "{}", heads[0]);
}
