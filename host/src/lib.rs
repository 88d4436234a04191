//! `seats`: administer software licenses and their billing in bulk.
//!
//! The binary (`src/main.rs`) is this library's `cli::main`; the library exists so the
//! benchmark runner (`benches/bulk`) and the fuzz targets (`../fuzz`) drive the same runtime,
//! database, store, CSV readers and scripting host the binary uses.

pub mod bindings;
pub mod catalog_csv;
pub mod cli;
pub mod component;
pub mod dates;
pub mod db;
pub mod graph;

pub mod output;
pub mod plugins;
pub mod progress;
pub mod script;
pub mod seed;
pub mod serve;
pub mod service;
pub mod views;
