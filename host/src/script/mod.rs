//! PowerShell-style scripts (Rhai) over the domain: `seats run` and `seats shell`.
//!
//! Each cmdlet is one call to the component; bulk cmdlets are one call for all their users.
//! Without options each call is its own transaction; `--atomic` makes the whole script one,
//! `--what-if` runs it in one and rolls it back after printing what it changed.

mod billing_cmdlets;
mod cmdlets;
mod convert;
mod files;
mod group_cmdlets;

mod shell;
pub mod table;

pub use shell::{ShellArgs, run_shell};

use crate::service::{Refused, Session};
use anyhow::{Context, Result};
use clap::Args;
use rhai::{Dynamic, Engine, EvalAltResult, Map, Scope};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Limits on what a script may use; every one stops the script with a message naming it.
#[derive(Args, Clone, Debug)]
pub struct Limits {
    /// Most operations (expression steps, loop turns, calls) a script may run.
    #[arg(long, default_value_t = 100_000_000)]
    pub max_operations: u64,
    /// Deepest nesting of function calls.
    #[arg(long, default_value_t = 64)]
    pub max_call_depth: usize,
    /// Longest string, in bytes.
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    pub max_string_size: usize,
    /// Most items in one array (users in a bulk call, rows of a CSV).
    #[arg(long, default_value_t = 10_000_000)]
    pub max_array_size: usize,
    /// Most seconds a script may run.
    #[arg(long, default_value_t = 3600)]
    pub timeout: u64,
}

#[derive(Args)]
pub struct RunArgs {
    /// The script (.rhai).
    pub script: PathBuf,
    /// Arguments, as the array ARGS; paths given here may be read and written by the script.
    pub args: Vec<String>,
    /// Run the whole script, print what it would change, then roll everything back.
    #[arg(long)]
    pub what_if: bool,
    /// With --what-if: write the change as Microsoft Graph `$batch` bodies (assignLicense per
    /// user, 20 to a batch, one batch per line) that would make it on a real tenant.
    #[arg(long, value_name = "FILE", requires = "what_if")]
    pub plan: Option<PathBuf>,
    /// Run the whole script as one transaction: any error rolls all of it back.
    #[arg(long)]
    pub atomic: bool,
    /// Ask before committing (implies --atomic); needs a terminal.
    #[arg(long)]
    pub confirm: bool,
    #[command(flatten)]
    pub limits: Limits,
}

/// An engine with the cmdlets and every limit applied (Rhai has none by default).
pub fn engine(session: &cmdlets::Shared, sandbox: files::Sandbox, limits: &Limits) -> Engine {
    let mut engine = Engine::new();
    engine.set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new());
    engine.set_max_operations(limits.max_operations);
    engine.set_max_call_levels(limits.max_call_depth);
    engine.set_max_string_size(limits.max_string_size);
    engine.set_max_array_size(limits.max_array_size);
    // Rhai counts every map inside an array against this (an array of user objects is
    // users x fields entries), so it follows the array limit rather than stopping a script at
    // some 90,000 users.
    engine.set_max_map_size(limits.max_array_size.saturating_mul(16));
    engine.set_max_expr_depths(128, 64);
    let deadline = Instant::now() + Duration::from_secs(limits.timeout);
    let timeout = limits.timeout;
    engine.on_progress(move |ops| {
        if ops % 1024 == 0 && Instant::now() > deadline {
            Some(format!("the script ran longer than {timeout} s (--timeout)").into())
        } else {
            None
        }
    });
    cmdlets::register(&mut engine, session);
    files::register(&mut engine, sandbox, session);
    engine.register_fn("help", || table::help(None));
    engine.register_fn("help", |name: &str| table::help(Some(name)));
    engine
}

/// A script error as `file:line:col: error[kind]: message`, naming the limit when one was hit.
pub fn describe(err: &EvalAltResult, source: &str, limits: &Limits) -> String {
    let pos = err.position();
    let at = match (pos.line(), pos.position()) {
        (Some(l), Some(c)) => format!("{source}:{l}:{c}"),
        (Some(l), None) => format!("{source}:{l}"),
        _ => source.to_string(),
    };
    let inner = innermost(err);
    let what = match inner {
        EvalAltResult::ErrorRuntime(v, _) => match v.clone().try_cast::<Map>() {
            Some(m) if m.contains_key("kind") => format!(
                "error[{}]: {}",
                m.get("kind").map(|k| k.to_string()).unwrap_or_default(),
                m.get("message").map(|k| k.to_string()).unwrap_or_default()
            ),
            _ => format!("error: {v}"),
        },
        EvalAltResult::ErrorTooManyOperations(_) => format!(
            "error[limit]: the script ran more than {} operations (--max-operations)",
            limits.max_operations
        ),
        EvalAltResult::ErrorStackOverflow(_) => {
            format!(
                "error[limit]: calls nested deeper than {} (--max-call-depth)",
                limits.max_call_depth
            )
        }
        EvalAltResult::ErrorDataTooLarge(what, _) => format!(
            "error[limit]: {what} is larger than allowed (--max-string-size {} / --max-array-size {})",
            limits.max_string_size, limits.max_array_size
        ),
        EvalAltResult::ErrorTerminated(v, _) => format!("error[limit]: {v}"),
        other => format!("error: {other}"),
    };
    format!("{at}: {what}")
}

fn innermost(err: &EvalAltResult) -> &EvalAltResult {
    match err {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => innermost(inner),
        other => other,
    }
}

