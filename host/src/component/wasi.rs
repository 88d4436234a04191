//! The WASI pieces the domain and the plugins share: a guest's stderr kept in memory (to report
//! a panic with its trap) and a wall clock fixed at the tenant's now.

use std::time::Duration;
use wasmtime_wasi::HostWallClock;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::OutputStream;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

/// The guest's stderr, kept so a panic's message can be reported with its trap.
#[derive(Clone)]
pub(crate) struct Captured(pub MemoryOutputPipe);

impl IsTerminal for Captured {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for Captured {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.0.clone())
    }
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.0.clone())
    }
}

/// The wall clock the component sees: fixed when `--now` is given.
pub(crate) struct FixedClock(pub Duration);

impl HostWallClock for FixedClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        self.0
    }
}
