//! The query language: words, "phrases", -exclusion, `category:`, `tag:`, `kind:`, `province:`,
//! `author:`, `guidance:43/2018/TT-BYT`, `before:`/`after:` (YYYY-MM-DD), `in:title`.
//!
//! Parsing is forgiving, because people type on phones: an unbalanced quote makes the rest of
//! the query a phrase, unknown operators (`foo:bar`, `https://…`) are plain words, and an empty
//! query is valid (it matches nothing). Only three things are errors, each with a stable `code`:
//! a query over [`MAX_QUERY_CHARS`] (`query_too_long`), a date that is not YYYY-MM-DD
//! (`bad_date`) and an unknown `kind:` (`unknown_kind`).
//!
//! Repeating an operator: for fields a topic has one of (category, kind, province, author) the
//! values are alternatives (`kind:question kind:discussion` = either); for tags and guidance
//! documents all must hold. A leading `-` negates an operator too (`-tag:covid`).

use chrono::NaiveDate;

use crate::analysis::{fold, normalize, normalize_legal_ref};

/// Why a query cannot be run, in words a person understands (English; the app translates by `code`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    /// Stable machine key, e.g. `query_too_long`, `bad_date`, `unknown_kind`.
    pub code: &'static str,
    pub message: String,
}

impl QueryError {
    fn too_long() -> QueryError {
        QueryError { code: "query_too_long", message: format!("The query is longer than {MAX_QUERY_CHARS} characters.") }
    }

    fn bad_date(text: &str) -> QueryError {
        QueryError { code: "bad_date", message: format!("\"{text}\" is not a date: write dates as YYYY-MM-DD.") }
    }

    fn unknown_kind(text: &str) -> QueryError {
        QueryError { code: "unknown_kind", message: format!("\"{text}\" is not a kind of topic: use one of {}.", KINDS.join(", ")) }
    }
}

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1000;

/// The kinds of topic `kind:` accepts.
pub const KINDS: [&str; 4] = ["discussion", "question", "good_practice", "case_study"];

/// A query as understood. Text is [`normalize`]d, with the case as typed (an ambiguous
/// abbreviation such as "BA" counts only in capitals).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedQuery {
    /// Words and phrases to find, in the order typed.
    pub terms: Vec<QueryTerm>,
    /// Words and phrases that must not appear (`-word`, `-"a phrase"`).
    pub excluded: Vec<QueryTerm>,
    /// Operators that must hold.
    pub filters: Vec<Filter>,
    /// Negated operators (`-tag:covid`): documents matching any are left out.
    pub excluded_filters: Vec<Filter>,
    /// `in:title`: only titles are searched.
    pub title_only: bool,
}

impl ParsedQuery {
    /// Nothing to search for and nothing to filter on: such a query matches nothing.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.filters.is_empty() && self.excluded_filters.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryTerm {
    Word(String),
    Phrase(String),
}

impl QueryTerm {
    pub fn text(&self) -> &str {
        match self {
            QueryTerm::Word(text) | QueryTerm::Phrase(text) => text,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// A category slug (lowercase).
    Category(String),
    /// A tag slug (lowercase).
    Tag(String),
    /// One of [`KINDS`].
    Kind(String),
    /// A province code as given.
    Province(String),
    /// The author's display name (or one word of it), matched without case or diacritics.
    Author(String),
    /// A legal-document number in canonical form (`43/2018/TT-BYT`); matches topics citing it.
    Guidance(String),
    /// Created before the start of this day (Vietnam time).
    Before(NaiveDate),
    /// Created on or after this day (Vietnam time).
    After(NaiveDate),
}

/// Parses a query. Never panics; see the module documentation for what is an error.
pub fn parse(input: &str) -> Result<ParsedQuery, QueryError> {
    if input.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError::too_long());
    }
    let text = normalize(input);
    let mut parsed = ParsedQuery::default();
    let mut lexer = Lexer { text: &text, pos: 0 };
    while let Some(item) = lexer.next_item() {
        apply(&mut parsed, item)?;
    }
    Ok(parsed)
}

/// The canonical kind for `kind:` text ("Good-Practice" → "good_practice").
pub fn parse_kind(text: &str) -> Result<&'static str, QueryError> {
    let key = text.trim().to_lowercase().replace(['-', ' '], "_");
    KINDS.iter().copied().find(|kind| *kind == key).ok_or_else(|| QueryError::unknown_kind(text))
}

/// A YYYY-MM-DD date.
pub fn parse_date(text: &str) -> Result<NaiveDate, QueryError> {
    let shaped = text.len() == 10 && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    let date = shaped.then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()).flatten();
    date.ok_or_else(|| QueryError::bad_date(text))
}

