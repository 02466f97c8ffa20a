//! Indexing and query speed of the search index on a synthetic Vietnamese forum, against
//! PostgreSQL full-text search (and SQLite FTS5) on the same posts and the same queries.
//!
//! ```text
//! cargo run --release -p search-index --example bench -- --posts 100000
//!     [--queries 2000] [--seed 7] [--commit-every 0] [--dir PATH [--reuse]] [--no-postgres] [--no-fts5]
//!     [--only question]   (one class of the mix only, e.g. to profile it)
//! ```
//!
//! * Posts are generated one at a time from a seeded PRNG (SplitMix64: the same seed gives the
//!   same corpus; no post is kept, so `--posts 1000000` works). Most sentences come from an
//!   order-2 Markov chain over the words of `eval/corpus.jsonl` (real Vietnamese written for this
//!   project, so real syllables, diacritics and word frequencies); about one in seven is assembled
//!   from a healthcare vocabulary with abbreviations, legal-document numbers, places and figures.
//!   Categories, kinds, tags, provinces, authors and dates (2019–2025) are drawn at random; about
//!   one post in ten is typed without diacritics. `--sample N` prints posts and queries.
//! * Indexing: `SearchIndex::open_or_create` in a temporary folder, one writer, `upsert` per post,
//!   one commit at the end (or every `--commit-every` posts). Posts/s counts upsert + commit time.
//! * Queries: a fixed mix of single-word (20%), multi-word (20%), diacritic-free (15%),
//!   "phrase" (10%), natural-language question (15%), filtered by category or kind (10%) and
//!   newest-first (10%) searches, drawn from the vocabulary and from `eval/queries.tsv`; 10
//!   results each, through `SearchIndex::search` (which also counts all matches, computes facets
//!   and builds snippets).
//! * Then the same posts go to PostgreSQL (`TEST_DATABASE_URL`; COPY, a stored
//!   `to_tsvector('simple', unaccent(title || ' ' || body))`, GIN) and to an on-disk SQLite FTS5
//!   table, and the same queries run on all engines interleaved (query by query), so that the
//!   ratios are measured under the same machine load.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use search_index::{Doc, SearchIndex, SearchRequest, Sort};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Row};
use support::{BoxError, Postgres, percentile_ms};
use unicode_normalization::UnicodeNormalization;

struct Options {
    posts: u64,
    queries: usize,
    seed: u64,
    commit_every: u64,
    dir: Option<PathBuf>,
    postgres: bool,
    fts5: bool,
    /// Print this many generated posts and stop.
    sample: usize,
    /// With `--dir`: query the index already there (built by an earlier run with the same
    /// `--posts` and `--seed`) instead of indexing again — for comparing query changes.
    reuse: bool,
    /// `--only question`: time only the queries of one class (e.g. to profile them); the mix is
    /// drawn as usual, so they are the same queries as in a full run.
    only: Option<String>,
}

fn options() -> Result<Options, BoxError> {
    let mut o = Options {
        posts: 100_000,
        queries: 2_000,
        seed: 7,
        commit_every: 0,
        dir: None,
        postgres: true,
        fts5: true,
        sample: 0,
        reuse: false,
        only: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--posts" => o.posts = value()?.replace('_', "").parse()?,
            "--queries" => o.queries = value()?.parse()?,
            "--seed" => o.seed = value()?.parse()?,
            "--commit-every" => o.commit_every = value()?.parse()?,
            "--dir" => o.dir = Some(PathBuf::from(value()?)),
            "--no-postgres" => o.postgres = false,
            "--no-fts5" => o.fts5 = false,
            "--sample" => o.sample = value()?.parse()?,
            "--reuse" => o.reuse = true,
            "--only" => o.only = Some(value()?),
            "-h" | "--help" => {
                println!(
                    "usage: bench [--posts N] [--queries N] [--seed N] [--commit-every N] [--dir PATH] [--no-postgres] [--no-fts5] [--sample N] [--reuse] [--only single|multi|folded|phrase|question|filtered|newest]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)").into()),
        }
    }
    Ok(o)
}

fn main() -> Result<(), BoxError> {
    let options = options()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(run(options))
}

