//! The library's structure (docs/architecture.md): each top-level module is a layer and
//! uses only the layers below it, and no source file is over 600 code lines. Reads the
//! `crate::…` paths of every file of `engine/src`, as a reviewer would.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layers, lowest first; modules of one layer may not use each other.
const LAYERS: &[&[&str]] = &[
    &["error", "calendar", "dirs"],
    &["files", "assets"],
    &["ingest"],
    &["sql"],
    &["analysis"],
    &["documents"],
    &["delivery"],
    &["web"],
    &["config", "generate"],
    &["cli"],
];

/// Code lines a file may have (comments, blank lines and its test module aside).
const MAX_LINES: usize = 600;

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file before its `#[cfg(test)]` module, without comment lines.
fn code(text: &str) -> Vec<&str> {
    let body = text.split("#[cfg(test)]").next().unwrap_or("");
    body.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect()
}

/// The top-level modules a file's code names as `crate::<module>`.
fn uses(lines: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for l in lines {
        let mut rest = *l;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `crate::{a, b}` names each of a and b.
            if name.is_empty() && after.starts_with('{') {
                let group = &after[1..after.find('}').unwrap_or(after.len())];
                for part in group.split(',') {
                    let n: String = part
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !n.is_empty() {
                        out.push(n);
                    }
                }
            } else if !name.is_empty() {
                out.push(name);
            }
            rest = after;
        }
    }
    out
}

#[test]
fn each_module_uses_only_the_layers_below_it_and_files_stay_short() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("engine/src");
    let mut all = Vec::new();
    files(&src, &mut all);
    all.sort();
    let mut upward = Vec::new();
    let mut long = Vec::new();
    let mut graph: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for path in &all {
        let rel = path.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let lines = code(&text);
        let n = lines.iter().filter(|l| !l.trim().is_empty()).count();
        if n > MAX_LINES {
            long.push(format!("{} ({n} code lines)", rel.display()));
        }
        if top == "lib" || top == "main" {
            continue;
        }
        let own = rank(&top).unwrap_or_else(|| panic!("{top} is in no layer of LAYERS"));
        for used in uses(&lines) {
            if used == top {
                continue;
            }
            let theirs = rank(&used).unwrap_or_else(|| panic!("crate::{used} is in no layer"));
            graph.entry(top.clone()).or_default().insert(used.clone());
            if theirs >= own {
                upward.push(format!(
                    "{} uses crate::{used} (layer {theirs}, not below {top}'s layer {own})",
                    rel.display()
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports from a higher layer:\n{}",
        upward.join("\n")
    );
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} code lines:\n{}",
        long.join("\n")
    );
    // The CLI is the only module that sees clap.
    for path in &all {
        let rel = path.strip_prefix(&src).unwrap();
        if rel.starts_with("cli") || rel.ends_with("main.rs") {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        assert!(
            !code(&text).iter().any(|l| l.contains("clap")),
            "{} uses clap",
            rel.display()
        );
    }
    assert!(
        graph.contains_key("cli"),
        "the layer graph was read: {graph:?}"
    );
}

#[test]
fn the_reader_sees_group_imports() {
    assert_eq!(
        uses(&[
            "use crate::{error::Error, sql::Session};",
            "x = crate::cli::run();"
        ]),
        ["error", "sql", "cli"]
    );
}
