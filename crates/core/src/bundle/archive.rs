//! The archive: a deterministic tar.gz of a [`FileSet`] ([`pack`]), and the safe reading of
//! an untrusted one back into a [`FileSet`] ([`read_archive`]). Nothing here touches a disk.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use flate2::read::GzDecoder;
use flate2::{Compression, GzBuilder};
use tar::{EntryType, Header};

use super::{BundleError, BundleFile, BundleLimits, BundlePath, FileSet, MAX_PATH_BYTES, shown};
use crate::digest::Digest;

/// The gzip level; fixed, so the same files give the same bytes everywhere.
const GZIP_LEVEL: u32 = 9;
/// The gzip OS byte: "unknown", whatever machine packs.
const GZIP_OS_UNKNOWN: u8 = 255;

/// A packed bundle and its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    bytes: Vec<u8>,
    digest: Digest,
}

impl Archive {
    /// The archive bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The archive digest (sha256 of the bytes).
    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    /// The bytes, taken out.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// Packs a file set deterministically (docs/FORMATS.md, "Archive"): entries sorted by path, no
/// folder entries, mtime 0, uid/gid 0, empty owner names, mode 0644 or 0755, gzip without
/// name or time at a fixed level.
///
/// # Errors
/// [`BundleError::Pack`] if a path cannot be written (it never happens for valid paths).
pub fn pack(files: &FileSet) -> Result<Archive, BundleError> {
    let gzip = GzBuilder::new()
        .mtime(0)
        .operating_system(GZIP_OS_UNKNOWN)
        .write(Vec::new(), Compression::new(GZIP_LEVEL));
    let mut builder = tar::Builder::new(gzip);
    for file in files.files() {
        let fail = |error: io::Error| BundleError::Pack {
            path: file.path().to_string(),
            reason: error.to_string(),
        };
        let mut header = Header::new_ustar();
        header.set_entry_type(EntryType::Regular);
        header.set_size(file.contents().len() as u64);
        header.set_mode(file.mode());
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_username("").map_err(fail)?;
        header.set_groupname("").map_err(fail)?;
        builder
            .append_data(&mut header, file.path().as_str(), file.contents())
            .map_err(fail)?;
    }
    let finish = |error: io::Error| BundleError::Pack {
        path: String::new(),
        reason: error.to_string(),
    };
    let gzip = builder.into_inner().map_err(finish)?;
    let bytes = gzip.finish().map_err(finish)?;
    let digest = Digest::of(&bytes);
    Ok(Archive { bytes, digest })
}

/// A reader that fails once more than `remaining` bytes have come through, says so through
/// `exceeded`, and keeps failing after that (a caller that retries gets no more bytes).
struct Capped<R> {
    inner: R,
    remaining: u64,
    exceeded: Rc<Cell<bool>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let passed = || io::Error::other("decompressed size limit passed");
        if self.exceeded.get() {
            return Err(passed());
        }
        let n = self.inner.read(buf)?;
        if n as u64 > self.remaining {
            self.exceeded.set(true);
            return Err(passed());
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// Reads an untrusted archive into a validated [`FileSet`], with hard limits: the
/// compressed size is checked first, decompression stops with an error the moment the
/// stream passes what the limits allow, each entry's declared size is checked before its
/// data is read, and only regular files (and folders, which are skipped) are accepted.
///
/// # Errors
/// A [`BundleError`] naming the first problem; never a panic, never a partial result.
pub fn read_archive(bytes: &[u8], limits: &BundleLimits) -> Result<FileSet, BundleError> {
    if bytes.len() as u64 > limits.max_archive_size {
        return Err(BundleError::ArchiveTooLarge {
            size: bytes.len() as u64,
            limit: limits.max_archive_size,
        });
    }
    // Room for the data, and for headers: a file may take a header, a long-name header and
    // its name block, plus padding; then the end-of-archive blocks.
    let overhead = (limits.max_files as u64 + 1) * 512 * 6 + 10 * 1024;
    let exceeded = Rc::new(Cell::new(false));
    let capped = Capped {
        inner: GzDecoder::new(bytes),
        remaining: limits.max_unpacked_size.saturating_add(overhead),
        exceeded: Rc::clone(&exceeded),
    };
    let corrupt = |error: io::Error| {
        if exceeded.get() {
            BundleError::UnpackedTooLarge {
                limit: limits.max_unpacked_size,
            }
        } else {
            BundleError::CorruptArchive(error.to_string())
        }
    };
    let mut archive = tar::Archive::new(capped);
    let mut files = Vec::new();
    let mut total: u64 = 0;
    for entry in archive.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        let entry_type = entry.header().entry_type();
        if entry_type == EntryType::XGlobalHeader {
            // Pax global headers carry defaults (often a commit id from `git archive`), no file.
            continue;
        }
        let raw_path = entry.path_bytes().into_owned();
        let text = std::str::from_utf8(&raw_path).map_err(|_| {
            // A pax path can be megabytes long; only a bounded prefix reaches the message.
            let start = &raw_path[..raw_path.len().min(MAX_PATH_BYTES)];
            BundleError::NotUtf8(shown(&String::from_utf8_lossy(start), 64))
        })?;
        // `tar -C folder .` writes `./` before every name and a `./` entry for the folder.
        let text = text.strip_prefix("./").unwrap_or(text);
        if entry_type == EntryType::Directory {
            let folder = text.strip_suffix('/').unwrap_or(text);
            if !folder.is_empty() && folder != "." {
                folder.parse::<BundlePath>()?;
            }
            continue;
        }
        // Every entry's path passes the same check before its type is looked at, so the
        // variants below only ever carry a valid path.
        let path: BundlePath = text.parse()?;
        match entry_type {
            EntryType::Regular | EntryType::Continuous => {}
            EntryType::Symlink => return Err(BundleError::Symlink(path.to_string())),
            EntryType::Link => return Err(BundleError::HardLink(path.to_string())),
            EntryType::Char | EntryType::Block => {
                return Err(BundleError::Device(path.to_string()));
            }
            EntryType::Fifo => return Err(BundleError::Fifo(path.to_string())),
            _ => return Err(BundleError::UnsupportedEntry(path.to_string())),
        }
        if files.len() == limits.max_files {
            return Err(BundleError::TooManyFiles {
                limit: limits.max_files,
            });
        }
        let size = entry.size();
        if size > limits.max_file_size {
            return Err(BundleError::FileTooLarge {
                path: path.to_string(),
                size,
                limit: limits.max_file_size,
            });
        }
        total = total.saturating_add(size);
        if total > limits.max_unpacked_size {
            return Err(BundleError::UnpackedTooLarge {
                limit: limits.max_unpacked_size,
            });
        }
        let executable = entry.header().mode().map_err(corrupt)? & 0o111 != 0;
        // Never trust the declared size for an allocation beyond a modest start.
        let mut contents = Vec::with_capacity(usize::try_from(size.min(1 << 20)).unwrap_or(0));
        (&mut entry)
            .take(size)
            .read_to_end(&mut contents)
            .map_err(corrupt)?;
        if contents.len() as u64 != size {
            return Err(BundleError::CorruptArchive(format!(
                "`{path}` is shorter than its header says"
            )));
        }
        files.push(BundleFile::new(path, contents, executable));
    }
    // Read the rest of the gzip stream so a damaged or truncated trailer is noticed.
    io::copy(&mut archive.into_inner(), &mut io::sink()).map_err(corrupt)?;
    FileSet::new(files, limits)
}
