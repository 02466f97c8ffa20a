//! `[[auth.oidc]]` tables: one external sign-in provider each, generic or a preset.

use serde::Deserialize;

use super::id_token::IdClaims;

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Any OpenID Connect provider, found through `{issuer}/.well-known/openid-configuration`.
    #[default]
    Oidc,
    Google,
    /// Facebook Login (plain OAuth 2.0 for the code flow).
    Facebook,
    /// Zalo OAuth v4 (PKCE, non-standard endpoints and parameters).
    Zalo,
    /// Any plain OAuth 2.0 provider with a userinfo endpoint (no ID token):
    /// `authorize_url`, `token_url` and `userinfo_url` are required.
    OAuth2,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// Appears in URLs: /auth/oidc/{id}/login. Lowercase letters, digits, '-' and '_'.
    pub id: String,
    #[serde(default)]
    pub kind: ProviderKind,
    /// Shown on the profile's list of linked providers.
    #[serde(default)]
    pub name: String,
    /// Required for `kind = "oidc"`; presets know theirs.
    #[serde(default)]
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The sign-in button's text; empty: the name.
    #[serde(default)]
    pub button_label: String,
    /// Longest wait for the provider (discovery, keys, code exchange), in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// Ministry staff: a member who signs in here with a provider-verified email in one of these
    /// domains (e.g. "moh.gov.vn") is made ministry staff at once.
    #[serde(default)]
    pub ministry_email_domains: Vec<String>,
    /// Ministry staff by a claim: `[[auth.oidc.ministry_rules]]` tables, e.g.
    /// `claim = "organization"`, `equals = "Bộ Y tế"`, `action = "request"` (or `"grant"`).
    #[serde(default)]
    pub ministry_rules: Vec<MinistryRule>,
    /// Plain OAuth 2.0 (`facebook`, `zalo`, `oauth2`): override the preset's endpoints;
    /// required for `kind = "oauth2"`.
    #[serde(default)]
    pub authorize_url: String,
    #[serde(default)]
    pub token_url: String,
    #[serde(default)]
    pub userinfo_url: String,
}

/// What a matching ministry rule does.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MinistryAction {
    /// The member becomes ministry staff at once.
    Grant,
    /// A "ministry staff request" waits in the moderation queue.
    #[default]
    Request,
}

/// A claim the provider sends and the value that marks ministry staff. The claim
/// `email_domain` means the domain of the provider-verified email.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinistryRule {
    pub claim: String,
    pub equals: String,
    #[serde(default)]
    pub action: MinistryAction,
}

/// Claim values compare as people read them: NFC, trimmed, in any letter case.
fn same_text(a: &str, b: &str) -> bool {
    crate::text::clean_line(a).to_lowercase() == crate::text::clean_line(b).to_lowercase()
}

fn default_scopes() -> Vec<String> {
    vec!["openid".into(), "email".into(), "profile".into()]
}

fn default_timeout() -> u64 {
    10
}

/// Where a plain-OAuth provider sends people and asks for tokens and the profile.
#[derive(Debug, PartialEq, Eq)]
pub struct OAuthEndpoints {
    pub authorize: String,
    pub token: String,
    pub userinfo: String,
}

impl ProviderConfig {
    /// The issuer actually used: the configured one, or the preset's.
    pub fn issuer(&self) -> &str {
        match (self.kind, self.issuer.as_str()) {
            (ProviderKind::Google, "") => "https://accounts.google.com",
            (_, issuer) => issuer.trim_end_matches('/'),
        }
    }

    /// True for providers that answer with a signed ID token (checked against their JWKS).
    pub fn is_openid_connect(&self) -> bool {
        matches!(self.kind, ProviderKind::Oidc | ProviderKind::Google)
    }

    /// Endpoints of the plain-OAuth providers (Facebook Graph API v19, Zalo OAuth v4, or the
    /// configured ones), each overridable in the config; `None` for OpenID Connect.
    pub fn oauth_endpoints(&self) -> Option<OAuthEndpoints> {
        let (authorize, token, userinfo) = match self.kind {
            ProviderKind::Facebook => (
                "https://www.facebook.com/v19.0/dialog/oauth",
                "https://graph.facebook.com/v19.0/oauth/access_token",
                "https://graph.facebook.com/me?fields=id,name,email",
            ),
            ProviderKind::Zalo => (
                "https://oauth.zaloapp.com/v4/permission",
                "https://oauth.zaloapp.com/v4/access_token",
                "https://graph.zalo.me/v2.0/me?fields=id,name,picture",
            ),
            ProviderKind::OAuth2 => ("", "", ""),
            ProviderKind::Oidc | ProviderKind::Google => return None,
        };
        let pick = |configured: &str, preset: &str| if configured.is_empty() { preset.to_string() } else { configured.to_string() };
        Some(OAuthEndpoints {
            authorize: pick(&self.authorize_url, authorize),
            token: pick(&self.token_url, token),
            userinfo: pick(&self.userinfo_url, userinfo),
        })
    }