async fn run(o: Options) -> Result<(), BoxError> {
    if o.sample > 0 {
        let generator = Generator::new(o.seed)?;
        for i in 0..o.sample as u64 {
            let doc = generator.doc(i);
            println!("# {} [{} / {}] {}\n{}\n", doc.title, doc.category, doc.kind, doc.created_at, doc.body);
        }
        for q in make_queries(o.seed, 40, &support::load_queries()?) {
            println!(
                "{:?}: {}{}{}",
                q.class,
                q.text,
                q.filter.map(|(k, v)| format!(" [{k}={v}]")).unwrap_or_default(),
                if q.newest { " [newest]" } else { "" }
            );
        }
        return Ok(());
    }
    print_machine(&o);
    let temp = tempfile::tempdir()?;
    let dir = o.dir.clone().unwrap_or_else(|| temp.path().join("index"));

    // --- our engine: indexing
    let generator = Generator::new(o.seed)?;
    if o.reuse && o.dir.is_some() {
        let (index, _) = SearchIndex::open_or_create(&dir)?;
        if index.num_docs() == o.posts {
            println!("(reusing the index in {}: indexing not measured)\n", dir.display());
            let queries = only(make_queries(o.seed, o.queries, &support::load_queries()?), o.only.as_deref())?;
            print_solo(&queries, &time_ours(&index, &queries)?, o.posts);
            return Ok(());
        }
    }
    let (index, indexing) = index_posts(&dir, &o, &generator)?;
    let index_bytes = dir_size(&dir);
    println!("## search-index: bulk indexing\n");
    println!(
        "| posts | posts/s (upsert + commit) | then waiting for merges | posts/s incl. merges | segments | wall incl. generation | index on disk | MiB per 100k posts |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {:.0} | {:.1} s | {:.0} | {} | {:.1} s | {:.1} MiB | {:.1} |\n",
        o.posts,
        o.posts as f64 / indexing.engine.as_secs_f64(),
        indexing.merges.as_secs_f64(),
        o.posts as f64 / (indexing.engine + indexing.merges).as_secs_f64(),
        segment_count(&dir),
        indexing.wall.as_secs_f64(),
        mib(index_bytes),
        mib(index_bytes) * 100_000.0 / o.posts as f64
    );

    // --- our engine: queries, alone on the machine
    let queries = only(make_queries(o.seed, o.queries, &support::load_queries()?), o.only.as_deref())?;
    let solo = time_ours(&index, &queries)?;
    print_solo(&queries, &solo, o.posts);
    if let Some(floor) = time_bare_tantivy(&dir, &queries)? {
        print_floor(&floor);
    }
    let (hwm, rss) = memory_kib();
    println!(
        "Process memory after indexing and querying (before the other engines are loaded): peak (VmHWM) {:.0} MiB, now (VmRSS) {:.0} MiB\n",
        hwm as f64 / 1024.0,
        rss as f64 / 1024.0
    );

    // --- the others, then everything interleaved
    let mut others: Vec<Other> = Vec::new();
    if o.postgres {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => others.push(Other::Postgres(load_postgres(&url, &o, &generator).await?)),
            _ => println!("(PostgreSQL skipped: TEST_DATABASE_URL is not set)\n"),
        }
    }
    if o.fts5 {
        others.push(Other::Fts5(load_fts5(&temp.path().join("fts5.db"), &o, &generator).await?));
    }
    if !others.is_empty() {
        compare(&index, &others, &queries, o.posts).await?;
    }
    for other in &others {
        if let Other::Postgres((pg, _)) = other {
            pg.drop_schema().await?;
        }
    }
    println!("Load average at the end: {}", load_average());
    Ok(())
}

fn print_machine(o: &Options) {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).unwrap_or("?");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib = meminfo.lines().find(|l| l.starts_with("MemTotal")).and_then(|l| l.split_whitespace().nth(1)).unwrap_or("0");
    println!(
        "Machine: {} cores, {:.0} GiB, CPU{model}; load average at start: {}. Posts {}, queries {}, seed {}, commit every {}\n",
        cores,
        mem_kib.parse::<f64>().unwrap_or(0.0) / 1024.0 / 1024.0,
        load_average(),
        o.posts,
        o.queries,
        o.seed,
        if o.commit_every == 0 { "(once at the end)".to_string() } else { o.commit_every.to_string() }
    );
}

/// The 1, 5 and 15 minute load averages (other work on the machine skews latencies).
fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------
// Synthetic corpus

/// SplitMix64: small, fast, and the same on every platform and release.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// An index skewed towards the start of the list (a rough Zipf: frequent words first).
    fn skewed(&mut self, n: usize) -> usize {
        ((self.unit().powf(2.2)) * n as f64) as usize % n
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
    fn pick_skewed<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.skewed(list.len())]
    }
}

