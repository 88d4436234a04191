//! `seats`: administer software licenses and their billing in bulk.

mod billing_views;
mod catalog_csv;
mod cli;
mod component;
mod db;
mod demo;
mod output;
mod plugins;
mod script;
mod views;

fn main() -> std::process::ExitCode {
    cli::main()
}
