//! Hospital record numbers: a code right after the words that introduce one ("số hồ sơ",
//! "mã bệnh án", "số lưu trữ", "mã BN", "mã người bệnh", "mã y tế", "số vào viện", "PID",
//! "HSBA số", "bệnh án số", "mã nhập viện", "mã lượt khám", "mã điều trị", "ID bệnh nhân",
//! "SLT"), with or without diacritics: "số hồ sơ 22.014563", "mã BN: BN2023-00456", "số lưu trữ
//! BA 3312", "PID 1045789"; a code that names itself ("BN0012938"); after less sure words
//! ("hồ sơ", "bệnh án", "số BA", a lab slip's code) a code with more digits.
//!
//! Not record numbers: the same words counting or describing records ("số hồ sơ bệnh án được
//! kiểm tra là 120", "hồ sơ bệnh án được lưu trữ 10 năm"): the code must follow the words at
//! once (maybe after "bệnh án", a colon, "là" or "số") and carry at least four digits.

use std::sync::LazyLock;

use regex::Regex;

use super::folded::Folded;
use super::{Finding, FindingKind};

static RECORD_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    let patient = r"(?:bn|nb|nguoi\s+benh|benh\s+nhan)";
    let trigger = format!(
        r"(?:so|ma)\s+(?:ho\s+so|benh\s+an|luu\s+tru|(?:vao|nhap)\s+vien|hsba)|slt|ma\s*(?:bn|nb)|ma\s+(?:{patient}|so\s+benh\s+nhan|y\s+te|hs|(?:luot\s+)?kham|(?:dot\s+)?dieu\s+tri|dinh\s+danh\s+{patient})|(?:hsba|benh\s+an)\s+so|(?:id|mrn)\s+{patient}|pid|mrn"
    );
    let code = r"(?P<code>(?:[a-z]{1,4}[ \-]?)?[a-z0-9]*[0-9][a-z0-9./\-]*)";
    // A kind of record may stand between the words and the code ("mã bệnh án điện tử", "số hồ sơ ngoại trú").
    let qualifier = r"(?:\s+(?:dien\s+tu|ngoai\s+tru|noi\s+tru))?";
    Regex::new(&format!(r"\b(?:{trigger})\b(?:\s+benh\s+an)?{qualifier}\s*(?:[:#]\s*|\bla\s+|\bso\s+)?{code}"))
        .expect("record number pattern")
});

/// Words that introduce a code less surely: "hồ sơ" alone, "số BA" (also "số ba", three), a
/// specimen or lab slip ("mã GPB", "mã XN", "mã barcode", "mã bệnh phẩm"), "mã số". The code
/// then needs more digits ("Hồ sơ 2406/NT-0098", "mã barcode 7701245519", "so BA 25.014520").
static LOOSE_RECORD_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    let specimen = r"gpb|xn|barcode|bp|benh\s+pham|mau|phieu|xet\s+nghiem|tiep\s+nhan";
    let trigger = format!(r"ho\s+so|benh\s+an|(?:so|ma)\s*ba|ma(?:\s+so)?\s+(?:{specimen})|ma\s+so|so\s+phieu");
    let code = r"(?P<code>(?:[a-z]{1,4}[ \-]?)?[a-z0-9]*[0-9][a-z0-9./\-]*)";
    Regex::new(&format!(r"\b(?:{trigger})\b\s*(?:[:#]\s*|\bla\s+)?{code}")).expect("loose record number pattern")
});

/// A code that says what it is, with no word before it: the letters of a patient or record
/// glued to its digits ("BN0012938", "BA-2409-00417", "HSBA.24001234", "PID10293847").
static SELF_NAMED_CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?P<code>(?:bn|nb|ba|hsba|pid|mrn)[\-.]?[0-9][0-9./\-]*)\b").expect("self-named record pattern"));

/// The fewest digits a record code has (counts and years have fewer or stand alone).
const MIN_DIGITS: usize = 4;
/// The fewest digits after the less sure words (a year has four, a count fewer).
const LOOSE_MIN_DIGITS: usize = 6;
/// The fewest digits of a self-named code ("BN1" or "BA 2024" are no record).
const SELF_NAMED_MIN_DIGITS: usize = 5;

/// After the less sure words: "2.500.000" (an amount), "43/2018/TT-BYT" (a document), "thuế
/// 0101234567" (a tax code), "8935049501236" (a product's barcode: GS1 prefix 893 of Vietnam),
/// "7/1/1950" (a date: "hồ sơ là 7/1/1950" says what the record holds).
static NOT_A_RECORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\d{1,3}(?:\.\d{3})+|.*/(?:19|20)\d\d/.*|thue.*|893\d{10}|\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d\d|(?:19|20)\d\d))$")
        .expect("not-a-record pattern")
});