    /// True when this provider vouches that `email` (verified by it) belongs to ministry staff.
    pub fn vouches_for_ministry(&self, email: Option<&str>, email_verified: bool) -> bool {
        let Some(domain) = email.and_then(|e| e.rsplit_once('@')).map(|(_, d)| d.to_lowercase()) else {
            return false;
        };
        email_verified && self.ministry_email_domains.iter().any(|d| d.trim().eq_ignore_ascii_case(&domain))
    }

    /// The claims the ministry rules read (other than the email's domain).
    pub fn ministry_rule_claims(&self) -> impl Iterator<Item = &str> {
        self.ministry_rules.iter().map(|r| r.claim.as_str()).filter(|c| *c != "email_domain")
    }

    /// What the provider's claims do for ministry staff status, and a line saying which rule
    /// matched (kept with a queued request for the moderator). A grant wins over a request.
    pub fn ministry_decision(&self, claims: &IdClaims) -> Option<(MinistryAction, String)> {
        let verified_domain = claims.email.as_deref().filter(|_| claims.email_verified).and_then(|e| e.rsplit_once('@')).map(|(_, d)| d);
        if self.vouches_for_ministry(claims.email.as_deref(), claims.email_verified) {
            return Some((
                MinistryAction::Grant,
                format!("{}: email_domain = {}", self.display_name(), verified_domain.unwrap_or_default()),
            ));
        }
        let matches = |rule: &&MinistryRule| {
            let value = if rule.claim == "email_domain" { verified_domain } else { claims.other.get(&rule.claim).map(String::as_str) };
            value.is_some_and(|v| same_text(v, &rule.equals))
        };
        let matched: Vec<&MinistryRule> = self.ministry_rules.iter().filter(matches).collect();
        let rule = matched.iter().find(|r| r.action == MinistryAction::Grant).or(matched.first())?;
        Some((rule.action, format!("{}: {} = {}", self.display_name(), rule.claim, crate::text::clean_line(&rule.equals))))
    }

    pub fn label(&self) -> &str {
        if !self.button_label.is_empty() { &self.button_label } else { self.display_name() }
    }

