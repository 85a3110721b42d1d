//! Bundle rules, packing, and every hostile archive we know of, each with its own error.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest as _, Sha256};

use super::*;

const SKILL: &[u8] = b"---\nname: pdf\ndescription: PDF tools\n---\nbody\n";

fn file(path: &str, contents: &[u8], executable: bool) -> BundleFile {
    BundleFile::new(path.parse().unwrap(), contents.to_vec(), executable)
}

fn set(files: Vec<BundleFile>) -> Result<FileSet, BundleError> {
    FileSet::new(files, &BundleLimits::default())
}

/// One raw tar entry, written by hand so that anything a hostile tool could write can be.
#[derive(Clone, Copy)]
struct Raw<'a> {
    name: &'a [u8],
    kind: u8,
    data: &'a [u8],
    declared_size: Option<u64>,
    mode: u32,
}

fn raw<'a>(name: &'a [u8], kind: u8, data: &'a [u8]) -> Raw<'a> {
    Raw {
        name,
        kind,
        data,
        declared_size: None,
        mode: 0o644,
    }
}

fn octal(field: &mut [u8], value: u64) {
    let text = format!("{value:0width$o}\0", width = field.len() - 1);
    field.copy_from_slice(text.as_bytes());
}

fn raw_tar(entries: &[Raw<'_>]) -> Vec<u8> {
    let mut tar = Vec::new();
    for entry in entries {
        let mut header = [0u8; 512];
        header[..entry.name.len()].copy_from_slice(entry.name);
        octal(&mut header[100..108], u64::from(entry.mode));
        octal(&mut header[108..116], 0);
        octal(&mut header[116..124], 0);
        octal(
            &mut header[124..136],
            entry.declared_size.unwrap_or(entry.data.len() as u64),
        );
        octal(&mut header[136..148], 0);
        header[156] = entry.kind;
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        header[148..156].copy_from_slice(b"        ");
        let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
        header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        tar.extend_from_slice(&header);
        tar.extend_from_slice(entry.data);
        tar.resize(tar.len().div_ceil(512) * 512, 0);
    }
    tar.extend_from_slice(&[0u8; 1024]);
    tar
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// One pax extended-header record, `<length> <key>=<value>\n`, the length counting itself.
fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
    let body = key.len() + value.len() + 3;
    let mut len = body + body.to_string().len();
    if len.to_string().len() != body.to_string().len() {
        len = body + len.to_string().len();
    }
    let mut record = format!("{len} {key}=").into_bytes();
    record.extend_from_slice(value);
    record.push(b'\n');
    record
}

/// A GNU long-name entry carrying `name` for the entry after it.
fn gnu_long_name(name: &[u8]) -> Vec<u8> {
    let mut data = name.to_vec();
    data.push(0);
    data
}

fn with_skill<'a>(extra: Raw<'a>) -> Vec<u8> {
    with_skill_and(&[extra])
}

