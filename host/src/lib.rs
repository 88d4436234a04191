//! `seats`: administer software licenses and their billing in bulk.
//!
//! The binary's code as a library: `cli::main` is the binary, and the fuzz targets in
//! `fuzz/` drive the CSV readers, the scripting host and the component through it.

mod billing_views;
pub mod catalog_csv;
pub mod cli;
pub mod component;
pub mod db;
mod demo;
mod output;
mod plugins;
pub mod script;
mod views;
