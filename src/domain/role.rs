//! What a member may do: the four roles, stored by name.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(try_from = "String")]
pub enum Role {
    Member,
    Moderator,
    Ministry,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Moderator => "moderator",
            Role::Ministry => "ministry",
            Role::Admin => "admin",
        }
    }

    /// Moderators and admins may edit and delete what others wrote.
    pub fn can_moderate(self) -> bool {
        matches!(self, Role::Moderator | Role::Admin)
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "member" => Ok(Role::Member),
            "moderator" => Ok(Role::Moderator),
            "ministry" => Ok(Role::Ministry),
            "admin" => Ok(Role::Admin),
            other => Err(format!("unknown role {other:?} (member, moderator, ministry or admin)")),
        }
    }
}

impl TryFrom<String> for Role {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}