const NOUNS: &[&str] = &[
    "người bệnh",
    "điều dưỡng",
    "bác sĩ",
    "thuốc",
    "sự cố",
    "khoa",
    "bệnh viện",
    "quy trình",
    "nhân viên y tế",
    "người nhà",
    "vòng tay",
    "hồ sơ bệnh án",
    "y lệnh",
    "xét nghiệm",
    "vệ sinh tay",
    "nhiễm khuẩn",
    "phẫu thuật",
    "bảng kiểm",
    "té ngã",
    "bàn giao ca",
    "kháng sinh",
    "thuốc nguy cơ cao",
    "insulin",
    "đường huyết",
    "huyết áp",
    "truyền máu",
    "nhóm máu",
    "bơm tiêm điện",
    "máy thở",
    "monitor",
    "báo động",
    "chất thải y tế",
    "găng tay",
    "dung dịch sát khuẩn",
    "catheter",
    "ống thông tiểu",
    "vết mổ",
    "phòng mổ",
    "gạc",
    "dụng cụ",
    "bệnh phẩm",
    "phản vệ",
    "adrenalin",
    "thuốc chống đông",
    "warfarin",
    "heparin",
    "kali clorid",
    "thuốc an thần",
    "người cao tuổi",
    "trẻ sơ sinh",
    "sản phụ",
    "ca trực",
    "ca đêm",
    "giao ban",
    "đào tạo",
    "tập huấn",
    "mô phỏng",
    "chỉ số chất lượng",
    "tiêu chí",
    "đề án cải tiến",
    "văn hoá an toàn",
    "văn hóa an toàn",
    "báo cáo",
    "phân tích",
    "nguyên nhân gốc",
    "sơ đồ xương cá",
    "bệnh án điện tử",
    "chữ ký số",
    "phần mềm",
    "mã vạch",
    "dữ liệu",
    "bảo mật",
    "thiết bị y tế",
    "bảo dưỡng",
    "kiểm định",
    "máy sốc điện",
    "xe cấp cứu",
    "oxy",
    "tủ lạnh",
    "vắc xin",
    "nhiệt độ",
    "hoá chất",
    "hóa chất",
    "nội soi",
    "tiệt khuẩn",
    "khử khuẩn",
    "đồ vải",
    "kim tiêm",
    "phơi nhiễm",
    "đa kháng",
    "cách ly",
    "viêm phổi",
    "nhiễm khuẩn huyết",
    "loét tỳ đè",
    "thang điểm",
    "nguy cơ",
    "tai biến",
    "sai sót",
    "nhầm lẫn",
    "liều thuốc",
    "đường dùng",
    "tốc độ truyền",
    "dịch truyền",
    "chế phẩm máu",
    "phiếu chăm sóc",
    "phiếu lĩnh máu",
    "sổ theo dõi",
    "dấu hiệu sinh tồn",
    "tri giác",
    "sức khoẻ",
    "sức khỏe",
    "hài lòng",
    "khiếu nại",
    "thời gian chờ",
    "lịch hẹn",
    "tái khám",
    "ra viện",
    "nhập viện",
    "chuyển khoa",
    "chuyển viện",
    "tuyến huyện",
    "trạm y tế",
    "dược sĩ lâm sàng",
    "hộ lý",
    "kỹ thuật viên",
    "nữ hộ sinh",
    "trưởng khoa",
    "điều dưỡng trưởng",
    "phòng quản lý chất lượng",
    "hội đồng",
    "thông tư",
    "quyết định",
    "hướng dẫn",
    "minh chứng",
    "đoàn kiểm tra",
    "mạng lưới",
    "chi phí",
    "bảo hiểm y tế",
];
const VERBS: &[&str] = &[
    "kiểm tra",
    "đối chiếu",
    "báo cáo",
    "theo dõi",
    "hướng dẫn",
    "ghi chép",
    "bàn giao",
    "đánh giá",
    "giám sát",
    "phát hiện",
    "xử trí",
    "phân tích",
    "cải tiến",
    "triển khai",
    "áp dụng",
    "tập huấn",
    "thực hiện",
    "chuẩn bị",
    "pha",
    "tiêm",
    "truyền",
    "lấy mẫu",
    "dán nhãn",
    "đeo",
    "khử khuẩn",
    "thay",
    "rút",
    "ngừng",
    "nhắc lại",
    "xác nhận",
    "ký",
    "lưu",
    "cập nhật",
    "chia sẻ",
    "phản hồi",
    "phòng ngừa",
    "giảm",
    "tăng",
    "duy trì",
    "sắp xếp",
];
const MODIFIERS: &[&str] = &[
    "đúng quy trình",
    "hằng ngày",
    "kịp thời",
    "an toàn",
    "đầy đủ",
    "chính xác",
    "tại giường",
    "mỗi ca",
    "ban đêm",
    "trước khi tiêm",
    "sau phẫu thuật",
    "theo quy định",
    "nguy cơ cao",
    "không trừng phạt",
    "tự nguyện",
    "bắt buộc",
    "có hệ thống",
    "rõ ràng",
    "ngay lập tức",
    "trong 24 giờ",
    "hai lần",
    "độc lập",
    "bằng văn bản",
    "qua điện thoại",
    "bằng mã QR",
    "theo thang điểm Morse",
    "theo SBAR",
    "theo bảng kiểm",
    "theo hướng dẫn của Bộ Y tế",
    "lần đầu",
];
const CONNECTORS: &[&str] = &["và", "trong", "khi", "để", "của", "cho", "sau khi", "trước khi", "với", "tại", "nhưng", "vì", "nên", "hoặc"];
const PLACES: &[&str] = &[
    "khoa Hồi sức tích cực",
    "khoa Nội tổng hợp",
    "khoa Ngoại",
    "khoa Cấp cứu",
    "khoa Nhi",
    "khoa Sản",
    "phòng mổ",
    "khoa Khám bệnh",
    "khoa Lão khoa",
    "khoa Tim mạch",
    "khoa Dược",
    "khoa Xét nghiệm",
    "khoa Chẩn đoán hình ảnh",
    "khoa Kiểm soát nhiễm khuẩn",
    "khoa Ung bướu",
    "khoa Tâm thần",
    "khoa Phục hồi chức năng",
    "trung tâm y tế huyện",
];
const ABBREVIATIONS: &[&str] = &["ATNB", "SCYK", "KSNK", "NVYT", "BN", "BV", "HSBA", "BHYT", "ĐD", "KCB", "QLCL"];
const LEGAL: &[&str] =
    &["43/2018/TT-BYT", "46/2018/TT-BYT", "6858/QĐ-BYT", "16/2018/TT-BYT", "51/2017/TT-BYT", "19/2013/TT-BYT", "31/2021/TT-BYT"];
const CATEGORIES: &[&str] = &[
    "patient-identification",
    "safe-surgery",
    "medication-safety",
    "infection-control",
    "communication",
    "fall-prevention",
    "equipment-safety",
    "incident-reporting",
    "quality-management",
    "digital-transformation",
    "training",
];
const KINDS: &[&str] = &["discussion", "question", "good_practice", "case_study"];
const TAGS: &[&str] = &[
    "ve-sinh-tay",
    "te-nga",
    "thuoc-nguy-co-cao",
    "ban-giao-ca",
    "sbar",
    "vong-tay",
    "truyen-mau",
    "insulin",
    "phan-ve",
    "bao-cao-su-co",
    "thong-tu-43",
    "benh-an-dien-tu",
    "chu-ky-so",
    "kiem-soat-nhiem-khuan",
    "icu",
    "nhi-khoa",
    "san-khoa",
    "phong-mo",
    "bang-kiem",
    "dao-tao",
    "mo-phong",
    "5s",
    "pdca",
    "chi-so",
    "6858",
    "thiet-bi",
    "may-tho",
    "oxy",
    "chat-thai",
    "da-khang",
    "khang-sinh",
    "duoc-lam-sang",
    "nguoi-cao-tuoi",
    "loet-ty-de",
    "news2",
    "zalo",
    "bao-mat",
    "hoi-chan",
    "cap-cuu",
    "gay-me",
];
const PROVINCES: &[&str] = &[
    "01", "04", "08", "11", "12", "14", "15", "19", "20", "22", "24", "25", "31", "33", "37", "38", "40", "42", "44", "46", "48", "51",
    "52", "56", "66", "68", "75", "79", "80", "82", "86", "91", "92", "96",
];
const SURNAMES: &[&str] = &["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"];
const MIDDLE: &[&str] = &["Thị", "Văn", "Minh", "Thu", "Ngọc", "Quốc", "Thanh", "Hữu", "Phương", "Đức"];
const GIVEN: &[&str] = &["Lan", "Hương", "Minh", "Dũng", "Mai", "Hải", "Thảo", "Tuấn", "Hà", "Nam", "Hoa", "Hùng", "Trang", "Phúc", "Yến"];