pub fn find(text: &str) -> Vec<Finding> {
    let folded = Folded::new(text);
    let sure = codes(&folded, &RECORD_NUMBER, MIN_DIGITS, false);
    let mut out = sure;
    for (pattern, min_digits) in [(&LOOSE_RECORD_NUMBER, LOOSE_MIN_DIGITS), (&SELF_NAMED_CODE, SELF_NAMED_MIN_DIGITS)] {
        let more = codes(&folded, pattern, min_digits, true);
        let more: Vec<Finding> =
            more.into_iter().filter(|l| !out.iter().any(|s| s.range.start < l.range.end && l.range.start < s.range.end)).collect();
        out.extend(more);
    }
    out.sort_by_key(|f| f.range.start);
    out
}

fn codes(folded: &Folded, pattern: &Regex, min_digits: usize, loose: bool) -> Vec<Finding> {
    pattern
        .captures_iter(&folded.text)
        .filter_map(|caps| {
            let code = caps.name("code")?;
            let trimmed = code.as_str().trim_end_matches(['.', '/', '-']);
            let digits = trimmed.bytes().filter(u8::is_ascii_digit).count();
            let whole = caps.get(0)?;
            let end = code.start() + trimmed.len();
            (digits >= min_digits && !(loose && NOT_A_RECORD.is_match(trimmed)))
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
        assert_eq!(codes("Hồ sơ 2406/NT-0098 ghi"), ["Hồ sơ 2406/NT-0098"]);
        assert_eq!(codes("so BA 25.014520, ngay"), ["so BA 25.014520"]);
        assert_eq!(codes("Mẫu sinh thiết mã GPB 24-3318 lấy"), ["mã GPB 24-3318"]);
        assert_eq!(codes("mã barcode 7701245519 bị"), ["mã barcode 7701245519"]);
        assert_eq!(codes("Bệnh án số 2400123 bị thiếu"), ["Bệnh án số 2400123"]);
        assert_eq!(codes("ma nhap vien 24-118830 ghi sai"), ["ma nhap vien 24-118830"]);
        assert_eq!(codes("Mã lượt khám KB240517 in trên phiếu"), ["Mã lượt khám KB240517"]);
        assert_eq!(codes("ma dieu tri 7731204, khoa"), ["ma dieu tri 7731204"]);
        assert_eq!(codes("ID bệnh nhân 5501872 trên HIS"), ["ID bệnh nhân 5501872"]);
        assert_eq!(codes("Phiếu in BN0012938 nhưng"), ["BN0012938"]);
        assert_eq!(codes("gan nham ba-2409-00417 cho"), ["ba-2409-00417"]);
        assert_eq!(codes("Bệnh án 2024/NGOAI/1523 ghi"), ["Bệnh án 2024/NGOAI/1523"]);
        assert_eq!(codes("ho so cu, SLT 24.3.778, da"), ["SLT 24.3.778"]);
        assert_eq!(codes("MaBN:2024-0099172 / MaBA:KHOA-NOI-775"), ["MaBN:2024-0099172"]);
    }

    #[test]
    fn record_words_without_a_code_are_not_findings() {
        for text in [
            "Số hồ sơ bệnh án được kiểm tra trong quý là 120",
            "Hồ sơ bệnh án được lưu trữ ít nhất 10 năm",
            "mã ICD I21.0 được ghi đúng",
            "quản lý mã người bệnh trên HIS",
            "Mã BN 12 bị trùng",
            "Hồ sơ 2024 có 120 bộ",
            "số ba 2.500.000 đồng",
            "mã số thuế 0101234567 của bệnh viện",
            "mã số 43/2018/TT-BYT",
            "mã GPB 24-33",
            "Mã vạch 8935049501236 trên chai dịch truyền",
            "ma barcode 8935049501236 cua lo thuoc",
            "Bệnh án số 3 và số 4 thiếu chữ ký",
            "BN1 và BN2 cùng tên",
            "ba 2024 bà 12345",
            "mã khám 12 bị trùng",
            "Ngày sinh trong hồ sơ là 7/1/1950",
            "bệnh án 2024 có 300 bộ",
        ] {
            assert_eq!(codes(text), Vec::<&str>::new(), "{text}");
        }
    }
}
