use super::*;

fn skill_md(frontmatter: &str) -> String {
    format!("---\n{frontmatter}---\n# Body\n")
}

fn parse(frontmatter: &str) -> Result<ParsedManifest, ManifestError> {
    parse_skill_md(skill_md(frontmatter).as_bytes(), Some("pdf"))
}

/// `[*a, *a, …]` over `&a [x, x, …]`: about 28 KB that serde_yaml_ng alone expands into
/// 49 million values.
fn flat_alias_bomb() -> String {
    let inner = vec!["x"; 7000].join(",");
    let outer = vec!["*a"; 7000].join(",");
    format!("name: pdf\ndescription: x\nbomb: [&a [{inner}], {outer}]\n")
}

#[test]
fn a_full_manifest_parses() {
    let parsed = parse(
        "name: pdf\ndescription: Fill PDF forms\nlicense: MIT\ncompatibility: needs python3\nmetadata:\n  tags: docs, pdf\n  stars: 5\n  beta: true\n  version: \"1.2.3\"\nallowed-tools: Read Bash(python:*)\n",
    )
    .unwrap();
    let m = &parsed.manifest;
    assert_eq!(m.name().as_str(), "pdf");
    assert_eq!(m.description(), "Fill PDF forms");
    assert_eq!(m.license(), Some("MIT"));
    assert_eq!(m.compatibility(), Some("needs python3"));
    assert_eq!(m.metadata().get("stars").map(String::as_str), Some("5"));
    assert_eq!(m.metadata().get("beta").map(String::as_str), Some("true"));
    assert_eq!(m.allowed_tools(), ["Read", "Bash(python:*)"]);
    assert_eq!(m.version(), Some(&Version::new(1, 2, 3)));
    assert!(parsed.warnings.is_empty());
    assert_eq!(parsed.body, "# Body\n");
}

/// The specification keeps a version in `metadata.version`; the older top-level `version`
/// still works, with a warning a strict validation fails on, and the two may not disagree.
#[test]
fn a_version_comes_from_metadata_or_the_older_top_level_field() {
    let version = |frontmatter: &str| {
        let parsed = parse(&format!("name: pdf\ndescription: x\n{frontmatter}")).unwrap();
        (
            parsed.manifest.version().map(ToString::to_string),
            parsed.warnings,
        )
    };
    assert_eq!(
        version("metadata:\n  version: 2.0.1\n"),
        (Some("2.0.1".to_owned()), vec![])
    );
    let (found, warnings) = version("version: \"1.0.0\"\n");
    assert_eq!(found.as_deref(), Some("1.0.0"));
    assert_eq!(warnings, [ManifestWarning::TopLevelVersion]);
    assert!(warnings[0].is_strict_refusal());
    assert!(
        warnings[0].to_string().contains("metadata.version")
            || warnings[0].to_string().contains("metadata:")
    );
    let (found, _) = version("version: \"1.0.0\"\nmetadata:\n  version: \"1.0.0\"\n");
    assert_eq!(found.as_deref(), Some("1.0.0"));
    assert_eq!(version("").0, None);
    assert_eq!(
        parse("name: pdf\ndescription: x\nversion: \"1.0.0\"\nmetadata:\n  version: \"2.0.0\"\n")
            .unwrap_err(),
        ManifestError::ConflictingVersions {
            metadata: "2.0.0".to_owned(),
            top: "1.0.0".to_owned()
        }
    );
    assert_eq!(
        parse("name: pdf\ndescription: x\nmetadata:\n  version: 1.0\n").unwrap_err(),
        ManifestError::InvalidVersion("1.0".to_owned())
    );
    let unknown = parse("name: pdf\ndescription: x\nauthor: me\n")
        .unwrap()
        .warnings;
    assert!(
        unknown.iter().all(ManifestWarning::is_strict_refusal),
        "{unknown:?}"
    );
    assert!(!ManifestWarning::CommaSeparatedAllowedTools.is_strict_refusal());
}