/// ASCII folding as people type without diacritics (đ → d).
fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect()
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn sentence(rng: &mut Rng) -> String {
    let mut words: Vec<String> = vec![rng.pick_skewed(NOUNS).to_string(), rng.pick_skewed(VERBS).to_string()];
    words.push(rng.pick_skewed(NOUNS).to_string());
    if rng.chance(0.6) {
        words.push(rng.pick_skewed(MODIFIERS).to_string());
    }
    if rng.chance(0.5) {
        words.push(rng.pick(CONNECTORS).to_string());
        words.push(rng.pick_skewed(NOUNS).to_string());
    }
    if rng.chance(0.3) {
        words.push(format!("tại {}", rng.pick(PLACES)));
    }
    if rng.chance(0.15) {
        words.push(format!("({})", rng.pick(ABBREVIATIONS)));
    }
    if rng.chance(0.08) {
        words.push(format!("theo Thông tư {}", rng.pick(LEGAL)));
    }
    if rng.chance(0.2) {
        words.push(format!("trong {} ngày, đạt {},{}%", 1 + rng.below(90), rng.below(100), rng.below(10)));
    }
    format!("{}.", capitalise(&words.join(" ")))
}

/// An order-2 Markov chain over the words of real text: new sentences with the word statistics
/// (common and rare words, how they follow each other) of the forum's own writing.
struct Chain {
    words: Vec<String>,
    next: HashMap<(u32, u32), Vec<u32>>,
    starts: Vec<(u32, u32)>,
}

impl Chain {
    fn train<'a>(texts: impl Iterator<Item = &'a str>) -> Chain {
        let mut chain = Chain { words: Vec::new(), next: HashMap::new(), starts: Vec::new() };
        let mut ids: HashMap<&'a str, u32> = HashMap::new();
        for text in texts {
            let tokens: Vec<u32> = text
                .split_whitespace()
                .map(|w| {
                    *ids.entry(w).or_insert_with(|| {
                        chain.words.push(w.to_string());
                        chain.words.len() as u32 - 1
                    })
                })
                .collect();
            for (i, window) in tokens.windows(3).enumerate() {
                chain.next.entry((window[0], window[1])).or_default().push(window[2]);
                if i == 0 || chain.ends_sentence(tokens[i - 1]) {
                    chain.starts.push((window[0], window[1]));
                }
            }
        }
        chain
    }

    fn ends_sentence(&self, word: u32) -> bool {
        self.words[word as usize].ends_with(['.', '?', '!', ':'])
    }

    fn sentence(&self, rng: &mut Rng, max_words: usize) -> String {
        let (mut a, mut b) = self.starts[rng.below(self.starts.len())];
        let mut out = vec![a, b];
        while out.len() < max_words && !self.ends_sentence(b) {
            let Some(followers) = self.next.get(&(a, b)) else {
                break;
            };
            let c = followers[rng.below(followers.len())];
            out.push(c);
            (a, b) = (b, c);
        }
        capitalise(&out.iter().map(|&w| self.words[w as usize].as_str()).collect::<Vec<_>>().join(" "))
    }
}

/// Makes post `i` of the synthetic forum, the same for the same seed, one post at a time.
struct Generator {
    seed: u64,
    titles: Chain,
    bodies: Chain,
}

impl Generator {
    /// Trains on the relevance corpus (`eval/corpus.jsonl`, text written for this project).
    fn new(seed: u64) -> Result<Generator, BoxError> {
        let corpus = support::load_corpus()?;
        Ok(Generator {
            seed,
            titles: Chain::train(corpus.iter().map(|t| t.title.as_str())),
            bodies: Chain::train(corpus.iter().map(|t| t.body.as_str())),
        })
    }

    fn doc(&self, i: u64) -> Doc {
        make_doc(self, i)
    }
}

