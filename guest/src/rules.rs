//! Which service plans one user may hold together (G3), reported with Graph's error names
//! (G4). The rules are data in the store: Microsoft changes them.

use crate::Store;
use crate::cx::Cx;
use crate::error::{Result, invalid, violation};
use crate::types::Operation;
use crate::types::{GraphCode, PlanRule, PlanRuleKind};
use std::collections::BTreeSet;

pub fn list<S: Store + ?Sized>(cx: &Cx<S>) -> Result<Vec<PlanRule>> {
    cx.require(Operation::Read)?;
    Ok(cx.store.plan_rules())
}

pub fn set<S: Store + ?Sized>(cx: &Cx<S>, rules: &[PlanRule]) -> Result<u32> {
    cx.require(Operation::ImportCatalog)?;
    let mut clean = Vec::with_capacity(rules.len());
    for (i, r) in rules.iter().enumerate() {
        let name = crate::validate::squash(&r.name);
        let plans: Vec<String> = r
            .plans
            .iter()
            .map(|p| crate::validate::squash(p))
            .filter(|p| !p.is_empty())
            .collect();
        let at = |m: &str| invalid("rules", format!("rule {} ({name}): {m}", i + 1));
        if name.is_empty() {
            return Err(at("it needs a name"));
        }
        match r.kind {
            PlanRuleKind::Exclusive if plans.len() < 2 => {
                return Err(at("a group of exclusive plans needs two or more"));
            }
            PlanRuleKind::Requires if plans.is_empty() => {
                return Err(at("name at least one plan it requires"));
            }
            _ => {}
        }
        clean.push(PlanRule {
            kind: r.kind,
            name,
            plans,
        });
    }
    let before = cx.store.plan_rules();
    cx.store.set_plan_rules(&clean);
    cx.audit(
        "catalog.plan-rules",
        "plan-rules".into(),
        Some(&before),
        Some(&clean),
    );
    Ok(clean.len() as u32)
}

