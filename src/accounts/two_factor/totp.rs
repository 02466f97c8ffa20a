//! Time-based one-time passwords (RFC 6238) over HOTP (RFC 4226), the codes authenticator apps
//! show, plus the base32 secrets and `otpauth://` addresses those apps read.

use ring::hmac;
use subtle::ConstantTimeEq;

/// Seconds per code (what every authenticator app assumes).
pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;
/// Steps either side of now that are still accepted: a phone's clock may be a little off.
const DRIFT_STEPS: i64 = 1;
/// 160 bits, the size RFC 4226 recommends for HMAC-SHA1.
pub const SECRET_BYTES: usize = 20;

#[derive(Debug, Clone, Copy)]
pub enum Algorithm {
    Sha1,
    Sha256,
    Sha512,
}

impl Algorithm {
    fn ring(self) -> hmac::Algorithm {
        match self {
            Algorithm::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Algorithm::Sha256 => hmac::HMAC_SHA256,
            Algorithm::Sha512 => hmac::HMAC_SHA512,
        }
    }
}

/// HOTP: the `digits`-digit code for `counter` (RFC 4226 section 5.3, dynamic truncation).
pub fn hotp(key: &[u8], counter: u64, digits: u32, algorithm: Algorithm) -> String {
    let tag = hmac::sign(&hmac::Key::new(algorithm.ring(), key), &counter.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([mac[offset] & 0x7f, mac[offset + 1], mac[offset + 2], mac[offset + 3]]);
    format!("{:0width$}", binary % 10u32.pow(digits), width = digits as usize)
}

/// The 30-second step a Unix time falls in.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// TOTP: the code an app shows at `unix_seconds`.
pub fn totp(key: &[u8], unix_seconds: i64, digits: u32, algorithm: Algorithm) -> String {
    hotp(key, step_at(unix_seconds) as u64, digits, algorithm)
}

/// The step whose code is `typed` (spaces allowed), looking one step either side of now and
/// only at steps after `last_step` (a code works once). Compared in constant time.
pub fn matching_step(key: &[u8], typed: &str, unix_seconds: i64, last_step: i64) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(unix_seconds);
    (now - DRIFT_STEPS..=now + DRIFT_STEPS)
        .filter(|step| *step > last_step && *step >= 0)
        .find(|step| hotp(key, *step as u64, DIGITS, Algorithm::Sha1).as_bytes().ct_eq(typed.as_bytes()).into())
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, the form authenticator apps take secrets in.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    for chunk in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..chars {
            out.push(BASE32[((bits >> (35 - 5 * i)) & 31) as usize] as char);
        }
    }
    out
}

/// Reads base32 (any letter case, spaces and padding ignored); `None` for any other character.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let (mut bits, mut count, mut out) = (0u64, 0u32, Vec::new());
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = BASE32.iter().position(|b| *b as char == c.to_ascii_uppercase())? as u64;
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

/// A new random secret, base32.
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    base32_encode(&bytes)
}

/// The secret in groups of four, easier to type into an app by hand.
pub fn grouped(secret: &str) -> String {
    secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c)).collect::<Vec<_>>().join(" ")
}

/// The `otpauth://` address (Key Uri Format) an authenticator app reads from the QR code.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    let enc = |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// An inline SVG QR code of `text`, made here so the page asks no third party for it.
pub fn qr_svg(text: &str, label: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::new(text.as_bytes())?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).quiet_zone(true).build();
    // Drop the XML declaration (it is not allowed inside HTML) and name the picture for screen readers.
    let start = svg.find("<svg").ok_or_else(|| anyhow::anyhow!("the QR renderer made no <svg>"))?;
    let label = label.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;");
    Ok(svg[start..].replacen("<svg", &format!("<svg role=\"img\" aria-label=\"{label}\" class=\"qr\""), 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B: the seeds are ASCII "1234567890" repeated to each hash's size.
    const SEED_SHA1: &[u8] = b"12345678901234567890";
    const SEED_SHA256: &[u8] = b"12345678901234567890123456789012";
    const SEED_SHA512: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

    #[test]
    fn rfc_6238_test_vectors() {
        let table: [(i64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (time, sha1, sha256, sha512) in table {
            assert_eq!(totp(SEED_SHA1, time, 8, Algorithm::Sha1), sha1, "SHA1 at {time}");
            assert_eq!(totp(SEED_SHA256, time, 8, Algorithm::Sha256), sha256, "SHA256 at {time}");
            assert_eq!(totp(SEED_SHA512, time, 8, Algorithm::Sha512), sha512, "SHA512 at {time}");
        }
    }

    #[test]
    fn rfc_4226_hotp_test_vectors() {
        let expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(SEED_SHA1, counter as u64, 6, Algorithm::Sha1), *code, "counter {counter}");
        }
    }

    #[test]
    fn a_code_matches_its_step_and_its_neighbours_only_once() {
        let now = 1_111_111_111;
        let code = totp(SEED_SHA1, now, 6, Algorithm::Sha1);
        let step = step_at(now);
        assert_eq!(matching_step(SEED_SHA1, &code, now, 0), Some(step));
        assert_eq!(matching_step(SEED_SHA1, &format!("{} {}", &code[..3], &code[3..]), now, 0), Some(step));
        assert_eq!(matching_step(SEED_SHA1, &code, now + STEP_SECONDS, 0), Some(step), "one step late");
        assert_eq!(matching_step(SEED_SHA1, &code, now + 3 * STEP_SECONDS, 0), None, "too late");
        assert_eq!(matching_step(SEED_SHA1, &code, now, step), None, "already used");
        assert_eq!(matching_step(SEED_SHA1, "12345", now, 0), None);
        assert_eq!(matching_step(SEED_SHA1, "１２３４５６", now, 0), None, "full-width digits are not digits here");
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        for (plain, encoded) in
            [("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI")]
        {
            assert_eq!(base32_encode(plain.as_bytes()), encoded);
            assert_eq!(base32_decode(encoded).unwrap(), plain.as_bytes());
        }
        assert_eq!(base32_decode("mzxw 6ytb oi==").unwrap(), b"foobar");
        assert_eq!(base32_decode("MZ1W"), None);
        let secret = new_secret();
        assert_eq!(secret.len(), 32);
        assert_eq!(base32_decode(&secret).unwrap().len(), SECRET_BYTES);
    }

    #[test]
    fn the_qr_code_is_inline_svg_with_a_label_and_the_uri_escapes_the_account() {
        let uri = otpauth_uri("goodpractice", "lan@bv.vn", "JBSWY3DPEHPK3PXP");
        assert_eq!(
            uri,
            "otpauth://totp/goodpractice:lan%40bv%2Evn?secret=JBSWY3DPEHPK3PXP&issuer=goodpractice&algorithm=SHA1&digits=6&period=30"
        );
        let svg = qr_svg(&uri, "Mã QR \"thử\"").unwrap();
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"Mã QR &quot;thử&quot;\""), "{}", svg.chars().take(80).collect::<String>());
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(!svg.contains("<?xml") && !svg.contains("href"), "nothing is loaded from elsewhere");
    }
}