#[test]
fn every_bad_manifest_has_its_own_error() {
    let wrong = |field, expected| ManifestError::WrongType { field, expected };
    let any_yaml_error = ManifestError::InvalidYaml(String::new());
    let cases: Vec<(String, ManifestError)> = vec![
        // Shape.
        ("".into(), ManifestError::MissingField("name")),
        ("name: [pdf\n".into(), any_yaml_error.clone()),
        (
            "name: pdf\n  description: x\n".into(),
            any_yaml_error.clone(),
        ),
        (
            "name: pdf\nname: pdf\ndescription: x\n".into(),
            any_yaml_error.clone(),
        ),
        (
            "name: pdf\ndescription: !custom x\n".into(),
            any_yaml_error.clone(),
        ),
        (
            "name: pdf\ndescription: !!int x\n".into(),
            any_yaml_error.clone(),
        ),
        (
            "name: pdf\ndescription: *undefined\n".into(),
            any_yaml_error.clone(),
        ),
        ("- a\n- b\n".into(), ManifestError::NotAMapping),
        ("just text\n".into(), ManifestError::NotAMapping),
        (
            "1: pdf\nname: pdf\ndescription: x\n".into(),
            ManifestError::NotAMapping,
        ),
        (
            format!("x: {}\n", "[".repeat(129)),
            ManifestError::YamlTooDeep,
        ),
        (
            format!("x: {}\n", "{a: ".repeat(15_000)),
            ManifestError::YamlTooDeep,
        ),
        (flat_alias_bomb(), ManifestError::YamlAliasExpansion),
        // name.
        (
            "description: x\n".into(),
            ManifestError::MissingField("name"),
        ),
        (
            "name:\ndescription: x\n".into(),
            ManifestError::MissingField("name"),
        ),
        (
            "name: 5\ndescription: x\n".into(),
            wrong("name", "a string"),
        ),
        (
            "name: PDF\ndescription: x\n".into(),
            ManifestError::InvalidName(IdentityError::NameCharacter {
                name: "PDF".into(),
                character: 'P',
            }),
        ),
        (
            "name: docx\ndescription: x\n".into(),
            ManifestError::NameMismatch {
                name: "docx".into(),
                folder: "pdf".into(),
            },
        ),
        // description.
        (
            "name: pdf\n".into(),
            ManifestError::MissingField("description"),
        ),
        (
            "name: pdf\ndescription:\n".into(),
            ManifestError::EmptyDescription,
        ),
        (
            "name: pdf\ndescription: \"  \"\n".into(),
            ManifestError::EmptyDescription,
        ),
        (
            format!("name: pdf\ndescription: {}\n", "x".repeat(4097)),
            ManifestError::DescriptionTooLong { len: 4097 },
        ),
        (
            "name: pdf\ndescription: use <b>\n".into(),
            ManifestError::DescriptionAngleBrackets,
        ),
        (
            "name: pdf\ndescription: a -> b\n".into(),
            ManifestError::DescriptionAngleBrackets,
        ),
        (
            "name: pdf\ndescription: [1, 2]\n".into(),
            wrong("description", "a string"),
        ),
        (
            "name: pdf\ndescription: 12\n".into(),
            wrong("description", "a string"),
        ),
        // license and compatibility.
        (
            "name: pdf\ndescription: x\nlicense: [MIT]\n".into(),
            wrong("license", "a string"),
        ),
        (
            "name: pdf\ndescription: x\ncompatibility: \"\"\n".into(),
            ManifestError::CompatibilityLength,
        ),
        (
            "name: pdf\ndescription: x\ncompatibility: \" \"\n".into(),
            ManifestError::CompatibilityLength,
        ),
        (
            format!(
                "name: pdf\ndescription: x\ncompatibility: {}\n",
                "c".repeat(501)
            ),
            ManifestError::CompatibilityLength,
        ),
        (
            "name: pdf\ndescription: x\ncompatibility: {a: b}\n".into(),
            wrong("compatibility", "a string"),
        ),
        // metadata.
        (
            "name: pdf\ndescription: x\nmetadata: [a]\n".into(),
            wrong("metadata", "a map of strings to strings"),
        ),
        (
            "name: pdf\ndescription: x\nmetadata: text\n".into(),
            wrong("metadata", "a map of strings to strings"),
        ),
        (
            "name: pdf\ndescription: x\nmetadata:\n  a: [1]\n".into(),
            wrong("metadata", "a map of strings to strings"),
        ),
        (
            "name: pdf\ndescription: x\nmetadata:\n  a:\n".into(),
            wrong("metadata", "a map of strings to strings"),
        ),
        // allowed-tools.
        (
            "name: pdf\ndescription: x\nallowed-tools: 5\n".into(),
            wrong(
                "allowed-tools",
                "a space-separated string or a list of strings",
            ),
        ),
        (
            "name: pdf\ndescription: x\nallowed-tools: {Read: yes}\n".into(),
            wrong(
                "allowed-tools",
                "a space-separated string or a list of strings",
            ),
        ),
        (
            "name: pdf\ndescription: x\nallowed-tools: [Read, 5]\n".into(),
            wrong(
                "allowed-tools",
                "a space-separated string or a list of strings",
            ),
        ),
        (
            "name: pdf\ndescription: x\nallowed-tools: [Read, \" \"]\n".into(),
            wrong(
                "allowed-tools",
                "a space-separated string or a list of strings",
            ),
        ),
        // version.
        (
            "name: pdf\ndescription: x\nversion: one\n".into(),
            ManifestError::InvalidVersion("one".into()),
        ),
        (
            "name: pdf\ndescription: x\nversion: \"1.0\"\n".into(),
            ManifestError::InvalidVersion("1.0".into()),
        ),
        (
            "name: pdf\ndescription: x\nversion: 1.0\n".into(),
            wrong("version", "a quoted semver string"),
        ),
        (
            "name: pdf\ndescription: x\nversion: 1\n".into(),
            wrong("version", "a quoted semver string"),
        ),
    ];
    for (frontmatter, expected) in cases {
        let shown: String = frontmatter.chars().take(80).collect();
        let error = parse(&frontmatter).unwrap_err();
        match (&error, &expected) {
            (ManifestError::InvalidYaml(message), ManifestError::InvalidYaml(_)) => {
                assert!(!message.is_empty(), "{shown}");
                assert!(message.chars().count() <= 257, "{shown}: {message}");
            }
            _ => assert_eq!(error, expected, "{shown}"),
        }
        assert!(!error.to_string().ends_with('.'), "{error}");
    }
}

