//! Reading one HTTP/1.1 request off a socket, for tests that answer with canned responses.

use std::io::BufRead;

/// Reads one request: its request line (`GET /path HTTP/1.1`, without the line end) and
/// its body, sized by `Content-Length` (none: empty). An early end gives what was read.
pub fn read_request(reader: &mut impl BufRead) -> (String, Vec<u8>) {
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return (String::new(), Vec::new());
    }
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    let mut filled = 0;
    while filled < length {
        match reader.read(&mut body[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    body.truncate(filled);
    (request_line.trim_end().to_owned(), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_line_and_a_sized_body_are_read() {
        let raw = b"POST /x HTTP/1.1\r\nContent-Length: 3\r\nHost: h\r\n\r\nabcNEXT";
        let mut reader = std::io::BufReader::new(&raw[..]);
        assert_eq!(
            read_request(&mut reader),
            ("POST /x HTTP/1.1".to_owned(), b"abc".to_vec())
        );
    }

    #[test]
    fn a_request_without_a_body_or_cut_short_gives_what_was_read() {
        let mut empty = std::io::BufReader::new(&b""[..]);
        assert_eq!(read_request(&mut empty), (String::new(), Vec::new()));
        let raw = b"GET / HTTP/1.1\r\ncontent-length: 10\r\n\r\nab";
        let mut short = std::io::BufReader::new(&raw[..]);
        assert_eq!(read_request(&mut short).1, b"ab".to_vec());
    }
}
