// TEMPORARY: realistic-vocabulary timing (sentences of eval/corpus.jsonl recombined), removed before hand-off.
use std::time::Instant;
use search_index::{Doc, SearchIndex, SearchRequest, Sort};

struct Lcg(u64);
impl Lcg { fn next(&mut self, n: usize) -> usize { self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); ((self.0 >> 33) as usize) % n } }

fn corpus() -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/eval/corpus.jsonl")).unwrap();
    let (mut titles, mut sentences) = (vec![], vec![]);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        titles.push(v["title"].as_str().unwrap().to_string());
        for s in v["body"].as_str().unwrap().split(". ") { sentences.push(s.to_string()); }
    }
    (titles, sentences)
}

#[test]
#[ignore]
fn realistic() {
    let dir = std::path::Path::new("/tmp/realidx");
    let (index, _) = SearchIndex::open_or_create(dir).unwrap();
    let (titles, sentences) = corpus();
    if index.num_docs() < 100_000 {
        let mut rng = Lcg(7);
        let mut writer = index.writer().unwrap();
        let t = Instant::now();
        for i in 0..100_000i64 {
            let n = 3 + rng.next(8);
            let body = (0..n).map(|_| sentences[rng.next(sentences.len())].clone()).collect::<Vec<_>>().join(". ");
            let doc = Doc { topic_id: i, post_id: i, title: titles[rng.next(titles.len())].clone(), body,
                category: format!("c{}", rng.next(11)), kind: ["discussion","question","good_practice","case_study"][rng.next(4)].into(),
                tags: (0..1+rng.next(3)).map(|_| format!("t{}", rng.next(40))).collect(), province: Some(format!("{:02}", rng.next(34))),
                author: "A".into(), created_at: 1_546_300_800 + rng.next(2440) as i64 * 86400 };
            writer.upsert(&doc).unwrap();
        }
        writer.commit(Some(1)).unwrap();
        println!("indexed in {:?}", t.elapsed());
        writer.wait_for_merges().unwrap();
    }
    let queries = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/eval/queries.tsv")).unwrap();
    let mut by_type: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    let mut worst = vec![];
    for line in queries.lines().filter(|l| !l.starts_with('#') && !l.starts_with("id\t")) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 3 { continue; }
        for newest in [false, true] {
            let req = SearchRequest { query: cols[2].to_string(), limit: 10, sort: if newest { Sort::Newest } else { Sort::Relevance }, ..Default::default() };
            let mut best = f64::MAX; let mut total = 0;
            for _ in 0..5 { let t = Instant::now(); let r = index.search(&req).unwrap(); best = best.min(t.elapsed().as_secs_f64()*1000.0); total = r.total; }
            by_type.entry(format!("{}{}", cols[1], if newest {"/newest"} else {""})).or_default().push(best);
            worst.push((best, total, cols[2].to_string(), newest));
        }
    }
    let mut all = vec![];
    for (t, mut v) in by_type { v.sort_by(|a,b| a.partial_cmp(b).unwrap()); println!("{t:>22}: p50 {:.2} max {:.2}", v[v.len()/2], v[v.len()-1]); all.extend(v); }
    all.sort_by(|a,b| a.partial_cmp(b).unwrap());
    println!("ALL: p50 {:.2} p99 {:.2}", all[all.len()/2], all[all.len()*99/100]);
    worst.sort_by(|a,b| b.0.partial_cmp(&a.0).unwrap());
    for w in worst.iter().take(8) { println!("{:.2}ms {:>6} {} {}", w.0, w.1, if w.3 {"N"} else {" "}, w.2); }
}

#[test]
#[ignore]
fn one() {
    let (index, _) = SearchIndex::open_or_create(std::path::Path::new("/tmp/realidx")).unwrap();
    let q = std::env::var("Q").unwrap();
    let req = SearchRequest { query: q, limit: 10, ..Default::default() };
    let t = Instant::now();
    for _ in 0..200 { std::hint::black_box(index.search(&req).unwrap()); }
    println!("avg {:.2} ms", t.elapsed().as_secs_f64() * 1000.0 / 200.0);
}