/// Runs `source` under `limits`, with no files and no arguments, and rolls back whatever it
/// changed; returns the session and the script's error, described as `seats run` would.
pub fn run_rolled_back(
    session: Session,
    source: &str,
    limits: &Limits,
) -> (Session, Option<String>) {
    let shared = Rc::new(RefCell::new(session));
    let error = {
        let engine = engine(&shared, files::Sandbox::new(None, &[]), limits);
        let begun = shared.borrow_mut().begin();
        if let Err(e) = begun {
            drop(engine);
            return (unwrap(shared), Some(format!("{e:#}")));
        }
        let outcome = engine.run(source);
        let rolled_back = shared.borrow_mut().finish(false);
        match (outcome, rolled_back) {
            (Err(e), _) => Some(describe(&e, "fuzz.rhai", limits)),
            (Ok(()), Err(e)) => Some(format!("{e:#}")),
            (Ok(()), Ok(())) => None,
        }
    };
    (unwrap(shared), error)
}

fn unwrap(shared: Rc<RefCell<Session>>) -> Session {
    match Rc::try_unwrap(shared) {
        Ok(cell) => cell.into_inner(),
        Err(_) => unreachable!("the engine, which held the other references, is dropped"),
    }
}

pub fn run(session: Session, args: &RunArgs) -> Result<()> {
    let source = std::fs::read_to_string(&args.script)
        .with_context(|| format!("read the script {}", args.script.display()))?;
    let name = args.script.display().to_string();
    let dir = args.script.parent().map(|d| {
        if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d
        }
    });
    let sandbox = files::Sandbox::new(dir, &args.args);
    let shared = Rc::new(RefCell::new(session));
    let engine = engine(&shared, sandbox, &args.limits);
    let mut ast = engine.compile(&source).map_err(|e| {
        Refused(format!(
            "{name}:{}: error[syntax]: {e}",
            e.1.line().unwrap_or(0)
        ))
    })?;
    ast.set_source(name.as_str());
    let mut scope = Scope::new();
    let argv: rhai::Array = args.args.iter().map(|a| Dynamic::from(a.clone())).collect();
    scope.push_constant("ARGS", argv);

    let whole = args.what_if || args.atomic || args.confirm;
    let changes = if whole {
        let mut s = shared.borrow_mut();
        s.begin()?;
        Some(crate::views::changes::Changes::start(&mut s)?)
    } else {
        None
    };
    let outcome = engine.run_ast_with_scope(&mut scope, &ast);
    let mut s = shared.borrow_mut();
    match (outcome, changes) {
        (Err(e), changes) => {
            if changes.is_some() {
                s.finish(false)?;
            }
            let mut message = describe(&e, &name, &args.limits);
            if whole {
                message.push_str("\nNothing was changed: the whole script was rolled back.");
            }
            Err(Refused(message).into())
        }
        (Ok(()), None) => Ok(()),
        (Ok(()), Some(changes)) if args.what_if => {
            println!("What if: {name} ran to the end; nothing was changed.");
            changes.print(&mut s)?;
            let during = args
                .plan
                .as_ref()
                .map(|_| crate::graph::plan::during(&mut s, changes.mark()));
            s.finish(false)?;
            if let (Some(path), Some(during)) = (&args.plan, during) {
                let w = crate::graph::plan::write(&mut s, &during?, path)?;
                println!("{}", w.describe(path));
            }
            Ok(())
        }
        (Ok(()), Some(changes)) if args.confirm => {
            let n = changes.print(&mut s)?;
            if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                s.finish(false)?;
                return Err(Refused(
                    "--confirm needs a terminal to ask on; nothing was applied".into(),
                )
                .into());
            }
            eprint!("Apply these {n} changes? [y/N] ");
            let mut answer = String::new();
            std::io::stdin().read_line(&mut answer)?;
            let yes = matches!(answer.trim(), "y" | "Y" | "yes");
            s.finish(yes)?;
            eprintln!(
                "{}",
                if yes {
                    "Applied."
                } else {
                    "Nothing was applied."
                }
            );
            Ok(())
        }
        (Ok(()), Some(_)) => s.finish(true),
    }
}

/// A value as a script result shows in the shell.
pub fn show(v: &Dynamic) -> String {
    if v.is_array() || v.is::<Map>() {
        files::to_json(v.clone()).unwrap_or_else(|_| v.to_string())
    } else {
        v.to_string()
    }
}

/// The Licenses page as the summary compares it.
#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The cmdlets registered (every `register_fn("name", ...)` of the script host's source)
    /// are the table's, no more and no fewer.
    #[test]
    fn the_cmdlet_table_is_what_the_engine_registers() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/script");
        let mut registered = BTreeSet::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (i, _) in code.match_indices("register_fn(") {
                let rest = code[i + "register_fn(".len()..].trim_start();
                if let Some(name) = rest.strip_prefix('"').and_then(|r| r.split('"').next()) {
                    registered.insert(name.to_string());
                }
            }
        }
        let listed: BTreeSet<String> = table::CMDLETS.iter().map(|c| c.name.to_string()).collect();
        assert_eq!(registered, listed);
    }

    /// The README's table of cmdlets is the table.
    #[test]
    fn the_readme_shows_the_cmdlet_table() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
        let table = table::markdown();
        assert!(
            readme.contains(&table),
            "README.md's cmdlet table is not the one in host/src/script/table.rs; put this in:\n\n{table}"
        );
    }
}
