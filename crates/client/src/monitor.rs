//! Monitoring a registry's transparency log (`skillreg log verify`): take its checkpoint as
//! an install would ([`LogTrust::view`]: signed, consistent with what was trusted before),
//! read every entry, recompute every leaf hash and the tree head, then compare what the log
//! says each version is (placed where, with which digests, yanked or not) with what the
//! registry answers now.

use std::collections::BTreeMap;

use skillreg_adapters::http::RegistryClient;
use skillreg_core::log::{EntryKind, LogEntry, Tree, leaf_hash};

use crate::transparency::{LogFailure, LogTrust, LogView};

/// One thing the log and the registry disagree on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The entry it is about, when one is.
    pub index: Option<u64>,
    /// What is wrong.
    pub what: String,
}

/// What a walk of the log found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MonitorReport {
    /// The registry.
    pub registry: String,
    /// The checkpoint's size: every entry walked.
    pub size: u64,
    /// Entries whose bytes were read and checked.
    pub checked: u64,
    /// Entries whose bytes the registry withholds from this reader (their leaves still
    /// count in the tree).
    pub withheld: u64,
    /// Versions compared with the registry's answers.
    pub versions: u64,
    /// Every disagreement.
    pub problems: Vec<Problem>,
}

/// What the log says of one version.
#[derive(Debug, Clone)]
struct Logged {
    placed_by: u64,
    archive: Option<skillreg_core::Digest>,
    content: Option<skillreg_core::Digest>,
    yanked: Option<(bool, u64)>,
}

const PAGE: u32 = 1000;