fn with_skill_and(extra: &[Raw<'_>]) -> Vec<u8> {
    let mut entries = vec![raw(b"SKILL.md", b'0', SKILL)];
    entries.extend_from_slice(extra);
    gzip(&raw_tar(&entries))
}

/// Whether an error is the expected one.
type Check = fn(&BundleError) -> bool;

fn small_limits() -> BundleLimits {
    BundleLimits {
        max_files: 3,
        max_file_size: 1000,
        max_unpacked_size: 2000,
        max_archive_size: 100_000,
    }
}

#[test]
fn every_hostile_archive_gets_its_own_error() {
    let long_name = format!("{}.md", "a".repeat(97));
    let deep = (0..17).map(|_| "d").collect::<Vec<_>>().join("/");
    let bomb = vec![0u8; 1_000_000];
    let too_long = format!("{}/{}.md", "d".repeat(150), "f".repeat(150));
    let gnu_too_long = gnu_long_name(too_long.as_bytes());
    let pax_too_long = pax_record("path", too_long.as_bytes());
    let truncated_entry = {
        let whole = raw_tar(&[
            raw(b"SKILL.md", b'0', SKILL),
            Raw {
                declared_size: Some(100),
                ..raw(b"short.md", b'0', &[5u8; 10])
            },
        ]);
        // SKILL.md's header and data block, the next header, then 10 of the 100 bytes.
        gzip(&whole[..1024 + 512 + 10])
    };
    let bad_checksum = {
        let mut tar = raw_tar(&[raw(b"SKILL.md", b'0', SKILL), raw(b"a.md", b'0', b"x")]);
        tar[1024] = b'b';
        gzip(&tar)
    };
    let cases: Vec<(&str, Vec<u8>, BundleLimits, Check)> = vec![
        (
            "dot-dot",
            with_skill(raw(b"../evil.sh", b'0', b"x")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::ParentComponent(_)),
        ),
        (
            "nested dot-dot",
            with_skill(raw(b"a/../../evil", b'0', b"x")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::ParentComponent(_)),
        ),
        (
            "absolute",
            with_skill(raw(b"/etc/passwd", b'0', b"x")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::AbsolutePath(_)),
        ),
        (
            "symlink",
            with_skill(raw(b"link", b'2', b"")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::Symlink(_)),
        ),
        (
            "hard link",
            with_skill(raw(b"hard", b'1', b"")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::HardLink(_)),
        ),
        (
            "char device",
            with_skill(raw(b"tty", b'3', b"")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::Device(_)),
        ),
        (
            "block device",
            with_skill(raw(b"sda", b'4', b"")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::Device(_)),
        ),
        (
            "fifo",
            with_skill(raw(b"pipe", b'6', b"")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::Fifo(_)),
        ),
        (
            "unknown entry type",
            with_skill(raw(b"odd", b'Z', b"")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::UnsupportedEntry(_)),
        ),
        (
            "huge declared size",
            with_skill(Raw {
                declared_size: Some(1024 * 1024 * 1024),
                ..raw(b"huge.bin", b'0', b"")
            }),
            BundleLimits::default(),
            |e| {
                matches!(
                    e,
                    BundleError::FileTooLarge {
                        size: 1_073_741_824,
                        ..
                    }
                )
            },
        ),
        (
            "too many entries",
            gzip(&raw_tar(&[
                raw(b"SKILL.md", b'0', SKILL),
                raw(b"a", b'0', b""),
                raw(b"b", b'0', b""),
                raw(b"c", b'0', b""),
            ])),
            small_limits(),
            |e| matches!(e, BundleError::TooManyFiles { limit: 3 }),
        ),
        (
            "case collision",
            gzip(&raw_tar(&[
                raw(b"SKILL.md", b'0', SKILL),
                raw(b"Read.md", b'0', b"1"),
                raw(b"read.md", b'0', b"2"),
            ])),
            BundleLimits::default(),
            |e| matches!(e, BundleError::CaseCollision(..)),
        ),
        (
            "duplicate",
            gzip(&raw_tar(&[
                raw(b"SKILL.md", b'0', SKILL),
                raw(b"a.md", b'0', b"1"),
                raw(b"a.md", b'0', b"2"),
            ])),
            BundleLimits::default(),
            |e| matches!(e, BundleError::DuplicatePath(_)),
        ),
        (
            "file and folder",
            gzip(&raw_tar(&[
                raw(b"SKILL.md", b'0', SKILL),
                raw(b"a", b'0', b"1"),
                raw(b"a/b", b'0', b"2"),
            ])),
            BundleLimits::default(),
            |e| matches!(e, BundleError::FileFolderClash(_)),
        ),
        (
            "non-utf8 name",
            with_skill(raw(b"bad\xff.md", b'0', b"x")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::NotUtf8(_)),
        ),
        (
            "backslash",
            with_skill(raw(b"a\\b.md", b'0', b"x")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::Backslash(_)),
        ),
        (
            "control character",
            with_skill(raw(b"a\x1bb.md", b'0', b"x")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::ControlCharacter(_)),
        ),
        (
            "too deep",
            with_skill(raw(deep.as_bytes(), b'0', b"x")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::TooDeep(_)),
        ),
        (
            "too long (GNU long name)",
            with_skill_and(&[
                raw(b"././@LongLink", b'L', &gnu_too_long),
                raw(b"cut", b'0', b"x"),
            ]),
            BundleLimits::default(),
            |e| matches!(e, BundleError::PathTooLong { len: 304, .. }),
        ),
        (
            "too long (pax path)",
            with_skill_and(&[
                raw(b"PaxHeaders/cut", b'x', &pax_too_long),
                raw(b"cut", b'0', b"x"),
            ]),
            BundleLimits::default(),
            |e| matches!(e, BundleError::PathTooLong { len: 304, .. }),
        ),
        (
            "empty name",
            with_skill(raw(b"", b'0', b"x")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::EmptyPath),
        ),
        (
            "dot component",
            with_skill(raw(b"a/./b.md", b'0', b"x")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::EmptyComponent(_)),
        ),
        (
            "folder entry outside the bundle",
            with_skill(raw(b"../up/", b'5', b"")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::ParentComponent(_)),
        ),
        (
            "symlink with an absolute name",
            with_skill(raw(b"/etc/link", b'2', b"")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::AbsolutePath(_)),
        ),
        (
            "bidirectional override",
            with_skill(raw("evil\u{202e}dm.sh".as_bytes(), b'0', b"x")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::ControlCharacter(_)),
        ),
        (
            "non-NFC",
            with_skill(raw("cafe\u{301}.md".as_bytes(), b'0', b"x")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::NotNfc(_)),
        ),
        (
            "empty component",
            with_skill(raw(b"a//b.md", b'0', b"x")),
            BundleLimits::default(),
            |e| matches!(e, BundleError::EmptyComponent(_)),
        ),
        (
            "missing SKILL.md",
            gzip(&raw_tar(&[raw(b"README.md", b'0', b"x")])),
            BundleLimits::default(),
            |e| matches!(e, BundleError::MissingSkillMd),
        ),
        (
            "SKILL.md only nested",
            gzip(&raw_tar(&[raw(b"sub/SKILL.md", b'0', SKILL)])),
            BundleLimits::default(),
            |e| matches!(e, BundleError::MissingSkillMd),
        ),
        (
            "garbage",
            b"this is not gzip at all".to_vec(),
            BundleLimits::default(),
            |e| matches!(e, BundleError::CorruptArchive(_)),
        ),
        (
            "truncated gzip",
            {
                let whole = with_skill(raw(long_name.as_bytes(), b'0', &[7u8; 5000]));
                whole[..whole.len() / 2].to_vec()
            },
            BundleLimits::default(),
            |e| matches!(e, BundleError::CorruptArchive(_)),
        ),
        (
            "entry shorter than its header",
            truncated_entry,
            BundleLimits::default(),
            |e| matches!(e, BundleError::CorruptArchive(_)),
        ),
        (
            "header checksum mismatch",
            bad_checksum,
            BundleLimits::default(),
            |e| matches!(e, BundleError::CorruptArchive(_)),
        ),
        (
            "oversize compressed input",
            vec![0u8; 2000],
            BundleLimits {
                max_archive_size: 1000,
                ..BundleLimits::default()
            },
            |e| {
                matches!(
                    e,
                    BundleError::ArchiveTooLarge {
                        size: 2000,
                        limit: 1000
                    }
                )
            },
        ),
        (
            "decompression bomb",
            gzip(&raw_tar(&[
                raw(b"SKILL.md", b'0', SKILL),
                Raw {
                    declared_size: Some(500),
                    ..raw(b"a", b'0', &bomb)
                },
            ])),
            small_limits(),
            |e| matches!(e, BundleError::UnpackedTooLarge { limit: 2000 }),
        ),
        (
            "folder declaring gigabytes of data",
            gzip(&raw_tar(&[
                raw(b"SKILL.md", b'0', SKILL),
                Raw {
                    declared_size: Some(1 << 32),
                    ..raw(b"dir/", b'5', &bomb)
                },
            ])),
            small_limits(),
            |e| matches!(e, BundleError::UnpackedTooLarge { limit: 2000 }),
        ),
        (
            "total over the unpacked limit",
            gzip(&raw_tar(&[
                raw(b"SKILL.md", b'0', SKILL),
                raw(b"a", b'0', &[1u8; 990]),
                raw(b"b", b'0', &[2u8; 990]),
            ])),
            small_limits(),
            |e| matches!(e, BundleError::UnpackedTooLarge { limit: 2000 }),
        ),
    ];
    for (name, bytes, limits, check) in cases {
        match read_archive(&bytes, &limits) {
            Ok(_) => panic!("{name}: accepted"),
            Err(error) => assert!(check(&error), "{name}: wrong error: {error:?}"),
        }
    }
}

#[test]
fn hostile_names_reach_messages_escaped_and_cut() {
    let escape = with_skill(raw(b"a\x1b[31mred.md", b'0', b"x"));
    let error = read_archive(&escape, &BundleLimits::default()).unwrap_err();
    assert!(
        matches!(error, BundleError::ControlCharacter(_)),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(!message.contains('\x1b'), "{message:?}");
    assert!(message.contains("a\\u{1b}[31mred.md"), "{message:?}");

    let bidi = "evil\u{202e}dm.sh".parse::<BundlePath>().unwrap_err();
    assert!(!bidi.to_string().contains('\u{202e}'), "{bidi}");

    let long_and_dirty = format!("{}\x07", "a".repeat(300));
    let error = long_and_dirty.parse::<BundlePath>().unwrap_err();
    assert!(
        matches!(error, BundleError::PathTooLong { len: 301, .. }),
        "{error:?}"
    );
    assert!(error.to_string().len() < 200, "{error}");

    // A megabyte-long pax path that is not UTF-8.
    let mut huge = vec![b'x'; 1 << 20];
    huge[10] = 0xff;
    let record = pax_record("path", &huge);
    let bytes = with_skill_and(&[
        raw(b"PaxHeaders/huge", b'x', &record),
        raw(b"huge", b'0', b"x"),
    ]);
    let error = read_archive(&bytes, &BundleLimits::default()).unwrap_err();
    assert!(matches!(error, BundleError::NotUtf8(_)), "{error:?}");
    assert!(error.to_string().len() < 200, "{error}");
}

#[test]
fn folder_entries_for_the_root_are_accepted() {
    let bytes = gzip(&raw_tar(&[
        raw(b"./", b'5', b""),
        raw(b".", b'5', b""),
        raw(b"./SKILL.md", b'0', SKILL),
        raw(b"./refs/", b'5', b""),
        raw(b"./refs/a.md", b'0', b"a"),
    ]));
    let files = read_archive(&bytes, &BundleLimits::default()).unwrap();
    let paths: Vec<&str> = files.paths().map(BundlePath::as_str).collect();
    assert_eq!(paths, ["SKILL.md", "refs/a.md"]);
}

#[test]
fn paths_are_checked_the_same_everywhere() {
    assert!(matches!(
        "".parse::<BundlePath>(),
        Err(BundleError::EmptyPath)
    ));
    assert!(matches!(
        "a/".parse::<BundlePath>(),
        Err(BundleError::EmptyComponent(_))
    ));
    assert!(matches!(
        "./a".parse::<BundlePath>(),
        Err(BundleError::EmptyComponent(_))
    ));
    let long = "a".repeat(256);
    assert!(matches!(
        long.parse::<BundlePath>(),
        Err(BundleError::PathTooLong { len: 256, .. })
    ));
    assert!("a".repeat(255).parse::<BundlePath>().is_ok());
    assert!("scripts/run.py".parse::<BundlePath>().is_ok());
    assert!("café.md".parse::<BundlePath>().is_ok());
}

#[test]
fn file_sets_enforce_limits_and_shape() {
    assert!(matches!(
        set(vec![file("README.md", b"x", false)]),
        Err(BundleError::MissingSkillMd)
    ));
    let limits = BundleLimits {
        max_files: 2,
        max_file_size: 10,
        max_unpacked_size: 15,
        max_archive_size: 100,
    };
    let too_many = vec![
        file("SKILL.md", b"x", false),
        file("a", b"", false),
        file("b", b"", false),
    ];
    assert!(matches!(
        FileSet::new(too_many, &limits),
        Err(BundleError::TooManyFiles { limit: 2 })
    ));
    let too_big = vec![file("SKILL.md", &[0; 11], false)];
    assert!(matches!(
        FileSet::new(too_big, &limits),
        Err(BundleError::FileTooLarge { size: 11, .. })
    ));
    let too_much = vec![file("SKILL.md", &[0; 8], false), file("a", &[0; 8], false)];
    assert!(matches!(
        FileSet::new(too_much, &limits),
        Err(BundleError::UnpackedTooLarge { limit: 15 })
    ));
    let ok = set(vec![
        file("SKILL.md", SKILL, false),
        file("sub/SKILL.md", b"nested is fine", false),
    ])
    .unwrap();
    assert_eq!(ok.len(), 2);
    assert_eq!(ok.skill_md().path().as_str(), "SKILL.md");
    assert_eq!(
        ok.get("sub/SKILL.md").map(BundleFile::contents),
        Some(&b"nested is fine"[..])
    );
    assert_eq!(ok.unpacked_size(), SKILL.len() as u64 + 14);
}

#[test]
fn pack_read_pack_is_byte_identical() {
    let files = set(vec![
        file("SKILL.md", SKILL, false),
        file("scripts/run.sh", b"#!/bin/sh\n", true),
        file("refs/a.md", b"a", false),
    ])
    .unwrap();
    let first = pack(&files).unwrap();
    assert_eq!(first.digest(), &Digest::of(first.bytes()));
    let read = read_archive(first.bytes(), &BundleLimits::default()).unwrap();
    assert_eq!(read, files);
    assert_eq!(pack(&read).unwrap(), first);
    // The gzip header carries no name and no time.
    assert_eq!(&first.bytes()[4..8], &[0, 0, 0, 0], "mtime is zero");
    assert_eq!(first.bytes()[3] & 0x08, 0, "no file name");
}

#[test]
fn long_paths_survive_a_round_trip() {
    let long = format!("{}/{}.md", "d".repeat(120), "f".repeat(120));
    let files = set(vec![
        file("SKILL.md", SKILL, false),
        file(&long, b"deep", false),
    ])
    .unwrap();
    let archive = pack(&files).unwrap();
    let read = read_archive(archive.bytes(), &BundleLimits::default()).unwrap();
    assert_eq!(read, files);
    assert_eq!(
        pack(&read).unwrap(),
        archive,
        "the long-name header is deterministic"
    );
}

/// Archive digests are blob keys and ETags, so the bytes `pack` writes are pinned: a change
/// in the tar or gzip writer (a dependency upgrade included) fails here and has to be a
/// decision, not an accident.
#[test]
fn the_archive_bytes_are_pinned() {
    let files = set(vec![
        file("SKILL.md", SKILL, false),
        file("scripts/run.sh", b"#!/bin/sh\necho hi\n", true),
    ])
    .unwrap();
    let archive = pack(&files).unwrap();
    // Checked when pinned with an independent reader (Python's gzip and tarfile): gzip header
    // `1f8b 08 00 00000000 02 ff` (no name, mtime 0, OS unknown); two ustar entries, sorted,
    // no folder entry, modes 0644 and 0755, uid/gid 0, empty owner names, mtime 0.
    assert_eq!(archive.bytes().len(), 183);
    assert_eq!(
        &archive.bytes()[..10],
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    );
    assert_eq!(
        archive.digest().hex(),
        "6c8524fa7431d72704fc047ffb9a37deb293c6b0241f1467feb15ff69c32c930"
    );
}

#[test]
fn modes_keep_the_executable_bit_and_drop_the_rest() {
    let bytes = gzip(&raw_tar(&[
        raw(b"SKILL.md", b'0', SKILL),
        Raw {
            mode: 0o4755,
            ..raw(b"setuid.sh", b'0', b"x")
        },
        Raw {
            mode: 0o1600,
            ..raw(b"sticky.txt", b'0', b"y")
        },
        raw(b"./dir/", b'5', b""),
        raw(b"dir/inner.txt", b'0', b"z"),
    ]));
    let files = read_archive(&bytes, &BundleLimits::default()).unwrap();
    assert!(files.get("setuid.sh").unwrap().executable());
    assert_eq!(files.get("setuid.sh").unwrap().mode(), 0o755);
    assert_eq!(files.get("sticky.txt").unwrap().mode(), 0o644);
    assert!(
        files.get("dir/inner.txt").is_some(),
        "folder entries are skipped, their files kept"
    );
}

#[test]
fn the_content_digest_follows_the_frozen_formula() {
    let files = set(vec![
        file("b.txt", b"bee", false),
        file("SKILL.md", SKILL, true),
    ])
    .unwrap();
    let mut expected = Sha256::new();
    for (path, contents) in [("SKILL.md", SKILL), ("b.txt", &b"bee"[..])] {
        let line = format!(
            "{path}\0{}\n",
            crate::digest::hex(&Sha256::digest(contents))
        );
        expected.update(line.as_bytes());
    }
    let expected = Digest::from_bytes(expected.finalize().into());
    assert_eq!(files.content_digest(), expected);
    let same_content_other_mode = set(vec![
        file("b.txt", b"bee", true),
        file("SKILL.md", SKILL, false),
    ])
    .unwrap();
    assert_eq!(
        same_content_other_mode.content_digest(),
        expected,
        "modes are not part of it"
    );
}

#[test]
fn packing_leaves_out_what_is_not_the_skill() {
    for ignored in [
        ".git/config",
        ".DS_Store",
        "a/.hidden",
        "__pycache__/x.py",
        "a/node_modules/b.js",
        "x.pyc",
    ] {
        assert!(is_ignored_when_packing(ignored), "{ignored}");
    }
    for kept in ["SKILL.md", "scripts/run.py", "a.b/c", "notes..md"] {
        assert!(!is_ignored_when_packing(kept), "{kept}");
    }
}
