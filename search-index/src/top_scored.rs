//! The best-scoring documents of a search, like tantivy's `TopDocs` ordered by score, but
//! telling the search's [`Threshold`] what a document must beat to enter the page, so that
//! [`crate::bonus_query::BonusQuery`] can stop scoring documents that cannot.

use std::cmp::Ordering;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::bonus_query::Threshold;

pub(crate) struct TopScored {
    /// Documents wanted from the top: the page's offset plus its length.
    pub keep: usize,
    pub threshold: Threshold,
}

pub(crate) struct SegmentTopScored {
    segment: SegmentOrdinal,
    keep: usize,
    threshold: Threshold,
    /// Candidates, trimmed to the best `keep` whenever twice as many pile up.
    hits: Vec<(Score, DocId)>,
}

impl Collector for TopScored {
    type Fruit = Vec<(Score, DocAddress)>;
    type Child = SegmentTopScored;

    fn for_segment(&self, segment: SegmentOrdinal, _: &SegmentReader) -> tantivy::Result<SegmentTopScored> {
        let keep = self.keep.max(1);
        Ok(SegmentTopScored { segment, keep, threshold: self.threshold.clone(), hits: Vec::with_capacity(2 * keep) })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(Score, DocAddress)>>) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<(Score, DocAddress)> = fruits.into_iter().flatten().collect();
        all.sort_unstable_by(best_first);
        all.truncate(self.keep);
        Ok(all)
    }
}

impl SegmentCollector for SegmentTopScored {
    type Fruit = Vec<(Score, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if score < self.threshold.get() {
            return;
        }
        self.hits.push((score, doc));
        if self.hits.len() >= 2 * self.keep {
            self.trim();
        }
    }

    fn harvest(mut self) -> Self::Fruit {
        self.trim();
        let segment = self.segment;
        self.hits.into_iter().map(|(score, doc)| (score, DocAddress::new(segment, doc))).collect()
    }
}

impl SegmentTopScored {
    /// Keeps the best `keep` candidates; once there are that many, the worst of them is what a
    /// document must beat, in this segment and the ones searched after it.
    fn trim(&mut self) {
        if self.hits.len() > self.keep {
            self.hits.select_nth_unstable_by(self.keep - 1, |a, b| best_first(&(a.0, a.1), &(b.0, b.1)));
            self.hits.truncate(self.keep);
        }
        if self.hits.len() == self.keep {
            let worst = self.hits.iter().map(|h| h.0).fold(Score::INFINITY, Score::min);
            self.threshold.raise(worst);
        }
    }
}

/// Higher scores first; among equal scores, the earlier document (as `TopDocs` orders them).
fn best_first<D: Ord>(a: &(Score, D), b: &(Score, D)) -> Ordering {
    b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1))
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;

    use super::*;
    use crate::plan::plan;
    use crate::{Doc, SearchIndex, query};

    const WORDS: &[&str] = &[
        "đường",
        "dương",
        "huyết",
        "người",
        "bệnh",
        "an",
        "toàn",
        "sự",
        "cố",
        "báo",
        "cáo",
        "thuốc",
        "tiêm",
        "mổ",
        "phẫu",
        "thuật",
        "rửa",
        "tay",
        "vệ",
        "sinh",
        "té",
        "ngã",
        "khoa",
        "nội",
    ];

    /// Texts from a fixed pseudo-random walk over a small vocabulary: many matches per query,
    /// varied frequencies and lengths, few exact ties.
    fn docs(count: i64) -> Vec<Doc> {
        let mut state: u64 = 42;
        let mut next = move |n: usize| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) % n as u64) as usize
        };
        (1..=count)
            .map(|id| {
                let mut words = |len: usize| (0..len).map(|_| WORDS[next(WORDS.len())]).collect::<Vec<_>>().join(" ");
                let title = words(3 + id as usize % 4);
                let body = words(10 + id as usize % 40);
                Doc {
                    topic_id: id,
                    post_id: id,
                    title,
                    body,
                    category: "c".into(),
                    kind: "discussion".into(),
                    tags: Vec::new(),
                    province: None,
                    author: "a".into(),
                    created_at: 0,
                    guidance: Vec::new(),
                }
            })
            .collect()
    }

    #[test]
    fn skipping_hopeless_bonuses_keeps_the_same_page() {
        let index = SearchIndex::in_memory().unwrap();
        let mut writer = index.writer().unwrap();
        for (i, doc) in docs(3000).iter().enumerate() {
            writer.upsert(doc).unwrap();
            if i % 700 == 699 {
                writer.commit(None).unwrap(); // several segments: the threshold carries over
            }
        }
        writer.commit(None).unwrap();
        let searcher = index.inner.reader.searcher();
        let fields = &index.inner.fields;
        let frequency = |_: crate::plan::Form, _: &str| 0.01;
        for text in
            ["đường huyết", "duong", "người bệnh an toàn", "báo cáo sự cố thuốc tiêm", "mổ", "rửa tay vệ sinh", "\"sự cố\" khoa nội"]
        {
            for keep in [1, 10, 30] {
                let parsed = query::parse(text).unwrap();
                let pruned = plan(&parsed, &[], fields, &frequency, false).unwrap();
                let best = TopScored { keep, threshold: pruned.threshold.clone() };
                let got = searcher.search(&pruned.query, &best).unwrap();
                // The same plan with a threshold nobody raises scores every bonus of every match.
                let full = plan(&parsed, &[], fields, &frequency, false).unwrap();
                let expected = searcher.search(&full.query, &TopDocs::with_limit(keep).order_by_score()).unwrap();
                assert_eq!(got.len(), expected.len(), "{text}");
                for ((score, address), (expected_score, expected_address)) in got.iter().zip(&expected) {
                    assert!((score - expected_score).abs() < 1e-4, "{text}: {score} vs {expected_score}");
                    assert_eq!(address, expected_address, "{text}, keep {keep}");
                }
                assert!(pruned.threshold.get() > 0.0, "{text}: the page filled, so the threshold rose");
            }
        }
    }
}