fn make_doc(generator: &Generator, i: u64) -> Doc {
    let mut rng = Rng::new(generator.seed ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03));
    let kind = rng.pick(KINDS);
    let mut title = generator.titles.sentence(&mut rng, 16);
    if kind == "question" && !title.ends_with('?') {
        title.push_str(" như thế nào?");
    }
    // Mostly 3–12 sentences (about 50–250 words), sometimes a long thread. Most sentences come
    // from the chain; some are assembled from the vocabulary below (abbreviations, document
    // numbers, places, figures).
    let sentences = if rng.chance(0.05) { 15 + rng.below(30) } else { 3 + rng.below(10) };
    let mut body = String::new();
    for s in 0..sentences {
        if s > 0 {
            body.push_str(if rng.chance(0.2) { "\n\n" } else { " " });
        }
        if rng.chance(0.15) {
            body.push_str(&sentence(&mut rng));
        } else {
            body.push_str(&generator.bodies.sentence(&mut rng, 40));
        }
    }
    if rng.chance(0.1) {
        title = fold(&title);
        body = fold(&body);
    }
    let tags = (0..1 + rng.below(3)).map(|_| rng.pick(TAGS).to_string()).collect();
    let author = format!("{} {} {}", rng.pick(SURNAMES), rng.pick(MIDDLE), rng.pick(GIVEN));
    // 2019-01-01 .. about 2025-09
    let created_at = 1_546_300_800 + (rng.below(2_440) as i64) * 86_400 + rng.below(86_400) as i64;
    Doc {
        topic_id: i as i64 + 1,
        post_id: (i as i64 + 1) * 3,
        title,
        body,
        category: rng.pick(CATEGORIES).to_string(),
        kind: kind.to_string(),
        tags,
        province: Some(rng.pick(PROVINCES).to_string()),
        author,
        created_at,
        guidance: Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Indexing

struct Indexing {
    /// Time spent in upsert and commit.
    engine: Duration,
    /// Waiting after the commit for background merges to finish (searches are measured on the
    /// merged index, as a forum would serve it).
    merges: Duration,
    /// Including generating the posts.
    wall: Duration,
}

fn index_posts(dir: &Path, o: &Options, generator: &Generator) -> Result<(SearchIndex, Indexing), BoxError> {
    let wall = Instant::now();
    let (index, _) = SearchIndex::open_or_create(dir)?;
    let mut writer = index.writer()?;
    let mut engine = Duration::ZERO;
    for i in 0..o.posts {
        let doc = generator.doc(i);
        let started = Instant::now();
        writer.upsert(&doc)?;
        if o.commit_every > 0 && (i + 1) % o.commit_every == 0 {
            writer.commit(Some(i as i64 + 1))?;
        }
        engine += started.elapsed();
        if (i + 1) % 100_000 == 0 && o.posts > 100_000 {
            eprintln!("  indexed {} posts ({:.0} posts/s so far)", i + 1, (i + 1) as f64 / engine.as_secs_f64());
        }
    }
    let started = Instant::now();
    writer.commit(Some(o.posts as i64))?;
    engine += started.elapsed();
    let merging = Instant::now();
    writer.wait_for_merges()?;
    let merges = merging.elapsed();
    if index.num_docs() != o.posts {
        return Err(format!("indexed {} posts but {} are searchable", o.posts, index.num_docs()).into());
    }
    Ok((index, Indexing { engine, merges, wall: wall.elapsed() }))
}

/// Segments of the index in `dir` (tantivy writes one `.idx` file per segment).
fn segment_count(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).filter(|e| e.path().extension().is_some_and(|x| x == "idx")).count())
        .unwrap_or(0)
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0 / 1024.0
}

/// (VmHWM, VmRSS) of this process in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status.lines().find(|l| l.starts_with(name)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

// ---------------------------------------------------------------------------------------------
// Queries

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    SingleWord,
    MultiWord,
    NoDiacritics,
    Phrase,
    Question,
    Filtered,
    Newest,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::SingleWord => "single word",
            Class::MultiWord => "multi-word",
            Class::NoDiacritics => "without diacritics",
            Class::Phrase => "\"phrase\"",
            Class::Question => "question (natural language)",
            Class::Filtered => "filtered (category or kind)",
            Class::Newest => "sorted newest first",
        }
    }
}

struct BenchQuery {
    class: Class,
    text: String,
    /// ("category" | "kind", value)
    filter: Option<(&'static str, &'static str)>,
    newest: bool,
}

impl BenchQuery {
    fn request(&self) -> SearchRequest {
        let mut r = SearchRequest { query: self.text.clone(), limit: 10, ..Default::default() };
        match self.filter {
            Some(("category", v)) => r.category = Some(v.to_string()),
            Some((_, v)) => r.kind = Some(v.to_string()),
            None => {}
        }
        if self.newest {
            r.sort = Sort::Newest;
        }
        r
    }
}

/// The query mix. Words and queries are taken from the judged relevance set (`eval/queries.tsv`)
/// and the vocabulary above, uniformly, so that common and rare words both occur.
fn make_queries(seed: u64, n: usize, judged: &[support::Query]) -> Vec<BenchQuery> {
    let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(0xABCD));
    let nfc = |q: &support::Query| q.text.nfc().collect::<String>();
    let keywords: Vec<String> = judged.iter().filter(|q| !matches!(q.qtype.as_str(), "question" | "phrase")).map(nfc).collect();
    let questions: Vec<String> = judged.iter().filter(|q| q.qtype == "question").map(nfc).collect();
    let phrases: Vec<&str> = NOUNS.iter().filter(|w| w.contains(' ')).copied().collect();
    (0..n)
        .map(|i| {
            // 20% single word, 20% multi-word, 15% without diacritics, 10% phrase,
            // 15% questions, 10% filtered, 10% newest first
            let class = match i % 20 {
                0..=3 => Class::SingleWord,
                4..=7 => Class::MultiWord,
                8..=10 => Class::NoDiacritics,
                11..=12 => Class::Phrase,
                13..=15 => Class::Question,
                16..=17 => Class::Filtered,
                _ => Class::Newest,
            };
            let keyword = keywords[rng.below(keywords.len())].clone();
            let (text, filter, newest) = match class {
                Class::SingleWord => (rng.pick(NOUNS).to_string(), None, false),
                Class::MultiWord => (keyword, None, false),
                Class::NoDiacritics => (fold(&keyword), None, false),
                Class::Phrase => (format!("\"{}\"", rng.pick(&phrases)), None, false),
                Class::Question => (questions[rng.below(questions.len())].clone(), None, false),
                Class::Filtered => {
                    let filter = if rng.chance(0.5) { ("category", rng.pick(CATEGORIES)) } else { ("kind", rng.pick(KINDS)) };
                    (keyword, Some(filter), false)
                }
                Class::Newest => (keyword, None, true),
            };
            BenchQuery { class, text, filter, newest }
        })
        .collect()
}

