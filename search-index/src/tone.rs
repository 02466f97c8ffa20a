//! Canonical tone-mark placement, so that the old and new spelling styles make the same token.
//!
//! Vietnamese writes the tone mark on one vowel of a syllable, but two conventions disagree for
//! open syllables ending in `oa`, `oe`, `uy` ("hòa"/"hoà", "khỏe"/"khoẻ", "thủy"/"thuỷ"), and
//! keyboards produce misplaced marks ("qúy", "gìa", "hòan"). We strip the tone and put it back
//! on the *main vowel* (the "new" style: hoà, khoẻ, thuỷ, quý, già, hoàn). Documents and
//! queries both go through this, so either style finds the other.
//!
//! Words that do not parse as a Vietnamese syllable (café, résumé, names in other languages) are
//! left exactly as they are.

use unicode_normalization::char::{compose, decompose_canonical};

use crate::analysis::words;

/// Combining tone marks: huyền, sắc, ngã, hỏi, nặng.
const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];

/// The longest Vietnamese syllable has seven letters ("nghiêng").
const MAX_SYLLABLE: usize = 7;

/// Rewrites every word of `text` whose tone mark is not on its main vowel, and writes i for
/// the y of "sỹ", "kỹ", "lý", "tỷ", "mỹ", "hy" (see [`i_for_y`]).
pub(crate) fn canonicalize_tones(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for word in words(text) {
        let fixed = if word.text.is_ascii() { i_for_y(word.text) } else { retone_syllable(word.text).or_else(|| i_for_y(word.text)) };
        if let Some(fixed) = fixed {
            out.push_str(&text[copied..word.start]);
            out.push_str(&fixed);
            copied = word.end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// After h, k, l, m, s and t an open syllable of one vowel is written with y or with i by
/// different writers and in different years ("tử sỹ"/"tử sĩ", "kỹ thuật"/"kĩ thuật", "tỷ lệ"/
/// "tỉ lệ", "lý do"/"lí do"); the 2003 spelling rules prefer i, and so does the index.
pub(crate) fn i_for_y(word: &str) -> Option<String> {
    let mut chars = word.chars();
    let (first, second) = (chars.next()?, chars.next()?);
    if chars.next().is_some() || !matches!(first, 'h' | 'k' | 'l' | 'm' | 's' | 't' | 'H' | 'K' | 'L' | 'M' | 'S' | 'T') {
        return None;
    }
    let i = match second {
        'y' => 'i',
        'ý' => 'í',
        'ỳ' => 'ì',
        'ỷ' => 'ỉ',
        'ỹ' => 'ĩ',
        'ỵ' => 'ị',
        'Y' => 'I',
        'Ý' => 'Í',
        'Ỳ' => 'Ì',
        'Ỷ' => 'Ỉ',
        'Ỹ' => 'Ĩ',
        'Ỵ' => 'Ị',
        _ => return None,
    };
    Some([first, i].iter().collect())
}

/// One letter of a syllable: the letter with its shape marks (ư, ê, ă…), lowercase, and its tone.
#[derive(Clone, Copy, Default)]
struct Letter {
    base: char,
    lower: char,
    tone: Option<char>,
}

/// The syllable with its tone moved to the main vowel, or `None` when nothing needs to change
/// (no tone, already canonical, or not a Vietnamese syllable).
fn retone_syllable(word: &str) -> Option<String> {
    let mut letters = [Letter::default(); MAX_SYLLABLE];
    let mut len = 0;
    for c in word.chars() {
        *letters.get_mut(len)? = split_tone(c)?;
        len += 1;
    }
    let letters = &letters[..len];
    let mut toned = letters.iter().enumerate().filter(|(_, l)| l.tone.is_some());
    let (current, tone) = toned.next().and_then(|(i, l)| Some((i, l.tone?)))?;
    if toned.next().is_some() {
        return None;
    }
    let mut lower = [' '; MAX_SYLLABLE];
    for (slot, letter) in lower.iter_mut().zip(letters) {
        *slot = letter.lower;
    }
    let target = main_vowel(&lower[..len])?;
    if target == current {
        return None;
    }
    let mut out = String::with_capacity(word.len());
    for (i, letter) in letters.iter().enumerate() {
        out.push(if i == target { compose(letter.base, tone)? } else { letter.base });
    }
    Some(out)
}

/// Splits a letter into its base (shape marks kept) and tone. `None` for what this module does
/// not handle (digits, stray combining marks, letters whose marks do not recompose).
fn split_tone(c: char) -> Option<Letter> {
    if c.is_ascii() {
        return c.is_ascii_alphabetic().then(|| Letter { base: c, lower: c.to_ascii_lowercase(), tone: None });
    }
    let mut base: Option<char> = None;
    let mut tone = None;
    let mut ok = true;
    decompose_canonical(c, |d| {
        if TONES.contains(&d) {
            tone = Some(d);
        } else {
            base = match base {
                None => Some(d),
                Some(b) => compose(b, d).or_else(|| {
                    ok = false;
                    Some(b)
                }),
            };
        }
    });
    let base = base.filter(|b| ok && b.is_alphabetic())?;
    Some(Letter { base, lower: base.to_lowercase().next().unwrap_or(base), tone })
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'ă' | 'â' | 'e' | 'ê' | 'i' | 'o' | 'ô' | 'ơ' | 'u' | 'ư' | 'y')
}

fn has_shape_mark(c: char) -> bool {
    matches!(c, 'ă' | 'â' | 'ê' | 'ô' | 'ơ' | 'ư')
}

fn is_initial(s: &[char]) -> bool {
    matches!(
        s,
        [] | ['b']
            | ['c']
            | ['c', 'h']
            | ['d']
            | ['đ']
            | ['g']
            | ['g', 'h']
            | ['h']
            | ['k']
            | ['k', 'h']
            | ['l']
            | ['m']
            | ['n']
            | ['n', 'g']
            | ['n', 'g', 'h']
            | ['n', 'h']
            | ['p']
            | ['p', 'h']
            | ['q']
            | ['r']
            | ['s']
            | ['t']
            | ['t', 'h']
            | ['t', 'r']
            | ['v']
            | ['x']
    )
}

fn is_final(s: &[char]) -> bool {
    matches!(s, [] | ['c'] | ['c', 'h'] | ['m'] | ['n'] | ['n', 'g'] | ['n', 'h'] | ['p'] | ['t'])
}

/// Index of the vowel that carries the tone in the canonical ("new") style, for a lowercase
/// syllable without tone marks; `None` when the word is not a Vietnamese syllable.
fn main_vowel(s: &[char]) -> Option<usize> {
    let first_vowel = s.iter().position(|&c| is_vowel(c))?;
    let after_vowels = s[first_vowel..].iter().position(|&c| !is_vowel(c)).map_or(s.len(), |i| first_vowel + i);
    let (initial, last) = (&s[..first_vowel], &s[after_vowels..]);
    if !is_initial(initial) || !is_final(last) {
        return None;
    }
    // In "qu…" and "gi…" followed by another vowel, the u / i belongs to the consonant.
    let mut start = first_vowel;
    let glide = matches!((initial, s[start]), (['q'], 'u') | (['g'], 'i'));
    if glide && after_vowels - start >= 2 {
        start += 1;
    }
    let offset = vowel_in_nucleus(&s[start..after_vowels], !last.is_empty())?;
    Some(start + offset)
}

/// Which vowel of the nucleus takes the tone.
fn vowel_in_nucleus(nucleus: &[char], has_final: bool) -> Option<usize> {
    if let Some(i) = nucleus.iter().rposition(|&c| has_shape_mark(c)) {
        return Some(i); // ê, ơ, ô…: "người", "thuyền", "giữa"
    }
    match (nucleus, has_final) {
        ([_], _) => Some(0),
        (_, true) => Some(nucleus.len() - 1),                     // "hoàn", "toán", "xoong"
        ([_, _, _], false) => Some(1),                            // "ngoài", "khuỷu", "ngoẹo"
        (['o', 'a'] | ['o', 'e'] | ['u', 'y'], false) => Some(1), // "hoà", "khoẻ", "thuỷ"
        ([_, _], false) => Some(0),                               // "mái", "của", "mía"
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::canonicalize_tones as canon;

    #[test]
    fn old_and_new_styles_meet() {
        for (old, new) in [
            ("hòa", "hoà"),
            ("thủy", "thuỷ"),
            ("khỏe", "khoẻ"),
            ("lòa", "loà"),
            ("Hòa", "Hoà"),
            ("HÒA", "HOÀ"),
            ("qúy", "quý"),
            ("gìa", "già"),
            ("hòan", "hoàn"),
            ("ngòai", "ngoài"),
        ] {
            assert_eq!(canon(old), new, "{old}");
            assert_eq!(canon(new), new, "{new}");
        }
    }

    #[test]
    fn correct_syllables_are_untouched() {
        for word in [
            "người",
            "thuyền",
            "hoàn",
            "của",
            "giữa",
            "gì",
            "quốc",
            "quỳnh",
            "tiếng",
            "mía",
            "khuỷu",
            "ngoài",
            "xoáy",
            "bệnh",
            "viện",
            "đường",
            "dương",
            "y",
            "tế",
            "cứu",
        ] {
            assert_eq!(canon(word), word);
        }
    }

    #[test]
    fn y_and_i_after_h_k_l_m_s_t_meet() {
        for (y, i) in [("sỹ", "sĩ"), ("Kỹ", "Kĩ"), ("lý", "lí"), ("tỷ", "tỉ"), ("MỸ", "MĨ"), ("hy", "hi"), ("ty", "ti")] {
            assert_eq!(canon(y), i, "{y}");
            assert_eq!(canon(i), i, "{i}");
        }
        assert_eq!(canon("tử sỹ, tỷ lệ 5%"), "tử sĩ, tỉ lệ 5%");
        for word in ["quý", "thuỷ", "y", "by", "ny", "kỳ", "sky", "lỵ"] {
            let expected = if word == "kỳ" {
                "kì"
            } else if word == "lỵ" {
                "lị"
            } else {
                word
            };
            assert_eq!(canon(word), expected, "{word}");
        }
    }

    #[test]
    fn foreign_words_and_text_around_are_kept() {
        assert_eq!(canon("café résumé naïve"), "café résumé naïve");
        assert_eq!(canon("Bệnh viện Hòa Bình, 2024: thủy đậu!"), "Bệnh viện Hoà Bình, 2024: thuỷ đậu!");
        assert_eq!(canon("患者 🙂 hòa"), "患者 🙂 hoà");
    }
}
