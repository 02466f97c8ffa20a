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

use tantivy::query::{AllQuery, BooleanQuery, EmptyQuery, Occur, Query};

use crate::abbreviations;
use crate::analysis::{exact_token, exact_tokens, fold, has_diacritics, join_bigram, legal_refs, normalize, words};
use crate::bonus_query::Threshold;
use crate::clauses::{Adjacency, PlusConstant, adjacent, all_of, boost, keyword_query, sequence, term_query, union, with_bonuses};
use crate::filters::{filter_clauses, filter_query};
use crate::function_words::{function_spellings, is_function_word_in};
use crate::legal_refs::short_form;
use crate::min_match_query::MinMatchQuery;
use crate::query::{Filter, ParsedQuery, QueryTerm};
use crate::schema::{Fields, TextFields};
use crate::snippet::Marks;
use crate::synonyms;

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
/// device) is rare enough that no bonus makes up for its absence (see [`Words::protected`]).
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
    /// See [`Words::protected`].
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

/// One word (or group of words) of the query, and how common it is.
struct Unit {
    scored: Scored,
    commonness: Commonness,
    /// A function word ("có", "không", "gì"; see `function_words.rs`): it only counts when the
    /// query has nothing else.
    function_word: bool,
    /// A function word only by its folded form, which most documents spell as another word
    /// ("toi": "tội", "tối"). Still neither required nor scored (in questions it is mostly the
    /// function word: "con toi 2 tuoi"), but it counts towards the query's length: leaving it
    /// out made "muc khau tru toi da la bao nhieu" a short query that needed every word, while
    /// typed with diacritics it is a question that needs a third.
    maybe_content: bool,
    /// What it marks in snippets, if it is marked (see [`marked_units`]).
    marks: Marks,
    /// The share of documents that have it (its rarest syllable's).
    share: f64,
    /// Only digits ("2015", "16"): a year or an article number in a question, which the answer
    /// often does not repeat ("Bộ luật này"). It ranks but is never required.
    number: bool,
    /// For a word rare only as spelled ("lạm", while "lam"/"làm" is in most documents): its
    /// exact postings, by which a long query counts it. Its folded postings would count it in
    /// most documents, which then all had to be scored (questions matched 1.9 times as many
    /// documents as before such words were rare; see docs/BENCHMARKS.md). Counted as
    /// spelled, it adds to what a document has, but is left out of the share of units asked
    /// for: required, it dropped answers whose words are near spellings ("sổ" for "sở"), that
    /// the folded match used to let through. It still scores by its folded match (see
    /// [`long_query`]).
    spelled: Option<Box<dyn Query>>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Commonness {
    /// No document has it (a typo, or a word nobody wrote).
    Absent,
    Rare,
    /// In so many documents that it hardly tells them apart (question words, "người bệnh").
    Common,
}

impl Commonness {
    /// Most informative first.
    fn rank(self) -> u8 {
        match self {
            Commonness::Rare => 0,
            Commonness::Common => 1,
            Commonness::Absent => 2,
        }
    }
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