#[test]
fn yaml_errors_are_short_and_name_the_place() {
    let error = parse("name: pdf\ndescription: [x\n").unwrap_err();
    let ManifestError::InvalidYaml(message) = error else {
        panic!("{error:?}")
    };
    assert!(message.contains("line"), "{message}");
    let error = parse(&format!(
        "name: pdf\n\u{1b}[31m{}: 1\n  x\n",
        "k".repeat(500)
    ))
    .unwrap_err();
    let ManifestError::InvalidYaml(message) = error else {
        panic!("{error:?}")
    };
    assert!(!message.contains('\u{1b}'), "{message}");
    assert!(message.chars().count() <= 257, "{message}");
}

#[test]
fn delimiters_size_and_encoding() {
    let cases: Vec<(Vec<u8>, ManifestError)> = vec![
        (b"name: pdf\n".to_vec(), ManifestError::MissingFrontmatter),
        (
            b"\n---\nname: pdf\n---\n".to_vec(),
            ManifestError::MissingFrontmatter,
        ),
        (
            b" ---\nname: pdf\n---\n".to_vec(),
            ManifestError::MissingFrontmatter,
        ),
        (b"".to_vec(), ManifestError::MissingFrontmatter),
        (b"---".to_vec(), ManifestError::UnterminatedFrontmatter),
        (
            b"---\nname: pdf\n".to_vec(),
            ManifestError::UnterminatedFrontmatter,
        ),
        (
            b"---\nname: pdf\n--- \n".to_vec(),
            ManifestError::UnterminatedFrontmatter,
        ),
        (
            b"---\nname: pdf\n----\n".to_vec(),
            ManifestError::UnterminatedFrontmatter,
        ),
        (
            b"---\nname: pdf\n ---\n".to_vec(),
            ManifestError::UnterminatedFrontmatter,
        ),
        (vec![0xff, 0xfe], ManifestError::NotUtf8),
        (
            b"---\nname: pdf\ndescription: x\n---\n\xc3(".to_vec(),
            ManifestError::NotUtf8,
        ),
        (
            format!(
                "---\nname: pdf\ndescription: x\nf: \"{}\"\n---\n",
                "y".repeat(70_000)
            )
            .into_bytes(),
            ManifestError::FrontmatterTooLarge,
        ),
        // No closing line and no line end for megabytes: the scan stops at the limit.
        (
            format!("---\nname: pdf{}", "y".repeat(1 << 20)).into_bytes(),
            ManifestError::FrontmatterTooLarge,
        ),
    ];
    for (contents, expected) in cases {
        assert_eq!(
            parse_skill_md(&contents, None),
            Err(expected),
            "{:?}",
            String::from_utf8_lossy(&contents[..contents.len().min(40)])
        );
    }

    let crlf = "\u{feff}---\r\nname: pdf\r\ndescription: x\r\n---\r\nbody\r\n";
    let parsed = parse_skill_md(crlf.as_bytes(), Some("pdf")).unwrap();
    assert_eq!(parsed.body, "body\r\n");
    let no_body = parse_skill_md(b"---\nname: pdf\ndescription: x\n---", None).unwrap();
    assert_eq!(no_body.body, "");
    let dashes_in_body = "---\nname: pdf\ndescription: x\n---\n---\n";
    assert_eq!(
        parse_skill_md(dashes_in_body.as_bytes(), None)
            .unwrap()
            .body,
        "---\n"
    );
}

