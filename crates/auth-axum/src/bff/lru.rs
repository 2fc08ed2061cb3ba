//! A least-recently-used map bounded by its number of entries: a hash map
//! for lookups and an ordered map of use ticks for eviction, so that every
//! operation is O(log n).

use std::collections::{BTreeMap, HashMap};

/// An LRU map of at most `capacity` entries.
#[derive(Debug)]
pub(crate) struct Lru<V> {
    capacity: usize,
    tick: u64,
    entries: HashMap<String, (V, u64)>,
    order: BTreeMap<u64, String>,
}

impl<V: Clone> Lru<V> {
    /// An empty map holding at most `capacity` entries (at least 1).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            tick: 0,
            entries: HashMap::new(),
            order: BTreeMap::new(),
        }
    }

    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    /// The value for `key`, marked as the most recently used.
    pub(crate) fn get(&mut self, key: &str) -> Option<V> {
        let tick = self.next_tick();
        let (value, used) = self.entries.get_mut(key)?;
        self.order.remove(used);
        *used = tick;
        self.order.insert(tick, key.to_owned());
        Some(value.clone())
    }

    /// Inserts `value` unless `key` is present; returns the value now held
    /// (the existing one wins, so two racing loads end with one value).
    /// Evicts the least recently used entries beyond the capacity.
    pub(crate) fn get_or_insert(&mut self, key: &str, value: V) -> V {
        if let Some(existing) = self.get(key) {
            return existing;
        }
        let tick = self.next_tick();
        self.entries.insert(key.to_owned(), (value.clone(), tick));
        self.order.insert(tick, key.to_owned());
        while self.entries.len() > self.capacity {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            self.entries.remove(&oldest);
        }
        value
    }

    /// Removes `key`.
    pub(crate) fn remove(&mut self, key: &str) {
        if let Some((_, used)) = self.entries.remove(key) {
            self.order.remove(&used);
        }
    }

    /// The number of entries.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether `key` is held, without marking it used.
    #[cfg(test)]
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_entry_is_evicted() {
        let mut lru = Lru::new(2);
        lru.get_or_insert("a", 1);
        lru.get_or_insert("b", 2);
        assert_eq!(lru.get("a"), Some(1));
        lru.get_or_insert("c", 3);
        assert!(lru.contains("a") && lru.contains("c"));
        assert!(!lru.contains("b"));
        assert_eq!(lru.len(), 2);
        lru.remove("a");
        assert_eq!(lru.get("a"), None);
        assert_eq!(lru.len(), 1);
    }

    #[test]
    fn an_existing_entry_wins_a_racing_insert() {
        let mut lru = Lru::new(4);
        assert_eq!(lru.get_or_insert("a", 1), 1);
        assert_eq!(lru.get_or_insert("a", 2), 1);
        assert_eq!(lru.len(), 1);
    }
}
