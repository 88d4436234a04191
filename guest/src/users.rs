//! The organisation's users (L10).

use crate::cx::Cx;
use crate::error::{Result, conflict, invalid, not_found};
use crate::exports::seats::licensing::users::{NewUser, UserDetails, UserFilter, UserPage};
use crate::roles::Operation;
use crate::seats::licensing::store::UserQuery;
use crate::types::User;
use crate::{Store, catalog, licenses, validate};
use std::collections::BTreeSet;

/// Most users one page returns.
pub const MAX_PAGE: u32 = 5000;

/// A user of the organisation by UPN, deleted or not.
pub fn find<S: Store + ?Sized>(store: &S, upn: &str) -> Result<User> {
    store.find_user(upn.trim()).ok_or_else(|| {
        not_found(format!(
            "no user '{}' in this tenant; `seats users` lists them",
            upn.trim()
        ))
    })
}

/// A user of the organisation that is not deleted.
pub fn find_active<S: Store + ?Sized>(store: &S, upn: &str) -> Result<User> {
    let user = find(store, upn)?;
    if user.deleted_at.is_some() {
        return Err(conflict(format!(
            "{} was deleted; restore the user first",
            user.upn
        )));
    }
    Ok(user)
}

fn validated<S: Store + ?Sized>(cx: &Cx<S>, new: &NewUser) -> Result<User> {
    let default_location = cx.store.get_tenant().and_then(|t| t.default_usage_location);
    Ok(User {
        id: 0,
        upn: validate::upn("upn", &new.upn)?,
        display_name: validate::text("display-name", &new.display_name, 256)?,
        department: match new.department.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(validate::text("department", d, 64)?),
        },
        usage_location: match new.usage_location.as_deref().map(str::trim) {
            None | Some("") => default_location,
            Some(l) => Some(validate::country("usage-location", l)?),
        },
        enabled: new.enabled,
        kind: new.kind,
        created_at: cx.now,
        deleted_at: None,
    })
}

pub fn create<S: Store + ?Sized>(cx: &Cx<S>, new: &NewUser) -> Result<User> {
    Ok(create_many(cx, std::slice::from_ref(new))?.remove(0))
}

/// Creates every user or, when one is refused, none.
pub fn create_many<S: Store + ?Sized>(cx: &Cx<S>, new: &[NewUser]) -> Result<Vec<User>> {
    cx.require(Operation::ManageUsers)?;
    let mut users = Vec::with_capacity(new.len());
    let mut seen = BTreeSet::new();
    for n in new {
        let u = validated(cx, n)?;
        if !seen.insert(u.upn.to_lowercase()) {
            return Err(invalid("upn", format!("{} is given twice", u.upn)));
        }
        users.push(u);
    }
    let upns: Vec<String> = users.iter().map(|u| u.upn.clone()).collect();
    if let Some(Some(taken)) = cx.store.find_users(&upns).into_iter().find(Option::is_some) {
        return Err(conflict(format!(
            "a user {} already exists; choose another user principal name",
            taken.upn
        )));
    }
    let ids = cx.store.insert_users(&users);
    let entries: Vec<_> = users
        .iter_mut()
        .zip(ids)
        .map(|(u, id)| {
            u.id = id;
            cx.audit_entry(
                "user.create",
                format!("user:{}", u.upn),
                None::<&()>,
                Some(&*u),
            )
        })
        .collect();
    cx.store.append_audit(&entries);
    Ok(users)
}

pub fn get<S: Store + ?Sized>(cx: &Cx<S>, upn: &str) -> Result<UserDetails> {
    cx.require(Operation::Read)?;
    let user = find(cx.store, upn)?;
    let licenses = licenses::of_user(cx.store, &user);
    Ok(UserDetails { user, licenses })
}

