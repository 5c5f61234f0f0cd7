//! Build script: a fingerprint of the validation code, so that the validated cache
//! (engine/src/ingest/cache.rs) misses when validation changes, even without a new
//! package version; a fingerprint of the code behind every figure, for the results kept
//! on disk (engine/src/sql/kept.rs); the git commit for `tiexin --version`; and the list of files the
//! binary embeds (the fonts and the sample archive), so that it runs without its source
//! tree.

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
    let hash = fingerprint(&root, files);
    println!("cargo:rustc-env=TIEXIN_VALIDATION_FINGERPRINT={hash:016x}");
    results(&root);
    commit(&root);
    embedded(&root);
}

/// `TIEXIN_RESULTS_FINGERPRINT`: FNV-1a over the code that decides what a computation
/// gives (everything under `engine/src/ingest`, `sql` and `analysis`, and the calendar),
/// so that results kept on disk (`engine/src/sql/kept.rs`) miss when that code changes.
fn results(root: &str) {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).expect("the source folder is readable") {
            let path = e.expect("the source folder is readable").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = vec![Path::new(root).join("engine/src/calendar.rs")];
    for dir in ["engine/src/ingest", "engine/src/sql", "engine/src/analysis"] {
        println!("cargo:rerun-if-changed={root}/{dir}");
        walk(&Path::new(root).join(dir), &mut files);
    }
    let hash = fingerprint(root, files);
    println!("cargo:rustc-env=TIEXIN_RESULTS_FINGERPRINT={hash:016x}");
}

/// FNV-1a, 64 bits, over each file's name (relative to `root`) and bytes, in name order.
fn fingerprint(root: &str, mut files: Vec<std::path::PathBuf>) -> u64 {
    files.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for f in &files {
        let name = f
            .strip_prefix(root)
            .unwrap_or(f)
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(f).expect("a source file is readable");
        for b in name.bytes().chain([0]).chain(bytes).chain([0]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// `TIEXIN_COMMIT`: the short hash of the checkout's HEAD (with `+` when files differ
/// from it), or `unknown` outside a git checkout.
fn commit(root: &str) {
    for f in [".git/HEAD", ".git/index"] {
        if Path::new(root).join(f).exists() {
            println!("cargo:rerun-if-changed={root}/{f}");
        }
    }
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let hash = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    let mark = if dirty && hash != "unknown" { "+" } else { "" };
    println!("cargo:rustc-env=TIEXIN_COMMIT={hash}{mark}");
}

/// `$OUT_DIR/embedded.rs`: the fonts of report-templates/fonts/ and the files of
/// sample-data/, as `(name, bytes)` pairs for the binary (`engine/src/main.rs`).
fn embedded(root: &str) {
    let list = |dir: &str, keep: &dyn Fn(&str) -> bool| -> Vec<String> {
        println!("cargo:rerun-if-changed={root}/{dir}");
        let mut names: Vec<String> = std::fs::read_dir(Path::new(root).join(dir))
            .expect("the folder is readable")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| keep(n))
            .collect();
        names.sort();
        names
            .iter()
            .map(|n| format!("    ({n:?}, include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{dir}/{n}\"))),\n"))
            .collect()
    };
    let fonts = list("report-templates/fonts", &|n| {
        n.ends_with(".otf") || n.ends_with(".ttf") || n.ends_with(".ttc")
    });
    let sample = list("sample-data", &|n| {
        n.ends_with(".csv") || n.ends_with(".parquet")
    });
    let text = format!(
        "/// The bundled fonts.\npub static FONTS: &[(&str, &[u8])] = &[\n{}];\n/// The bundled sample archive.\npub static SAMPLE: &[(&str, &[u8])] = &[\n{}];\n",
        fonts.concat(),
        sample.concat()
    );
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("embedded.rs"), text).expect("OUT_DIR is writable");
}
