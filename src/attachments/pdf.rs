//! PDFs are stored as sent, so anything a reader could run is refused: JavaScript, actions that
//! run on opening or on events, launching programs, submitting forms.
//!
//! This is a byte scan for PDF name tokens (with `#xx` escapes decoded, so `/J#61vaScript` is
//! caught), over the file and over every stream decoded through its whole `/Filter` chain
//! (`pdf_filters`: Flate, LZW, ASCIIHex, ASCII85, RunLength, chained in any order; object streams
//! included) up to a total budget. A document whose streams need more than the budget to decode
//! is refused as uncheckable rather than passed half-read. What it can still miss: encrypted
//! documents (refused outright, since their objects cannot be read), PNG/TIFF predictors applied
//! after decoding, and malformed files that a lenient reader repairs differently. The served file
//! is also sent as an attachment with a `sandbox` CSP, so a browser never renders it on our origin.

use super::pdf_filters::Filter;

/// Names whose presence means the document can act on its own.
const REFUSED_NAMES: [&str; 9] = ["JavaScript", "JS", "Launch", "AA", "OpenAction", "SubmitForm", "ImportData", "RichMedia", "Encrypt"];

/// Most bytes decoded from streams per document (bounds zip-bomb-like streams).
const DECODE_BUDGET: u64 = 64 * 1024 * 1024;

/// Why a PDF is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum PdfProblem {
    /// Carries script or automatic actions (the name found, for logs and tests).
    Active(String),
    /// Encrypted: cannot be checked.
    Encrypted,
    /// Its streams decode to more than the budget: cannot be checked to the end.
    TooLargeToCheck,
}

/// `Ok` when no active content was found.
pub fn check(bytes: &[u8]) -> Result<(), PdfProblem> {
    scan(bytes)?;
    let mut budget = DECODE_BUDGET;
    for (dictionary, data) in streams(bytes) {
        let chain = filter_chain(dictionary);
        // Unfiltered data was scanned with the file; image data (the bulk of a large document)
        // holds pixels, never objects, so it is not decoded.
        if chain.is_empty() || (is_image(dictionary) && !may_hold_objects(dictionary)) {
            continue;
        }
        let mut decoded = data.to_vec();
        for filter in chain {
            let Some(filter) = filter else { break }; // an image codec: no objects beyond it
            decoded = filter.decode(&decoded, &mut budget);
            if budget == 0 {
                return Err(PdfProblem::TooLargeToCheck);
            }
        }
        scan(&decoded)?;
    }
    Ok(())
}

fn scan(bytes: &[u8]) -> Result<(), PdfProblem> {
    for name in names(bytes) {
        if name == b"Encrypt" {
            return Err(PdfProblem::Encrypted);
        }
        // OpenAction may only move to a page; with script it is caught as /JS or /JavaScript.
        if REFUSED_NAMES.iter().any(|r| r.as_bytes() == name.as_slice()) && name != b"OpenAction" {
            return Err(PdfProblem::Active(String::from_utf8_lossy(&name).into_owned()));
        }
    }
    Ok(())
}

/// Every `/Name` token, `#xx` escapes decoded.
fn names(bytes: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = at + bytes.get(at..)?.iter().position(|b| *b == b'/')? + 1;
        let mut end = start;
        while end < bytes.len() && is_regular(bytes[end]) {
            end += 1;
        }
        at = end;
        Some(decode_name(&bytes[start..end]))
    })
}