    /// Units for a run of consecutive words, plus the bigram and reference bonuses of the run.
    fn words(&mut self, run: &mut Vec<&str>, units: &mut Vec<Unit>, bonuses: &mut Vec<Box<dyn Query>>) {
        let words: Vec<(&str, Vec<String>)> =
            run.drain(..).map(|w| (w, exact_tokens(w))).filter(|(_, tokens)| !tokens.is_empty()).collect();
        let commonness: Vec<Commonness> = words.iter().map(|(_, tokens)| self.commonness(tokens)).collect();
        let shares: Vec<f64> = words.iter().map(|(_, tokens)| self.share(tokens)).collect();
        let mut i = 0;
        while i < words.len() {
            // Each unit's marks are kept apart: only the informative units are marked.
            let highlight = std::mem::take(&mut self.highlight);
            let group = self.expansion_group(&words[i..]).or_else(|| self.synonym_group(&words[i..]));
            let function_word = group.is_none() && self.is_function(&words[i].1);
            let maybe_content = function_word && self.maybe_content(&words[i].1);
            let (scored, used) = group.unwrap_or_else(|| (self.word_unit(&words[i]), 1));
            let marks = std::mem::replace(&mut self.highlight, highlight);
            // A group is as informative as its rarest word.
            let commonness = commonness[i..i + used].iter().copied().min_by_key(|c| c.rank()).unwrap_or(Commonness::Rare);
            let share = shares[i..i + used].iter().copied().fold(1.0, f64::min);
            let number = words[i..i + used].iter().all(|(_, tokens)| tokens.iter().all(|t| t.bytes().all(|b| b.is_ascii_digit())));
            let spelled = if used == 1 { self.spelled(&words[i]) } else { None };
            units.push(Unit { scored, commonness, function_word, maybe_content, marks, share, number, spelled });
            i += used;
        }
        // Side by side counts unless both are function words: "thế nào", "làm gì" would favour
        // chatty texts (while "nguy co" may well be "nguy cơ").
        let function = |tokens: &[String]| self.is_function(tokens);
        for pair in words.windows(2).filter(|p| !(function(&p[0].1) && function(&p[1].1))) {
            if let (Some(last), Some(first)) = (pair[0].1.last(), pair[1].1.first()) {
                bonuses.extend(self.bigram_bonuses(last, first));
            }
        }
        let joined = words.iter().map(|(w, _)| *w).collect::<Vec<_>>().join(" ");
        for reference in legal_refs(&joined) {
            bonuses.push(boost(keyword_query(self.fields.refs, &reference), REF_BOOST));
        }
    }

    /// A word that is one function word ("có", "gì"; see [`is_function_word_in`]).
    fn is_function(&self, tokens: &[String]) -> bool {
        matches!(tokens, [token] if is_function_word_in(token, self.query_has_diacritics))
    }

    /// A function word typed without diacritics that most documents with its folded form spell
    /// as another word: fewer than [`FUNCTION_SPELLING_SHARE`] of them have a function spelling
    /// of it (in a law corpus most "toi" are "tội", crime, or "tối đa", maximum, not "tôi", I).
    /// It may well be a content word the user typed; see [`Unit::maybe_content`].
    fn maybe_content(&self, tokens: &[String]) -> bool {
        let [token] = tokens else { return false };
        if self.query_has_diacritics || has_diacritics(token) {
            return false;
        }
        let folded = (self.frequency)(Form::Folded, token);
        let as_function = function_spellings(token).map(|s| (self.frequency)(Form::Exact, s)).fold(0.0, f64::max);
        folded > 0.0 && as_function < FUNCTION_SPELLING_SHARE * folded
    }

    /// The share of documents with the word's rarest syllable.
    fn share(&self, tokens: &[String]) -> f64 {
        tokens.iter().map(|t| (self.frequency)(Form::Folded, &fold(t))).fold(1.0, f64::min)
    }

    /// How common a one-syllable word is; longer words and compounds count as rare. A word typed
    /// with diacritics is as common as its spelling ("lạm" is rare even though "làm" is not),
    /// unless nothing is spelled so (a wrong tone mark: then its folded form decides).
    fn commonness(&self, tokens: &[String]) -> Commonness {
        let [token] = tokens else { return Commonness::Rare };
        let exact = if has_diacritics(token) { (self.frequency)(Form::Exact, token) } else { 0.0 };
        let share = if exact > 0.0 { exact } else { (self.frequency)(Form::Folded, &fold(token)) };
        match share {
            share if share <= 0.0 => Commonness::Absent,
            share if share > COMMON_SHARE => Commonness::Common,
            _ => Commonness::Rare,
        }
    }

    /// The exact postings of a one-syllable word that is rare as typed but common folded
    /// ("lạm" / "làm"), when nothing else can stand for it (an abbreviation, a reference).
    fn spelled(&self, (word, tokens): &(&str, Vec<String>)) -> Option<Box<dyn Query>> {
        let [token] = tokens.as_slice() else { return None };
        let exact = if has_diacritics(token) { (self.frequency)(Form::Exact, token) } else { 0.0 };
        let rare_as_spelled = exact > 0.0 && exact <= COMMON_SHARE && (self.frequency)(Form::Folded, &fold(token)) > COMMON_SHARE;
        let alone = abbreviations::lookup(word).is_none() && legal_refs(word).is_empty();
        (rare_as_spelled && alone).then(|| term_query(self.texts().0.exact, token))
    }

