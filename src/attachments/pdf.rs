//! PDFs are stored as sent, so anything a reader could run is refused: JavaScript, actions that
//! run on opening or on events, launching programs, submitting forms.
//!
//! This is a byte scan for PDF name tokens (with `#xx` escapes decoded, so `/J#61vaScript` is
//! caught), over the file and over every Flate-compressed stream (object streams included) up to a
//! total budget. What it can miss: streams under other or chained filters (LZW, ASCII85 before
//! Flate…), encrypted documents (refused outright, since their objects cannot be read), and
//! malformed files that a lenient reader repairs differently. The served file is also sent as an
//! attachment with a `sandbox` CSP, so a browser never renders it on our origin.

use std::io::Read;

/// Names whose presence means the document can act on its own.
const REFUSED_NAMES: [&str; 9] =
    ["JavaScript", "JS", "Launch", "AA", "OpenAction", "SubmitForm", "ImportData", "RichMedia", "Encrypt"];

/// Most bytes inflated from compressed streams per document (bounds zip-bomb-like streams).
const INFLATE_BUDGET: u64 = 64 * 1024 * 1024;

/// Why a PDF is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum PdfProblem {
    /// Carries script or automatic actions (the name found, for logs and tests).
    Active(String),
    /// Encrypted: cannot be checked.
    Encrypted,
}

/// `Ok` when no active content was found.
pub fn check(bytes: &[u8]) -> Result<(), PdfProblem> {
    scan(bytes)?;
    let mut budget = INFLATE_BUDGET;
    for stream in flate_streams(bytes) {
        let inflated = inflate(stream, &mut budget);
        scan(&inflated)?;
        if budget == 0 {
            break;
        }
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

/// The data of each stream whose dictionary names FlateDecode.
fn flate_streams(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = find(&bytes[from..], b"stream") {
        let keyword = from + pos;
        let data_start = skip_eol(bytes, keyword + b"stream".len());
        let Some(len) = find(&bytes[data_start..], b"endstream") else { break };
        let dict_from = keyword.saturating_sub(1024);
        if find(&bytes[dict_from..keyword], b"FlateDecode").is_some() {
            out.push(&bytes[data_start..data_start + len]);
        }
        from = data_start + len + b"endstream".len();
    }
    out
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

/// Inflates a zlib stream, taking at most `budget` bytes (and lowering it); a broken stream
/// yields what could be read.
fn inflate(data: &[u8], budget: &mut u64) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = flate2::read::ZlibDecoder::new(data).take(*budget).read_to_end(&mut out);
    *budget = budget.saturating_sub(out.len() as u64);
    out
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