/// Walks `client`'s whole log; `progress` is told how many entries are done.
///
/// # Errors
/// [`LogFailure`] when the checkpoint itself is not trusted (unsigned, forked, rolled back)
/// or the registry cannot be asked; disagreements are the report's problems.
pub async fn monitor(
    client: &RegistryClient,
    trust: &LogTrust,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<MonitorReport, LogFailure> {
    let view: LogView = trust
        .view(client)
        .await?
        .ok_or_else(|| LogFailure::Inconsistent {
            registry: client.base().to_owned(),
            reason: "it keeps no transparency log".to_owned(),
        })?;
    let size = view.checkpoint.size;
    let mut report = MonitorReport {
        registry: view.registry.clone(),
        size,
        checked: 0,
        withheld: 0,
        versions: 0,
        problems: Vec::new(),
    };
    let mut problems = Vec::new();
    let mut tree = Tree::new();
    let mut logged: BTreeMap<(String, String), Logged> = BTreeMap::new();
    while tree.size() < size {
        let page = client.log_entries(tree.size(), PAGE).await?;
        if page.entries.is_empty() {
            problems.push(report_problem(
                Some(tree.size()),
                format!(
                    "the log ends at {} entries; its checkpoint says {size}",
                    tree.size()
                ),
            ));
            break;
        }
        for body in page.entries {
            let index = tree.size();
            if index >= size {
                break;
            }
            if body.index != index {
                problems.push(report_problem(
                    Some(index),
                    format!("entry {index} came back as entry {}", body.index),
                ));
            }
            let leaf = match body.leaf_hash() {
                Ok(leaf) => leaf,
                Err(error) => {
                    problems.push(report_problem(Some(index), error));
                    [0; 32]
                }
            };
            tree.push(leaf);
            let bytes = match body.entry_bytes() {
                Ok(Some(bytes)) => bytes,
                Ok(None) => {
                    report.withheld += 1;
                    continue;
                }
                Err(error) => {
                    problems.push(report_problem(Some(index), error));
                    continue;
                }
            };
            report.checked += 1;
            if leaf_hash(&bytes) != leaf {
                problems.push(report_problem(
                    Some(index),
                    "its bytes do not hash to its leaf".to_owned(),
                ));
            }
            match LogEntry::parse(&bytes) {
                Ok(entry) => follow(&mut logged, index, &entry),
                Err(error) => problems.push(report_problem(Some(index), error.to_string())),
            }
        }
        progress(tree.size(), size);
    }
    if tree.size() == size && tree.root(size).ok() != Some(view.checkpoint.root) {
        problems.push(report_problem(
            None,
            format!("its {size} entries do not make the root hash its checkpoint signs"),
        ));
    }
    compare(client, &logged, &mut report, &mut problems).await?;
    report.problems = problems;
    Ok(report)
}

fn report_problem(index: Option<u64>, what: String) -> Problem {
    Problem { index, what }
}

/// Applies one entry to what the log says of each version.
fn follow(logged: &mut BTreeMap<(String, String), Logged>, index: u64, entry: &LogEntry) {
    let version = entry.version.clone().unwrap_or_default();
    let key = (entry.id.to_string(), version.clone());
    match entry.kind {
        EntryKind::Publish | EntryKind::Move => {
            let carried = entry
                .from
                .as_ref()
                .and_then(|from| logged.remove(&(from.to_string(), version)))
                .and_then(|before| before.yanked);
            logged.insert(
                key,
                Logged {
                    placed_by: index,
                    archive: entry.archive,
                    content: entry.content,
                    yanked: carried,
                },
            );
        }
        EntryKind::Yank | EntryKind::Unyank => {
            if let Some(version) = logged.get_mut(&key) {
                version.yanked = Some((entry.kind == EntryKind::Yank, index));
            }
        }
        EntryKind::Deprecate | EntryKind::Undeprecate => {}
    }
}

/// Compares each version the log places with what the registry serves now.
async fn compare(
    client: &RegistryClient,
    logged: &BTreeMap<(String, String), Logged>,
    report: &mut MonitorReport,
    problems: &mut Vec<Problem>,
) -> Result<(), LogFailure> {
    let mut ids: Vec<&String> = logged.keys().map(|(id, _)| id).collect();
    ids.dedup();
    for id in ids {
        let Ok(parsed) = id.parse() else { continue };
        let served = match client.versions(&parsed).await {
            Ok(served) => served,
            Err(error) if error.api().is_some_and(|a| a.status == 404) => Vec::new(),
            Err(error) => return Err(error.into()),
        };
        let of_id = logged
            .range((id.clone(), String::new())..)
            .take_while(|((logged_id, _), _)| logged_id == id);
        for ((_, version), log) in of_id {
            let Some(body) = served.iter().find(|b| &b.version == version) else {
                problems.push(report_problem(
                    Some(log.placed_by),
                    format!("{id} {version} is in the log, and the registry does not serve it"),
                ));
                continue;
            };
            report.versions += 1;
            let digest = |d: &Option<skillreg_core::Digest>| {
                d.map_or_else(|| "-".to_owned(), |d| d.to_string())
            };
            if log.archive.map(|d| d.to_string()).as_deref() != Some(body.archive_digest.as_str()) {
                problems.push(report_problem(
                    Some(log.placed_by),
                    format!(
                        "{id} {version}: the log records archive {}, the registry serves {}",
                        digest(&log.archive),
                        skillreg_core::text::sanitize_remote(&body.archive_digest)
                    ),
                ));
            }
            if log.content.map(|d| d.to_string()).as_deref() != Some(body.content_digest.as_str()) {
                problems.push(report_problem(
                    Some(log.placed_by),
                    format!(
                        "{id} {version}: the log records content {}, the registry serves {}",
                        digest(&log.content),
                        skillreg_core::text::sanitize_remote(&body.content_digest)
                    ),
                ));
            }
            if body.log_index != Some(log.placed_by) {
                problems.push(report_problem(
                    Some(log.placed_by),
                    format!(
                        "{id} {version}: the registry names log entry {:?}, the log {}",
                        body.log_index, log.placed_by
                    ),
                ));
            }
            match (log.yanked, body.yanked) {
                (Some((true, at)), false) => problems.push(report_problem(
                    Some(at),
                    format!("{id} {version} is yanked in the log and served as not yanked"),
                )),
                (None | Some((false, _)), true) => problems.push(report_problem(
                    Some(log.placed_by),
                    format!("{id} {version} is served as yanked, and no log entry yanks it"),
                )),
                _ => {}
            }
        }
        for body in &served {
            if !logged.contains_key(&(id.clone(), body.version.clone())) {
                problems.push(report_problem(
                    None,
                    format!(
                        "{id} {} is served, and no log entry records it",
                        skillreg_core::text::sanitize_remote(&body.version)
                    ),
                ));
            }
        }
    }
    Ok(())
}
