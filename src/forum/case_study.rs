//! A case study is written in six sections. They are stored as one Markdown body with a heading
//! per section (so edits, revisions and search see one text) and recognised again by heading.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Context,
    Problem,
    Causes,
    Intervention,
    Results,
    Lessons,
}

impl Section {
    pub const ALL: [Section; 6] =
        [Section::Context, Section::Problem, Section::Causes, Section::Intervention, Section::Results, Section::Lessons];

    pub fn key(self) -> &'static str {
        match self {
            Section::Context => "context",
            Section::Problem => "problem",
            Section::Causes => "causes",
            Section::Intervention => "intervention",
            Section::Results => "results",
            Section::Lessons => "lessons",
        }
    }

    /// The i18n key of the section's label on the page.
    pub fn label_key(self) -> &'static str {
        match self {
            Section::Context => "section.context",
            Section::Problem => "section.problem",
            Section::Causes => "section.causes",
            Section::Intervention => "section.intervention",
            Section::Results => "section.results",
            Section::Lessons => "section.lessons",
        }
    }

    /// The i18n key of the hint under the section's label: what to write there.
    pub fn hint_key(self) -> &'static str {
        match self {
            Section::Context => "phone.section_hint.context",
            Section::Problem => "phone.section_hint.problem",
            Section::Causes => "phone.section_hint.causes",
            Section::Intervention => "phone.section_hint.intervention",
            Section::Results => "phone.section_hint.results",
            Section::Lessons => "phone.section_hint.lessons",
        }
    }

    /// The heading written into the body (Vietnamese, as the forum's readers write it).
    pub fn heading(self) -> &'static str {
        match self {
            Section::Context => "Bối cảnh",
            Section::Problem => "Vấn đề",
            Section::Causes => "Phân tích nguyên nhân",
            Section::Intervention => "Giải pháp can thiệp",
            Section::Results => "Kết quả",
            Section::Lessons => "Bài học kinh nghiệm",
        }
    }

    /// Recognises a heading in Vietnamese (with or without diacritics) or English.
    fn from_heading(text: &str) -> Option<Section> {
        let t = fold(text);
        let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
        if has(&["boi canh", "context", "background"]) {
            Some(Section::Context)
        } else if has(&["nguyen nhan", "cause"]) {
            Some(Section::Causes)
        } else if has(&["van de", "problem"]) {
            Some(Section::Problem)
        } else if has(&["giai phap", "can thiep", "ke hoach hanh dong", "intervention", "action plan"]) {
            Some(Section::Intervention)
        } else if has(&["ket qua", "result"]) {
            Some(Section::Results)
        } else if has(&["bai hoc", "lesson"]) {
            Some(Section::Lessons)
        } else {
            None
        }
    }
}

fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !('\u{0300}'..='\u{036f}').contains(c))
        .map(|c| if c == 'đ' || c == 'Đ' { 'd' } else { c.to_ascii_lowercase() })
        .collect()
}

/// The six parts of a case study as sent by the API or the compose form.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema, PartialEq)]
#[serde(default)]
pub struct Sections {
    pub context: String,
    pub problem: String,
    pub causes: String,
    pub intervention: String,
    pub results: String,
    pub lessons: String,
}

impl Sections {
    pub fn get(&self, section: Section) -> &str {
        match section {
            Section::Context => &self.context,
            Section::Problem => &self.problem,
            Section::Causes => &self.causes,
            Section::Intervention => &self.intervention,
            Section::Results => &self.results,
            Section::Lessons => &self.lessons,
        }
    }

    pub fn get_mut(&mut self, section: Section) -> &mut String {
        match section {
            Section::Context => &mut self.context,
            Section::Problem => &mut self.problem,
            Section::Causes => &mut self.causes,
            Section::Intervention => &mut self.intervention,
            Section::Results => &mut self.results,
            Section::Lessons => &mut self.lessons,
        }
    }

    pub fn is_empty(&self) -> bool {
        Section::ALL.iter().all(|s| self.get(*s).trim().is_empty())
    }

    /// One Markdown body: the introduction, then each non-empty section under its heading.
    pub fn to_markdown(&self, intro: &str) -> String {
        let mut parts: Vec<String> = Vec::new();
        if !intro.trim().is_empty() {
            parts.push(intro.trim().to_string());
        }
        for section in Section::ALL {
            let text = self.get(section).trim();
            if !text.is_empty() {
                parts.push(format!("## {}\n\n{}", section.heading(), text));
            }
        }
        parts.join("\n\n")
    }
}

/// Splits a body into its introduction (text before the first recognised section heading)
/// and its sections. Headings that name no section stay inside the section they appear in.
pub fn split(markdown: &str) -> (String, Sections) {
    let mut intro = String::new();
    let mut sections = Sections::default();
    let mut current: Option<Section> = None;
    for line in markdown.lines() {
        if let Some(section) = section_heading(line) {
            current = Some(section);
            continue;
        }
        let target = match current {
            Some(s) => sections.get_mut(s),
            None => &mut intro,
        };
        target.push_str(line);
        target.push('\n');
    }
    for section in Section::ALL {
        let trimmed = sections.get(section).trim().to_string();
        *sections.get_mut(section) = trimmed;
    }
    (intro.trim().to_string(), sections)
}

/// A level-1 to level-3 ATX heading that names a section.
fn section_heading(line: &str) -> Option<Section> {
    let hashes = line.chars().take_while(|c| *c == '#').count();
    if !(1..=3).contains(&hashes) || !line[hashes..].starts_with(' ') {
        return None;
    }
    Section::from_heading(line[hashes..].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_round_trip_through_markdown() {
        let sections = Sections {
            context: "Khoa Nội có 40 giường.".into(),
            problem: "Nhầm người bệnh khi phát thuốc.".into(),
            causes: "Không đối chiếu vòng tay.".into(),
            intervention: "Áp dụng 2 thông tin nhận diện.".into(),
            results: "| Trước | Sau |\n|---|---|\n| 5 | 0 |".into(),
            lessons: "Kiểm tra chéo.".into(),
        };
        let body = sections.to_markdown("Giới thiệu ngắn.");
        let (intro, parsed) = split(&body);
        assert_eq!(intro, "Giới thiệu ngắn.");
        assert_eq!(parsed, sections);
    }

    #[test]
    fn headings_are_recognised_without_diacritics_and_in_english() {
        let (_, s) = split("# Boi canh\nA\n## Phan tich nguyen nhan\nB\n### Lessons learned\nC\n## Ghi chú\nD");
        assert_eq!((s.context.as_str(), s.causes.as_str()), ("A", "B"));
        assert_eq!(s.lessons, "C\n## Ghi chú\nD");
    }
}
