//! The data folder's files: its lock, the first admin token, the log key, and keeping
//! them readable by their owner only.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use skillreg_adapters::signing::note::NoteKeyPair;
use skillreg_core::usecases::Registry;

/// Takes the data folder's lock for as long as the returned file is open.
pub(super) fn lock_data_dir(data_dir: &Path) -> anyhow::Result<std::fs::File> {
    let path = data_dir.join("skillreg.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another skillreg serve is using the data folder {}; stop it, or give this one \
             its own --data-dir",
            data_dir.display()
        ),
        Err(std::fs::TryLockError::Error(error)) => {
            Err(error).with_context(|| format!("locking {}", path.display()))
        }
    }
}

/// Makes the first admin token once per database (of several replicas starting together,
/// one makes it) and writes it where only the owner can read it; returns the line that
/// says where it is, or how to get one. The token never reaches a log.
pub(super) async fn ensure_admin_token(
    registry: &Registry,
    path: &Path,
    given: Option<String>,
) -> anyhow::Result<String> {
    let found = || format!("admin token: in {} (readable by you only)", path.display());
    if path.exists() {
        return Ok(found());
    }
    let issued = registry
        .first_admin_token(given.as_deref())
        .await
        .context("storing the admin token")?;
    match issued {
        Some(issued) if given.is_none() => {
            write_private(path, &issued.secret)
                .with_context(|| format!("writing {}", path.display()))?;
            Ok(found())
        }
        Some(_) => Ok("admin token: the one given in SKILLREG_ADMIN_TOKEN".to_owned()),
        None => Ok(
            "admin token: this database has one already (made by another replica or an \
             earlier start); use it, or an admin's `skillreg token create`"
                .to_owned(),
        ),
    }
}

/// Makes a folder (0700) or a file (0600) readable by its owner only.
#[cfg(unix)]
pub(super) fn make_private(path: &Path, folder: bool) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = if folder { 0o700 } else { 0o600 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
pub(super) fn make_private(_path: &Path, _folder: bool) -> std::io::Result<()> {
    Ok(())
}

/// Creates `path` empty with mode 0600 when missing, else narrows it (and its SQLite -wal
/// and -shm files, where present) to 0600.
pub(super) fn private_file(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(error),
        }
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = PathBuf::from(name);
        if file.exists() {
            make_private(&file, false)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn write_private(path: &Path, secret: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    writeln!(file, "{secret}")
}

#[cfg(not(unix))]
fn write_private(path: &Path, secret: &str) -> std::io::Result<()> {
    std::fs::write(path, format!("{secret}\n"))
}

/// The log key at `path`, made there (mode 0600) on the first start and read on every
/// other. Its name, the log's origin, is the public
/// URL without its scheme when one is set, else `skillreg-<key hash>`. Replicas serving one
/// database are given the same file (`--log-key`): they sign one tree.
pub(super) fn ensure_log_key(path: &Path, public_url: Option<&str>) -> anyhow::Result<NoteKeyPair> {
    let read = |text: &str| {
        NoteKeyPair::from_secret_text(text)
            .with_context(|| format!("the log key {} does not read", path.display()))
    };
    match std::fs::read_to_string(path) {
        Ok(text) => return read(&text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => {
            return Err(error).with_context(|| format!("reading the log key {}", path.display()));
        }
    }
    let named = public_url
        .map(|url| url.split_once("://").map_or(url, |(_, rest)| rest))
        .filter(|name| !name.contains(['+', ' ']));
    let pair = match named {
        Some(name) => NoteKeyPair::generate(name),
        None => NoteKeyPair::generate_unnamed(),
    }
    .context("making the log key")?;
    match write_private(path, pair.to_secret_text().trim_end()) {
        Ok(()) => Ok(pair),
        // Another replica sharing the file made it first.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the log key {}", path.display()))?;
            read(&text)
        }
        Err(error) => Err(error).with_context(|| format!("writing the log key {}", path.display())),
    }
}