    /// A word: its syllables (a phrase when it has several, like "COVID-19"), or what it
    /// abbreviates, or the legal reference it spells.
    fn word_unit(&mut self, (word, tokens): &(&str, Vec<String>)) -> Scored {
        let mut alternatives: Vec<Scored> = self.text_match(tokens, Adjacency::Phrase).into_iter().collect();
        if let ([_], Some(abbreviation)) = (tokens.as_slice(), abbreviations::lookup(word)) {
            for expansion in abbreviation.expansions {
                alternatives.extend(self.text_match(&exact_tokens(&normalize(expansion)), Adjacency::Bigrams));
            }
        }
        for reference in legal_refs(word) {
            alternatives.extend(short_form(&reference).map(|short| self.reference(&short)));
            alternatives.push(self.reference(&reference));
        }
        Scored::any(alternatives)
    }

    fn reference(&self, reference: &str) -> Scored {
        Scored::new(keyword_query(self.fields.refs, reference))
    }

    /// When the next words spell out an abbreviation's expansion (longest first): one unit that
    /// matches either all the words or the abbreviation, and how many words it took.
    fn expansion_group(&mut self, words: &[(&str, Vec<String>)]) -> Option<(Scored, usize)> {
        let longest = abbreviations::longest_expansion().min(words.len());
        for len in (2..=longest).rev() {
            let group = &words[..len];
            if group.iter().any(|(_, tokens)| tokens.len() != 1) {
                continue;
            }
            let folded: Vec<String> = group.iter().map(|(_, tokens)| fold(&tokens[0])).collect();
            let found = abbreviations::for_phrase(&folded);
            if found.is_empty() {
                continue;
            }
            let mut alternatives = vec![Scored::all(group.iter().map(|w| self.word_unit(w)).collect())];
            for abbreviation in found {
                alternatives.extend(self.text_match(&exact_tokens(abbreviation.short), Adjacency::Bigrams));
            }
            return Some((Scored::any(alternatives), len));
        }
        None
    }

    /// When the next words are a form of a synonym group (longest first): one unit that matches
    /// them as typed or, a little lower, any other form; and how many words it took.
    fn synonym_group(&mut self, words: &[(&str, Vec<String>)]) -> Option<(Scored, usize)> {
        let longest = synonyms::longest_form().min(words.len());
        for len in (1..=longest).rev() {
            let group = &words[..len];
            if group.iter().any(|(_, tokens)| tokens.len() != 1) {
                continue;
            }
            let typed: Vec<String> = group.iter().map(|(_, tokens)| tokens[0].clone()).collect();
            let others = synonyms::alternatives(&typed);
            if others.is_empty() {
                continue;
            }
            let mut alternatives = vec![Scored::all(group.iter().map(|w| self.word_unit(w)).collect())];
            for form in others {
                alternatives.extend(self.text_match(form, Adjacency::Bigrams).map(|s| s.scaled(SYNONYM_WEIGHT)));
            }
            return Some((Scored::any(alternatives), len));
        }
        None
    }

    /// A quoted phrase: the syllables in order, or the abbreviation it is the expansion of.
    /// Punctuation inside it (a pasted title: "Thủy đậu ở trẻ nhỏ: cách ly") is read as the
    /// reader reads it: the words still follow each other.
    fn phrase_unit(&mut self, phrase: &str) -> Option<Scored> {
        let tokens = exact_tokens(phrase);
        if tokens.len() == 1 {
            return Some(self.word_unit(&(phrase, tokens)));
        }
        let clauses = exact_clauses(phrase);
        let in_order = if clauses.len() > 1 { self.across_clauses(&clauses) } else { self.text_match(&tokens, Adjacency::Phrase) };
        let mut alternatives = vec![in_order?];
        let folded: Vec<String> = tokens.iter().map(|t| fold(t)).collect();
        for abbreviation in abbreviations::for_phrase(&folded) {
            alternatives.extend(self.text_match(&exact_tokens(abbreviation.short), Adjacency::Bigrams));
        }
        for reference in legal_refs(phrase) {
            alternatives.push(self.reference(&reference));
        }
        Some(Scored::any(alternatives))
    }

