//! End-to-end tests: the real `seats` binary on temporary databases.
//! One test binary; one module per area.

mod support;

mod bad_input;
mod billing;
mod bulk;
mod cache;
mod catalog;
mod concurrency;
mod conflicts;
mod crash;
mod embed_node;
mod fuzz_regressions;
mod graph;
mod graph_client;
mod groups;
mod init;
mod licenses;
mod lifecycle_users;
mod listings;
mod migration;
mod plugin_pages;
mod plugins;
mod refusals;
mod roles;
mod scripts;
mod self_service;
mod serve;
mod traps;
mod trust;
mod users;
