//! Password strength, estimated by zxcvbn (Dropbox's estimator: common-password lists, names,
//! dictionary words, keyboard patterns, dates, repeats, l33t), with the member's own name and
//! email counted as words an attacker would try first. A weak password is refused with the
//! reason zxcvbn found, in the reader's language.

use axum::http::StatusCode;
use zxcvbn::feedback::Warning;
use zxcvbn::matching::patterns::MatchPattern;

use super::Password;
use crate::error::{AppError, AppResult, Msg};

/// zxcvbn scores 0–4; 3 is "safely unguessable: moderate protection from offline slow-hash
/// attacks" (about 10^8 guesses and more), the level its authors suggest for sign-up.
const MIN_SCORE: u8 = 3;
/// zxcvbn's running time grows with length; beyond this the estimate no longer changes the answer.
const CHECKED_CHARS: usize = 100;

/// Refuses a password that is too easy to guess, with a sentence saying why. `personal` holds
/// the member's name and email (each also split into its words).
pub fn check(password: &Password, personal: &[&str]) -> AppResult<()> {
    let checked: String = password.expose().chars().take(CHECKED_CHARS).collect();
    let inputs = personal_words(personal);
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let entropy = zxcvbn::zxcvbn(&checked, &inputs);
    if u8::from(entropy.score()) >= MIN_SCORE {
        return Ok(());
    }
    // The crate does not export its dictionary type; its Debug name is the variant's.
    let uses_personal = entropy
        .sequence()
        .iter()
        .any(|m| matches!(&m.pattern, MatchPattern::Dictionary(d) if format!("{:?}", d.dictionary_name) == "UserInputs"));
    let reason = if uses_personal { "personal" } else { entropy.feedback().and_then(|f| f.warning()).map_or("guessable", warning_key) };
    Err(weak(reason))
}

fn weak(reason: &'static str) -> AppError {
    let key = REASONS.iter().find(|r| r.0 == reason).map_or("account.weak.guessable", |r| r.1);
    AppError::Rejected(StatusCode::UNPROCESSABLE_ENTITY, Msg::new(key))
}

/// The name and email, whole and in words (zxcvbn matches each input as one dictionary word):
/// "Nguyễn Thị Lan", "lan.nguyen@bv.vn" → nguyễn, thị, lan, nguyen, lannguyen, bv, … and the
/// same without diacritics, since passwords are often typed without them.
fn personal_words(personal: &[&str]) -> Vec<String> {
    let mut words = Vec::new();
    for text in personal {
        let lower = text.to_lowercase();
        let folded = search_index::analysis::fold(&lower);
        for variant in [lower, folded] {
            let local = variant.split('@').next().unwrap_or_default().to_string();
            words.push(local.chars().filter(|c| c.is_alphanumeric()).collect());
            words.push(variant.split_whitespace().collect::<String>());
            words.extend(variant.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 3).map(str::to_string));
        }
    }
    words.retain(|w: &String| w.chars().count() >= 3);
    words.sort();
    words.dedup();
    words
}

/// The catalog key (under `account.weak.`) for zxcvbn's warning.
fn warning_key(warning: Warning) -> &'static str {
    match warning {
        Warning::StraightRowsOfKeysAreEasyToGuess | Warning::ShortKeyboardPatternsAreEasyToGuess => "keyboard",
        Warning::RepeatsLikeAaaAreEasyToGuess | Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => "repeats",
        Warning::SequencesLikeAbcAreEasyToGuess => "sequence",
        Warning::RecentYearsAreEasyToGuess | Warning::DatesAreOftenEasyToGuess => "dates",
        Warning::ThisIsATop10Password | Warning::ThisIsATop100Password | Warning::ThisIsACommonPassword => "common",
        Warning::ThisIsSimilarToACommonlyUsedPassword => "similar",
        Warning::AWordByItselfIsEasyToGuess => "word",
        Warning::NamesAndSurnamesByThemselvesAreEasyToGuess | Warning::CommonNamesAndSurnamesAreEasyToGuess => "names",
    }
}

/// Every reason [`check`] can give, with its sentence's catalog key.
const REASONS: [(&str, &str); 10] = [
    ("personal", "account.weak.personal"),
    ("guessable", "account.weak.guessable"),
    ("keyboard", "account.weak.keyboard"),
    ("repeats", "account.weak.repeats"),
    ("sequence", "account.weak.sequence"),
    ("dates", "account.weak.dates"),
    ("common", "account.weak.common"),
    ("similar", "account.weak.similar"),
    ("word", "account.weak.word"),
    ("names", "account.weak.names"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(password: &str, personal: &[&str]) -> Option<String> {
        let password = Password::parse(password).unwrap();
        check(&password, personal).err().map(|e| e.message().key.trim_start_matches("account.weak.").to_string())
    }

    #[test]
    fn common_and_patterned_passwords_are_refused_with_the_reason() {
        assert_eq!(reason("12345678", &[]).as_deref(), Some("common"));
        assert_eq!(reason("password", &[]).as_deref(), Some("common"));
        assert_eq!(reason("qwertyuiop", &[]).as_deref(), Some("common"), "on the list before it is a keyboard row");
        assert_eq!(reason("zxcvbnm,./", &[]).as_deref(), Some("keyboard"));
        assert_eq!(reason("aaaaaaaaaa", &[]).as_deref(), Some("repeats"));
    }

    #[test]
    fn the_members_own_name_and_email_count_as_guessable_with_or_without_diacritics() {
        let me = ["Nguyễn Thị Lan", "lan.nguyen@bvbachmai.vn"];
        assert_eq!(reason("nguyenthilan", &me).as_deref(), Some("personal"));
        assert_eq!(reason("nguyễnthịlan", &me).as_deref(), Some("personal"));
        assert_eq!(reason("bvbachmai", &me).as_deref(), Some("personal"));
    }

    #[test]
    fn long_unusual_passwords_pass_even_at_the_length_limit() {
        assert_eq!(reason("mật-khẩu-an-toàn-2026", &["Lan"]), None);
        assert_eq!(reason("kiểm tra chéo thuốc nguy cơ cao lúc giao ca", &[]), None);
        let longest: String = (0..40)
            .map(|i| format!("{}ệ{i}", (b'a' + (i * 7 % 26) as u8) as char))
            .collect::<Vec<_>>()
            .join("-")
            .chars()
            .take(200)
            .collect();
        assert_eq!(reason(&longest, &[]), None);
    }

    #[test]
    fn every_reason_has_a_sentence() {
        let vi: toml::Table = include_str!("../../web/i18n/vi.toml").parse().unwrap();
        let en: toml::Table = include_str!("../../web/i18n/en.toml").parse().unwrap();
        for catalog in [vi, en] {
            for (reason, _) in REASONS {
                assert!(catalog["account"]["weak"].get(reason).is_some(), "account.weak.{reason}");
            }
        }
    }
}
