//! Original file names, kept only as display text (never as a path on disk).

use unicode_normalization::UnicodeNormalization;

use super::sniff::Kind;

/// Longest display name kept, in characters.
const MAX_CHARS: usize = 120;

/// Extensions that name a kind of file we accept; a name ending in one of them gets the
/// extension of what the file really is (a PDF called "x.jpg" is shown as "x.pdf").
const KNOWN_EXTENSIONS: [&str; 6] = ["jpg", "jpeg", "png", "gif", "webp", "pdf"];

/// A safe display name: NFC, only the last path component ("../../x.jpg" → "x.jpg",
/// "ảnh\\chụp/ca.jpg" → "ca.jpg"), no control or bidi-override characters, no leading dots,
/// at most 120 characters, ending in the extension of the stored file.
pub fn display_name(raw: &str, stored_extension: &str) -> String {
    let nfc: String = raw.nfc().collect();
    let last = nfc.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !c.is_control() && !is_bidi_control(*c)).collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let stem = strip_known_extension(trimmed);
    let stem: String = stem.chars().take(MAX_CHARS).collect();
    let stem = stem.trim();
    let stem = if stem.is_empty() { "tep" } else { stem };
    format!("{stem}.{stored_extension}")
}

fn strip_known_extension(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, ext)) if KNOWN_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) => stem,
        _ => name,
    }
}

/// Characters that reorder text ("gpj.exe" shown as "exe.jpg"): refused in names.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The file extension of what is stored for a kind (images are re-encoded: see `images.rs`).
pub fn stored_extension(kind: Kind) -> &'static str {
    match kind {
        Kind::Jpeg => "jpg",
        Kind::Pdf => "pdf",
        Kind::Png | Kind::Gif | Kind::Webp => "png",
    }
}

#[cfg(test)]
mod tests {
    use super::display_name;

    #[test]
    fn path_separators_and_control_characters_are_removed() {
        assert_eq!(display_name("../../x.jpg", "jpg"), "x.jpg");
        assert_eq!(display_name("ảnh\\chụp/ca.jpg", "jpg"), "ca.jpg");
        assert_eq!(display_name("C:\\Users\\Lan\\Kế hoạch.pdf", "pdf"), "Kế hoạch.pdf");
        assert_eq!(display_name("bản\u{0}tin\r\n.png", "png"), "bảntin.png");
        assert_eq!(display_name("ảnh\u{202E}gpj.exe", "png"), "ảnhgpj.exe.png");
        assert_eq!(display_name("..", "pdf"), "tep.pdf");
        assert_eq!(display_name("", "jpg"), "tep.jpg");
    }

    #[test]
    fn names_are_nfc_and_end_in_the_real_extension() {
        let decomposed = "Ba\u{300}i ho\u{323}c.JPG";
        assert_eq!(display_name(decomposed, "jpg"), "Bài học.jpg");
        assert_eq!(display_name("shell.php.jpg", "pdf"), "shell.php.pdf");
        assert_eq!(display_name("poster.webp", "png"), "poster.png");
    }
}