    pub fn display_name(&self) -> &str {
        if self.name.is_empty() { &self.id } else { &self.name }
    }

    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout_seconds.clamp(1, 60))
    }

    /// Refuses a table that could not work, naming the provider.
    pub fn check(&self) -> anyhow::Result<()> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 32
            && self.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        anyhow::ensure!(id_ok, "[[auth.oidc]] id {:?}: use 1-32 lowercase letters, digits, '-' or '_'", self.id);
        anyhow::ensure!(!self.client_id.is_empty(), "[[auth.oidc]] {}: client_id is empty", self.id);
        if self.is_openid_connect() {
            let issuer = url::Url::parse(self.issuer())
                .map_err(|_| anyhow::anyhow!("[[auth.oidc]] {}: issuer {:?} is not a URL", self.id, self.issuer()))?;
            anyhow::ensure!(matches!(issuer.scheme(), "https" | "http"), "[[auth.oidc]] {}: issuer must be https", self.id);
            anyhow::ensure!(self.scopes.iter().any(|s| s == "openid"), "[[auth.oidc]] {}: scopes must include openid", self.id);
        }
        if let Some(endpoints) = self.oauth_endpoints() {
            for (name, value) in
                [("authorize_url", &endpoints.authorize), ("token_url", &endpoints.token), ("userinfo_url", &endpoints.userinfo)]
            {
                let url =
                    url::Url::parse(value).map_err(|_| anyhow::anyhow!("[[auth.oidc]] {}: {name} {:?} is not a URL", self.id, value))?;
                anyhow::ensure!(matches!(url.scheme(), "https" | "http"), "[[auth.oidc]] {}: {name} must be https", self.id);
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("issuer", &self.issuer())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ProviderConfig {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn presets_fill_in_their_endpoints() {
        let google = parse("id = \"google\"\nkind = \"google\"\nclient_id = \"c\"");
        assert_eq!(google.issuer(), "https://accounts.google.com");
        assert!(google.is_openid_connect() && google.check().is_ok());
        let zalo = parse("id = \"zalo\"\nkind = \"zalo\"\nclient_id = \"app\"");
        let endpoints = zalo.oauth_endpoints().unwrap();
        assert_eq!(endpoints.authorize, "https://oauth.zaloapp.com/v4/permission");
        assert!(!zalo.is_openid_connect() && zalo.check().is_ok());
        let facebook = parse("id = \"fb\"\nkind = \"facebook\"\nclient_id = \"app\"");
        assert_eq!(facebook.oauth_endpoints().unwrap().token, "https://graph.facebook.com/v19.0/oauth/access_token");
        let moved = parse("id = \"fb\"\nkind = \"facebook\"\nclient_id = \"app\"\nuserinfo_url = \"http://127.0.0.1:9/me\"");
        let endpoints = moved.oauth_endpoints().unwrap();
        assert_eq!(endpoints.userinfo, "http://127.0.0.1:9/me");
        assert_eq!(endpoints.authorize, "https://www.facebook.com/v19.0/dialog/oauth", "the others keep the preset");
        assert!(google.oauth_endpoints().is_none());
    }

    #[test]
    fn a_generic_oauth2_provider_needs_its_three_endpoints() {
        let partial = parse("id = \"sso\"\nkind = \"oauth2\"\nclient_id = \"c\"\nauthorize_url = \"https://sso.example/a\"");
        assert!(partial.check().unwrap_err().to_string().contains("token_url"));
        let full = parse(
            "id = \"sso\"\nkind = \"oauth2\"\nclient_id = \"c\"\nauthorize_url = \"https://sso.example/a\"\n\
             token_url = \"https://sso.example/t\"\nuserinfo_url = \"https://sso.example/me\"",
        );
        assert!(full.check().is_ok() && !full.is_openid_connect());
    }

    #[test]
    fn only_a_verified_email_in_a_trusted_domain_makes_ministry_staff() {
        let gov = parse("id = \"gov\"\nissuer = \"https://id.example\"\nclient_id = \"c\"\nministry_email_domains = [\"moh.gov.vn\"]");
        assert!(gov.vouches_for_ministry(Some("lan@MOH.gov.vn"), true));
        assert!(!gov.vouches_for_ministry(Some("lan@moh.gov.vn"), false), "unverified");
        assert!(!gov.vouches_for_ministry(Some("lan@evil-moh.gov.vn"), true));
        assert!(!gov.vouches_for_ministry(Some("moh.gov.vn@evil.example"), true));
        assert!(!gov.vouches_for_ministry(None, true));
    }

    fn claims(email: Option<&str>, verified: bool, other: &[(&str, &str)]) -> IdClaims {
        IdClaims {
            subject: "s".into(),
            email: email.map(str::to_string),
            email_verified: verified,
            name: None,
            other: other.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn ministry_rules_match_a_claim_as_people_read_it_and_a_grant_wins() {
        let gov = parse(
            "id = \"gov\"\nname = \"VNeID\"\nissuer = \"https://id.example\"\nclient_id = \"c\"\n\
             [[ministry_rules]]\nclaim = \"organization\"\nequals = \"Bộ Y tế\"\n\
             [[ministry_rules]]\nclaim = \"email_domain\"\nequals = \"moh.gov.vn\"\naction = \"grant\"\n",
        );
        assert_eq!(gov.ministry_rules[0].action, MinistryAction::Request, "request is the default");
        let decomposed = "Bo\u{323}\u{302} Y te\u{302}\u{301}";
        let request = gov.ministry_decision(&claims(None, false, &[("organization", decomposed)]));
        assert_eq!(request, Some((MinistryAction::Request, "VNeID: organization = Bộ Y tế".to_string())));
        assert_eq!(gov.ministry_decision(&claims(None, false, &[("organization", " BỘ Y TẾ ")])).unwrap().0, MinistryAction::Request);
        assert_eq!(gov.ministry_decision(&claims(None, false, &[("organization", "Bo Y te")])), None, "diacritics matter");
        assert_eq!(gov.ministry_decision(&claims(None, false, &[("org", "Bộ Y tế")])), None);
        let both = claims(Some("ha@moh.gov.vn"), true, &[("organization", "Bộ Y tế")]);
        assert_eq!(gov.ministry_decision(&both).unwrap().0, MinistryAction::Grant);
        let unverified = claims(Some("ha@moh.gov.vn"), false, &[]);
        assert_eq!(gov.ministry_decision(&unverified), None);
        assert_eq!(gov.ministry_rule_claims().collect::<Vec<_>>(), ["organization"]);
    }

    #[test]
    fn unusable_tables_are_refused_by_name() {
        let no_issuer = parse("id = \"gov\"\nclient_id = \"c\"");
        assert!(no_issuer.check().unwrap_err().to_string().contains("gov"));
        let bad_id = parse("id = \"Gov/../x\"\nissuer = \"https://id.example\"\nclient_id = \"c\"");
        assert!(bad_id.check().is_err());
        assert!(toml::from_str::<ProviderConfig>("id = \"x\"\nclient_id = \"c\"\nkind = \"myspace\"").is_err());
    }
}
