//! Audit benchmark: prints the audit's throughput over the fixture skills and over a 5 MB
//! skill of text and scripts, and the audit's time for a 10 KB skill (what it adds to a
//! publish), as medians. Figures are printed, not asserted.
//!
//! Run: `cargo bench -p skillreg-core --bench audit`.

#![expect(
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "a benchmark prints and stops on failure"
)]
#![expect(clippy::disallowed_methods, reason = "a benchmark measures time")]

use std::time::{Duration, Instant};

use skillreg_core::audit::audit;
use skillreg_core::bundle::{BundleFile, BundleLimits, FileSet};
use skillreg_testkit::fixtures::load_fixture;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn time(files: &FileSet, runs: usize) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(audit(std::hint::black_box(files)));
                start.elapsed()
            })
            .collect(),
    )
}

fn bytes(files: &FileSet) -> usize {
    files.files().map(|f| f.contents().len()).sum()
}

/// A skill of `size` bytes: Markdown prose with code blocks, and shell and Python scripts,
/// written like real skills (and clean, so no finding short-cuts the work).
fn skill_of(size: usize) -> FileSet {
    let prose = "Use this skill to fill PDF forms. Read the form's fields first, then write the \
                 values the user gave, and check the result before you hand it back.\n";
    let block = "```sh\npython3 scripts/fill.py --form input.pdf --out filled.pdf\n```\n";
    let shell = "set -euo pipefail\nfor file in \"$@\"; do\n  echo \"checking $file\"\n  test -f \"$file\"\ndone\n";
    let python = "import json, sys\n\ndef fill(form, values):\n    for key, value in values.items():\n        form[key] = str(value)\n    return form\n";
    let per = size / 4;
    let repeat = |unit: &str| unit.repeat(per / unit.len() + 1)[..per].to_owned();
    let md = format!(
        "---\nname: big\ndescription: A big skill.\n---\n{}",
        repeat(&format!("{prose}{block}"))
    );
    let files = [
        ("SKILL.md", md, false),
        ("reference.md", repeat(prose), false),
        ("scripts/check.sh", repeat(shell), true),
        ("scripts/fill.py", repeat(python), false),
    ];
    FileSet::new(
        files
            .into_iter()
            .map(|(p, t, x)| BundleFile::new(p.parse().unwrap(), t.into_bytes(), x)),
        &BundleLimits {
            max_file_size: 8 << 20,
            max_unpacked_size: 64 << 20,
            ..BundleLimits::default()
        },
    )
    .unwrap()
}

fn main() {
    let fixtures: Vec<FileSet> = [
        "brand-guidelines",
        "claude-api",
        "frontend-design",
        "internal-comms",
    ]
    .into_iter()
    .map(load_fixture)
    .collect();
    let total: usize = fixtures.iter().map(bytes).sum();
    let elapsed: Duration = fixtures.iter().map(|f| time(f, 21)).sum();
    println!(
        "audit: the four fixture skills ({:.2} MB) in {:.2} ms: {:.0} MB/s",
        total as f64 / 1e6,
        elapsed.as_secs_f64() * 1e3,
        total as f64 / 1e6 / elapsed.as_secs_f64()
    );
    let big = skill_of(5 << 20);
    let elapsed = time(&big, 7);
    println!(
        "audit: a 5 MB skill in {:.1} ms: {:.0} MB/s",
        elapsed.as_secs_f64() * 1e3,
        bytes(&big) as f64 / 1e6 / elapsed.as_secs_f64()
    );
    let small = skill_of(10 << 10);
    let elapsed = time(&small, 501);
    println!(
        "audit: a 10 KB skill, p50 {:.1} µs (what the audit adds to a publish)",
        elapsed.as_secs_f64() * 1e6
    );
}
