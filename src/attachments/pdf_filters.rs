//! The standard PDF stream filters that can hide text (ISO 32000-1, 7.4): a stream's data is
//! decoded through its whole `/Filter` chain before the scanner looks for names in it. Image
//! codecs (DCT, JPX, CCITT, JBIG2) and `Crypt` hold no PDF objects and stop the chain.
//!
//! Every decoder takes from one shared `budget` of output bytes, so a stream that expands
//! without end (a zip bomb, an LZW or run-length loop) costs at most the budget.

use std::io::Read;

/// A filter this scanner decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    Flate,
    Lzw,
    AsciiHex,
    Ascii85,
    RunLength,
}

impl Filter {
    /// The filter a `/Filter` name stands for, full or abbreviated (inline images use the short
    /// forms, and readers accept them everywhere). `None`: not one that can hide objects.
    pub fn from_name(name: &[u8]) -> Option<Self> {
        match name {
            b"FlateDecode" | b"Fl" => Some(Self::Flate),
            b"LZWDecode" | b"LZW" => Some(Self::Lzw),
            b"ASCIIHexDecode" | b"AHx" => Some(Self::AsciiHex),
            b"ASCII85Decode" | b"A85" => Some(Self::Ascii85),
            b"RunLengthDecode" | b"RL" => Some(Self::RunLength),
            _ => None,
        }
    }

    /// Decodes `data`, taking at most `budget` bytes of output (and lowering it). Broken input
    /// yields what could be decoded before the break, as lenient readers do.
    pub fn decode(self, data: &[u8], budget: &mut u64) -> Vec<u8> {
        let mut out = match self {
            Self::Flate => inflate(data, *budget),
            Self::Lzw => lzw(data, *budget),
            Self::AsciiHex => ascii_hex(data),
            Self::Ascii85 => ascii85(data),
            Self::RunLength => run_length(data, *budget),
        };
        out.truncate(usize::try_from(*budget).unwrap_or(usize::MAX));
        *budget = budget.saturating_sub(out.len() as u64);
        out
    }
}

fn inflate(data: &[u8], limit: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = flate2::read::ZlibDecoder::new(data).take(limit).read_to_end(&mut out);
    if out.is_empty() {
        // Some writers omit the zlib header: try the raw deflate stream.
        let _ = flate2::read::DeflateDecoder::new(data).take(limit).read_to_end(&mut out);
    }
    out
}

/// Pairs of hex digits; white space ignored; `>` ends the data; an odd last digit is followed by 0.
fn ascii_hex(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 2);
    let mut high: Option<u8> = None;
    for &b in data {
        if b == b'>' {
            break;
        }
        let Some(nibble) = (b as char).to_digit(16) else { continue };
        match high.take() {
            Some(h) => out.push(h << 4 | nibble as u8),
            None => high = Some(nibble as u8),
        }
    }
    if let Some(h) = high {
        out.push(h << 4);
    }
    out
}

/// Groups of five characters `!`..`u` for four bytes, `z` for four zeros, `~>` at the end; a
/// short last group is padded with `u` and gives one byte fewer than its characters.
fn ascii85(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * 4 / 5);
    let mut group = [0u8; 5];
    let mut len = 0;
    for &b in data {
        match b {
            b'~' => break,
            b'z' if len == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group[len] = b - b'!';
                len += 1;
                if len == 5 {
                    out.extend_from_slice(&base85_word(&group));
                    len = 0;
                }
            }
            _ => {} // white space and stray bytes are skipped
        }
    }
    if len > 1 {
        for slot in group.iter_mut().skip(len) {
            *slot = b'u' - b'!';
        }
        out.extend_from_slice(&base85_word(&group)[..len - 1]);
    }
    out
}

fn base85_word(group: &[u8; 5]) -> [u8; 4] {
    let value = group.iter().fold(0u64, |acc, d| acc * 85 + u64::from(*d));
    (value.min(u64::from(u32::MAX)) as u32).to_be_bytes()
}

