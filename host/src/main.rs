//! `seats`: administer software licenses and their billing in bulk.

fn main() -> std::process::ExitCode {
    seats::cli::main()
}
