use crate::support::*;

#[test]
fn a_second_start_loads_the_compiled_component_from_the_cache() {
    let env = Env::with_fresh_cache();
    let first = env.seats().args(["init", "-v"]).output().unwrap();
    assert!(first.status.success());
    let first = String::from_utf8_lossy(&first.stderr);
    assert!(first.contains("component: compiled in"), "{first}");
    let second = env.seats().args(["licenses", "-v"]).output().unwrap();
    assert!(second.status.success());
    let second = String::from_utf8_lossy(&second.stderr);
    assert!(
        second.contains("component: loaded compiled code from cache"),
        "{second}"
    );
    assert!(!second.contains("compiled in"), "{second}");
}

#[test]
fn a_corrupt_cache_entry_is_a_miss_not_a_failure() {
    let env = Env::with_fresh_cache();
    env.init();
    let dir = env.dir.path().join("cache");
    for entry in std::fs::read_dir(&dir).unwrap() {
        std::fs::write(entry.unwrap().path(), b"not machine code").unwrap();
    }
    let out = env.seats().args(["licenses", "-v"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("unusable"));
}

#[test]
fn the_component_and_its_wit_can_be_exported_for_embedding() {
    let env = Env::new();
    let wasm = env.dir.path().join("domain.wasm");
    env.ok(&["component", "export", wasm.to_str().unwrap()]);
    let bytes = std::fs::read(&wasm).unwrap();
    assert_eq!(&bytes[..4], b"\0asm", "a WebAssembly binary");
    assert_eq!(
        bytes[4..8],
        [0x0d, 0x00, 0x01, 0x00],
        "a component, not a core module"
    );
    let wit = env.ok(&["component", "wit"]);
    assert!(
        wit.contains("world domain") && wit.contains("interface store"),
        "{wit}"
    );
    let dir = env.dir.path().join("wit");
    env.ok(&["component", "wit", "--out", dir.to_str().unwrap()]);
    assert!(dir.join("licenses.wit").exists());
}
