//! Turns a [`ParsedQuery`] into one tantivy query, plus the words to mark in snippets.
//!
//! What matches (each word or phrase is a *unit*):
//! * a word matches its folded syllable anywhere in the topic (the body fields hold the title
//!   too), or the expansion of the abbreviation it is ("ATNB"), or the legal reference it spells;
//!   consecutive words that spell out an expansion may instead match the abbreviation;
//! * a quoted phrase (or a word of several syllables, "COVID-19") matches as a phrase;
//! * words that may be written another way match the other forms too, a little lower
//!   ("mổ" / "phẫu thuật", see `synonyms.rs`);
//! * function words ("có … không", "là gì", "thế nào") are left out, unless they are all
//!   there is;
//! * a short query needs every other unit; a longer one (a question) needs a third of its
//!   informative units: words no document has are ignored, and words in more than
//!   [`COMMON_SHARE`] of the documents only add to the score (see [`combine_words`]);
//! * when a short query matches nothing, it is planned again *relaxed*: half its units are
//!   enough (the best matches still have them all);
//! * filters must hold and do not change scores; exclusions must not match.
//!
//! What ranks (BM25 summed): the folded match of each word plus its *presence*, worth its IDF
//! times [`PRESENCE_WEIGHT`] (a rare word counts by its rarity even mentioned once; a word typed
//! with diacritics, by the rarity of its spelling where it is spelled so: "lạm" is rare though
//! "làm" is not), then bonuses only looked up in documents that already match, to refine the
//! order: the exact spelling when typed with diacritics ("đường" over "dương"), the title,
//! adjacent words side by side (bigrams: cheap proximity), legal references. A document that
//! lacks one of the question's rare words (in at most [`PROTECTED_SHARE`] of the documents) has
//! its bonuses together saturate below that word's presence: no bonus makes up for it.

mod combine;
mod matches;
mod words;

use tantivy::query::{AllQuery, BooleanQuery, Occur, Query};

use crate::analysis::has_diacritics;
use crate::bonus_query::Threshold;
use crate::clauses::{all_of, boost, union, with_bonuses};
use crate::filters::{filter_clauses, filter_query};
use crate::query::{Filter, ParsedQuery, QueryTerm};
use crate::schema::Fields;
use crate::snippet::Marks;

use combine::{combine_words, marked_units};

/// A title match counts on top of the same match in the body fields (which hold the title too).
const TITLE_BOOST: f32 = 2.0;
/// A match with the diacritics as typed ("đường") outranks a folded one ("dương"). At 2.5 it
/// gave every word typed with diacritics 3.5 times the weight of a Latin-script name such as
/// "Biotin", which has none to match; at 1 it refines (better on every set measured).
const EXACT_BOOST: f32 = 1.0;
/// Adjacent words (bigrams) on top of the words themselves.
const BIGRAM_BOOST: f32 = 1.5;
/// A legal-document number typed in the query, found among a topic's references.
const REF_BOOST: f32 = 3.0;
/// Another form of a word ("phẫu thuật" for "mổ") counts a little less than the form typed.
const SYNONYM_WEIGHT: f32 = 0.7;
/// What having a word is worth, on top of its BM25, in units of its IDF: a rare word counts by
/// its rarity even when mentioned once in a long text, where BM25 alone gave a passage with
/// more common words the lead (issue 15: "Biotin", "Cefaclor"). Tuned on `eval/` and the
/// outside sets (see docs/BENCHMARKS.md).
const PRESENCE_WEIGHT: f32 = 3.0;
/// A word in at most this share of the documents (one topic in 200: a drug, a disease, a
/// device) is rare enough that no bonus makes up for its absence (see [`Words::protected`](combine::Words::protected)).
/// At 1% and 2% the outside question sets lost P@1 (0.4 and 0.7 points): there, a question's
/// rarer words are often its own wording ("mô tả", "giúp ích"), which the answer need not have.
const PROTECTED_SHARE: f64 = 0.005;
/// A syllable typed without diacritics is a function word if at least this share of the
/// documents with its folded form have it in a function spelling: most of them.
const FUNCTION_SPELLING_SHARE: f64 = 0.5;
/// Queries with more units than this need only some of them.
const ALL_WORDS_UP_TO: usize = 4;
/// A word in more than this share of the documents is common: it ranks but is not required.
const COMMON_SHARE: f64 = 0.2;
/// The share of a long query's informative units a document must match (tuned on the judged
/// set in `eval/`: a third ranks questions best; half loses answers that word things differently).
const REQUIRED_SHARE: f64 = 1.0 / 3.0;

/// The share of documents that contain a syllable in a form (0 when none does).
pub(crate) type Frequency<'a> = &'a dyn Fn(Form, &str) -> f64;

/// How a syllable is looked up.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Form {
    /// Without diacritics, đ as d: what every word matches.
    Folded,
    /// As spelled, with its diacritics.
    Exact,
}

pub(crate) struct Plan {
    pub query: Box<dyn Query>,
    /// There are words or phrases to rank by; otherwise the query only filters.
    pub has_text: bool,
    /// Syllables to mark in snippets: the informative words looked for.
    pub highlight: Marks,
    /// Planning again relaxed would match more (some words were all required).
    pub can_relax: bool,
    /// Shared with the collector of the page (see `bonus_query.rs`).
    pub threshold: Threshold,
}

