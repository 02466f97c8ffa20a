//! What the units of a query require of a document and add to its score: every unit in a
//! short query, a third of the informative ones in a question; the rarity of each word on top
//! of its BM25; and the rare words whose absence no bonus makes up for.

use tantivy::query::{EmptyQuery, Query};

use super::{ALL_WORDS_UP_TO, PRESENCE_WEIGHT, PROTECTED_SHARE, REQUIRED_SHARE, Scored, split};
use crate::clauses::{PlusConstant, all_of, boost};
use crate::min_match_query::MinMatchQuery;
use crate::snippet::Marks;

/// One word (or group of words) of the query, and how common it is.
pub(super) struct Unit {
    pub(super) scored: Scored,
    pub(super) commonness: Commonness,
    /// A function word ("có", "không", "gì"; see `function_words.rs`): it only counts when the
    /// query has nothing else.
    pub(super) function_word: bool,
    /// A function word only by its folded form, which most documents spell as another word
    /// ("toi": "tội", "tối"). Still neither required nor scored (in questions it is mostly the
    /// function word: "con toi 2 tuoi"), but it counts towards the query's length: leaving it
    /// out made "muc khau tru toi da la bao nhieu" a short query that needed every word, while
    /// typed with diacritics it is a question that needs a third.
    pub(super) maybe_content: bool,
    /// What it marks in snippets, if it is marked (see [`marked_units`]).
    pub(super) marks: Marks,
    /// The share of documents that have it (its rarest syllable's).
    pub(super) share: f64,
    /// Only digits ("2015", "16"): a year or an article number in a question, which the answer
    /// often does not repeat ("Bộ luật này"). It ranks but is never required.
    pub(super) number: bool,
    /// For a word rare only as spelled ("lạm", while "lam"/"làm" is in most documents): its
    /// exact postings, by which a long query counts it. Its folded postings would count it in
    /// most documents, which then all had to be scored (questions matched 1.9 times as many
    /// documents as before such words were rare; see docs/BENCHMARKS.md). Counted as
    /// spelled, it adds to what a document has, but is left out of the share of units asked
    /// for: required, it dropped answers whose words are near spellings ("sổ" for "sở"), that
    /// the folded match used to let through. It still scores by its folded match (see
    /// [`long_query`]).
    pub(super) spelled: Option<Box<dyn Query>>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Commonness {
    /// No document has it (a typo, or a word nobody wrote).
    Absent,
    Rare,
    /// In so many documents that it hardly tells them apart (question words, "người bệnh").
    Common,
}

impl Commonness {
    /// Most informative first.
    pub(super) fn rank(self) -> u8 {
        match self {
            Commonness::Rare => 0,
            Commonness::Common => 1,
            Commonness::Absent => 2,
        }
    }
}

/// The marks of the units that snippets show: not function words (unless they are the query)
/// and, in a long query with rare words, not its common ones ("có", "từ", "ra" would mark
/// half the passage, drowning the word that decided the hit).
pub(super) fn marked_units(units: &mut [Unit]) -> Vec<Marks> {
    let content = |u: &&mut Unit| !u.function_word;
    let long = units.iter_mut().filter(content).count() > ALL_WORDS_UP_TO;
    let has_rare = units.iter().any(|u| !u.function_word && u.commonness == Commonness::Rare);
    units
        .iter_mut()
        .filter(content)
        .filter(|u| !(long && has_rare) || u.commonness == Commonness::Rare)
        .map(|u| std::mem::take(&mut u.marks))
        .collect()
}

/// What the words of a query require and add to the score, and whether relaxing would help.
pub(super) struct Words {
    pub(super) required: Box<dyn Query>,
    pub(super) weights: Vec<Box<dyn Query>>,
    pub(super) bonuses: Vec<Box<dyn Query>>,
    /// The rare words a matching document may lack (in at most [`PROTECTED_SHARE`] of the
    /// documents: a drug, a disease, a name), each with its presence: a document that lacks
    /// some has all its bonuses together worth less than the least of them, so that no title,
    /// spelling or side-by-side bonus makes up for a missing rare word. Empty when a document
    /// cannot lack any (every word required).
    pub(super) protected: Vec<(Box<dyn Query>, f32)>,
    pub(super) can_relax: bool,
}

/// What the words require, and what they add to the score. Function words do not count,
/// unless the query has nothing else. A short query needs every other unit (when
/// `relaxed`, half of them). A longer one (a question, a pasted sentence) needs a third of its
/// informative units (when `relaxed`, one): units no document has are ignored, and common ones
/// ("người bệnh" in a forum about patients) only add to the score — which also keeps such
/// queries fast, as bonuses are only looked up in documents that match the required part.
pub(super) fn combine_words(units: Vec<Unit>, relaxed: bool) -> Option<Words> {
    if units.is_empty() {
        return None;
    }
    // Function words are left out (the caller has turned them into plain words when there is
    // nothing else). Scoring them, even lightly, did not change the ranking of the judged
    // set and cost a lookup per match.
    let length = units.iter().filter(|u| !u.function_word || u.maybe_content).count();
    let units: Vec<Unit> = units.into_iter().filter(|u| !u.function_word).map(with_presence).collect();
    if units.is_empty() {
        return None;
    }
    Some(if length <= ALL_WORDS_UP_TO { short_query(units, relaxed) } else { long_query(units, relaxed) })
}

/// The unit, scoring its rarity on top of BM25 wherever it matches.
fn with_presence(mut unit: Unit) -> Unit {
    if unit.share > 0.0 {
        let extra = presence(&unit);
        unit.scored.matches = Box::new(PlusConstant { inner: unit.scored.matches, extra });
    }
    unit
}

/// What having the unit is worth on top of its BM25.
fn presence(unit: &Unit) -> f32 {
    PRESENCE_WEIGHT * idf(unit.share)
}

/// The units rare enough to be protected (see [`Words::protected`]): their matches and presence.
fn protect(units: &[Unit]) -> Vec<(Box<dyn Query>, f32)> {
    units
        .iter()
        .filter(|u| u.share > 0.0 && u.share <= PROTECTED_SHARE && !u.number)
        .map(|u| (u.scored.matches.box_clone(), presence(u)))
        .collect()
}

/// The inverse document frequency of what a `share` of the documents have (BM25's), 0 for
/// what none has.
pub(super) fn idf(share: f64) -> f32 {
    if share <= 0.0 { 0.0 } else { (1.0 + (1.0 - share) / share).ln() as f32 }
}

/// Every unit required, or (relaxed) half of them.
fn short_query(units: Vec<Unit>, relaxed: bool) -> Words {
    let count = units.len();
    let protected = if relaxed { protect(&units) } else { Vec::new() };
    let (matches, weights, bonuses) = split(units.into_iter().map(|u| u.scored).collect());
    let required: Box<dyn Query> =
        if relaxed { Box::new(MinMatchQuery { clauses: matches, needed: count.div_ceil(2) }) } else { all_of(matches) };
    Words { required, weights, bonuses, protected, can_relax: !relaxed && count > 1 }
}

/// A third of the informative units required, or (relaxed) one; words rare only as spelled
/// count as spelled and are not asked for (see `Unit::spelled`).
fn long_query(units: Vec<Unit>, relaxed: bool) -> Words {
    let (mut rare, mut common): (Vec<Unit>, Vec<Unit>) =
        units.into_iter().filter(|u| u.commonness != Commonness::Absent).partition(|u| u.commonness == Commonness::Rare && !u.number);
    if rare.is_empty() {
        std::mem::swap(&mut rare, &mut common); // only common words: they are all there is
    }
    let protected = protect(&rare);
    let (mut matches, mut weights, mut bonuses) = (Vec::new(), Vec::new(), Vec::new());
    // How many units the share is of: a word rare only as spelled counts when a document has
    // it so, but is not asked for (see `Unit::spelled`).
    let mut asked = 0;
    for unit in rare {
        match unit.spelled {
            // Matched as spelled (counting, not scoring), scored by its folded match.
            Some(spelled) => {
                matches.push(boost(spelled, 0.0));
                weights.push(unit.scored.matches);
            }
            None => {
                matches.push(unit.scored.matches);
                asked += 1;
            }
        }
        weights.extend(unit.scored.weights);
        bonuses.extend(unit.scored.bonuses);
    }
    // A common word ranks by its folded match only: its spelling and title bonuses would be
    // looked up in most documents for little.
    weights.extend(common.into_iter().map(|u| u.scored.matches));
    let needed = if relaxed { 1 } else { ((asked as f64 * REQUIRED_SHARE).ceil() as usize).max(1) };
    let can_relax = !relaxed && needed > 1;
    let required: Box<dyn Query> = match matches.len() {
        0 => Box::new(EmptyQuery),
        n if needed >= n => all_of(matches),
        _ => Box::new(MinMatchQuery { clauses: matches, needed }),
    };
    Words { required, weights, bonuses, protected, can_relax }
}