/// PDF "regular" characters: anything but white space and delimiters.
fn is_regular(b: u8) -> bool {
    !matches!(b, b'\0' | b'\t' | b'\n' | b'\x0C' | b'\r' | b' ' | b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

fn decode_name(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = raw.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (raw[i], hex) {
            (b'#', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Each stream's dictionary (the text from the `obj` keyword before it, at most 4 KiB) and data.
fn streams(bytes: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = find(&bytes[from..], b"stream") {
        let keyword = from + pos;
        let data_start = skip_eol(bytes, keyword + b"stream".len());
        let Some(len) = find(&bytes[data_start..], b"endstream") else { break };
        let window = &bytes[keyword.saturating_sub(4096).max(from)..keyword];
        let dictionary = match rfind(window, b"obj") {
            Some(at) => &window[at..],
            None => window,
        };
        out.push((dictionary, &bytes[data_start..data_start + len]));
        from = data_start + len + b"endstream".len();
    }
    out
}

/// The filters a stream dictionary names after `/Filter`: one name or an array of them, in the
/// order they are to be applied (`None` for one this scanner does not decode).
fn filter_chain(dictionary: &[u8]) -> Vec<Option<Filter>> {
    let Some(at) = find_name(dictionary, b"Filter") else { return Vec::new() };
    let rest = &dictionary[at..];
    let start = rest.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(rest.len());
    let rest = &rest[start..];
    let value = match rest.first() {
        Some(b'[') => &rest[1..rest.iter().position(|b| *b == b']').unwrap_or(rest.len())],
        Some(b'/') => {
            let end = rest[1..].iter().position(|b| !is_regular(*b)).map_or(rest.len(), |e| e + 1);
            &rest[..end]
        }
        _ => return Vec::new(),
    };
    names(value).map(|name| Filter::from_name(&name)).collect()
}

/// Where the value after `/name` (escapes decoded) starts in `bytes`.
fn find_name(bytes: &[u8], wanted: &[u8]) -> Option<usize> {
    let mut at = 0;
    while let Some(pos) = bytes.get(at..)?.iter().position(|b| *b == b'/') {
        let start = at + pos + 1;
        let end = bytes[start..].iter().position(|b| !is_regular(*b)).map_or(bytes.len(), |e| start + e);
        if decode_name(&bytes[start..end]) == wanted {
            return Some(end);
        }
        at = end;
    }
    None
}

/// An object stream's marks (`/Type /ObjStm`, `/N`, `/First`): readers take objects out of any
/// stream the cross-reference table points into, so a stream calling itself an image while
/// carrying these is decoded all the same.
fn may_hold_objects(dictionary: &[u8]) -> bool {
    find_name(dictionary, b"ObjStm").is_some() || find_name(dictionary, b"First").is_some() || find_name(dictionary, b"N").is_some()
}

fn is_image(dictionary: &[u8]) -> bool {
    find_name(dictionary, b"Subtype").is_some_and(|at| {
        let rest = &dictionary[at..];
        let start = rest.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(rest.len());
        names(&rest[start..]).next().is_some_and(|name| name == b"Image") && rest[start..].first() == Some(&b'/')
    })
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn skip_eol(bytes: &[u8], mut at: usize) -> usize {
    if bytes.get(at) == Some(&b'\r') {
        at += 1;
    }
    if bytes.get(at) == Some(&b'\n') {
        at += 1;
    }
    at.min(bytes.len())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const PLAIN: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >> endobj\n%%EOF";

    #[test]
    fn a_plain_document_passes() {
        assert_eq!(check(PLAIN), Ok(()));
    }

    #[test]
    fn script_and_automatic_actions_are_refused() {
        let cases: [(&[u8], &str); 5] = [
            (b"%PDF-1.4\n<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>", "JavaScript"),
            (b"%PDF-1.4\n<< /S/JS/JS(x) >>", "JS"),
            (b"%PDF-1.4\n<< /A << /S /Launch /F (cmd.exe) >> >>", "Launch"),
            (b"%PDF-1.4\n<< /AA << /O 4 0 R >> >>", "AA"),
            (b"%PDF-1.4\n<< /S /J#61vaScript >>", "JavaScript"),
        ];
        for (pdf, name) in cases {
            assert_eq!(check(pdf), Err(PdfProblem::Active(name.into())), "{}", String::from_utf8_lossy(pdf));
        }
    }

    #[test]
    fn names_that_only_start_like_refused_ones_pass() {
        assert_eq!(check(b"%PDF-1.4\n<< /AAPL:Keywords [] /JSON 1 >>"), Ok(()));
    }

    #[test]
    fn script_inside_a_compressed_object_stream_is_found() {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"5 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj").unwrap();
        let data = z.finish().unwrap();
        let mut pdf = b"%PDF-1.5\n4 0 obj << /Type /ObjStm /Filter /FlateDecode >>\nstream\n".to_vec();
        pdf.extend_from_slice(&data);
        pdf.extend_from_slice(b"\nendstream\nendobj\n%%EOF");
        assert_eq!(check(&pdf), Err(PdfProblem::Active("JavaScript".into())));
    }

    #[test]
    fn encrypted_documents_cannot_be_checked() {
        assert_eq!(check(b"%PDF-1.4\ntrailer << /Encrypt 9 0 R >>"), Err(PdfProblem::Encrypted));
    }
}