    /// The syllables (side by side when several) in the searched text, with their bonuses:
    /// the exact spelling when typed with diacritics (the word, or the phrase's exact bigrams;
    /// looked up in the body fields, which hold the title too) and the title. Also records them
    /// for highlighting.
    fn text_match(&mut self, exact: &[String], adjacency: Adjacency) -> Option<Scored> {
        let folded: Vec<String> = exact.iter().map(|t| fold(t)).collect();
        exact.iter().for_each(|t| self.highlight.add(t));
        let marked = exact != folded.as_slice();
        let (main, title) = self.texts();
        let matches = adjacent(main, &folded, adjacency)?;
        let mut scored = Scored::new(matches);
        if marked {
            scored.bonuses.extend(exact_bonus(main, exact, EXACT_BOOST));
            scored.weights.extend(self.spelling_presence(exact, &folded));
        }
        if let Some(title) = title {
            scored.bonuses.extend(adjacent(title, &folded, Adjacency::Bigrams).map(|q| boost(q, TITLE_BOOST)));
        }
        Some(scored)
    }

    /// What a word's spelling is rarer than its folded form ("lạm" among all "lam"/"làm"),
    /// counted where it is spelled as typed: a word typed with diacritics weighs the rarity of
    /// what was typed (on top of its folded presence, see [`with_presence`]).
    fn spelling_presence(&self, exact: &[String], folded: &[String]) -> Option<Box<dyn Query>> {
        let ([exact], [folded]) = (exact, folded) else { return None };
        let gain = idf((self.frequency)(Form::Exact, exact)) - idf((self.frequency)(Form::Folded, folded));
        let found = boost(term_query(self.texts().0.exact, exact), 0.0); // presence only, no BM25
        (gain > 0.0).then(|| Box::new(PlusConstant { inner: found, extra: PRESENCE_WEIGHT * gain }) as Box<dyn Query>)
    }

    /// Syllables in order across punctuation: no bigram spans a clause break in the index, so
    /// each clause's bigrams are looked up, and the whole sequence is checked on positions
    /// (which run on across punctuation). Bonuses as in [`Builder::text_match`], per clause.
    fn across_clauses(&mut self, clauses: &[Vec<String>]) -> Option<Scored> {
        let exact: Vec<String> = clauses.concat();
        let folded: Vec<String> = exact.iter().map(|t| fold(t)).collect();
        exact.iter().for_each(|t| self.highlight.add(t));
        let (main, title) = self.texts();
        let mut all: Vec<Box<dyn Query>> = Vec::new();
        let mut bonuses = Vec::new();
        for clause in clauses.iter().filter(|c| c.len() > 1) {
            let clause_folded: Vec<String> = clause.iter().map(|t| fold(t)).collect();
            all.extend(adjacent(main, &clause_folded, Adjacency::Bigrams));
            bonuses.extend(exact_bonus(main, clause, EXACT_BOOST));
            if let Some(title) = title {
                bonuses.extend(adjacent(title, &clause_folded, Adjacency::Bigrams).map(|q| boost(q, TITLE_BOOST)));
            }
        }
        all.extend(sequence(main.fold, &folded));
        Some(Scored { matches: all_of(all), weights: Vec::new(), bonuses })
    }

    /// Bonuses for two adjacent words found side by side (their syllables `a` and `b` that
    /// meet): folded, and spelled as typed. (Each word's title bonus already favours titles; a
    /// title bigram on top did not improve the ranking measurably and cost a lookup per match.)
    fn bigram_bonuses(&self, a: &str, b: &str) -> Vec<Box<dyn Query>> {
        let (main, _) = self.texts();
        let folded = join_bigram(&fold(a), &fold(b));
        let exact = join_bigram(a, b);
        let mut bonuses = vec![boost(term_query(main.fold_bigram, &folded), BIGRAM_BOOST)];
        if exact != folded {
            bonuses.push(boost(term_query(main.exact_bigram, &exact), BIGRAM_BOOST * EXACT_BOOST));
        }
        bonuses
    }