/// Active users (L10), optionally only the unlicensed ones, a page at a time.
pub fn list<S: Store + ?Sized>(
    cx: &Cx<S>,
    filter: &UserFilter,
    after: Option<u64>,
    limit: u32,
) -> Result<UserPage> {
    cx.require(Operation::Read)?;
    if limit == 0 || limit > MAX_PAGE {
        return Err(invalid(
            "limit",
            format!("a page holds 1 to {MAX_PAGE} users"),
        ));
    }
    let holding = filter
        .product
        .as_deref()
        .map(|p| catalog::resolve(cx.store, p).map(|p| p.sku_id))
        .transpose()?;
    let query = UserQuery {
        include_deleted: false,
        unlicensed_only: filter.unlicensed_only,
        holding,
        department: filter.department.clone(),
        usage_location: filter
            .usage_location
            .as_deref()
            .map(|l| validate::country("usage-location", l))
            .transpose()?,
        enabled: filter.enabled,
        kind: None,
    };
    let users = cx.store.list_users(&query, after, limit);
    let next = (users.len() == limit as usize).then(|| users[users.len() - 1].id);
    Ok(UserPage { users, next })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use crate::types::Error;

    fn all(cx: &Cx<crate::memory::MemoryStore>, unlicensed_only: bool) -> Vec<String> {
        let filter = UserFilter {
            unlicensed_only,
            product: None,
            department: None,
            usage_location: None,
            enabled: None,
        };
        list(cx, &filter, None, 100)
            .unwrap()
            .users
            .into_iter()
            .map(|u| u.upn)
            .collect()
    }

    #[test]
    fn l10_lists_active_users_and_the_unlicensed_ones() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 5);
        add_user(&store, "ana@contoso.com");
        add_user(&store, "bo@contoso.com");
        let cx = admin(&store);
        crate::licenses::assign(&cx, "ana@contoso.com", "SPE_E3", &[]).unwrap();
        assert_eq!(
            all(&cx, false),
            vec![ADMIN, "ana@contoso.com", "bo@contoso.com"]
        );
        assert_eq!(all(&cx, true), vec![ADMIN, "bo@contoso.com"]);
    }

    #[test]
    fn users_page_with_a_cursor() {
        let (store, _) = tenant_with_catalog();
        let cx = admin(&store);
        let many: Vec<_> = (0..25)
            .map(|i| new_user(&format!("u{i}@contoso.com")))
            .collect();
        create_many(&cx, &many).unwrap();
        let filter = UserFilter {
            unlicensed_only: false,
            product: None,
            department: None,
            usage_location: None,
            enabled: None,
        };
        let mut seen = 0;
        let mut after = None;
        loop {
            let page = list(&cx, &filter, after, 10).unwrap();
            seen += page.users.len();
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(seen, 26);
    }

    #[test]
    fn a_duplicate_upn_is_refused_and_nothing_is_created() {
        let (store, _) = tenant_with_catalog();
        add_user(&store, "ana@contoso.com");
        let cx = admin(&store);
        let before = store.snapshot();
        let err = create_many(
            &cx,
            &[new_user("new@contoso.com"), new_user("ANA@contoso.com")],
        )
        .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");
        let err =
            create_many(&cx, &[new_user("x@contoso.com"), new_user("X@contoso.com")]).unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{err:?}");
        assert_eq!(store.snapshot(), before);
    }

    #[test]
    fn g1_the_tenant_default_usage_location_applies() {
        let (store, _) = tenant_with_catalog();
        let mut t = store.get_tenant().unwrap();
        t.default_usage_location = Some("SE".into());
        store.put_tenant(&t);
        let mut n = new_user("ana@contoso.com");
        n.usage_location = None;
        let u = create(&admin(&store), &n).unwrap();
        assert_eq!(u.usage_location.as_deref(), Some("SE"));
        n.upn = "bo@contoso.com".into();
        n.usage_location = Some("Sweden".into());
        assert_eq!(create(&admin(&store), &n).unwrap_err().kind(), "invalid");
    }
}
