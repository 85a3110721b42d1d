//! Making text that came from elsewhere (a remote registry, an archive) safe to show: control
//! characters stripped, length capped.

/// The most characters of registry-provided text that reach a message or a terminal.
pub const MAX_REMOTE_TEXT: usize = 256;

/// Strips control characters (including ANSI escapes' ESC and bidi overrides) and truncates
/// to [`MAX_REMOTE_TEXT`] characters, marking a cut with `…`.
pub fn sanitize_remote(text: &str) -> String {
    let mut out = String::new();
    for (kept, c) in text.chars().filter(|c| !is_unsafe(*c)).enumerate() {
        if kept == MAX_REMOTE_TEXT {
            out.push('…');
            break;
        }
        out.push(c);
    }
    out
}

/// At most `max` characters of `text`, without the characters [`sanitize_remote`] strips:
/// what documents for other tools (discovery indexes, ClawHub answers) carry.
pub fn shown(text: &str, max: usize) -> String {
    text.chars().filter(|c| !is_unsafe(*c)).take(max).collect()
}

/// Control characters, and the Unicode format characters that reorder or hide text (bidi
/// controls, zero-width characters, invisible operators, tags).
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{e0000}'..='\u{e007f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_stripped() {
        assert_eq!(sanitize_remote("ok\u{1b}[31mred\u{7}\n"), "ok[31mred");
        assert_eq!(sanitize_remote("a\u{202e}b"), "ab");
    }

    #[test]
    fn long_text_is_cut_at_256_characters() {
        let long = "é".repeat(300);
        let cut = sanitize_remote(&long);
        assert_eq!(cut.chars().count(), 257);
        assert!(cut.ends_with('…'));
        assert_eq!(sanitize_remote(&"x".repeat(256)).chars().count(), 256);
    }
}
