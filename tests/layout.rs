//! The documents an office would sign, measured from their PDFs (issue 13): the date
//! 右空四字, no page holding only the signature, nothing outside the type area but the
//! page number, no title line of one character, the red separator 4 mm below the
//! number; and no rule code, record id or ISO date printed. On the demo's documents and
//! on those of a generated archive (20 county bulletins, 50 circulars).

mod common;

use std::path::Path;

use common::layout::{self, pages};
use common::*;
use tempfile::TempDir;

/// Every layout problem of one official document.
fn problems(name: &str, pdf: &[u8], numbered: bool) -> Vec<String> {
    let p = pages(pdf);
    let mut out = Vec::new();
    out.extend(layout::check_date(name, &p));
    out.extend(layout::check_signature_not_alone(name, &p));
    out.extend(layout::check_type_area(name, &p));
    out.extend(layout::check_title(name, &p));
    if numbered {
        out.extend(layout::check_separator(name, pdf, &p));
    }
    out
}

/// What a reader should not see, with the document's name.
fn internals(name: &str, pdf: &[u8]) -> Vec<String> {
    layout::internals(&pdf_text(pdf))
        .into_iter()
        .map(|h| format!("{name}: {h}"))
        .collect()
}

#[test]
fn the_checks_find_what_they_look_for() {
    // The scan finds each kind of internal, and passes plain Chinese.
    let hits = layout::internals("（规则F1，1个）朱晓东（C14）2026-09-08P0193");
    assert_eq!(hits.len(), 4, "{hits:?}");
    assert!(layout::internals("2026年9月8日，鲁工帮〔2026〕3号，87.5%，34,790元").is_empty());
    assert!(layout::is_date("2026年11月30日") && layout::is_date("年月日"));
    assert!(!layout::is_date("2026年第3季度"));
}

fn pdfs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    for sub in [dir.to_path_buf(), dir.join("circulars")] {
        for e in std::fs::read_dir(&sub).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_some_and(|x| x == "pdf") {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_demo_documents_are_laid_out_as_signed_and_say_no_internals() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("demo");
    let o = tiexin_in(tmp.path(), "tester", &["demo", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let docs = pdfs(&out);
    let (mut bad, mut seen) = (Vec::new(), 0);
    for (name, pdf) in &docs {
        // The 数据来源与复核说明 is the reviewer's attachment: traceability is its job.
        if name.contains("数据来源与复核说明") {
            assert!(pdf_text(pdf).contains("SHA-256"), "{name}");
            continue;
        }
        seen += 1;
        // Drafts (送审稿) and the committee's internal document carry no number.
        let text = pdf_text(pdf);
        let numbered = text.contains('〔') && !text.contains("送审稿");
        bad.extend(problems(name, pdf, numbered));
        bad.extend(internals(name, pdf));
    }
    // Two bulletins, the committee's document and the eight circulars.
    assert_eq!(seen, 11, "{:?}", docs.iter().map(|d| &d.0).collect::<Vec<_>>());
    assert!(bad.is_empty(), "{} problems:\n{}", bad.len(), bad.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_documents_of_a_generated_archive_are_laid_out_and_plain() {
    use tiexin::documents::bulletin::{build_for, prepare, render, Options};
    use tiexin::documents::circulars;
    use tiexin::documents::settings::DocumentConfig;

    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("archive");
    let o = tiexin(
        tmp.path(),
        &["generate", "--out", dir.to_str().unwrap(), "--households", "6000"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = open_session(&dir).await;
    let cfg = DocumentConfig {
        state_dir: Some(tmp.path().join("state")),
        ..Default::default()
    };
    let unions = csv_rows(&std::fs::read_to_string(dir.join("unions.csv")).unwrap());
    let level = unions[0].iter().position(|c| c == "level").unwrap();
    let counties: Vec<String> = unions[1..]
        .iter()
        .filter(|r| r[level] == "county")
        .map(|r| r[0].clone())
        .take(20)
        .collect();
    assert_eq!(counties.len(), 20, "the generated archive has 20 counties");
    let quarter: tiexin::sql::Period = "2026Q3".parse().unwrap();
    let p = prepare(&s, &quarter).await.unwrap();
    let mut bad = Vec::new();
    for u in &counties {
        let b = build_for(
            &s,
            &p,
            &cfg,
            &Options {
                period: quarter,
                union: Some(u.clone()),
                date: (2026, 11, 30),
                number: None,
            },
        )
        .await
        .unwrap();
        let pdf = render(&b).unwrap().pdf;
        let name = format!("bulletin {u}");
        bad.extend(problems(&name, &pdf, true));
        bad.extend(internals(&name, &pdf));
    }
    let set = circulars::Settings::from_doc(&cfg).unwrap();
    let list = circulars::build(&s, &set, &quarter, (2026, 11, 30)).await.unwrap();
    assert!(list.len() >= 50, "{} circulars", list.len());
    for c in list.iter().take(50) {
        let pdf = circulars::render(c).unwrap().pdf;
        let name = format!("circular {}", c.union_id);
        bad.extend(problems(&name, &pdf, !c.data.meta.number.is_empty()));
        bad.extend(internals(&name, &pdf));
    }
    assert!(bad.is_empty(), "{} problems:\n{}", bad.len(), bad.join("\n"));
}
