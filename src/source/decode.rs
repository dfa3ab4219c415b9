//! Bytes → text: byte-order marks, UTF-16, binary detection, lossy UTF-8 or Latin-1, line-end normalisation.

/// The bytes do not look like text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotText;

/// How much of a file's start is inspected for binary content (as ripgrep and git do).
const SNIFF_LEN: usize = 8192;

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

/// A NUL byte, or many control characters, mark a binary file.
fn looks_binary(head: &[u8]) -> bool {
    if head.contains(&0) {
        return true;
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B))
        .count();
    control * 10 > head.len()
}

/// Valid UTF-8 as is; text with no valid multi-byte sequence as Latin-1; anything else lossily.
fn utf8_or_latin1(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
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
}