/// The queries of the class `--only` names, or all of them.
fn only(queries: Vec<BenchQuery>, class: Option<&str>) -> Result<Vec<BenchQuery>, BoxError> {
    let Some(name) = class else { return Ok(queries) };
    let class = match name {
        "single" => Class::SingleWord,
        "multi" => Class::MultiWord,
        "folded" => Class::NoDiacritics,
        "phrase" => Class::Phrase,
        "question" => Class::Question,
        "filtered" => Class::Filtered,
        "newest" => Class::Newest,
        other => return Err(format!("--only {other:?}: one of single, multi, folded, phrase, question, filtered, newest").into()),
    };
    Ok(queries.into_iter().filter(|q| q.class == class).collect())
}

struct Solo {
    /// Class, wall time, CPU time of the searching thread, number of matching posts.
    times: Vec<(Class, Duration, Duration, usize)>,
    empty: usize,
}

/// CPU time used by this thread so far. A search runs on the calling thread, so the difference
/// around a search is the work it did, whatever else the shared machine is running (wall time
/// also counts the time the thread waited for a core).
fn thread_cpu_time() -> Duration {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we own; the clock id is a constant.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

fn time_ours(index: &SearchIndex, queries: &[BenchQuery]) -> Result<Solo, BoxError> {
    for q in queries {
        index.search(&q.request())?; // warm-up pass, not counted
    }
    let mut times = Vec::with_capacity(queries.len());
    let mut empty = 0;
    for q in queries {
        let request = q.request();
        let (started, cpu_started) = (Instant::now(), thread_cpu_time());
        let results = index.search(&request)?;
        times.push((q.class, started.elapsed(), thread_cpu_time() - cpu_started, results.total));
        empty += usize::from(results.hits.is_empty());
    }
    Ok(Solo { times, empty })
}

fn print_solo(queries: &[BenchQuery], solo: &Solo, posts: u64) {
    println!("## search-index: query latency ({} queries, 10 hits each, after one unmeasured pass)\n", queries.len());
    println!("| query class | n | p50 ms | p99 ms | CPU p50 ms | CPU p99 ms | median matching posts |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    // Per class: wall times, CPU times, matching posts.
    type Times = (Vec<Duration>, Vec<Duration>, Vec<usize>);
    let mut by_class: BTreeMap<Class, Times> = BTreeMap::new();
    for (class, t, cpu, total) in &solo.times {
        let entry = by_class.entry(*class).or_default();
        entry.0.push(*t);
        entry.1.push(*cpu);
        entry.2.push(*total);
    }
    let median = |v: &mut Vec<usize>| {
        v.sort_unstable();
        v.get(v.len() / 2).copied().unwrap_or(0)
    };
    for (class, (times, cpu, totals)) in &mut by_class {
        let m = median(totals);
        let share = 100.0 * m as f64 / posts as f64;
        let (p50, p99) = (percentile_ms(times, 0.5), percentile_ms(times, 0.99));
        let (c50, c99) = (percentile_ms(cpu, 0.5), percentile_ms(cpu, 0.99));
        println!("| {} | {} | {p50:.3} | {p99:.3} | {c50:.3} | {c99:.3} | {m} ({share:.1}%) |", class.name(), times.len());
    }
    let all: Vec<Duration> = solo.times.iter().map(|(_, t, _, _)| *t).collect();
    let all_cpu: Vec<Duration> = solo.times.iter().map(|(_, _, c, _)| *c).collect();
    let mut totals: Vec<usize> = solo.times.iter().map(|(_, _, _, n)| *n).collect();
    let m = median(&mut totals);
    println!(
        "| **all** | {} | **{:.3}** | **{:.3}** | **{:.3}** | **{:.3}** | {m} ({:.1}%) |\n",
        all.len(),
        percentile_ms(&all, 0.5),
        percentile_ms(&all, 0.99),
        percentile_ms(&all_cpu, 0.5),
        percentile_ms(&all_cpu, 0.99),
        100.0 * m as f64 / posts as f64
    );
    println!("Queries with no hit: {}\n", solo.empty);
}

/// Latencies of plain tantivy on the same index, for scale: each query's folded syllables ORed
/// over the folded title and body fields (BM25), top 10 — without what `SearchIndex::search`
/// adds (exact/bigram/abbreviation clauses, required words, total count, facets, snippets) —
/// and the same with a total count. None when the index has no `title_fold`/`body_fold` fields.
struct Floor {
    top10: Vec<Duration>,
    top10_and_count: Vec<Duration>,
    questions_top10: Vec<Duration>,
}

fn time_bare_tantivy(dir: &Path, queries: &[BenchQuery]) -> Result<Option<Floor>, BoxError> {
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
    use tantivy::schema::IndexRecordOption;
    let index = tantivy::Index::open_in_dir(dir)?;
    let schema = index.schema();
    let (Ok(title), Ok(body)) = (schema.get_field("title_fold"), schema.get_field("body_fold")) else {
        return Ok(None);
    };
    let searcher = index.reader()?.searcher();
    let make = |text: &str| -> BooleanQuery {
        let folded = fold(text).to_lowercase();
        let mut syllables: Vec<&str> = folded.split(|c: char| !c.is_alphanumeric()).filter(|s| !s.is_empty()).collect();
        syllables.dedup();
        let clauses: Vec<(Occur, Box<dyn Query>)> = syllables
            .iter()
            .flat_map(|s| [title, body].map(|f| tantivy::Term::from_field_text(f, s)))
            .map(|t| (Occur::Should, Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs)) as Box<dyn Query>))
            .collect();
        BooleanQuery::new(clauses)
    };
    let mut floor = Floor { top10: Vec::new(), top10_and_count: Vec::new(), questions_top10: Vec::new() };
    // One pass per collector, each after its own warm-up, so that neither runs on the other's caches.
    for with_count in [false, true] {
        for (pass, q) in queries.iter().chain(queries).enumerate() {
            let query = make(&q.text);
            let started = Instant::now();
            if with_count {
                searcher.search(&query, &(TopDocs::with_limit(10).order_by_score(), Count))?;
            } else {
                searcher.search(&query, &TopDocs::with_limit(10).order_by_score())?;
            }
            let took = started.elapsed();
            if pass < queries.len() {
                continue; // warm-up pass
            }
            if with_count {
                floor.top10_and_count.push(took);
            } else {
                floor.top10.push(took);
                if q.class == Class::Question {
                    floor.questions_top10.push(took);
                }
            }
        }
    }
    Ok(Some(floor))
}