    /// `-word` / `-"phrase"`: as typed when it has diacritics ("-đường" keeps "dương"),
    /// folded otherwise ("-duong" drops both); anywhere in the topic, whatever `in:` says.
    fn exclusion(&self, term: &QueryTerm) -> Option<Box<dyn Query>> {
        let exact = exact_tokens(term.text());
        let folded: Vec<String> = exact.iter().map(|t| fold(t)).collect();
        let text = self.fields.body_text;
        match exact.as_slice() {
            [word] if has_diacritics(word) => Some(term_query(text.exact, word)),
            _ => {
                let mut all = vec![adjacent(text, &folded, Adjacency::Phrase)?];
                all.extend(marked_pairs(&exact).map(|pair| term_query(text.exact_bigram, &pair)));
                Some(all_of(all))
            }
        }
    }

    /// Where words must match, and the title for the title bonus: the body fields (which hold
    /// the title too), or for `in:title` the title alone.
    fn texts(&self) -> (TextFields, Option<TextFields>) {
        if self.title_only { (self.fields.title_text, None) } else { (self.fields.body_text, Some(self.fields.title_text)) }
    }
}

/// The exact spelling of one word, or the exact bigrams of several.
fn exact_bonus(text: TextFields, exact: &[String], weight: f32) -> Vec<Box<dyn Query>> {
    match exact {
        [word] => vec![boost(term_query(text.exact, word), weight)],
        _ => marked_pairs(exact).map(|pair| boost(term_query(text.exact_bigram, &pair), weight)).collect(),
    }
}

/// The exact bigrams of adjacent syllables where at least one has diacritics ("an toàn" →
/// "an_toàn"; "an ninh" gives nothing, its folded form says it all).
fn marked_pairs(exact: &[String]) -> impl Iterator<Item = String> + '_ {
    exact.windows(2).filter(|p| has_diacritics(&p[0]) || has_diacritics(&p[1])).map(|p| join_bigram(&p[0], &p[1]))
}

/// The syllables of a phrase, split where punctuation breaks it.
fn exact_clauses(phrase: &str) -> Vec<Vec<String>> {
    let mut clauses: Vec<Vec<String>> = Vec::new();
    for word in words(phrase) {
        let Some(token) = exact_token(word.text) else { continue };
        match clauses.last_mut() {
            Some(clause) if !word.after_break => clause.push(token),
            _ => clauses.push(vec![token]),
        }
    }
    clauses
}

/// The marks of the units that snippets show: not function words (unless they are the query)
/// and, in a long query with rare words, not its common ones ("có", "từ", "ra" would mark
/// half the passage, drowning the word that decided the hit).
fn marked_units(units: &mut [Unit]) -> Vec<Marks> {
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
struct Words {
    required: Box<dyn Query>,
    weights: Vec<Box<dyn Query>>,
    bonuses: Vec<Box<dyn Query>>,
    /// The rare words a matching document may lack (in at most [`PROTECTED_SHARE`] of the
    /// documents: a drug, a disease, a name), each with its presence: a document that lacks
    /// some has all its bonuses together worth less than the least of them, so that no title,
    /// spelling or side-by-side bonus makes up for a missing rare word. Empty when a document
    /// cannot lack any (every word required).
    protected: Vec<(Box<dyn Query>, f32)>,
    can_relax: bool,
}

/// What the words require, and what they add to the score. Function words do not count,
/// unless the query has nothing else. A short query needs every other unit (when
/// `relaxed`, half of them). A longer one (a question, a pasted sentence) needs a third of its
/// informative units (when `relaxed`, one): units no document has are ignored, and common ones
/// ("người bệnh" in a forum about patients) only add to the score — which also keeps such
/// queries fast, as bonuses are only looked up in documents that match the required part.
fn combine_words(units: Vec<Unit>, relaxed: bool) -> Option<Words> {
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
fn idf(share: f64) -> f32 {
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
