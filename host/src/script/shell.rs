//! `seats shell`: an interactive prompt with history and completion of cmdlet names. Each
//! cmdlet call is its own transaction, as in a script run without options.

use super::{Limits, describe, engine, files, show};
use crate::service::Session;
use anyhow::Result;
use clap::Args;
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};
use std::cell::RefCell;
use std::rc::Rc;

#[derive(Args)]
pub struct ShellArgs {
    #[command(flatten)]
    pub limits: Limits,
}

struct Cmdlets;

impl Helper for Cmdlets {}
impl Highlighter for Cmdlets {}
impl Validator for Cmdlets {}
impl Hinter for Cmdlets {
    type Hint = String;
}

impl Completer for Cmdlets {
    type Candidate = Pair;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let start = line[..pos]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let word = &line[start..pos];
        let found = super::table::CMDLETS
            .iter()
            .filter(|c| c.name.starts_with(word))
            .map(|c| Pair {
                display: c.call.to_string(),
                replacement: format!("{}(", c.name),
            })
            .collect();
        Ok((start, found))
    }
}

pub fn run_shell(session: Session, args: &ShellArgs) -> Result<()> {
    let shared = Rc::new(RefCell::new(session));
    let engine = engine(
        &shared,
        files::Sandbox::new(Some(std::path::Path::new(".")), &[]),
        &args.limits,
    );
    let mut scope = rhai::Scope::new();
    let mut editor = rustyline::Editor::<Cmdlets, rustyline::history::DefaultHistory>::new()?;
    editor.set_helper(Some(Cmdlets));
    let history = crate::service::component::shell_history();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    println!(
        "seats shell: Rhai with the seats cmdlets (help() lists them). Tab completes; Ctrl-D leaves."
    );
    loop {
        match editor.readline("seats> ") {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => {
                let _ = editor.add_history_entry(line.as_str());
                match engine.eval_with_scope::<rhai::Dynamic>(&mut scope, &line) {
                    Ok(v) if v.is_unit() => {}
                    Ok(v) => println!("{}", show(&v)),
                    Err(e) => eprintln!("{}", describe(&e, "shell", &args.limits)),
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(h) = &history {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.save_history(h);
    }
    Ok(())
}
