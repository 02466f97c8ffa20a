//! A topic's tag, as stored and shown (parsing and limits are the forum's: `forum::Tags`).

/// A tag: the ASCII slug that is its URL and matching key ("kiem-tra-cheo"), and the label
/// people read, as first typed (NFC, with its diacritics: "kiểm tra chéo").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub slug: String,
    pub label: String,
}

/// Lowercase ASCII letters and digits joined by single hyphens; Vietnamese letters lose their
/// marks ("Kiểm tra chéo" → "kiem-tra-cheo"). Tags, categories and collections take their slugs so.
pub fn slugify(input: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = input
        .nfd()
        .filter(|c| !('\u{0300}'..='\u{036f}').contains(c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
            _ => ' ',
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join("-")
}
