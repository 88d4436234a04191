//! The benchmark's table: one row per operation, a column per way, and the ratios.

use crate::Way;
use std::collections::BTreeMap;

pub struct Row {
    pub label: String,
    pub users: String,
    pub cells: BTreeMap<Way, (f64, f64)>,
}

fn secs(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

pub fn print_table(title: &str, rows: &[Row]) {
    println!("\n{title}\n");
    let header = [
        "operation",
        "users",
        "(a) script",
        "(b) component",
        "(c) native",
        "(d) floor",
        "(d0) old floor",
        "(e) approving plugin",
        "(f) finance-e5",
        "a/d",
        "b/d",
        "d0/d",
        "b/c",
        "e/b",
        "f/b",
    ];
    let mut lines = vec![header.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    for r in rows {
        let cell = |w: Way| {
            r.cells
                .get(&w)
                .map(|(t, m)| format!("{} / {m:.0} MB", secs(*t)))
                .unwrap_or_else(|| "-".into())
        };
        let ratio = |x: Way, y: Way| match (r.cells.get(&x), r.cells.get(&y)) {
            (Some((a, _)), Some((b, _))) if *b > 0.0 => format!("{:.2}", a / b),
            _ => "-".into(),
        };
        lines.push(vec![
            r.label.clone(),
            r.users.clone(),
            cell(Way::Script),
            cell(Way::Component),
            cell(Way::Native),
            cell(Way::Floor),
            cell(Way::OldFloor),
            cell(Way::Approve),
            cell(Way::Finance),
            ratio(Way::Script, Way::Floor),
            ratio(Way::Component, Way::Floor),
            ratio(Way::OldFloor, Way::Floor),
            ratio(Way::Component, Way::Native),
            ratio(Way::Approve, Way::Component),
            ratio(Way::Finance, Way::Component),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| lines.iter().map(|l| l[i].len()).max().unwrap_or(0))
        .collect();
    for (n, l) in lines.iter().enumerate() {
        let cells: Vec<String> = l
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect();
        println!("| {} |", cells.join(" | "));
        if n == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            println!("|-{}-|", rule.join("-|-"));
        }
    }
}