fn print_floor(floor: &Floor) {
    println!("For scale, plain tantivy on the same index (folded syllables ORed, BM25, no facets or snippets):\n");
    println!("| plain tantivy | p50 ms | p99 ms |");
    println!("|---|---:|---:|");
    for (name, times) in [
        ("top 10, all queries", &floor.top10),
        ("top 10 + total count, all queries", &floor.top10_and_count),
        ("top 10, questions only", &floor.questions_top10),
    ] {
        println!("| {name} | {:.3} | {:.3} |", percentile_ms(times, 0.5), percentile_ms(times, 0.99));
    }
    println!();
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL and SQLite FTS5 on the same posts

enum Other {
    /// The database and its load time.
    Postgres((Postgres, Duration)),
    Fts5((SqlitePool, Duration, PathBuf)),
}

/// COPY text format: backslash, tab, newline and carriage return escaped.
fn copy_field(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

async fn load_postgres(url: &str, o: &Options, generator: &Generator) -> Result<(Postgres, Duration), BoxError> {
    let pg = Postgres::connect(url, "gp_bench").await?;
    let started = Instant::now();
    let staging = format!("{}.staging", pg.schema());
    sqlx::query(AssertSqlSafe(format!(
        "CREATE UNLOGGED TABLE {staging} (id BIGINT, title TEXT, body TEXT, category TEXT, kind TEXT, created_at TIMESTAMPTZ)"
    )))
    .execute(pg.pool())
    .await?;
    let mut conn = pg.pool().acquire().await?;
    let mut copy = conn.copy_in_raw(&format!("COPY {staging} FROM STDIN")).await?;
    let mut buffer = String::with_capacity(1 << 20);
    for i in 0..o.posts {
        let doc = generator.doc(i);
        buffer.push_str(&doc.topic_id.to_string());
        for field in [&doc.title, &doc.body, &doc.category, &doc.kind] {
            buffer.push('\t');
            copy_field(&mut buffer, field);
        }
        let created = chrono::DateTime::from_timestamp(doc.created_at, 0).unwrap_or_default();
        buffer.push_str(&format!("\t{}\n", created.format("%Y-%m-%d %H:%M:%S+00")));
        if buffer.len() > (1 << 20) {
            copy.send(std::mem::take(&mut buffer).into_bytes()).await?;
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer.into_bytes()).await?;
    }
    copy.finish().await?;
    drop(conn);
    // The vectors are computed once, on the way from the staging table (no dead rows).
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {} SELECT id, title, body, category, kind, created_at, \
         to_tsvector('simple', public.unaccent(title || ' ' || body)) FROM {staging}",
        pg.table()
    )))
    .execute(pg.pool())
    .await?;
    sqlx::query(AssertSqlSafe(format!("DROP TABLE {staging}"))).execute(pg.pool()).await?;
    sqlx::query(AssertSqlSafe(format!("CREATE INDEX ON {} USING GIN (search_data)", pg.table()))).execute(pg.pool()).await?;
    sqlx::query(AssertSqlSafe(format!("CREATE INDEX ON {} (created_at)", pg.table()))).execute(pg.pool()).await?;
    sqlx::query(AssertSqlSafe(format!("VACUUM ANALYZE {}", pg.table()))).execute(pg.pool()).await?;
    Ok((pg, started.elapsed()))
}

async fn load_fts5(path: &Path, o: &Options, generator: &Generator) -> Result<(SqlitePool, Duration, PathBuf), BoxError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
    let started = Instant::now();
    sqlx::query(
        "CREATE VIRTUAL TABLE topics USING fts5(title, body, category UNINDEXED, kind UNINDEXED, \
         created_at UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')",
    )
    .execute(&pool)
    .await?;
    let mut tx = pool.begin().await?;
    for i in 0..o.posts {
        let doc = generator.doc(i);
        sqlx::query("INSERT INTO topics (rowid, title, body, category, kind, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(doc.topic_id)
            .bind(&doc.title)
            .bind(&doc.body)
            .bind(&doc.category)
            .bind(&doc.kind)
            .bind(doc.created_at)
            .execute(&mut *tx)
            .await?;
        if (i + 1) % 50_000 == 0 {
            tx.commit().await?;
            tx = pool.begin().await?;
        }
    }
    tx.commit().await?;
    sqlx::query("INSERT INTO topics (topics) VALUES ('optimize')").execute(&pool).await?;
    Ok((pool, started.elapsed(), path.to_path_buf()))
}

