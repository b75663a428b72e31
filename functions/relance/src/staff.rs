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

#[cfg(test)]
mod tests {
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
