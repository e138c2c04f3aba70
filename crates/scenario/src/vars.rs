//! Per-user JMeter variables.

use std::collections::HashMap;
use std::sync::Arc;

/// A user's variables. Values are reused buffers: setting a known variable again does not allocate
/// unless the new value is longer.
#[derive(Clone, Debug, Default)]
pub struct Vars {
    map: HashMap<Arc<str>, String>,
}

impl Vars {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    pub fn set(&mut self, name: &str, value: &str) {
        if let Some(v) = self.map.get_mut(name) {
            v.clear();
            v.push_str(value);
        } else {
            self.map.insert(Arc::from(name), value.to_owned());
        }
    }

    /// Sets `name` to a value built in place (avoids a temporary).
    pub fn set_with(&mut self, name: &str, f: impl FnOnce(&mut String)) {
        if !self.map.contains_key(name) {
            self.map.insert(Arc::from(name), String::new());
        }
        let v = self.map.get_mut(name).expect("inserted above");
        v.clear();
        f(v);
    }

    pub fn remove(&mut self, name: &str) {
        self.map.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_overwrite_remove() {
        let mut v = Vars::default();
        assert_eq!(v.get("a"), None);
        v.set("a", "1");
        v.set("a", "22");
        assert_eq!(v.get("a"), Some("22"));
        v.set_with("b", |s| s.push('x'));
        assert_eq!(v.get("b"), Some("x"));
        v.remove("a");
        assert_eq!(v.get("a"), None);
    }
}
