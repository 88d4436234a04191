//! Writing many small rows: one statement per `ROWS` rows instead of one per row, where
//! SQLite's cost per statement (bind, step, reset, the program's set-up) outweighs its cost
//! per row: the upserts of service data (five per user of a bulk change).

use rusqlite::{Connection, Statement};

/// Rows per statement (64 rows of 6 columns stay far below SQLite's limit on parameters).
const ROWS: usize = 64;

/// `{head} VALUES (?, ..), (?, ..) {tail}` for all `rows`; `bind` binds one row's `columns`
/// values from the parameter index it is given.
pub fn insert<T>(
    conn: &Connection,
    head: &str,
    columns: usize,
    tail: &str,
    rows: &[T],
    bind: impl Fn(&mut Statement, usize, &T) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let tuple = format!("({})", vec!["?"; columns].join(", "));
    let sql = |n: usize| {
        format!(
            "{head} VALUES {} {tail}",
            vec![tuple.as_str(); n].join(", ")
        )
    };
    let mut chunks = rows.chunks_exact(ROWS);
    if rows.len() >= ROWS {
        let mut stmt = conn.prepare_cached(&sql(ROWS))?;
        for chunk in &mut chunks {
            for (i, row) in chunk.iter().enumerate() {
                bind(&mut stmt, i * columns + 1, row)?;
            }
            stmt.raw_execute()?;
        }
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut one = conn.prepare_cached(&sql(1))?;
        for row in rest {
            bind(&mut one, 1, row)?;
            one.raw_execute()?;
        }
    }
    Ok(())
}
