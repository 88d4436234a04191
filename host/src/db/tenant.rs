//! The tenant's row and the admin roles of its users, for the `store` import.

use super::Db;
use crate::bindings::text::{cloud_text, role_from, role_text};
use crate::bindings::types::*;
use rusqlite::{OptionalExtension, params};
use wasmtime::Result;

impl Db {
    pub(super) fn tenant_get(&mut self) -> Result<Option<Tenant>> {
        let row = self.conn()
            .prepare_cached(
                "SELECT name, country, currency, cloud, default_usage_location, created_at, time_zone FROM tenant WHERE id = 1",
            )?
            .query_row([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })
            .optional()?;
        Ok(row.map(
            |(name, country, currency, cloud, default_usage_location, created_at, time_zone)| {
                Tenant {
                    name,
                    country,
                    currency,
                    cloud: if cloud == "vianet" {
                        Cloud::Vianet
                    } else {
                        Cloud::Worldwide
                    },
                    default_usage_location,
                    created_at,
                    time_zone,
                }
            },
        ))
    }

    pub(super) fn tenant_put(&mut self, t: Tenant) -> Result<()> {
        self.conn().prepare_cached(
            "INSERT INTO tenant (id, name, country, currency, cloud, default_usage_location, created_at, time_zone)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET name = ?1, country = ?2, currency = ?3, cloud = ?4,
                 default_usage_location = ?5, time_zone = ?7",
        )?
        .execute(params![t.name, t.country, t.currency, cloud_text(t.cloud), t.default_usage_location, t.created_at, t.time_zone])?;
        Ok(())
    }

    pub(super) fn tenant_roles_of(&mut self, upn: String) -> Result<Vec<Role>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT r.role FROM roles r JOIN users u ON u.id = r.user_id WHERE u.upn = ?1 ORDER BY r.role",
        )?;
        let names: Vec<String> = stmt
            .query_map([upn], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        names.iter().map(|n| role_from(n)).collect()
    }

    pub(super) fn tenant_grant_role(&mut self, user_id: u64, role: Role) -> Result<()> {
        self.conn()
            .prepare_cached("INSERT OR IGNORE INTO roles (user_id, role) VALUES (?1, ?2)")?
            .execute(params![user_id as i64, role_text(role)])?;
        Ok(())
    }
}
