//! The finance team's people, as the console knows them: who signed in
//! (a stable id — the identity provider's subject, never a name a person
//! types), their roles, and their session. The four-eyes rule on credits
//! compares these ids.

use serde::{Deserialize, Serialize};

use crate::domain::{Actor, Locale};

/// What a person may do in the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything, answers customers, records payments, disputes,
    /// promises and plans, requests credits.
    Finance,
    /// May also approve a credit someone else requested.
    Approver,
}

/// A person of the finance team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Stable and unique: the identity provider's subject when deployed.
    pub id: String,
    pub name: String,
    pub roles: Vec<Role>,
    #[serde(default)]
    pub locale: Locale,
}

impl Person {
    /// How the history records what this person did.
    pub fn actor(&self) -> Actor {
        Actor(format!("console:{}", self.id))
    }

    pub fn may(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A signed-in person's session, kept in the table by the hash of its
/// cookie; `csrf` is the value every form of the session must carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffSession {
    pub person: Person,
    pub csrf: String,
    /// Epoch seconds; also the item's TTL.
    pub expires_at: i64,
}

/// How long a console session lasts: a working day.
pub const SESSION_HOURS: i64 = 10;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    users: Vec<Person>,
}

/// The people of a local users file (`config/console-users.toml`), for the
/// development sign-in; ids must be unique and every person needs a role.
pub fn local_users(text: &str) -> Result<Vec<Person>, String> {
    let file: UsersFile = toml::from_str(text).map_err(|e| format!("console users: {e}"))?;
    let mut seen = std::collections::BTreeSet::new();
    for person in &file.users {
        let id_ok = !person.id.is_empty()
            && person.id.len() <= 64
            && person
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !id_ok {
            return Err(format!(
                "console users: `{}` is not an id (letters, digits, - and _)",
                person.id
            ));
        }
        if !seen.insert(person.id.clone()) {
            return Err(format!("console users: `{}` appears twice", person.id));
        }
        if person.roles.is_empty() {
            return Err(format!("console users: `{}` has no role", person.id));
        }
    }
    Ok(file.users)
}

/// What the identity provider's ID token says of who signed in (Amazon
/// Cognito's claims: `sub`, `name`, `email`, `cognito:username`,
/// `cognito:groups`, `locale`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct IdClaims {
    pub sub: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default, rename = "cognito:username")]
    pub username: Option<String>,
    #[serde(default, rename = "cognito:groups")]
    pub groups: Vec<String>,
    #[serde(default)]
    pub locale: Option<String>,
}

/// Why a signed-in identity is not a person of the console.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotStaff {
    #[error("the identity has no subject")]
    NoSubject,
    #[error("the identity is in neither the `finance` nor the `approver` group")]
    NoRole,
}

/// The console's person for an identity: the subject is the id (the
/// four-eyes rule compares it), the groups are the roles — `approver`
/// implies `finance`, since approving means reading what is approved —
/// and the name is the one a colleague recognises, else the address.
pub fn person_from_claims(claims: &IdClaims) -> Result<Person, NotStaff> {
    if claims.sub.trim().is_empty() {
        return Err(NotStaff::NoSubject);
    }
    let approver = claims.groups.iter().any(|g| g == "approver");
    let finance = approver || claims.groups.iter().any(|g| g == "finance");
    if !finance {
        return Err(NotStaff::NoRole);
    }
    let mut roles = vec![Role::Finance];
    if approver {
        roles.push(Role::Approver);
    }
    let name = [&claims.name, &claims.email, &claims.username]
        .into_iter()
        .flatten()
        .map(|n| n.trim())
        .find(|n| !n.is_empty())
        .unwrap_or(claims.sub.as_str())
        .chars()
        .take(120)
        .collect();
    let locale = match claims
        .locale
        .as_deref()
        .map(|l| l.get(..2).unwrap_or(l).to_ascii_lowercase())
    {
        Some(l) if l == "en" => Locale::En,
        _ => Locale::Fr,
    };
    Ok(Person {
        id: claims.sub.clone(),
        name,
        roles,
        locale,
    })
}

/// The PKCE challenge of a verifier (RFC 7636, S256): the base64url of
/// its SHA-256, without padding.
pub fn pkce_challenge(verifier: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identity_is_a_person_by_its_subject_and_groups() {
        let claims = IdClaims {
            sub: "3f1c".into(),
            email: Some("camille@example.fr".into()),
            username: Some("camille".into()),
            groups: vec!["approver".into()],
            ..Default::default()
        };
        let person = person_from_claims(&claims).expect("an approver");
        assert_eq!(person.id, "3f1c");
        assert_eq!(person.name, "camille@example.fr");
        assert_eq!(person.roles, vec![Role::Finance, Role::Approver]);
        assert_eq!(person.actor().0, "console:3f1c");
        let named = IdClaims {
            name: Some("Camille Martin".into()),
            groups: vec!["finance".into()],
            locale: Some("en-GB".into()),
            ..claims.clone()
        };
        let person = person_from_claims(&named).expect("finance");
        assert_eq!(
            (person.name.as_str(), person.roles.as_slice()),
            ("Camille Martin", &[Role::Finance][..])
        );
        assert_eq!(person.locale, Locale::En);
        let outsider = IdClaims {
            groups: vec!["sales".into()],
            ..claims.clone()
        };
        assert_eq!(person_from_claims(&outsider), Err(NotStaff::NoRole));
        let nobody = IdClaims {
            sub: " ".into(),
            ..claims
        };
        assert_eq!(person_from_claims(&nobody), Err(NotStaff::NoSubject));
    }

    #[test]
    fn the_pkce_challenge_is_the_unpadded_base64url_of_the_sha256() {
        // Computed with `openssl dgst -sha256 -binary | base64`, made URL-safe.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mJ92IuJnjxQ6sR7CuIhSbX5v6ykZ88"),
            "VCL8tYW1aRDPFVuDBJbwAC7L7540VqS0M6TcBkLQwhQ"
        );
    }

    #[test]
    fn a_users_file_names_each_person_once_with_a_role() {
        let ok = "[[users]]\nid = \"camille\"\nname = \"Camille\"\nroles = [\"finance\"]\n";
        assert_eq!(super::local_users(ok).map(|u| u.len()), Ok(1));
        for (bad, why) in [
            (format!("{ok}{ok}"), "appears twice"),
            (
                "[[users]]\nid = \"a b\"\nname = \"A\"\nroles = [\"finance\"]\n".into(),
                "is not an id",
            ),
            (
                "[[users]]\nid = \"a\"\nname = \"A\"\nroles = []\n".into(),
                "has no role",
            ),
            (
                "[[users]]\nid = \"a\"\nname = \"A\"\nroles = [\"boss\"]\n".into(),
                "unknown variant",
            ),
        ] {
            let got = super::local_users(&bad);
            assert!(got.as_ref().is_err_and(|e| e.contains(why)), "{bad}: {got:?}");
        }
    }
}