/// A length byte n: 0..=127 copies the next n + 1 bytes, 129..=255 repeats the next byte
/// 257 − n times, 128 ends the data.
fn run_length(data: &[u8], limit: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < data.len() && (out.len() as u64) < limit {
        let n = data[at] as usize;
        at += 1;
        match n {
            128 => break,
            0..=127 => {
                let end = (at + n + 1).min(data.len());
                out.extend_from_slice(&data[at..end]);
                at = end;
            }
            _ => {
                let Some(&b) = data.get(at) else { break };
                out.extend(std::iter::repeat_n(b, 257 - n));
                at += 1;
            }
        }
    }
    out
}

/// LZW as PDF writes it: codes of 9 to 12 bits, most significant bit first, 256 clears the
/// table, 257 ends the data, and the code width grows one code early (`EarlyChange` 1, the default).
fn lzw(data: &[u8], limit: u64) -> Vec<u8> {
    const CLEAR: usize = 256;
    const END: usize = 257;
    let mut out: Vec<u8> = Vec::new();
    let mut table: Vec<Vec<u8>> = Vec::with_capacity(4096);
    let reset = |table: &mut Vec<Vec<u8>>| {
        table.clear();
        table.extend((0..=255u8).map(|b| vec![b]));
        table.push(Vec::new()); // 256, clear
        table.push(Vec::new()); // 257, end
    };
    reset(&mut table);
    let (mut bits, mut acc, mut width) = (0u32, 0u32, 9u32);
    let mut previous: Option<usize> = None;
    for &byte in data {
        acc = (acc << 8) | u32::from(byte);
        bits += 8;
        while bits >= width {
            let code = ((acc >> (bits - width)) & ((1 << width) - 1)) as usize;
            bits -= width;
            acc &= (1 << bits) - 1;
            if code == CLEAR {
                reset(&mut table);
                width = 9;
                previous = None;
                continue;
            }
            if code == END || (out.len() as u64) >= limit {
                return out;
            }
            let entry = match (table.get(code).filter(|e| !e.is_empty()), previous) {
                (Some(entry), _) => entry.clone(),
                // The one code not yet in the table: the previous string plus its own first byte.
                (None, Some(p)) if code == table.len() => {
                    let mut e = table[p].clone();
                    e.push(table[p][0]);
                    e
                }
                _ => return out, // a broken stream
            };
            out.extend_from_slice(&entry);
            if let Some(p) = previous
                && table.len() < 4096
            {
                let mut e = table[p].clone();
                e.push(entry[0]);
                table.push(e);
            }
            previous = Some(code);
            width = match table.len() + 1 {
                n if n >= 2048 => 12,
                n if n >= 1024 => 11,
                n if n >= 512 => 10,
                _ => 9,
            };
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An LZW encoder for the tests (PDF's variant: MSB first, EarlyChange 1).
    pub fn lzw_encode(data: &[u8]) -> Vec<u8> {
        use std::collections::HashMap;
        let mut dict: HashMap<Vec<u8>, usize> = (0..=255u8).map(|b| (vec![b], b as usize)).collect();
        let mut next = 258usize;
        let mut width = 9u32;
        let (mut acc, mut bits, mut out) = (0u64, 0u32, Vec::new());
        let emit = |code: usize, width: u32, acc: &mut u64, bits: &mut u32, out: &mut Vec<u8>| {
            *acc = (*acc << width) | code as u64;
            *bits += width;
            while *bits >= 8 {
                out.push((*acc >> (*bits - 8)) as u8);
                *bits -= 8;
            }
        };
        emit(256, width, &mut acc, &mut bits, &mut out);
        let mut current: Vec<u8> = Vec::new();
        for &b in data {
            let mut candidate = current.clone();
            candidate.push(b);
            if dict.contains_key(&candidate) {
                current = candidate;
                continue;
            }
            emit(dict[&current], width, &mut acc, &mut bits, &mut out);
            if next < 4096 {
                dict.insert(candidate, next);
                next += 1;
            }
            width = match next {
                n if n >= 2048 => 12,
                n if n >= 1024 => 11,
                n if n >= 512 => 10,
                _ => 9,
            };
            current = vec![b];
        }
        if !current.is_empty() {
            emit(dict[&current], width, &mut acc, &mut bits, &mut out);
        }
        emit(257, width, &mut acc, &mut bits, &mut out);
        if bits > 0 {
            out.push((acc << (8 - bits)) as u8);
        }
        out
    }

    pub fn ascii85_encode(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in data.chunks(4) {
            let mut word = [0u8; 4];
            word[..chunk.len()].copy_from_slice(chunk);
            let mut value = u32::from_be_bytes(word) as u64;
            let mut digits = [0u8; 5];
            for d in digits.iter_mut().rev() {
                *d = (value % 85) as u8 + b'!';
                value /= 85;
            }
            out.extend_from_slice(&digits[..chunk.len() + 1]);
        }
        out.extend_from_slice(b"~>");
        out
    }

    pub fn run_length_encode(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in data.chunks(128) {
            out.push((chunk.len() - 1) as u8);
            out.extend_from_slice(chunk);
        }
        out.push(128);
        out
    }

    const TEXT: &[u8] = b"5 0 obj << /S /JavaScript /JS (app.alert('xin chao')) >> endobj 5 0 obj << /S /JavaScript >>";

    #[test]
    fn each_filter_decodes_what_its_encoder_wrote() {
        let mut budget = 1 << 20;
        assert_eq!(Filter::Lzw.decode(&lzw_encode(TEXT), &mut budget), TEXT);
        assert_eq!(Filter::Ascii85.decode(&ascii85_encode(TEXT), &mut budget), TEXT);
        assert_eq!(Filter::RunLength.decode(&run_length_encode(TEXT), &mut budget), TEXT);
        let hex: String = TEXT.iter().map(|b| format!("{b:02X} ")).collect();
        assert_eq!(Filter::AsciiHex.decode(format!("{hex}>").as_bytes(), &mut budget), TEXT);
    }

    #[test]
    fn long_lzw_streams_cross_every_code_width() {
        // Vietnamese-like text with enough variety to fill the 4,096-entry table.
        let text: Vec<u8> =
            (0..40_000u32).map(|i| b"abcdefghiklmnopqrstuvxy /()<>0123456789"[((i * 7919) ^ (i >> 3)) as usize % 39]).collect();
        let mut budget = 1 << 20;
        assert_eq!(Filter::Lzw.decode(&lzw_encode(&text), &mut budget), text);
    }

    #[test]
    fn known_vectors_decode() {
        let mut budget = 1 << 20;
        // The example of ISO 32000-1, 7.4.4.2: "-----A---B" with EarlyChange 1.
        assert_eq!(Filter::Lzw.decode(&[0x80, 0x0B, 0x60, 0x50, 0x22, 0x0C, 0x0C, 0x85, 0x01], &mut budget), b"-----A---B");
        assert_eq!(Filter::Ascii85.decode(b"87cURD]i,\"Ebo80~>", &mut budget), b"Hello World!");
        assert_eq!(Filter::Ascii85.decode(b"z~>", &mut budget), [0, 0, 0, 0]);
        assert_eq!(Filter::AsciiHex.decode(b"4a5 >", &mut budget), [0x4a, 0x50]);
        assert_eq!(Filter::RunLength.decode(&[254, b'x', 1, b'a', b'b', 128, b'z'], &mut budget), b"xxxab");
    }

    #[test]
    fn output_never_passes_the_budget() {
        let mut budget = 1000;
        let bomb: Vec<u8> = std::iter::repeat_n([129u8, b'A'], 10_000).flatten().collect();
        assert_eq!(Filter::RunLength.decode(&bomb, &mut budget).len(), 1000);
        assert_eq!(budget, 0);
        assert!(Filter::Lzw.decode(&lzw_encode(&[b'A'; 100_000]), &mut budget).is_empty());
    }
}
