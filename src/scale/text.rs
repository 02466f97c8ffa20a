//! Realistic Vietnamese text for the scale benchmark: sentences of real writing recombined.
//!
//! Sentences come from the demo content written for this project (always there) and from any
//! JSON-lines files named on the command line (`title`, `body` or `text` fields), read at
//! generation time and never copied into the repository: the search relevance corpus, and the
//! outside regulation and law sets in `../shared/eval`. A topic is a handful of those sentences
//! in paragraphs; recombining keeps the words, their frequencies and the diacritics real.

use std::io::BufRead;
use std::path::Path;

use anyhow::Context;

use super::rng::Rng;

/// Sentences and titles to draw from: healthcare writing and (outside) regulation text apart,
/// so most of a post stays clinical.
pub struct Corpus {
    clinical: Vec<String>,
    regulation: Vec<String>,
    titles: Vec<String>,
}

impl Corpus {
    /// The demo content, plus every file in `files`. Files whose name holds `eval/corpus` or
    /// that come from the forum's own writing count as clinical; others as regulation text.
    pub fn load(files: &[impl AsRef<Path>]) -> anyhow::Result<Self> {
        let mut corpus = Corpus { clinical: Vec::new(), regulation: Vec::new(), titles: Vec::new() };
        corpus.add_demo()?;
        for file in files {
            corpus.add_jsonl(file.as_ref())?;
        }
        if corpus.clinical.is_empty() || corpus.titles.is_empty() {
            anyhow::bail!("no sentences to generate text from");
        }
        Ok(corpus)
    }

    fn add_demo(&mut self) -> anyhow::Result<()> {
        let content: toml::Value = toml::from_str(crate::demo::CONTENT_TOML)?;
        for topic in content.get("topics").and_then(|t| t.as_array()).into_iter().flatten() {
            if let Some(title) = topic.get("title").and_then(|t| t.as_str()) {
                self.titles.push(title.to_string());
            }
            let replies = topic.get("replies").and_then(|r| r.as_array()).into_iter().flatten();
            let texts = topic.get("body").into_iter().chain(replies.filter_map(|r| r.get("body")));
            for text in texts.filter_map(|t| t.as_str()) {
                self.clinical.extend(sentences(text));
            }
        }
        Ok(())
    }

    fn add_jsonl(&mut self, path: &Path) -> anyhow::Result<()> {
        let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        let clinical = !path.to_string_lossy().contains("shared");
        for line in std::io::BufReader::new(file).lines() {
            let line = line?;
            let Ok(value) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
            let field = |name: &str| value.get(name).and_then(|v| v.as_str()).filter(|s| !s.trim().is_empty());
            if clinical && let Some(title) = field("title") {
                self.titles.push(crate::text::clean_line(title));
            }
            for text in [field("body"), field("text")].into_iter().flatten() {
                let found = sentences(text);
                if clinical { self.clinical.extend(found) } else { self.regulation.extend(found) }
            }
        }
        Ok(())
    }

    /// Sentences available (clinical, regulation), for the report.
    pub fn size(&self) -> (usize, usize) {
        (self.clinical.len(), self.regulation.len())
    }

    pub fn sentence<'a>(&'a self, rng: &mut Rng) -> &'a str {
        if !self.regulation.is_empty() && rng.chance(0.25) {
            &self.regulation[rng.below(self.regulation.len())]
        } else {
            &self.clinical[rng.below(self.clinical.len())]
        }
    }

    /// A title: one written for the forum, sometimes shortened or with a question added.
    pub fn title(&self, rng: &mut Rng, question: bool) -> String {
        let base = &self.titles[rng.below(self.titles.len())];
        let mut title = if rng.chance(0.3) {
            let words: Vec<&str> = self.sentence(rng).split_whitespace().take(6 + rng.below(8)).collect();
            words.join(" ").trim_end_matches(['.', ',', ';', ':']).to_string()
        } else {
            base.clone()
        };
        title.retain(|c| !matches!(c, '*' | '_' | '`'));
        if question && !title.ends_with('?') {
            title.push_str(" — kinh nghiệm của các anh chị thế nào?");
        }
        title
    }

    /// `sentences` sentences in paragraphs of one to four.
    pub fn body(&self, rng: &mut Rng, sentences: usize) -> String {
        let mut body = String::new();
        for i in 0..sentences {
            if i > 0 {
                body.push_str(if rng.chance(0.3) { "\n\n" } else { " " });
            }
            body.push_str(self.sentence(rng));
        }
        body
    }
}

