//! The to-do: everything waiting for a person, from the sparse to-do
//! index alone — each waiting item carries its entry in its index keys,
//! so the list costs one Query per shard, whatever the table holds.

use serde::Deserialize;

use super::sharded::Sharded;
use super::{Store, StoreError, keys};
use crate::domain::todo::{self, Todo};

const TODO: Sharded = Sharded {
    index: keys::TODO_INDEX,
    pk: keys::TODO_PK,
    sk: keys::TODO_SK,
    prefix: "TODO",
    projection: Some("todo_sk"),
};

impl Store {
    /// What waits for a person, most urgent first.
    pub async fn todo(&self) -> Result<Vec<Todo>, StoreError> {
        #[derive(Deserialize)]
        struct Key {
            todo_sk: String,
        }
        let found = self.every_shard_items::<Key>(TODO, "9999-12-31").await?;
        let mut list: Vec<Todo> = found
            .into_iter()
            .filter_map(|k| keys::parse_todo_sk(&k.todo_sk))
            .collect();
        todo::sort(&mut list);
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::todo::{Todo, TodoKind};

    #[test]
    fn a_to_do_entry_reads_back_from_its_keys() {
        let since = chrono::DateTime::parse_from_rfc3339("2026-11-10T09:30:00.250Z")
            .map(|t| t.to_utc())
            .unwrap_or_default();
        for todo in [
            Todo::new(
                TodoKind::HelpRequest,
                Some("boulangerie-martin".into()),
                "F2026-000012".into(),
                since,
            ),
            Todo::new(TodoKind::BankReview, None, "BE-0123456789abcdef01234567".into(), since),
        ] {
            let (pk, sk) = crate::store::keys::todo_keys(&todo);
            assert!(pk.starts_with("TODO#"), "{pk}");
            assert!(
                sk.starts_with(&todo.deadline.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
                "{sk}"
            );
            assert_eq!(crate::store::keys::parse_todo_sk(&sk), Some(todo));
        }
    }
}