#[test]
fn the_frontmatter_limit_is_exact() {
    let fill = |len: usize| {
        let head = "name: pdf\ndescription: x\nf: \"";
        let tail = "\"\n";
        let filler = "y".repeat(len - head.len() - tail.len());
        format!("---\n{head}{filler}{tail}---\nbody\n")
    };
    assert!(parse_skill_md(fill(MAX_FRONTMATTER_BYTES).as_bytes(), None).is_ok());
    assert_eq!(
        parse_skill_md(fill(MAX_FRONTMATTER_BYTES + 1).as_bytes(), None),
        Err(ManifestError::FrontmatterTooLarge)
    );
    let crlf = fill(MAX_FRONTMATTER_BYTES).replace("---\nbody", "---\r\nbody");
    assert!(parse_skill_md(crlf.as_bytes(), None).is_ok());
}

#[test]
fn aliases_that_stay_small_are_fine_and_bombs_are_stopped() {
    let small = parse("name: pdf\ndescription: &d Fill forms\nmetadata:\n  summary: *d\n").unwrap();
    assert_eq!(
        small.manifest.metadata().get("summary").map(String::as_str),
        Some("Fill forms")
    );

    // The classic: nine levels, each nine aliases of the one below.
    let mut laughs = String::from("name: pdf\ndescription: x\nl0: &l0 lol\n");
    for level in 1..10 {
        let below = vec![format!("*l{}", level - 1); 9].join(", ");
        laughs.push_str(&format!("l{level}: &l{level} [{below}]\n"));
    }
    assert_eq!(parse(&laughs), Err(ManifestError::YamlAliasExpansion));

    // One long text referred to many times.
    let long_text = format!(
        "name: pdf\ndescription: x\nt: &t {}\nm: [{}]\n",
        "y".repeat(30_000),
        vec!["*t"; 1000].join(", ")
    );
    assert_eq!(parse(&long_text), Err(ManifestError::YamlAliasExpansion));

    // A tab after the colon and flow collections are YAML like any other.
    let tabbed = flat_alias_bomb().replace("bomb: [&a", "bomb:\t[&a");
    assert_eq!(parse(&tabbed), Err(ManifestError::YamlAliasExpansion));
}

