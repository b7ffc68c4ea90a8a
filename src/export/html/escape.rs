//! The one escaping function of `index.html`, and the two ways a value becomes a link: a path
//! inside the package (percent-encoded) and an evidence URL (http and https only).

/// `s` as HTML text or a quoted attribute value: `&`, `<`, `>`, `"` and `'` as entities, every
/// other character as it is. Every value `index.html` shows goes through it.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A relative link to `path`, a file of the package (`evidence/ab12…-report.pdf`): every byte
/// but ASCII letters, digits, `-._~` and `/` percent-encoded, so a name with `#`, `?`, `%` or
/// spaces opens that file and nothing else.
pub(crate) fn href_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The escaped `href` of an evidence location that is a web address, or None: only `http:` and
/// `https:` become links (never `javascript:`, `data:` or `file:`).
pub(crate) fn href_url(url: &str) -> Option<String> {
    let u = url.trim();
    let lower = u.get(..8).unwrap_or(u).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| escape(u))
}

/// Standard base64 (RFC 4648, with padding): the CSP's hashes of the inline script and style.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_a_value_is_text() {
        assert_eq!(
            escape("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(escape(r#"a "b" & 'c'"#), "a &quot;b&quot; &amp; &#39;c&#39;");
        // Already-escaped text is escaped again: what the user typed is what the reader sees.
        assert_eq!(escape("&amp;"), "&amp;amp;");
        assert_eq!(escape("Zürich ✓ GV.RM-01"), "Zürich ✓ GV.RM-01");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn package_paths_are_percent_encoded() {
        assert_eq!(href_path("evidence/ab12-report.pdf"), "evidence/ab12-report.pdf");
        assert_eq!(href_path("evidence/a b#c?.pdf"), "evidence/a%20b%23c%3F.pdf");
        assert_eq!(href_path("evidence/\"><x"), "evidence/%22%3E%3Cx");
        assert_eq!(href_path("evidence/ż.pdf"), "evidence/%C5%BC.pdf");
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert_eq!(
            href_url("https://x.example/a?b=1&c=2").as_deref(),
            Some("https://x.example/a?b=1&amp;c=2")
        );
        assert_eq!(href_url("HTTP://x.example").as_deref(), Some("HTTP://x.example"));
        assert_eq!(href_url("javascript:alert(1)"), None);
        assert_eq!(href_url(" data:text/html,x"), None);
        assert_eq!(href_url("file:///etc/passwd"), None);
        assert_eq!(
            href_url("https://x\"onmouseover=\"a").as_deref(),
            Some("https://x&quot;onmouseover=&quot;a")
        );
    }

    #[test]
    fn base64_matches_rfc_4648() {
        for (raw, b64) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(raw.as_bytes()), b64);
        }
    }
}
