//! The Graph identity map (schema 10): which Graph object id each user, group, subscription
//! and the tenant go by. The host's own data, like its settings: no rule of the domain.

use super::Db;
use anyhow::Result;

impl Db {
    /// The Graph ids of these objects of `kind`, where one is recorded.
    pub fn graph_ids(&self, kind: &str, locals: &[u64]) -> Result<Vec<Option<String>>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT graph_id FROM graph_ids WHERE kind = ?1 AND local = ?2")?;
        let mut out = Vec::with_capacity(locals.len());
        for &local in locals {
            use rusqlite::OptionalExtension;
            out.push(
                stmt.query_row(rusqlite::params![kind, local as i64], |r| r.get(0))
                    .optional()?,
            );
        }
        Ok(out)
    }

    /// The object of `kind` a Graph id names, where one does.
    pub fn local_of_graph_id(&self, kind: &str, graph_id: &str) -> Result<Option<u64>> {
        use rusqlite::OptionalExtension;
        let id: Option<i64> = self
            .conn()
            .query_row(
                "SELECT local FROM graph_ids WHERE kind = ?1 AND graph_id = ?2",
                [kind, &graph_id.to_ascii_lowercase()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(id.map(|i| i as u64))
    }

    /// Records (or replaces) Graph ids.
    pub fn set_graph_ids(&self, kind: &str, pairs: &[(u64, String)]) -> Result<()> {
        let mut stmt = self.conn().prepare_cached(
            "INSERT INTO graph_ids (kind, local, graph_id) VALUES (?1, ?2, ?3) \
             ON CONFLICT (kind, local) DO UPDATE SET graph_id = excluded.graph_id",
        )?;
        for (local, id) in pairs {
            stmt.execute(rusqlite::params![
                kind,
                *local as i64,
                id.to_ascii_lowercase()
            ])?;
        }
        Ok(())
    }
}
