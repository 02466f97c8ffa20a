//! Hospital record numbers: a code right after the words that introduce one ("số hồ sơ",
//! "mã bệnh án", "số lưu trữ", "mã BN", "mã người bệnh", "mã y tế", "số vào viện", "PID",
//! "HSBA số"), with or without diacritics: "số hồ sơ 22.014563", "mã BN: BN2023-00456",
//! "số lưu trữ BA 3312", "PID 1045789".
//!
//! Not record numbers: the same words counting or describing records ("số hồ sơ bệnh án được
//! kiểm tra là 120", "hồ sơ bệnh án được lưu trữ 10 năm"): the code must follow the words at
//! once (maybe after "bệnh án", a colon, "là" or "số") and carry at least four digits.

use std::sync::LazyLock;

use regex::Regex;

use super::folded::Folded;
use super::{Finding, FindingKind};

static RECORD_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    let trigger = r"(?:so|ma)\s+(?:ho\s+so|benh\s+an|luu\s+tru|vao\s+vien|hsba)|ma\s+(?:bn|nb|nguoi\s+benh|benh\s+nhan|so\s+benh\s+nhan|y\s+te)|hsba\s+so|pid";
    let code = r"(?P<code>(?:[a-z]{1,4}[ \-]?)?[a-z0-9]*[0-9][a-z0-9./\-]*)";
    // A kind of record may stand between the words and the code ("mã bệnh án điện tử", "số hồ sơ ngoại trú").
    let qualifier = r"(?:\s+(?:dien\s+tu|ngoai\s+tru|noi\s+tru))?";
    Regex::new(&format!(r"\b(?:{trigger})\b(?:\s+benh\s+an)?{qualifier}\s*(?:[:#]\s*|\bla\s+|\bso\s+)?{code}"))
        .expect("record number pattern")
});

/// The fewest digits a record code has (counts and years have fewer or stand alone).
const MIN_DIGITS: usize = 4;

pub fn find(text: &str) -> Vec<Finding> {
    let folded = Folded::new(text);
    RECORD_NUMBER
        .captures_iter(&folded.text)
        .filter_map(|caps| {
            let code = caps.name("code")?;
            let trimmed = code.as_str().trim_end_matches(['.', '/', '-']);
            let digits = trimmed.bytes().filter(u8::is_ascii_digit).count();
            let whole = caps.get(0)?;
            let end = code.start() + trimmed.len();
            (digits >= MIN_DIGITS)
                .then(|| Finding { kind: FindingKind::MedicalRecordNumber, range: folded.original_range(whole.start()..end) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|f| &text[f.range]).collect()
    }

    #[test]
    fn codes_after_record_words_with_and_without_diacritics() {
        assert_eq!(codes("Số hồ sơ 22.014563 bị dán nhầm"), ["Số hồ sơ 22.014563"]);
        assert_eq!(codes("ma benh an BA-2023-08812 khong khop."), ["ma benh an BA-2023-08812"]);
        assert_eq!(codes("mã BN: 0098123, tên"), ["mã BN: 0098123"]);
        assert_eq!(codes("số lưu trữ BA 3312 để"), ["số lưu trữ BA 3312"]);
        assert_eq!(codes("PID 1045789 được in"), ["PID 1045789"]);
        assert_eq!(codes("Mã hồ sơ bệnh án 2024/00917 bị sửa."), ["Mã hồ sơ bệnh án 2024/00917"]);
        assert_eq!(codes("Mã bệnh án điện tử BA-2409-00417 mở"), ["Mã bệnh án điện tử BA-2409-00417"]);
        assert_eq!(codes("so ho so ngoai tru 2024.N.115207 bi khoa"), ["so ho so ngoai tru 2024.N.115207"]);
    }

    #[test]
    fn record_words_without_a_code_are_not_findings() {
        for text in [
            "Số hồ sơ bệnh án được kiểm tra trong quý là 120",
            "Hồ sơ bệnh án được lưu trữ ít nhất 10 năm",
            "mã ICD I21.0 được ghi đúng",
            "quản lý mã người bệnh trên HIS",
            "Mã BN 12 bị trùng",
        ] {
            assert_eq!(codes(text), Vec::<&str>::new(), "{text}");
        }
    }
}
