//! Keeping a Scenarios item under DynamoDB's 400 KB limit: DLT appends every run's
//! results (and, before v2.0.1, a base64 PNG) to one item until writes fail. We drop the oldest
//! history entries instead, log how many, and fail clearly only if the newest results alone do not fit.

use serde_json::Value;

use crate::store::Item;

/// DynamoDB's hard limit is 400 KB; JSON text over-estimates DynamoDB's size accounting a little
/// (quotes, braces), which leaves the margin we want.
pub const ITEM_BUDGET: usize = 380 * 1024;

/// The item's approximate stored size in bytes.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

fn value_size(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len() + 2,
        Value::Array(a) => 3 + a.iter().map(value_size).sum::<usize>(),
        Value::Object(m) => {
            3 + m
                .iter()
                .map(|(k, v)| k.len() + 1 + value_size(v))
                .sum::<usize>()
        }
        other => other.to_string().len(),
    }
}

/// How [`fit`] changed the history.
#[derive(Debug, PartialEq, Eq)]
pub struct Fitted {
    pub history: Vec<Value>,
    /// Entries dropped to make the item fit.
    pub dropped: usize,
}

/// Drops entries from the `oldest_first` end of `history` until `item` (which must not already contain
/// `history`) plus the history fits `budget` (normally [`ITEM_BUDGET`]). `None` if even an empty history does not fit.
pub fn fit(
    item: &Item,
    mut history: Vec<Value>,
    oldest_first: bool,
    budget: usize,
) -> Option<Fitted> {
    let base = item_size(item) + "history".len() + 3;
    if base > budget {
        return None;
    }
    let mut total: usize = base + history.iter().map(value_size).sum::<usize>();
    let mut dropped = 0;
    while total > budget && !history.is_empty() {
        let gone = if oldest_first {
            history.remove(0)
        } else {
            history.pop().expect("not empty")
        };
        total -= value_size(&gone);
        dropped += 1;
    }
    Some(Fitted { history, dropped })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drops_oldest_until_it_fits() {
        let mut item = Item::new();
        item.insert("testId".into(), json!("t"));
        let big = json!({"results": "x".repeat(100 * 1024)});
        let history = vec![
            json!({"id": "old"}),
            big.clone(),
            big.clone(),
            big.clone(),
            big.clone(),
        ];
        let f = fit(&item, history, true, ITEM_BUDGET).unwrap();
        assert_eq!(
            f.dropped, 2,
            "old + one big entry go; three 100 KB entries fit in 380 KB"
        );
        assert_eq!(f.history.len(), 3);
        let f = fit(
            &item,
            vec![
                json!({"id": "newest"}),
                big.clone(),
                big.clone(),
                big.clone(),
                big,
            ],
            false,
            ITEM_BUDGET,
        )
        .unwrap();
        assert_eq!(
            f.history[0]["id"], "newest",
            "newest-first lists drop from the back"
        );
        item.insert("results".into(), json!("y".repeat(400 * 1024)));
        assert!(fit(&item, vec![], true, ITEM_BUDGET).is_none());
    }
}
