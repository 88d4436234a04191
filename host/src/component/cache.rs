//! Compiled machine code for the component, kept on disk so a start does not run Cranelift.
//!
//! The key is the SHA-256 of the wasm and of wasmtime's compatibility hash: an artifact from
//! another wasmtime or other settings is never loaded, and any failure to load is a miss.

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

#[derive(Clone, Debug)]
pub struct CacheDir(pub Option<PathBuf>);

impl CacheDir {
    /// `SEATS_CACHE_DIR`, else `$XDG_CACHE_HOME/seats`, else `~/.cache/seats`.
    pub fn from_env() -> Self {
        let dir = std::env::var_os("SEATS_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("seats")))
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("seats"))
            });
        CacheDir(dir)
    }
}

/// Feeds `Hash` output into SHA-256.
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

fn key(engine: &Engine, wasm: &[u8]) -> String {
    let mut h = ShaHasher(Sha256::new());
    h.write(wasm);
    engine.precompile_compatibility_hash().hash(&mut h);
    h.0.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Loads the component from the cache or compiles (and caches) it. `log` gets one line
/// saying which happened.
pub fn load(
    engine: &Engine,
    wasm: &[u8],
    cache: &CacheDir,
    log: &mut dyn FnMut(String),
) -> Result<Component> {
    let Some(dir) = &cache.0 else {
        log("component: compiled (no cache directory)".into());
        return compile(engine, wasm);
    };
    let path = dir.join(format!("domain-{}.cwasm", key(engine, wasm)));
    if path.exists() {
        // SAFETY: the file is one this code wrote for exactly this wasm and engine (the key
        // says so); wasmtime also checks its header and refuses a mismatched artifact.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(c) => {
                log(format!(
                    "component: loaded compiled code from cache {}",
                    path.display()
                ));
                return Ok(c);
            }
            Err(e) => log(format!("component: cache entry unusable ({e}); compiling")),
        }
    }
    let started = std::time::Instant::now();
    let component = compile(engine, wasm)?;
    let written = match component.serialize() {
        Ok(bytes) => write_atomic(&path, &bytes),
        Err(e) => Err(anyhow::Error::from(e)),
    };
    match written {
        Ok(()) => log(format!(
            "component: compiled in {} ms, cached at {}",
            started.elapsed().as_millis(),
            path.display()
        )),
        Err(e) => log(format!("component: compiled, not cached ({e:#})")),
    }
    Ok(component)
}

fn compile(engine: &Engine, wasm: &[u8]) -> Result<Component> {
    Component::new(engine, wasm)
        .map_err(anyhow::Error::from)
        .context("compile the domain component")
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().context("cache path has no folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    let tmp = dir.join(format!(".tmp-{}-{}", std::process::id(), fastrand::u64(..)));
    std::fs::write(&tmp, bytes).with_context(|| format!("write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("rename to {}", path.display()))
}
