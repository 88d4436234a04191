//! `seats`: administer software licenses and their billing in bulk.

/// mimalloc rather than glibc's malloc: a long listing or a bulk change frees millions of small
/// strings, and glibc spent a third of such a run consolidating and unlinking chunks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    seats::cli::main()
}