#[test]
fn text_that_looks_like_an_anchor_or_alias_is_text() {
    let parsed = parse(
        "name: pdf\ndescription: |\n  *Fills* forms\n  &mdash; fast\ncompatibility: >\n  *nix only\n",
    )
    .unwrap();
    assert_eq!(parsed.manifest.description(), "*Fills* forms\n&mdash; fast");
    assert_eq!(parsed.manifest.compatibility(), Some("*nix only"));
}

#[test]
fn brackets_in_text_count_towards_depth_only_when_unclosed() {
    let balanced = format!("name: pdf\ndescription: \"{}\"\n", "[x] ".repeat(500));
    assert!(parse(&balanced).is_ok());
    let unclosed = format!(
        "name: pdf\ndescription: \"{}\"\n",
        "[".repeat(MAX_FLOW_DEPTH)
    );
    assert!(parse(&unclosed).is_ok());
    let too_many = format!(
        "name: pdf\ndescription: \"{}\"\n",
        "[".repeat(MAX_FLOW_DEPTH + 1)
    );
    assert_eq!(parse(&too_many), Err(ManifestError::YamlTooDeep));
}

#[test]
fn allowed_tools_in_every_accepted_form() {
    let cases: [(&str, &[&str], bool); 7] = [
        ("Read Grep", &["Read", "Grep"], false),
        ("  Read\tGrep  ", &["Read", "Grep"], false),
        (
            "Bash(git add:*) Bash(git status:*) Read",
            &["Bash(git add:*)", "Bash(git status:*)", "Read"],
            false,
        ),
        ("Read, Write", &["Read", "Write"], true),
        ("Read, Bash(git add:*)", &["Read", "Bash(git add:*)"], true),
        ("Read,", &["Read"], true),
        ("\"\"", &[], false),
    ];
    for (written, tools, comma_warning) in cases {
        let parsed = parse(&format!(
            "name: pdf\ndescription: x\nallowed-tools: {written}\n"
        ))
        .unwrap();
        assert_eq!(parsed.manifest.allowed_tools(), tools, "{written}");
        assert_eq!(
            parsed.warnings == [ManifestWarning::CommaSeparatedAllowedTools],
            comma_warning,
            "{written}"
        );
    }
    let list = parse("name: pdf\ndescription: x\nallowed-tools:\n  - Read\n  - Bash(git add:*)\n")
        .unwrap();
    assert_eq!(list.manifest.allowed_tools(), ["Read", "Bash(git add:*)"]);
    assert!(list.warnings.is_empty());
}

#[test]
fn metadata_scalars_become_text() {
    let parsed = parse(
        "name: pdf\ndescription: x\nmetadata:\n  n: 3\n  f: 1.5\n  yes: true\n  huge: 123456789012345678901234567890\n  7: seven\n",
    )
    .unwrap();
    let metadata = parsed.manifest.metadata();
    let get = |key: &str| metadata.get(key).map(String::as_str);
    assert_eq!(get("n"), Some("3"));
    assert_eq!(get("f"), Some("1.5"));
    assert_eq!(get("yes"), Some("true"));
    assert_eq!(get("huge"), Some("123456789012345678901234567890"));
    assert_eq!(get("7"), Some("seven"));
}

#[test]
fn warnings() {
    let parsed = parse_skill_md(
        skill_md("name: email_validator\ndescription: x\nallowed-tools: Read, Write\nextra: 1\n")
            .as_bytes(),
        Some("email_validator"),
    )
    .unwrap();
    assert_eq!(parsed.manifest.allowed_tools(), ["Read", "Write"]);
    assert_eq!(
        parsed.warnings,
        [
            ManifestWarning::UnknownField {
                field: "extra".into()
            },
            ManifestWarning::UnderscoreInName {
                name: "email_validator".into()
            },
            ManifestWarning::CommaSeparatedAllowedTools,
        ]
    );
    for warning in &parsed.warnings {
        assert!(!warning.to_string().ends_with('.'), "{warning}");
    }

    let hostile_key = parse(&format!(
        "name: pdf\ndescription: x\n\"\\e[2J{}\": 1\n",
        "k".repeat(1000)
    ))
    .unwrap();
    let [ManifestWarning::UnknownField { field }] = &hostile_key.warnings[..] else {
        panic!("{:?}", hostile_key.warnings)
    };
    assert!(field.starts_with("[2Jkkk"), "{field}");
    assert_eq!(field.chars().count(), 257);
}

