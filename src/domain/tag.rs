//! A topic's tag, as stored and shown (parsing and limits are the forum's: `forum::Tags`).

/// A tag: the ASCII slug that is its URL and matching key ("kiem-tra-cheo"), and the label
/// people read, as first typed (NFC, with its diacritics: "kiểm tra chéo").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub slug: String,
    pub label: String,
}
