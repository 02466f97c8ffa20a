//! Parsed account values: once constructed, they are valid.

use crate::domain::HOSPITAL_TIERS;
use crate::error::{AppError, AppResult, Msg};
use crate::text;

#[derive(Debug, Clone, PartialEq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, AppError> {
        let email = text::clean_line(input);
        let valid = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !email.contains(char::is_whitespace)
                    && email.matches('@').count() == 1
            });
        if valid { Ok(Self(email)) } else { Err(AppError::bad("error.email_invalid")) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX: usize = 80;

    pub fn parse(input: &str) -> Result<Self, AppError> {
        let name = text::clean_line(input);
        let len = text::char_len(&name);
        if (2..=Self::MAX).contains(&len) {
            Ok(Self(name))
        } else {
            Err(AppError::BadRequest(Msg::new("error.name_length").arg("min", 2).arg("max", Self::MAX)))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password. Its `Debug` output never shows it.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

impl Password {
    pub const MIN: usize = 8;
    pub const MAX: usize = 200;

    pub fn parse(input: &str) -> Result<Self, AppError> {
        let len = input.chars().count();
        if (Self::MIN..=Self::MAX).contains(&len) {
            Ok(Self(input.to_string()))
        } else {
            Err(AppError::BadRequest(Msg::new("error.password_length").arg("min", Self::MIN).arg("max", Self::MAX)))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A profile's hospital tier: empty for "not given".
pub fn parse_hospital_tier(input: &str) -> AppResult<Option<&'static str>> {
    match input.trim() {
        "" => Ok(None),
        typed => HOSPITAL_TIERS.iter().copied().find(|t| *t == typed).map(Some).ok_or_else(|| AppError::bad("guidance.error.tier")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_for_shape() {
        assert!(Email::parse(" Lan.Nguyen@BenhVien.vn ").is_ok());
        for bad in ["", "lan", "lan@", "@bv.vn", "lan@bv", "lan@@bv.vn", "la n@bv.vn", "lan@bv.vn."] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Nguyễn   Thị Lan ").unwrap().as_str(), "Nguyễn Thị Lan");
        assert!(DisplayName::parse("A").is_err());
        assert!(DisplayName::parse(&"ê".repeat(81)).is_err());
    }

    #[test]
    fn passwords_never_show_in_debug_output() {
        let p = Password::parse("mật khẩu bí mật").unwrap();
        assert!(!format!("{p:?}").contains("bí mật"));
        assert!(Password::parse("short").is_err());
    }
}
