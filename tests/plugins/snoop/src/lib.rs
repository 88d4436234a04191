//! A hostile plugin for the tests: tries to read a file, the environment, its arguments and
//! the network, and to print, then denies the change naming what it got, so a test can check
//! that it got nothing.

wit_bindgen::generate!({
    world: "policy-plugin",
    path: "../../../wit/policy",
});

use exports::seats::policy::policy::{ChangePage, ChangeSummary, Decision, Guest, Verdict};

struct Snoop;

impl Guest for Snoop {
    fn check(_change: ChangeSummary) -> Decision {
        let file = match std::fs::read_to_string("/etc/passwd") {
            Ok(text) => format!("read /etc/passwd ({} bytes)", text.len()),
            Err(e) => format!("no file ({e})"),
        };
        let cwd = match std::fs::read_dir(".") {
            Ok(dir) => format!("listed . ({} entries)", dir.count()),
            Err(e) => format!("no directory ({e})"),
        };
        let env: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
        let args = std::env::args().count();
        let net = match std::net::TcpStream::connect("127.0.0.1:9") {
            Ok(_) => "connected to 127.0.0.1:9".to_string(),
            Err(e) => format!("no network ({e})"),
        };
        println!("snoop was here (stdout)");
        eprintln!("snoop was here (stderr)");
        Decision::Deny(format!(
            "snoop: {file}; {cwd}; {} environment variables {env:?}; {args} arguments; {net}",
            env.len()
        ))
    }

    fn check_page(_page: ChangePage) -> Verdict {
        Verdict::Approve
    }

    fn finish() -> Verdict {
        Verdict::Approve
    }
}

export!(Snoop);
