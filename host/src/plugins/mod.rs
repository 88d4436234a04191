//! Sandboxed policy plugins: components of the world `policy-plugin` (wit/plugin.wit) that
//! approve or deny each change before it commits.
//!
//! Each plugin has an Engine of its own (fuel metering on) and each check a Store of its own:
//! a fresh instance, a memory limit (a `ResourceLimiter`), and WASI with an empty context (no
//! preopened directories, environment, arguments, network or name lookup, empty stdin, stdout
//! discarded, stderr kept only to report a panic) whose clock waits trap, so a plugin can
//! neither reach anything nor block. Each call into it (the change's summary, each page, the
//! finish) gets a fuel budget and a query allowance of its own, sized by what it is shown, so
//! the limits scale with the pages and not with the tenant. See docs/plugins.md.

#[macro_use]
mod versions;
mod v0_1;
mod v0_2;

use crate::component::cache::{self, CacheDir};
use crate::component::gate::{DomainReads, Gate, Refusal};
use crate::component::seats::licensing::store::Host as _;
use crate::component::wasi::{Captured, FixedClock};
use crate::component::{HostState, audit, types};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, ResourceLimiter, Store, Trap};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// Fuel (about one unit per WebAssembly instruction) for one call into a plugin: a fixed
/// budget, plus some per audit entry it is shown so a page of many users gets room to look at
/// each.
pub const FUEL_PER_CALL: u64 = 1_000_000_000;
pub const FUEL_PER_ENTRY: u64 = 200_000;
/// Linear memory one plugin instance may grow to (over the summary, the pages and the finish
/// of one change).
pub const MEMORY_LIMIT: usize = 64 << 20;
/// Query calls one call into a plugin may make: a fixed number plus a few per entry shown.
pub const QUERIES_PER_CALL: u64 = 10_000;
pub const QUERIES_PER_ENTRY: u64 = 10;
/// Entries one page of a change holds (the plugin world's `change-page`).
pub const PAGE_ENTRIES: u32 = 1000;
/// The most entries a change may have to be shown whole to a plugin of the released world
/// (0.1.0), which takes a change in one piece; a bigger change is refused, naming the world
/// that reads it page by page.
pub const WHOLE_ENTRIES: u32 = 50_000;
/// The most a panicking plugin's message may take in the report.
const STDERR_CAPACITY: usize = 4096;

struct Plugin {
    name: String,
    engine: Engine,
    world: World,
}

/// The plugin world a plugin was built against: the current one, or a released one it still
/// loads (wit/frozen).
enum World {
    V0_2(v0_2::bindings::PolicyPluginPre<PluginState>),
    V0_1(v0_1::bindings::PolicyPluginPre<PluginState>),
}

/// A plugin's answer, whatever its world.
enum Verdict {
    Approve,
    Deny(String),
}

/// The loaded plugins, in the order they are asked.
#[derive(Default)]
pub struct Plugins {
    list: Vec<Plugin>,
    now: Option<i64>,
}

/// Where plugins come from: files named with `--plugin`, then every .wasm of the `plugins`
/// folder beside the database, by name.
pub fn discover(explicit: &[PathBuf], db: &Path) -> Result<Vec<PathBuf>> {
    let mut paths = explicit.to_vec();
    let folder = db
        .parent()
        .map(|d| {
            if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            }
        })
        .unwrap_or(Path::new("."))
        .join("plugins");
    if folder.is_dir() {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&folder)
            .with_context(|| format!("read the plugins folder {}", folder.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "wasm") && p.is_file())
            .collect();
        found.sort();
        paths.extend(found);
    }
    Ok(paths)
}

