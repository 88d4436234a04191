//! What the runtime asks before a change commits: the policy plugins, behind a trait, so the
//! runtime knows nothing of them (and they nothing of the runtime but the store they read).

use super::{HostState, audit, licenses};

/// Why a change was refused at the gate.
#[derive(Debug)]
pub enum Refusal {
    /// A plugin's policy denies it.
    Denied { plugin: String, reason: String },
    /// A plugin failed: it trapped, ran out of fuel or memory, or broke the sandbox's rules.
    /// The message names the plugin.
    Failed { message: String },
}

/// The most of a plugin's deny reason that is shown: a plugin's answer is outside input.
pub const REASON_SHOWN: usize = 500;

impl Refusal {
    /// The refusal's kind as the CLI and scripts show it.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::Denied { .. } => "denied",
            Refusal::Failed { .. } => "plugin",
        }
    }

    /// What the refusal says, with the plugin's reason cut to a readable size and stripped of
    /// control characters (it is printed to a terminal).
    pub fn message(&self, operation: &str) -> String {
        match self {
            Refusal::Denied { plugin, reason } => {
                format!("plugin {plugin} denied {operation}: {}", shown(reason))
            }
            Refusal::Failed { message } => {
                format!("{message}; {operation} was refused and rolled back")
            }
        }
    }
}

/// Text from a plugin as it may be shown: printable, at most `REASON_SHOWN` characters.
pub fn shown(text: &str) -> String {
    crate::output::bounded(text, REASON_SHOWN)
}

/// What a gate may ask the domain while it decides: the change's pages (or, when it is small
/// enough, the whole of it) and a product's pool. Calls into the same store, whose
/// transaction holds the change.
#[derive(Clone)]
pub struct DomainReads {
    pub audit: audit::Guest,
    pub licenses: licenses::Guest,
}

/// Asked before each change commits, with the domain's store (whose transaction holds the
/// change), the mark the change's audit entries follow, and the change's overview (whose
/// size does not grow with it). Returns the store.
pub trait Gate: Send + Sync {
    fn check(
        &self,
        host: wasmtime::Store<HostState>,
        reads: &DomainReads,
        mark: u64,
        change: &audit::ChangeOverview,
    ) -> (wasmtime::Store<HostState>, Result<(), Refusal>);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plugins_reason_is_cut_and_cannot_act_on_a_terminal() {
        assert_eq!(shown("no\u{1b}[2J way"), "no [2J way");
        let long = "x".repeat(REASON_SHOWN + 10);
        let s = shown(&long);
        assert!(s.ends_with("... (10 more characters)"), "{s}");
        assert_eq!(s.chars().filter(|c| *c == 'x').count(), REASON_SHOWN);
    }
}