/// Refuses a set of enabled plans (by name) that breaks a rule, naming the plans.
pub fn check(rules: &[PlanRule], enabled: &BTreeSet<String>, upn: &str) -> Result<()> {
    let holds = |p: &str| enabled.iter().any(|e| e.eq_ignore_ascii_case(p));
    for r in rules {
        match r.kind {
            PlanRuleKind::Exclusive => {
                let held: Vec<&str> = r
                    .plans
                    .iter()
                    .map(String::as_str)
                    .filter(|p| holds(p))
                    .collect();
                if held.len() > 1 {
                    return Err(violation(
                        GraphCode::MutuallyExclusiveViolation,
                        format!(
                            "MutuallyExclusiveViolation: {upn} would hold {} together, and one user can hold only one \
                             {} plan; remove one license, or switch one of those plans off",
                            held.join(" and "),
                            r.name
                        ),
                    ));
                }
            }
            PlanRuleKind::Requires => {
                if holds(&r.name) && !r.plans.iter().any(|p| holds(p)) {
                    return Err(violation(
                        GraphCode::DependencyViolation,
                        format!(
                            "DependencyViolation: {} requires {} for {upn}; assign a license that includes it (or \
                             switch {} off)",
                            r.name,
                            r.plans.join(" or "),
                            r.name
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exports::seats::licensing::licenses::LicenseChoice;
    use crate::testkit::*;
    use crate::types::Error;

    fn rules() -> Vec<PlanRule> {
        vec![
            PlanRule {
                kind: PlanRuleKind::Exclusive,
                name: "Exchange Online".into(),
                plans: vec!["EXCHANGE_S_STANDARD".into(), "EXCHANGE_S_ENTERPRISE".into()],
            },
            PlanRule {
                kind: PlanRuleKind::Requires,
                name: "MCOEV".into(),
                plans: vec!["MCOSTANDARD".into()],
            },
        ]
    }

    /// A tenant with E1 (Exchange Plan 1) and a phone add-on (MCOEV) besides E3 and E5.
    fn tenant() -> crate::memory::MemoryStore {
        let (store, _) = tenant_with_catalog();
        let cx = admin(&store);
        let rows = vec![
            row(
                2,
                "Office 365 E1",
                "STANDARDPACK",
                "18181a46-0d4e-45cd-891e-60aabd171b4e",
                "EXCHANGE_S_STANDARD",
                "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
            ),
            row(
                3,
                "Teams Phone Standard",
                "MCOEV",
                "e43b5b99-8dfb-405f-9987-dc307f34bcbd",
                "MCOEV",
                "4828c8ec-dc2e-4779-b502-87ac9ce28ab7",
            ),
        ];
        crate::catalog::import(&cx, &rows).unwrap();
        set(&cx, &rules()).unwrap();
        for p in ["STANDARDPACK", "MCOEV"] {
            let price = crate::exports::seats::licensing::catalog::PriceUpdate {
                monthly: Some("12.00".into()),
                annual: Some("120.00".into()),
                trial_available: None,
                self_service: None,
            };
            crate::catalog::set_price(&cx, p, &price).unwrap();
        }
        for p in ["SPE_E3", "STANDARDPACK", "MCOEV"] {
            buy(&store, p, 5);
        }
        add_user(&store, "ana@contoso.com");
        store
    }

    #[test]
    fn g3_g4_two_exchange_plans_are_a_mutually_exclusive_violation() {
        let store = tenant();
        let cx = admin(&store);
        crate::licenses::assign(&cx, "ana@contoso.com", "STANDARDPACK", &[]).unwrap();
        let before = store.snapshot();
        let err = crate::licenses::assign(&cx, "ana@contoso.com", "SPE_E3", &[]).unwrap_err();
        assert_eq!(err.kind(), "mutually-exclusive-violation");
        assert!(
            err.text()
                .contains("EXCHANGE_S_STANDARD and EXCHANGE_S_ENTERPRISE"),
            "{}",
            err.text()
        );
        assert_eq!(store.snapshot(), before);
        // With Exchange switched off in E3, the two can be held together.
        crate::licenses::assign(
            &cx,
            "ana@contoso.com",
            "SPE_E3",
            &["EXCHANGE_S_ENTERPRISE".into()],
        )
        .unwrap();
    }

    #[test]
    fn g3_s7_users_created_with_licenses_are_held_to_the_plan_rules() {
        use crate::exports::seats::licensing::users::NewLicensedUser;
        let store = tenant();
        let cx = admin(&store);
        let with = |upn: &str, products: &[&str]| NewLicensedUser {
            user: new_user(upn),
            licenses: products
                .iter()
                .map(|p| LicenseChoice {
                    product: p.to_string(),
                    disabled_plans: vec![],
                })
                .collect(),
        };
        let before = store.snapshot();
        let both = [
            with("bo@contoso.com", &[]),
            with("cy@contoso.com", &["STANDARDPACK", "SPE_E3"]),
        ];
        let err = crate::users::create_licensed(&cx, &both).unwrap_err();
        assert_eq!(err.kind(), "mutually-exclusive-violation");
        assert!(err.text().contains("cy@contoso.com"), "{}", err.text());
        let alone = [with("cy@contoso.com", &["MCOEV"])];
        let err = crate::users::create_licensed(&cx, &alone).unwrap_err();
        assert_eq!(err.kind(), "dependency-violation", "{err:?}");
        assert_eq!(store.snapshot(), before);
        let together = [with("cy@contoso.com", &["MCOEV", "SPE_E3"])];
        crate::users::create_licensed(&cx, &together).unwrap();
    }

    #[test]
    fn g3_g4_an_add_on_without_its_prerequisite_is_a_dependency_violation() {
        let store = tenant();
        let cx = admin(&store);
        let err = crate::licenses::assign(&cx, "ana@contoso.com", "MCOEV", &[]).unwrap_err();
        assert!(
            matches!(&err, Error::Violation(v) if v.code == GraphCode::DependencyViolation),
            "{err:?}"
        );
        // Both in one change (G2) satisfies it.
        let both = [
            LicenseChoice {
                product: "SPE_E3".into(),
                disabled_plans: vec![],
            },
            LicenseChoice {
                product: "MCOEV".into(),
                disabled_plans: vec![],
            },
        ];
        crate::bulk::set_user_licenses(&cx, "ana@contoso.com", &both, &[]).unwrap();
        // Switching the prerequisite off afterwards is refused too.
        let err = crate::licenses::set_disabled_plans(
            &cx,
            "ana@contoso.com",
            "SPE_E3",
            &["MCOSTANDARD".into()],
        )
        .unwrap_err();
        assert_eq!(err.kind(), "dependency-violation");
    }

    #[test]
    fn g3_rules_are_data_that_can_change() {
        let store = tenant();
        let cx = admin(&store);
        crate::licenses::assign(&cx, "ana@contoso.com", "STANDARDPACK", &[]).unwrap();
        set(&cx, &[]).unwrap();
        crate::licenses::assign(&cx, "ana@contoso.com", "SPE_E3", &[]).unwrap();
        let bad = PlanRule {
            kind: PlanRuleKind::Exclusive,
            name: "x".into(),
            plans: vec!["ONE".into()],
        };
        assert_eq!(set(&cx, &[bad]).unwrap_err().kind(), "invalid");
    }
}