/// One piece of query text.
#[derive(Debug)]
struct Item {
    negated: bool,
    kind: ItemKind,
}

#[derive(Debug)]
enum ItemKind {
    Word(String),
    Phrase(String),
    Operator { key: &'static str, value: String, raw: String },
}

const OPERATORS: [&str; 9] = ["category", "tag", "kind", "province", "author", "guidance", "before", "after", "in"];

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”')
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn next_item(&mut self) -> Option<Item> {
        self.pos = self.text.len() - self.rest().trim_start().len();
        let mut chars = self.rest().chars();
        let first = chars.next()?;
        let negated = first == '-' && chars.next().is_some_and(|c| !c.is_whitespace());
        if negated {
            self.pos += 1;
        }
        let kind = if self.rest().starts_with(is_quote) { ItemKind::Phrase(self.read_quoted()) } else { self.read_word() };
        Some(Item { negated, kind })
    }

    /// A quoted string; an unbalanced quote runs to the end of the query.
    fn read_quoted(&mut self) -> String {
        let open = self.rest().chars().next().map_or(0, char::len_utf8);
        self.pos += open;
        let len = self.rest().find(is_quote).unwrap_or(self.rest().len());
        let content = self.rest()[..len].to_string();
        self.pos += len;
        self.pos += self.rest().chars().next().map_or(0, char::len_utf8); // the closing quote
        content
    }

    fn read_word(&mut self) -> ItemKind {
        let len = self.rest().find(|c: char| c.is_whitespace() || is_quote(c)).unwrap_or(self.rest().len());
        let word = self.rest()[..len].to_string();
        self.pos += len;
        let Some((key, value)) = word.split_once(':') else {
            return ItemKind::Word(word);
        };
        let Some(key) = OPERATORS.iter().copied().find(|op| op.eq_ignore_ascii_case(key)) else {
            return ItemKind::Word(word);
        };
        let value = if value.is_empty() && self.rest().starts_with(is_quote) { self.read_quoted() } else { value.to_string() };
        if value.trim().is_empty() {
            return ItemKind::Word(word); // "category:" alone is just a word
        }
        ItemKind::Operator { key, value, raw: word }
    }
}

fn apply(parsed: &mut ParsedQuery, item: Item) -> Result<(), QueryError> {
    let term = match item.kind {
        ItemKind::Word(word) => QueryTerm::Word(word),
        ItemKind::Phrase(phrase) if phrase.trim().is_empty() => return Ok(()),
        ItemKind::Phrase(phrase) => QueryTerm::Phrase(phrase),
        ItemKind::Operator { key: "in", value, raw } => {
            if value.trim().eq_ignore_ascii_case("title") {
                parsed.title_only = true;
                return Ok(());
            }
            QueryTerm::Word(raw)
        }
        ItemKind::Operator { key, value, .. } => {
            let filter = filter(key, value.trim())?;
            let list = if item.negated { &mut parsed.excluded_filters } else { &mut parsed.filters };
            list.push(filter);
            return Ok(());
        }
    };
    let list = if item.negated { &mut parsed.excluded } else { &mut parsed.terms };
    list.push(term);
    Ok(())
}

/// A tag as the forum stores it, however it was typed: tags are shown with their diacritics
/// ("kiểm tra chéo") but indexed by slug ("kiem-tra-cheo").
pub fn tag_slug(value: &str) -> String {
    fold(value).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join("-")
}

fn filter(key: &str, value: &str) -> Result<Filter, QueryError> {
    Ok(match key {
        "category" => Filter::Category(value.to_lowercase()),
        "tag" => Filter::Tag(tag_slug(value)),
        "kind" => Filter::Kind(parse_kind(value)?.to_string()),
        "province" => Filter::Province(value.to_string()),
        "author" => Filter::Author(value.to_string()),
        "guidance" => Filter::Guidance(guidance_key(value)),
        "before" => Filter::Before(parse_date(value)?),
        _ => Filter::After(parse_date(value)?),
    })
}

