// TEMPORARY: timing of the analysis steps (removed before hand-off).
use std::time::Instant;
use search_index::analysis::*;
const WORDS: &[&str] = &["an toàn", "người bệnh", "sự cố", "y khoa", "điều dưỡng", "bác sĩ", "khoa", "phòng", "mổ", "té ngã", "nhiễm khuẩn", "bệnh viện", "rửa tay", "vệ sinh", "đường huyết", "dương tính", "thuốc", "và", "của", "là", "cho", "trong", "khi", "được", "có", "không", "hoà nhập", "thuỷ đậu"];
#[test]
#[ignore]
fn steps() {
    let mut x: u64 = 1;
    let mut docs = Vec::new();
    for _ in 0..10_000 {
        let mut s = String::new();
        for i in 0..190 { x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); s.push_str(WORDS[(x>>33) as usize % WORDS.len()]); s.push_str(if i%12==11 {". "} else {" "}); }
        docs.push(s);
    }
    let t = Instant::now(); let c: Vec<String> = docs.iter().map(|d| clean(d)).collect(); println!("clean {:?}", t.elapsed());
    let t = Instant::now(); let n: Vec<String> = docs.iter().map(|d| normalize(d)).collect(); println!("normalize {:?}", t.elapsed());
    let t = Instant::now(); let k: usize = n.iter().map(|d| exact_tokens(d).len()).sum(); println!("exact {:?} {k}", t.elapsed());
    let t = Instant::now(); let k: usize = n.iter().map(|d| fold_tokens(d).len()).sum(); println!("fold {:?} {k}", t.elapsed());
    let t = Instant::now(); let k: usize = n.iter().map(|d| exact_bigrams(d).len()).sum(); println!("exact bigrams {:?} {k}", t.elapsed());
    let t = Instant::now(); let k: usize = n.iter().map(|d| fold_bigrams(d).len()).sum(); println!("fold bigrams {:?} {k}", t.elapsed());
    let t = Instant::now(); let k: usize = n.iter().map(|d| legal_refs(&format!("{d} 1/2")).len()).sum(); println!("legal_refs {:?} {k}", t.elapsed());
    let _ = c;
}
