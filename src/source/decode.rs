//! Bytes → text: byte-order marks, UTF-16, binary detection, lossy UTF-8 or Latin-1, line-end normalisation.

/// The bytes do not look like text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotText;

/// How much of a file's start is inspected for binary content (as ripgrep and git do).
pub const SNIFF_LEN: usize = 8192;

/// Decodes a file's bytes to text with `\n` line ends, or says it is binary.
///
/// Line ends are normalised (CRLF and lone CR become LF) so that line numbers match what an editor shows.
pub fn decode(bytes: &[u8]) -> Result<String, NotText> {
    let text = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        utf8_or_latin1(rest)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        utf16(rest, u16::from_le_bytes)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        utf16(rest, u16::from_be_bytes)
    } else if looks_binary(&bytes[..bytes.len().min(SNIFF_LEN)]) {
        return Err(NotText);
    } else {
        utf8_or_latin1(bytes)
    };
    Ok(normalise_line_ends(text))
}

/// Whether `decode` would call a file starting with `head` (its first `SNIFF_LEN` bytes) binary.
pub fn is_binary(head: &[u8]) -> bool {
    let bom = [b"\xEF\xBB\xBF".as_slice(), b"\xFF\xFE", b"\xFE\xFF"].iter().any(|bom| head.starts_with(bom));
    !bom && looks_binary(&head[..head.len().min(SNIFF_LEN)])
}

/// Formats whose first bytes say "not text", even if no NUL follows soon: gzip, xz, zstd, zip,
/// PNG, JPEG, ELF.
const MAGIC: &[&[u8]] =
    &[b"\x1f\x8b", b"\xfd7zXZ\0", b"\x28\xb5\x2f\xfd", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"\x7fELF"];

/// A known binary format, a NUL byte, or many control characters mark a binary file.
fn looks_binary(head: &[u8]) -> bool {
    if MAGIC.iter().any(|magic| head.starts_with(magic)) || head.contains(&0) {
        return true;
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B))
        .count();
    control * 10 > head.len()
}

/// Valid UTF-8 as is; text with no valid multi-byte sequence as Latin-1; anything else lossily. A file
/// that is UTF-8 but for a multi-byte sequence cut off at its end (a truncated download) is read as UTF-8.
fn utf8_or_latin1(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(e) if is_truncated_utf8(bytes, &e) => String::from_utf8_lossy(bytes).into_owned(),
        Err(_) => {
            let lossy = String::from_utf8_lossy(bytes);
            let has_multibyte = lossy.chars().any(|c| c != char::REPLACEMENT_CHARACTER && !c.is_ascii());
            if has_multibyte {
                lossy.into_owned()
            } else {
                bytes.iter().map(|&b| b as char).collect()
            }
        }
    }
}

/// Valid up to an incomplete sequence at the end that is more than a lone lead byte, or follows other
/// non-ASCII UTF-8 (a lone `\xe9` after ASCII is more likely Latin-1's `é`).
fn is_truncated_utf8(bytes: &[u8], error: &std::str::Utf8Error) -> bool {
    let valid = error.valid_up_to();
    error.error_len().is_none() && (bytes.len() - valid > 1 || !bytes[..valid].is_ascii())
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
}

fn normalise_line_ends(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_bom_and_normalises_line_ends() {
        assert_eq!(decode(b"\xEF\xBB\xBFa\r\nb\rc\n").unwrap(), "a\nb\nc\n");
    }

    #[test]
    fn decodes_utf16_both_ways() {
        assert_eq!(decode(b"\xFF\xFEh\0i\0").unwrap(), "hi");
        assert_eq!(decode(b"\xFE\xFF\0h\0i").unwrap(), "hi");
    }

    #[test]
    fn nul_means_binary() {
        assert_eq!(decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Err(NotText));
    }

    #[test]
    fn latin1_is_read_as_latin1() {
        assert_eq!(decode(b"caf\xe9").unwrap(), "café");
    }

    #[test]
    fn truncated_utf8_stays_utf8() {
        assert_eq!(decode(b"caf\xc3\xa9 \xe2\x82").unwrap(), "café \u{FFFD}");
        assert_eq!(decode(b"abc \xe2\x82").unwrap(), "abc \u{FFFD}");
    }

    #[test]
    fn known_formats_are_binary() {
        assert_eq!(decode(b"\x1f\x8b\x08\x08text"), Err(NotText));
        assert_eq!(decode(b"\x7fELF\x02\x01\x01"), Err(NotText));
    }
}