/// A document number in canonical form; text that is not one still becomes a key (matching
/// nothing) rather than an error, so a half-typed number just finds no topics.
fn guidance_key(value: &str) -> String {
    normalize_legal_ref(value).unwrap_or_else(|| fold(value).replace(char::is_whitespace, "").to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use QueryTerm::{Phrase, Word};

    fn words(list: &[&str]) -> Vec<QueryTerm> {
        list.iter().map(|w| Word(w.to_string())).collect()
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn words_phrases_and_exclusions() {
        let q = parse(r#"an toàn "người bệnh" -té -"ngã cầu thang""#).unwrap();
        assert_eq!(q.terms, vec![Word("an".into()), Word("toàn".into()), Phrase("người bệnh".into())]);
        assert_eq!(q.excluded, vec![Word("té".into()), Phrase("ngã cầu thang".into())]);
        assert!(!q.is_empty());
    }

    #[test]
    fn query_text_is_normalized() {
        let q = parse("hòa nhập ng\u{200B}ƣời").unwrap();
        assert_eq!(q.terms, words(&["hoà", "nhập", "người"]));
    }

    #[test]
    fn unbalanced_quote_makes_the_rest_a_phrase() {
        let q = parse(r#"té ngã "người bệnh cao tuổi"#).unwrap();
        assert_eq!(q.terms.last(), Some(&Phrase("người bệnh cao tuổi".into())));
        assert_eq!(parse("\"").unwrap(), ParsedQuery::default());
        assert_eq!(parse("“sự cố”").unwrap().terms, vec![Phrase("sự cố".into())]);
    }

    #[test]
    fn operators() {
        let q = parse(
            r#"category:An-Toan tag:covid kind:good_practice province:01 author:"Nguyễn Văn A" guidance:43/2018/tt-byt before:2024-01-01 after:2023-06-30 in:title"#,
        )
        .unwrap();
        assert_eq!(
            q.filters,
            vec![
                Filter::Category("an-toan".into()),
                Filter::Tag("covid".into()),
                Filter::Kind("good_practice".into()),
                Filter::Province("01".into()),
                Filter::Author("Nguyễn Văn A".into()),
                Filter::Guidance("43/2018/TT-BYT".into()),
                Filter::Before(date("2024-01-01")),
                Filter::After(date("2023-06-30")),
            ]
        );
        assert!(q.title_only);
        assert!(q.terms.is_empty());
    }

    #[test]
    fn operator_spellings() {
        assert_eq!(parse("KIND:Good-Practice").unwrap().filters, vec![Filter::Kind("good_practice".into())]);
        assert_eq!(parse("author:Lan").unwrap().filters, vec![Filter::Author("Lan".into())]);
        assert_eq!(parse("guidance:5316/QÐ-BYT").unwrap().filters, vec![Filter::Guidance("5316/QD-BYT".into())]);
        assert_eq!(parse("-tag:covid").unwrap().excluded_filters, vec![Filter::Tag("covid".into())]);
        assert_eq!(parse("tag:Kiểm-Tra-Chéo").unwrap().filters, vec![Filter::Tag("kiem-tra-cheo".into())]);
        assert_eq!(tag_slug("  #Điều dưỡng "), "dieu-duong");
    }

    #[test]
    fn unknown_operators_and_empty_values_are_words() {
        assert_eq!(parse("foo:bar").unwrap().terms, words(&["foo:bar"]));
        assert_eq!(parse("https://example.com").unwrap().terms, words(&["https://example.com"]));
        assert_eq!(parse("category:").unwrap().terms, words(&["category:"]));
        assert_eq!(parse("in:body").unwrap().terms, words(&["in:body"]));
        assert_eq!(parse("- a").unwrap().terms, words(&["-", "a"]));
    }

    #[test]
    fn bad_inputs() {
        let long = "a".repeat(10_000);
        assert_eq!(parse(&long).unwrap_err().code, "query_too_long");
        assert!(parse(&"đ".repeat(MAX_QUERY_CHARS)).is_ok(), "the limit counts characters, not bytes");

        let err = parse("before:2024-13-01").unwrap_err();
        assert_eq!(err.code, "bad_date");
        assert!(err.message.contains("2024-13-01"));
        assert_eq!(parse("after:yesterday").unwrap_err().code, "bad_date");
        assert_eq!(parse("after:2024-1-1").unwrap_err().code, "bad_date");
        assert_eq!(parse("before:2023-02-29").unwrap_err().code, "bad_date");

        let err = parse("kind:blog").unwrap_err();
        assert_eq!(err.code, "unknown_kind");
        assert!(err.message.contains("blog"));
    }

    #[test]
    fn empty_punctuation_emoji_and_mixed_scripts_parse() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse("   ").unwrap().is_empty());
        assert_eq!(parse("?!... 🙂").unwrap().terms, words(&["?!...", "🙂"]));
        assert_eq!(parse("ATNB 患者 🙂 an toàn").unwrap().terms, words(&["ATNB", "患者", "🙂", "an", "toàn"]));
        assert_eq!(parse("và của là").unwrap().terms, words(&["và", "của", "là"]));
    }
}