/// The plan for a query, or `None` when it can match nothing (no text and no filters).
pub(crate) fn plan(
    parsed: &ParsedQuery,
    extra_filters: &[Filter],
    fields: &Fields,
    frequency: Frequency<'_>,
    relaxed: bool,
) -> Option<Plan> {
    let query_has_diacritics = parsed.terms.iter().any(|t| has_diacritics(t.text()));
    let mut builder = Builder {
        fields,
        title_only: parsed.title_only,
        highlight: Marks::default(),
        frequency,
        relaxed,
        can_relax: false,
        query_has_diacritics,
    };
    let text = builder.text(&parsed.terms);
    let filters: Vec<&Filter> = parsed.filters.iter().chain(extra_filters).collect();
    if text.is_none() && filters.is_empty() && parsed.excluded_filters.is_empty() {
        return None;
    }
    let has_text = text.is_some();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let threshold = Threshold::new();
    clauses.extend(text.map(|t| (Occur::Must, with_bonuses(t.required, t.weights, t.bonuses, t.protected, &threshold))));
    clauses.extend(filter_clauses(&filters, fields));
    for term in &parsed.excluded {
        clauses.extend(builder.exclusion(term).map(|q| (Occur::MustNot, q)));
    }
    for filter in &parsed.excluded_filters {
        clauses.push((Occur::MustNot, filter_query(filter, fields)));
    }
    if !clauses.iter().any(|(occur, _)| *occur == Occur::Must) {
        clauses.push((Occur::Must, Box::new(AllQuery))); // only exclusions: everything else
    }
    let can_relax = builder.can_relax;
    Some(Plan { query: Box::new(BooleanQuery::new(clauses)), has_text, highlight: builder.highlight, can_relax, threshold })
}

/// The words and phrases of a query: what must match, and what adds to the score.
struct Text {
    required: Box<dyn Query>,
    /// Word scores looked up in the documents that match (common words, rare spellings).
    weights: Vec<Box<dyn Query>>,
    /// Refinements (exact spelling, title, side by side, references).
    bonuses: Vec<Box<dyn Query>>,
    /// See [`Words::protected`](combine::Words::protected).
    protected: Vec<(Box<dyn Query>, f32)>,
}

/// What a word or phrase needs a document to have, and what then adds to its score. Kept
/// apart so that intersections and min-should-match run over plain terms, and the rest is
/// looked up once per final match.
struct Scored {
    matches: Box<dyn Query>,
    /// What the word is worth where it is spelled as typed, beyond its folded match.
    weights: Vec<Box<dyn Query>>,
    bonuses: Vec<Box<dyn Query>>,
}

impl Scored {
    fn new(matches: Box<dyn Query>) -> Scored {
        Scored { matches, weights: Vec::new(), bonuses: Vec::new() }
    }

    /// Any of the alternatives, with all their bonuses (a bonus of an alternative that did not
    /// match rarely matches anyway: it is the same words in the title or spelled exactly).
    fn any(alternatives: Vec<Scored>) -> Scored {
        let (matches, weights, bonuses) = split(alternatives);
        Scored { matches: union(matches), weights, bonuses }
    }

    fn all(parts: Vec<Scored>) -> Scored {
        let (matches, weights, bonuses) = split(parts);
        Scored { matches: all_of(matches), weights, bonuses }
    }

    /// The same match, scoring `weight` times as much.
    fn scaled(self, weight: f32) -> Scored {
        let scale = |queries: Vec<Box<dyn Query>>| queries.into_iter().map(|q| boost(q, weight)).collect();
        Scored { matches: boost(self.matches, weight), weights: scale(self.weights), bonuses: scale(self.bonuses) }
    }
}

type Queries = Vec<Box<dyn Query>>;

/// The matches of several, and all their weights and bonuses.
fn split(parts: Vec<Scored>) -> (Queries, Queries, Queries) {
    let (mut matches, mut weights, mut bonuses) = (Vec::new(), Vec::new(), Vec::new());
    for part in parts {
        matches.push(part.matches);
        weights.extend(part.weights);
        bonuses.extend(part.bonuses);
    }
    (matches, weights, bonuses)
}

struct Builder<'a> {
    fields: &'a Fields,
    title_only: bool,
    highlight: Marks,
    frequency: Frequency<'a>,
    /// Fewer words required: the query matched nothing as it was (see [`combine_words`]).
    relaxed: bool,
    can_relax: bool,
    /// Some word of the query carries diacritics: its unmarked syllables are meant as typed.
    query_has_diacritics: bool,
}

impl Builder<'_> {
    /// The clauses for the words and phrases; `None` when there are none.
    fn text(&mut self, terms: &[QueryTerm]) -> Option<Text> {
        let (mut units, mut required, mut weights, mut bonuses) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut run: Vec<&str> = Vec::new();
        for term in terms {
            match term {
                QueryTerm::Word(word) => run.push(word),
                QueryTerm::Phrase(phrase) => {
                    self.words(&mut run, &mut units, &mut bonuses);
                    if let Some(scored) = self.phrase_unit(phrase) {
                        required.push(scored.matches);
                        weights.extend(scored.weights);
                        bonuses.extend(scored.bonuses);
                    }
                }
            }
        }
        self.words(&mut run, &mut units, &mut bonuses);
        if units.is_empty() && required.is_empty() {
            return None;
        }
        if required.is_empty() && units.iter().all(|u| u.function_word) {
            // Only function words: they are the query.
            units.iter_mut().for_each(|u| u.function_word = false);
        }
        for marks in marked_units(&mut units) {
            self.highlight.extend(marks);
        }
        let mut protected = Vec::new();
        if let Some(words) = combine_words(units, self.relaxed) {
            self.can_relax = words.can_relax;
            required.push(words.required);
            weights.extend(words.weights);
            bonuses.extend(words.bonuses);
            protected = words.protected;
        }
        Some(Text { required: all_of(required), weights, bonuses, protected })
    }
}