impl Plugins {
    /// Loads (compiles, or takes from the cache) each plugin and checks it is a component of
    /// the world `policy-plugin`.
    pub fn load(
        paths: &[PathBuf],
        cache: &CacheDir,
        now: Option<i64>,
        log: &mut dyn FnMut(String),
    ) -> Result<Plugins> {
        let mut list = Vec::new();
        for path in paths {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_else(|| path.display().to_string());
            let plugin = Plugin::load(&name, path, cache, log).with_context(|| {
                format!(
                    "plugin {name} ({}) cannot be loaded: a plugin is a WebAssembly component of \
                     the world seats:licensing/policy-plugin (see `seats component wit`)",
                    path.display()
                )
            })?;
            log(format!("plugin {name}: loaded from {}", path.display()));
            list.push(plugin);
        }
        Ok(Plugins { list, now })
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

impl Gate for Plugins {
    /// Asks each plugin about the change, in order, reading through `host` (the domain's store
    /// state, inside the change's transaction); the first refusal stops. `reads` are the
    /// domain's exports that give the change's pages and answer a plugin's `pool` query: the
    /// pool is the component's to count.
    fn check(
        &self,
        host: wasmtime::Store<HostState>,
        reads: &DomainReads,
        mark: u64,
        change: &audit::ChangeOverview,
    ) -> (wasmtime::Store<HostState>, Result<(), Refusal>) {
        let mut host = host;
        for plugin in &self.list {
            let (back, outcome) = plugin.check(host, reads.clone(), mark, change, self.now);
            host = back;
            if let Err(refusal) = outcome {
                return (host, Err(refusal));
            }
        }
        (host, Ok(()))
    }
}

impl Plugin {
    fn load(
        name: &str,
        path: &Path,
        cache: &CacheDir,
        log: &mut dyn FnMut(String),
    ) -> Result<Plugin> {
        let wasm = std::fs::read(path).with_context(|| format!("read {}", path.display()))?;
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.consume_fuel(true);
        let engine = Engine::new(&config)?;
        let component: Component = cache::load(&engine, &wasm, cache, &mut |line| {
            log(format!("plugin {name}: {line}"))
        })?;
        let mut linker: Linker<PluginState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        forbid_waiting(&mut linker)?;
        // Both worlds' queries: a plugin imports the one it was built against.
        v0_2::bindings::PolicyPlugin::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
        v0_1::bindings::PolicyPlugin::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
        let pre = linker.instantiate_pre(&component)?;
        let world = match v0_2::bindings::PolicyPluginPre::new(pre.clone()) {
            Ok(current) => World::V0_2(current),
            Err(current) => match v0_1::bindings::PolicyPluginPre::new(pre) {
                Ok(released) => World::V0_1(released),
                Err(_) => {
                    return Err(anyhow::Error::from(current).context(
                        "it exports neither seats:policy/policy@0.2.0 nor the released \
                         seats:licensing/policy@0.1.0",
                    ));
                }
            },
        };
        Ok(Plugin {
            name: name.to_string(),
            engine,
            world,
        })
    }

    /// One check: a fresh store and instance with their own limits.
    fn check(
        &self,
        host: wasmtime::Store<HostState>,
        reads: DomainReads,
        mark: u64,
        change: &audit::ChangeOverview,
        now: Option<i64>,
    ) -> (wasmtime::Store<HostState>, Result<(), Refusal>) {
        let stderr = Captured(MemoryOutputPipe::new(STDERR_CAPACITY));
        let mut wasi = WasiCtxBuilder::new();
        // Nothing to reach: no preopens, env, args, network or name lookup; stdin is empty and
        // stdout is discarded. Stderr is kept (bounded) only to report a panic's message.
        wasi.stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        if let Some(now) = now {
            wasi.wall_clock(FixedClock(Duration::from_secs(now.max(0) as u64)));
        }
        let state = PluginState {
            host,
            reads,
            wasi: wasi.build(),
            table: ResourceTable::new(),
            limits: Limits::default(),
            queries_left: 0,
            call: Call::default(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        let outcome = match &self.world {
            World::V0_2(pre) => v0_2::check(pre, &mut store, mark, change),
            World::V0_1(_) if change.entries > WHOLE_ENTRIES => {
                return (
                    store.into_data().host,
                    Err(too_big_to_show_whole(&self.name, change)),
                );
            }
            World::V0_1(pre) => v0_1::check(pre, &mut store, mark),
        };
        let memory_hit = store.data().limits.hit;
        let call = store.data().call.clone();
        let panic = String::from_utf8_lossy(&stderr.0.contents())
            .trim()
            .to_string();
        let host = store.into_data().host;
        let name = self.name.clone();
        let result = match outcome {
            Ok(Verdict::Approve) => Ok(()),
            Ok(Verdict::Deny(reason)) => Err(Refusal::Denied {
                plugin: name,
                reason,
            }),
            Err(e) => Err(Refusal::Failed {
                message: failure(&name, &e, memory_hit, &call, &panic),
            }),
        };
        (host, result)
    }
}

/// A plugin of the released world is shown a change whole; this one is too big for that.
fn too_big_to_show_whole(name: &str, change: &audit::ChangeOverview) -> Refusal {
    Refusal::Failed {
        message: format!(
            "plugin {name} is built for the released plugin world seats:licensing/policy@0.1.0, \
             which is shown a change whole: this change writes {} audit entries, more than the \
             {} that world can be shown. Rebuild the plugin against seats:policy@0.2.0 \
             (wit/policy/plugin.wit; `seats component wit` prints it), which reads a change's \
             summary and then, if it asks, its pages",
            thousands(u64::from(change.entries)),
            thousands(u64::from(WHOLE_ENTRIES))
        ),
    }
}

/// The call into a plugin under way: what it is shown and the budget it was given, for the
/// message when it fails.
#[derive(Clone, Default)]
struct Call {
    /// "its summary", "page 3 of 10", "its finish", "the whole change".
    what: String,
    fuel: u64,
}

/// Gives the next call into the plugin its own fuel and query allowance, sized by the entries
/// it is shown.
fn budget(store: &mut Store<PluginState>, what: String, entries: u64) -> wasmtime::Result<()> {
    let fuel = FUEL_PER_CALL + FUEL_PER_ENTRY * entries;
    store.set_fuel(fuel)?;
    let state = store.data_mut();
    state.queries_left = QUERIES_PER_CALL + QUERIES_PER_ENTRY * entries;
    state.call = Call { what, fuel };
    Ok(())
}

/// What went wrong in a plugin, in words.
fn failure(name: &str, e: &wasmtime::Error, memory_hit: bool, call: &Call, panic: &str) -> String {
    if memory_hit {
        return format!(
            "plugin {name} exceeded its memory limit of {} MiB (reading {})",
            MEMORY_LIMIT >> 20,
            call.what
        );
    }
    if e.downcast_ref::<Trap>() == Some(&Trap::OutOfFuel) {
        return format!(
            "plugin {name} ran past its deadline: it used all of its fuel ({} instructions) \
             for {}",
            thousands(call.fuel),
            call.what
        );
    }
    // The cause, without the wasm backtrace wasmtime puts around it.
    let cause = e
        .chain()
        .last()
        .map(|c| c.to_string())
        .unwrap_or_else(|| e.to_string());
    let mut message = format!("plugin {name} failed: {cause}");
    if !panic.is_empty() {
        message.push_str(&format!("\n{panic}"));
    }
    message
}

/// 1000000000 as 1,000,000,000.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The clock subscriptions of WASI (a sleep, a timeout) would block the host, where fuel does
/// not run out: they trap instead.
fn forbid_waiting(linker: &mut Linker<PluginState>) -> Result<()> {
    linker.allow_shadowing(true);
    let mut clock = linker.instance("wasi:clocks/monotonic-clock@0.2.12")?;
    for name in ["subscribe-duration", "subscribe-instant"] {
        clock.func_new(name, |_, _, _, _| {
            Err(wasmtime::format_err!(
                "a plugin may not wait (wasi:clocks/monotonic-clock subscriptions are refused)"
            ))
        })?;
    }
    linker.allow_shadowing(false);
    Ok(())
}

/// Memory, tables and instances a plugin may use; remembers when it hit the memory limit.
#[derive(Default)]
struct Limits {
    hit: bool,
}

impl ResourceLimiter for Limits {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > MEMORY_LIMIT {
            self.hit = true;
            return Err(wasmtime::format_err!(
                "memory limit of {} MiB exceeded",
                MEMORY_LIMIT >> 20
            ));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }

    fn instances(&self) -> usize {
        100
    }

    fn tables(&self) -> usize {
        100
    }

    fn memories(&self) -> usize {
        10
    }
}

/// A plugin's store: its sandbox, and the domain's store state to answer its queries from.
pub struct PluginState {
    host: wasmtime::Store<HostState>,
    /// The domain's exports: the change's pages, and pools for the `pool` query.
    reads: DomainReads,
    wasi: WasiCtx,
    table: ResourceTable,
    limits: Limits,
    /// Queries the call under way may still make.
    queries_left: u64,
    call: Call,
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl PluginState {
    /// The domain's store, counting the query against the check's allowance.
    fn store(&mut self) -> wasmtime::Result<&mut crate::db::Db> {
        if self.queries_left == 0 {
            return Err(wasmtime::format_err!(
                "a plugin made more queries than one check allows"
            ));
        }
        self.queries_left -= 1;
        Ok(&mut self.host.data_mut().db)
    }
}

/// A product by GUID, else by part number (the first by GUID when several share it).
fn find_product(
    s: &mut crate::db::Db,
    product: String,
) -> wasmtime::Result<Option<types::Product>> {
    if let Some(p) = s.get_product(product.clone())? {
        return Ok(Some(p));
    }
    Ok(s.find_products(product)?.into_iter().next())
}

fn part_number(s: &mut crate::db::Db, sku: &str) -> wasmtime::Result<String> {
    Ok(s.get_product(sku.to_string())?
        .map(|p| p.part_number)
        .unwrap_or_else(|| sku.to_string()))
}

/// What a plugin's query reads, whatever its world: the same answers, spelled per version by
/// `versions::query_host!`.
impl PluginState {
    fn user_info(&mut self, upn: String) -> wasmtime::Result<Option<UserInfo>> {
        let s = self.store()?;
        let Some(user) = s.find_users(vec![upn])?.pop().flatten() else {
            return Ok(None);
        };
        let mut licenses = Vec::new();
        for a in s.assignments_of(user.id)? {
            licenses.push(part_number(s, &a.sku_id)?);
        }
        Ok(Some(UserInfo { user, licenses }))
    }

    fn product_info(&mut self, product: String) -> wasmtime::Result<Option<types::Product>> {
        let s = self.store()?;
        find_product(s, product)
    }

    /// The component counts the pool (guest/src/pool.rs): the organisation's units and what
    /// is assigned from them, as the Licenses page shows.
    fn pool_info(&mut self, product: String) -> wasmtime::Result<Option<(u32, u32)>> {
        self.store()?;
        let pool = self.reads.licenses.call_pool_of(&mut self.host, &product)?;
        Ok(pool.map(|p| (p.enabled, p.assigned)))
    }
}

/// What the domain says of the change, read between calls into the plugin.
impl PluginState {
    /// The change's entries after `after`, a page of them.
    fn page(&mut self, after: u64) -> wasmtime::Result<audit::ChangePage> {
        let page = self
            .reads
            .audit
            .call_page_of_change(&mut self.host, after, PAGE_ENTRIES)?;
        page.map_err(|e| wasmtime::format_err!("reading the change's pages: {e:?}"))
    }

    /// The whole change after `mark` (for the released world; the caller has checked its size).
    fn whole(&mut self, mark: u64) -> wasmtime::Result<audit::ChangeSummary> {
        let change = self
            .reads
            .audit
            .call_describe_change(&mut self.host, mark)?;
        change.map_err(|e| wasmtime::format_err!("describing the change: {e:?}"))
    }
}

/// A user as a query answers: the user and the part numbers they hold.
struct UserInfo {
    user: types::User,
    licenses: Vec<String>,
}