#[test]
fn long_files_and_descriptions_are_warnings() {
    let lines = |n: usize| {
        // Four lines of frontmatter and delimiters, the rest body.
        format!(
            "---\nname: pdf\ndescription: x\n---\n{}",
            "line\n".repeat(n - 4)
        )
    };
    let at_limit = parse_skill_md(lines(RECOMMENDED_MAX_LINES).as_bytes(), None).unwrap();
    assert!(at_limit.warnings.is_empty());
    let over = parse_skill_md(lines(RECOMMENDED_MAX_LINES + 1).as_bytes(), None).unwrap();
    assert_eq!(
        over.warnings,
        [ManifestWarning::TooManyLines {
            lines: RECOMMENDED_MAX_LINES + 1
        }]
    );

    let at_limit = parse(&format!("name: pdf\ndescription: {}\n", "x".repeat(1024))).unwrap();
    assert!(at_limit.warnings.is_empty());
    let parsed = parse(&format!("name: pdf\ndescription: {}\n", "x".repeat(1025))).unwrap();
    assert_eq!(
        parsed.warnings,
        [ManifestWarning::LongDescription { len: 1025 }]
    );
    let hard_limit = parse(&format!("name: pdf\ndescription: {}\n", "é".repeat(4096)));
    assert!(hard_limit.is_ok());
}

#[test]
fn mangled_input_never_panics() {
    let base = skill_md(
        "name: pdf\ndescription: Fill PDF forms\nmetadata:\n  a: b\nallowed-tools: [Read]\n",
    )
    .into_bytes();
    let insertions: [&[u8]; 12] = [
        b"[", b"{", b"&a ", b"*a", b"!x ", b"\0", b"\r", b"\t", b"---\n", b"? ", b"\"", b"\xe9",
    ];
    for at in 0..=base.len() {
        let _ = parse_skill_md(&base[..at], Some("pdf"));
        if at < base.len() {
            let mut flipped = base.clone();
            flipped[at] ^= 0x55;
            let _ = parse_skill_md(&flipped, Some("pdf"));
        }
        for insertion in insertions {
            let mut inserted = base.clone();
            inserted.splice(at..at, insertion.iter().copied());
            let _ = parse_skill_md(&inserted, Some("pdf"));
        }
    }
}

#[test]
fn fixture_skills_parse() {
    let fixtures = [
        (
            "brand-guidelines",
            include_str!("../../../../fixtures/skills/brand-guidelines/SKILL.md"),
        ),
        (
            "claude-api",
            include_str!("../../../../fixtures/skills/claude-api/SKILL.md"),
        ),
        (
            "frontend-design",
            include_str!("../../../../fixtures/skills/frontend-design/SKILL.md"),
        ),
        (
            "internal-comms",
            include_str!("../../../../fixtures/skills/internal-comms/SKILL.md"),
        ),
    ];
    for (name, text) in fixtures {
        let parsed =
            parse_skill_md(text.as_bytes(), Some(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let manifest = &parsed.manifest;
        assert_eq!(manifest.name().as_str(), name);
        assert!(!manifest.description().is_empty(), "{name}");
        assert_eq!(
            manifest.license(),
            Some("Complete terms in LICENSE.txt"),
            "{name}"
        );
        assert!(
            parsed.warnings.iter().all(|w| matches!(
                w,
                ManifestWarning::LongDescription { .. } | ManifestWarning::TooManyLines { .. }
            )),
            "{name}: {:?}",
            parsed.warnings
        );
        assert!(text.ends_with(&parsed.body), "{name}");
    }
}
