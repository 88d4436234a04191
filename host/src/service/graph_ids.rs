//! Graph object ids (the host's identity map, `db/graph_ids.rs`): an imported tenant's objects
//! keep the ids Graph gave them; what seats created goes by an id made from the tenant's and
//! its own, stable across exports and readable back by `seats serve`.

use super::Session;
use anyhow::Result;

/// The kinds of object with a Graph id, as the map names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphKind {
    User,
    Group,
    Subscription,
}

impl GraphKind {
    fn name(self) -> &'static str {
        match self {
            GraphKind::User => "user",
            GraphKind::Group => "group",
            GraphKind::Subscription => "subscription",
        }
    }
    fn code(self) -> u16 {
        match self {
            GraphKind::User => 1,
            GraphKind::Group => 2,
            GraphKind::Subscription => 3,
        }
    }
}

/// A GUID in Graph's lower-case 8-4-4-4-12 form, when `text` is one.
pub fn guid(text: &str) -> Option<String> {
    let t = text.trim().to_ascii_lowercase();
    let groups: Vec<&str> = t.split('-').collect();
    let sizes = [8, 4, 4, 4, 12];
    (groups.len() == 5
        && groups
            .iter()
            .zip(sizes)
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit())))
    .then_some(t)
}

impl Session {
    /// The tenant's Graph id: an imported tenant's, or one made at first use and kept.
    pub fn graph_tenant_id(&mut self) -> Result<String> {
        let db = self.rt.db();
        if let Some(id) = db.graph_ids("tenant", &[0])?.remove(0) {
            return Ok(id);
        }
        let mut rng = fastrand::Rng::new();
        let hex: String = (0..32).map(|_| format!("{:x}", rng.u8(0..16))).collect();
        let id = format!(
            "{}-{}-4{}-a{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[13..16],
            &hex[17..20],
            &hex[20..32]
        );
        db.set_graph_ids("tenant", &[(0, id.clone())])?;
        Ok(id)
    }

    /// Records the tenant's Graph id (an import's).
    pub fn set_graph_tenant_id(&mut self, id: &str) -> Result<()> {
        self.rt.db().set_graph_ids("tenant", &[(0, id.to_string())])
    }

    /// The Graph ids of these objects: recorded, or made from the tenant's id and theirs.
    pub fn graph_ids(&mut self, kind: GraphKind, locals: &[u64]) -> Result<Vec<String>> {
        let tenant = self.graph_tenant_id()?;
        let recorded = self.rt.db().graph_ids(kind.name(), locals)?;
        Ok(recorded
            .into_iter()
            .zip(locals)
            .map(|(r, &local)| r.unwrap_or_else(|| made(&tenant, kind, local)))
            .collect())
    }

    /// Records the Graph ids objects were imported with.
    pub fn record_graph_ids(&mut self, kind: GraphKind, pairs: &[(u64, String)]) -> Result<()> {
        self.rt.db().set_graph_ids(kind.name(), pairs)
    }

    /// The object a Graph id names: a recorded id, or one `graph_ids` made.
    pub fn local_of_graph_id(&mut self, kind: GraphKind, id: &str) -> Result<Option<u64>> {
        let Some(id) = guid(id) else { return Ok(None) };
        if let Some(local) = self.rt.db().local_of_graph_id(kind.name(), &id)? {
            return Ok(Some(local));
        }
        let tenant = self.graph_tenant_id()?;
        let prefix = format!("{}-{:04x}-4000-8000-", &tenant[..8], kind.code());
        Ok(id
            .strip_prefix(&prefix)
            .and_then(|n| u64::from_str_radix(n, 16).ok()))
    }
}

/// An id for an object seats created: the tenant's first eight digits, the kind, its own id.
fn made(tenant: &str, kind: GraphKind, local: u64) -> String {
    format!(
        "{}-{:04x}-4000-8000-{local:012x}",
        &tenant[..8],
        kind.code()
    )
}
