//! Build script: a fingerprint of the validation code, so that the validated cache
//! (engine/src/ingest/cache.rs) misses when validation changes, even without a new
//! package version.

use std::path::Path;

/// The files whose code decides which rows are accepted and how: the archive schema,
/// the value and row checks, the readers, the cache layout, and the calendar.
const SOURCES: &[&str] = &["engine/src/ingest", "engine/src/calendar.rs"];

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let mut files = Vec::new();
    for s in SOURCES {
        println!("cargo:rerun-if-changed={s}");
        let p = Path::new(&root).join(s);
        let p = p.as_path();
        if p.is_dir() {
            for e in std::fs::read_dir(p).expect("the ingest folder is readable") {
                let path = e.expect("the ingest folder is readable").path();
                if path.extension().is_some_and(|x| x == "rs") {
                    files.push(path);
                }
            }
        } else {
            files.push(p.to_path_buf());
        }
    }
    files.sort();
    // FNV-1a, 64 bits, over each file's name and bytes.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for f in &files {
        let name = f
            .strip_prefix(&root)
            .unwrap_or(f)
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(f).expect("a source file is readable");
        for b in name.bytes().chain([0]).chain(bytes).chain([0]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=TIEXIN_VALIDATION_FINGERPRINT={hash:016x}");
}
