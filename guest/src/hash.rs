//! The domain's maps and sets: std's, hashed with foldhash (std's SipHash was 4% of a bulk
//! change's main thread; what foldhash gives up is in docs/storage.md).
//!
//! foldhash without its `std` feature, as hashbrown takes it for wasmtime: the host's tests
//! link this crate, and one more feature there would make `cargo run` after `cargo test`
//! compile wasmtime again.

pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
