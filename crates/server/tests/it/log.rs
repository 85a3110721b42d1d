//! The transparency log over HTTP: its key, a signed checkpoint, entries that hide what
//! the reader may not read, and proofs a client checks on its own.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use skillreg_adapters::signing::note::signed_by;
use skillreg_api::{ConsistencyBody, InclusionBody, LogEntries, LogInfo, hashes_from_base64};
use skillreg_core::log::{
    Checkpoint, EntryKind, LogEntry, NoteKey, SignedNote, leaf_hash, verify_consistency,
    verify_inclusion,
};

use super::{TestServer, archive_named, call, error_type, get, publish, send};

async fn get_as<T: serde::de::DeserializeOwned>(
    s: &TestServer,
    token: Option<&str>,
    uri: &str,
) -> T {
    let mut request = Request::get(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let (status, body, _) = call(&s.app, request.body(Body::empty()).unwrap()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{uri}: {}",
        String::from_utf8_lossy(&body)
    );
    serde_json::from_slice(&body).unwrap()
}

/// The latest checkpoint, its signature checked with the key the registry publishes.
async fn checkpoint(s: &TestServer, key: &NoteKey) -> Checkpoint {
    let request = Request::get("/api/v1/log/checkpoint")
        .body(Body::empty())
        .unwrap();
    let (status, body, headers) = call(&s.app, request).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let note = SignedNote::parse(std::str::from_utf8(&body).unwrap()).unwrap();
    assert!(
        signed_by(&note, key),
        "the checkpoint is signed by the log key"
    );
    let checkpoint = Checkpoint::parse(&note.text).unwrap();
    assert_eq!(checkpoint.origin, key.name);
    checkpoint
}

pub(crate) async fn the_log_proves_what_it_serves(s: TestServer) {
    let info: LogInfo = get_as(&s, None, "/.well-known/skillreg-log").await;
    let key = NoteKey::parse(&info.key).unwrap();
    assert_eq!(info.origin, key.name);
    let empty = checkpoint(&s, &key).await;
    assert_eq!(empty.size, 0);

    let (status, body) = publish(
        &s.app,
        Some(&s.token),
        "/api/v1/skills?namespace=acme&version=1.0.0",
        archive_named("pdf", "Reads PDF files", &[]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["version"]["log_index"], 0);
    let private = serde_json::json!({"namespace": "vault", "visibility": "private"});
    let (status, _) = send(
        &s.app,
        "POST",
        "/api/v1/namespaces",
        &s.token,
        private.to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = publish(
        &s.app,
        Some(&s.token),
        "/api/v1/skills?namespace=vault&version=1.0.0",
        archive_named("secret-tool", "Hidden", &[]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // What an installer does: resolve, then prove the entry behind the answer.
    let (status, resolved) = get(&s.app, "/api/v1/resolve?name=acme/pdf&version=1.0.0").await;
    assert_eq!(status, StatusCode::OK);
    let index = resolved["log_index"].as_u64().unwrap();
    let head = checkpoint(&s, &key).await;
    assert_eq!(head.size, 2);
    let proof: InclusionBody = get_as(
        &s,
        None,
        &format!(
            "/api/v1/log/proof/inclusion?index={index}&size={}",
            head.size
        ),
    )
    .await;
    let bytes = proof.entry.entry_bytes().unwrap().unwrap();
    let leaf = proof.entry.leaf_hash().unwrap();
    assert_eq!(leaf, leaf_hash(&bytes));
    let entry = LogEntry::parse(&bytes).unwrap();
    assert_eq!(entry.kind, EntryKind::Publish);
    assert_eq!(entry.id.to_string(), "acme/pdf");
    assert_eq!(
        entry.archive.unwrap().to_string(),
        resolved["archive_digest"]
    );
    assert_eq!(
        entry.content.unwrap().to_string(),
        resolved["content_digest"]
    );
    let hashes = hashes_from_base64(&proof.hashes).unwrap();
    assert_eq!(
        verify_inclusion(&leaf, index, head.size, &hashes, &head.root),
        Ok(())
    );

    // The private namespace's entry: its leaf for everyone, its bytes for those who read it.
    let anonymous: LogEntries = get_as(&s, None, "/api/v1/log/entries").await;
    assert_eq!(anonymous.entries.len(), 2);
    assert_eq!(anonymous.next, None);
    assert!(anonymous.entries[0].entry.is_some());
    assert_eq!(
        anonymous.entries[1].entry, None,
        "a private entry's bytes stay hidden"
    );
    let admin: LogEntries = get_as(&s, Some(&s.token), "/api/v1/log/entries?start=1&limit=5").await;
    assert_eq!(admin.entries[0].leaf, anonymous.entries[1].leaf);
    let hidden = admin.entries[0].entry_bytes().unwrap().unwrap();
    assert_eq!(
        LogEntry::parse(&hidden).unwrap().id.to_string(),
        "vault/secret-tool"
    );

    // A yank is an entry; the new tree extends the old one.
    let (status, _) = send(
        &s.app,
        "POST",
        "/api/v1/skills/acme/pdf/-/versions/1.0.0/yank",
        &s.token,
        Vec::new(),
    )
    .await;
    assert!(status.is_success(), "{status}");
    let later = checkpoint(&s, &key).await;
    assert_eq!(later.size, 3);
    let consistency: ConsistencyBody = get_as(
        &s,
        None,
        &format!(
            "/api/v1/log/proof/consistency?old={}&new={}",
            head.size, later.size
        ),
    )
    .await;
    let hashes = hashes_from_base64(&consistency.hashes).unwrap();
    assert_eq!(
        verify_consistency(head.size, later.size, &head.root, &later.root, &hashes),
        Ok(())
    );
    let last: LogEntries = get_as(&s, None, "/api/v1/log/entries?start=2").await;
    let yank = LogEntry::parse(&last.entries[0].entry_bytes().unwrap().unwrap()).unwrap();
    assert_eq!(
        (yank.kind, yank.version.as_deref()),
        (EntryKind::Yank, Some("1.0.0"))
    );

    // Out of range: a clear 400, never a panic.
    for uri in [
        "/api/v1/log/proof/inclusion?index=3",
        "/api/v1/log/proof/inclusion?index=0&size=9",
        "/api/v1/log/proof/consistency?old=3&new=2",
        "/api/v1/log/proof/consistency?old=0&new=18446744073709551615",
        "/api/v1/log/proof/inclusion?index=-1",
    ] {
        let (status, body) = get(&s.app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(error_type(&body), "ValidationError", "{uri}: {body}");
    }
    let (status, body): (StatusCode, Value) = get(&s.app, "/api/v1/log/entries?start=99").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["entries"], serde_json::json!([]));
}

/// A cosignature is kept only for a checkpoint this log signed of its own tree, and only
/// with a signature the named witness made; the kept lines merge.
pub(crate) async fn cosignatures_are_checked_and_merged(s: TestServer) {
    use skillreg_adapters::signing::note::NoteKeyPair;
    use skillreg_core::ports::NoteSigner as _;

    let info: LogInfo = get_as(&s, None, "/.well-known/skillreg-log").await;
    let key = NoteKey::parse(&info.key).unwrap();
    let (status, _) = publish(
        &s.app,
        Some(&s.token),
        "/api/v1/skills?namespace=acme&version=1.0.0",
        archive_named("pdf", "Reads PDF files", &[]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let request = Request::get("/api/v1/log/checkpoint")
        .body(Body::empty())
        .unwrap();
    let (_, body, _) = call(&s.app, request).await;
    let note = SignedNote::parse(std::str::from_utf8(&body).unwrap()).unwrap();
    let witness = NoteKeyPair::from_seed("w.test", [5; 32]).unwrap();
    let other = NoteKeyPair::from_seed("x.test", [6; 32]).unwrap();
    let cosigned = |note: &SignedNote, by: &NoteKeyPair| {
        let mut note = note.clone();
        note.signatures.push(by.sign(&note.text));
        note
    };
    let post = |note: SignedNote, witness: &NoteKeyPair| {
        let body =
            serde_json::json!({"note": note.to_text(), "witness": witness.public().to_text()});
        send(
            &s.app,
            "POST",
            "/api/v1/log/cosignatures",
            &s.token,
            body.to_string().into_bytes(),
        )
    };

    // Not cosigned by the key named; a checkpoint of another tree; one this log never signed.
    let (status, body) = post(cosigned(&note, &other), &witness).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let mut wrong_root = note.clone();
    wrong_root.text = wrong_root.text.replacen(
        &note.text.lines().nth(2).unwrap().to_owned(),
        &skillreg_core::log::hash_to_base64(&[1; 32]),
        1,
    );
    let (status, body) = post(cosigned(&wrong_root, &witness), &witness).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let forged = SignedNote {
        text: note.text.clone(),
        signatures: vec![other.sign(&note.text)],
    };
    let (status, body) = post(cosigned(&forged, &witness), &witness).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, kept) = get(&s.app, "/api/v1/log/cosignatures").await;
    assert_eq!(
        kept["checkpoints"],
        serde_json::json!([]),
        "nothing refused was kept"
    );

    // Two witnesses: their lines merge into one note, and stray lines are dropped.
    let (status, body) = post(cosigned(&cosigned(&note, &witness), &other), &witness).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = post(cosigned(&note, &other), &other).await;
    assert_eq!(status, StatusCode::OK);
    let (_, kept) = get(&s.app, "/api/v1/log/cosignatures").await;
    let kept = SignedNote::parse(kept["checkpoints"][0].as_str().unwrap()).unwrap();
    assert_eq!(kept.text, note.text);
    let names: Vec<&str> = kept.signatures.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, [key.name.as_str(), "w.test", "x.test"]);
    for by in [&key, witness.public(), other.public()] {
        assert!(signed_by(&kept, by));
    }
}