/// The sentences of a text, without Markdown list or heading marks (a sentence lands in the
/// middle of a paragraph), between 20 and 400 characters.
fn sentences(text: &str) -> Vec<String> {
    let text = crate::text::clean(text);
    let mut out = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while !rest.is_empty() {
            let end = rest.find(". ").or_else(|| rest.find("? ")).map_or(rest.len(), |i| i + 1);
            let sentence = rest[..end].trim().trim_start_matches(['#', '-', '*', '>', '|', ' ']);
            let sentence = sentence.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ')').trim();
            if (20..=400).contains(&sentence.chars().count()) && !sentence.contains('|') {
                out.push(sentence.to_string());
            }
            rest = &rest[end..];
        }
    }
    out
}

pub const TAGS: &[&str] = &[
    "kiểm tra chéo",
    "vệ sinh tay",
    "thuốc nguy cơ cao",
    "té ngã",
    "bàn giao ca",
    "nhận dạng người bệnh",
    "phẫu thuật an toàn",
    "kháng sinh",
    "sự cố y khoa",
    "báo cáo sự cố",
    "insulin",
    "truyền máu",
    "nhiễm khuẩn bệnh viện",
    "chống nhiễm khuẩn",
    "hồ sơ bệnh án điện tử",
    "giao tiếp",
    "đào tạo",
    "bảng kiểm",
    "cấp cứu",
    "hồi sức",
    "nhi khoa",
    "sản khoa",
    "lão khoa",
    "tiêm an toàn",
    "dị ứng thuốc",
    "phản vệ",
    "loét tì đè",
    "dinh dưỡng",
    "chăm sóc giảm nhẹ",
    "y học gia đình",
    "quản lý chất lượng",
    "5S",
    "PDCA",
    "chuyển đổi số",
    "thiết bị y tế",
    "oxy",
    "máy thở",
    "xét nghiệm",
    "chẩn đoán hình ảnh",
    "dược lâm sàng",
    "tương tác thuốc",
    "kê đơn",
    "y lệnh",
    "tuyến huyện",
    "trạm y tế",
    "khám bệnh",
    "thời gian chờ",
    "hài lòng người bệnh",
    "an toàn người bệnh",
    "văn hoá an toàn",
    "đánh giá nguy cơ",
    "phòng cháy",
    "bạo lực y tế",
    "sức khoẻ nhân viên",
    "tiêm chủng",
    "lao",
    "sốt xuất huyết",
    "đái tháo đường",
    "tăng huyết áp",
    "đột quỵ",
];

pub const SURNAMES: &[&str] =
    &["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"];
pub const MIDDLE: &[&str] = &["Thị", "Văn", "Minh", "Thu", "Ngọc", "Quốc", "Thanh", "Hữu", "Phương", "Đức", "Hoài", "Kim"];
pub const GIVEN: &[&str] = &[
    "Lan", "Hương", "Minh", "Dũng", "Mai", "Hải", "Thảo", "Tuấn", "Hà", "Nam", "Hoa", "Hùng", "Trang", "Phúc", "Yến", "Khoa", "Linh",
    "Quang", "Vy", "Sơn",
];
pub const JOBS: &[&str] =
    &["Điều dưỡng", "Bác sĩ", "Dược sĩ", "Kỹ thuật viên xét nghiệm", "Hộ sinh", "Điều dưỡng trưởng khoa", "Cán bộ quản lý chất lượng"];
pub const DEPARTMENTS: &[&str] = &[
    "Khoa Nội tổng hợp",
    "Khoa Ngoại",
    "Khoa Hồi sức tích cực",
    "Khoa Nhi",
    "Khoa Sản",
    "Khoa Dược",
    "Phòng Quản lý chất lượng",
    "Khoa Cấp cứu",
    "Khoa Xét nghiệm",
];
pub const HOSPITALS: &[&str] =
    &["Bệnh viện Đa khoa tỉnh", "Bệnh viện Nhi", "Trung tâm Y tế huyện", "Bệnh viện Sản Nhi", "Bệnh viện Đa khoa khu vực", "Trạm Y tế xã"];
