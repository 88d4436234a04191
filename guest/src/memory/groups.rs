//! The in-memory store's groups (GL1-GL10): what the SQLite store keeps in its group tables.

use super::tables::Tables;
use crate::types::{Group, GroupError, GroupLicense};

impl Tables {
    pub fn insert_group(&mut self, g: &Group) -> u64 {
        let id = self.groups.keys().next_back().map_or(1, |k| k + 1);
        self.groups.insert(id, Group { id, ..g.clone() });
        id
    }

    pub fn delete_group(&mut self, id: u64) {
        self.groups.remove(&id);
        self.group_licenses.remove(&id);
        self.members.retain(|(g, _)| *g != id);
        self.group_errors.retain(|(g, _), _| *g != id);
    }

    pub fn find_group(&self, name: &str) -> Option<Group> {
        self.groups
            .values()
            .find(|g| g.name.eq_ignore_ascii_case(name))
            .cloned()
    }

    pub fn list_groups(&self, after: Option<u64>, limit: u32) -> Vec<Group> {
        self.groups
            .range(after.map_or(0, |a| a + 1)..)
            .take(limit as usize)
            .map(|(_, g)| g.clone())
            .collect()
    }

    pub fn set_group_licenses(&mut self, id: u64, licenses: &[GroupLicense]) {
        let mut l = licenses.to_vec();
        l.sort_by(|a, b| a.sku_id.cmp(&b.sku_id));
        self.group_licenses.insert(id, l);
    }

    pub fn groups_of(&self, user: u64) -> Vec<u64> {
        self.members
            .iter()
            .filter(|(_, u)| *u == user)
            .map(|(g, _)| *g)
            .collect()
    }

    pub fn group_errors(&self, group: Option<u64>, after: u32, limit: u32) -> Vec<GroupError> {
        let mut errors: Vec<GroupError> = self
            .group_errors
            .values()
            .filter(|e| group.is_none_or(|g| e.group_id == g))
            .cloned()
            .collect();
        errors.sort_by_key(|e| (e.since, e.group_id, e.user_id));
        errors
            .into_iter()
            .skip(after as usize)
            .take(limit as usize)
            .collect()
    }
}