async fn search_fts5(pool: &SqlitePool, q: &BenchQuery) -> Result<usize, BoxError> {
    let Some(expr) = support::fts5_match(&q.text, support::Fts5Mode::AllWords) else {
        return Ok(0);
    };
    let filter = match q.filter {
        Some((column, _)) => format!(" AND {column} = $2"),
        None => String::new(),
    };
    let order = if q.newest { "created_at DESC" } else { "bm25(topics)" };
    let sql = format!("SELECT rowid FROM topics WHERE topics MATCH $1{filter} ORDER BY {order} LIMIT 10");
    let mut statement = sqlx::query(AssertSqlSafe(sql)).bind(expr);
    if let Some((_, value)) = q.filter {
        statement = statement.bind(value);
    }
    let rows = statement.fetch_all(pool).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.get(0)).collect(); // decoded, as for PostgreSQL
    Ok(ids.len())
}

async fn compare(index: &SearchIndex, others: &[Other], queries: &[BenchQuery], posts: u64) -> Result<(), BoxError> {
    let names: Vec<&str> = std::iter::once("search-index")
        .chain(others.iter().map(|o| match o {
            Other::Postgres(_) => "PostgreSQL FTS",
            Other::Fts5(_) => "SQLite FTS5",
        }))
        .collect();
    println!("## The same posts in the other engines\n");
    println!("| engine | load + index time | posts/s | size on disk |");
    println!("|---|---:|---:|---:|");
    for other in others {
        match other {
            Other::Postgres((pg, took)) => {
                let bytes = pg.total_bytes().await?;
                println!(
                    "| PostgreSQL FTS (COPY, tsvector, GIN) | {:.1} s | {:.0} | {:.1} MiB |",
                    took.as_secs_f64(),
                    posts as f64 / took.as_secs_f64(),
                    mib(bytes as u64)
                );
            }
            Other::Fts5((_, took, path)) => {
                let bytes: u64 =
                    [path.clone(), path.with_extension("db-wal")].iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
                println!(
                    "| SQLite FTS5 (unicode61 remove_diacritics 2) | {:.1} s | {:.0} | {:.1} MiB |",
                    took.as_secs_f64(),
                    posts as f64 / took.as_secs_f64(),
                    mib(bytes)
                );
            }
        }
    }
    println!();

    // Interleaved: every query on every engine in turn, after one unmeasured pass.
    let mut times: Vec<Vec<(Class, Duration)>> = vec![Vec::new(); names.len()];
    let mut empty = vec![0usize; names.len()];
    for (n, q) in queries.iter().chain(queries.iter()).enumerate() {
        let counted = n >= queries.len();
        let request = q.request();
        let started = Instant::now();
        let hits = index.search(&request)?.hits.len();
        record(&mut times[0], &mut empty[0], counted, q.class, started.elapsed(), hits);
        for (e, other) in others.iter().enumerate() {
            let started = Instant::now();
            let hits = match other {
                Other::Postgres((pg, _)) => pg.search(&q.text, q.filter, q.newest).await?.len(),
                Other::Fts5((pool, _, _)) => search_fts5(pool, q).await?,
            };
            record(&mut times[e + 1], &mut empty[e + 1], counted, q.class, started.elapsed(), hits);
        }
    }
    println!("## Query latency, engines interleaved query by query ({} queries)\n", queries.len());
    println!("| engine | p50 ms | p99 ms | p50 ÷ ours | p99 ÷ ours | queries with no hit |");
    println!("|---|---:|---:|---:|---:|---:|");
    let all = |t: &Vec<(Class, Duration)>| t.iter().map(|(_, d)| *d).collect::<Vec<_>>();
    let (ours50, ours99) = (percentile_ms(&all(&times[0]), 0.5), percentile_ms(&all(&times[0]), 0.99));
    for (e, name) in names.iter().enumerate() {
        let (p50, p99) = (percentile_ms(&all(&times[e]), 0.5), percentile_ms(&all(&times[e]), 0.99));
        println!("| {name} | {p50:.3} | {p99:.3} | {:.1}× | {:.1}× | {} |", p50 / ours50, p99 / ours99, empty[e]);
    }
    println!("\n### p50 ms by query class (interleaved run)\n");
    println!("| query class | {} |", names.join(" | "));
    println!("|---|{}", "---:|".repeat(names.len()));
    let classes =
        [Class::SingleWord, Class::MultiWord, Class::NoDiacritics, Class::Phrase, Class::Question, Class::Filtered, Class::Newest];
    for class in classes {
        let cells: Vec<String> = times
            .iter()
            .map(|t| {
                let d: Vec<Duration> = t.iter().filter(|(c, _)| *c == class).map(|(_, d)| *d).collect();
                format!("{:.3} / {:.3}", percentile_ms(&d, 0.5), percentile_ms(&d, 0.99))
            })
            .collect();
        println!("| {} (p50 / p99) | {} |", class.name(), cells.join(" | "));
    }
    println!();
    Ok(())
}

fn record(times: &mut Vec<(Class, Duration)>, empty: &mut usize, counted: bool, class: Class, took: Duration, hits: usize) {
    if counted {
        times.push((class, took));
        *empty += usize::from(hits == 0);
    }
}
