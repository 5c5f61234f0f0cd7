//! The documents an office would sign, measured from their PDFs (issue 13): the date
//! 右空四字, no page holding only the signature, nothing outside the type area but the
//! page number, no title line of one character, the red separator 4 mm below the
//! number; the 版记 at the foot of the last page; and no rule code, record id or ISO date
//! printed. On the demo's documents and on those of a generated archive (20 county
//! bulletins, 50 circulars).

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
    let rules = layout::dark_rules(pdf, p.len());
    out.extend(layout::check_closing_at_foot(name, &p, &rules));
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

    // The old layout: the signature centred (the date's right edge about 61 mm from the
    // margin), alone on its page, a title ending in one character, a line in the margin.
    let mm = layout::MM;
    let line = |x0: f64, y0: f64, x1: f64, text: &str| layout::Line {
        x0: x0 * mm,
        y0: y0 * mm,
        x1: x1 * mm,
        y1: (y0 + 6.0) * mm,
        text: text.to_string(),
    };
    let body = vec![
        line(28.0, 40.0, 184.0, "正文第一行正文第一行"),
        line(39.0, 60.0, 100.0, "特此通报。"),
    ];
    let old = vec![
        body,
        vec![
            line(95.0, 60.0, 123.0, "山东省总工会"),
            line(90.0, 70.0, 123.0, "2026年11月30日"),
            line(100.0, 270.0, 110.0, "—2—"),
        ],
    ];
    assert_eq!(layout::check_date("old", &old).len(), 1);
    assert_eq!(layout::check_signature_not_alone("old", &old).len(), 1);
    assert!(layout::check_type_area("old", &old).is_empty());
    let moved = vec![vec![
        line(28.0, 40.0, 186.9, "季度家访率87.5%，季度"),
        line(28.0, 50.0, 186.9, "季度家访率87.5%，"),
    ]];
    assert_eq!(layout::check_type_area("moved", &moved).len(), 1);
    let signed = vec![vec![
        line(28.0, 40.0, 184.0, "正文第一行正文第一行"),
        line(30.0, 60.0, 100.0, "特此通报。"),
        line(110.0, 80.0, 136.0, "山东省总工会"),
        line(100.0, 90.0, 184.0 - 4.0 * 156.0 / 28.0, "2026年11月30日"),
    ]];
    assert!(layout::check_date("signed", &signed).is_empty());
    assert!(layout::check_signature_not_alone("signed", &signed).is_empty());
    let title = |t: &[&str]| {
        let mut p: Vec<layout::Line> = t
            .iter()
            .enumerate()
            .map(|(i, t)| layout::Line {
                x0: 40.0 * mm,
                y0: (80.0 + 10.0 * i as f64) * mm,
                x1: 170.0 * mm,
                y1: (80.0 + 10.0 * i as f64) * mm + 24.0,
                text: t.to_string(),
            })
            .collect();
        p.push(line(
            28.0,
            80.0 + 10.0 * t.len() as f64 + 12.0,
            100.0,
            "各市总工会：",
        ));
        vec![p]
    };
    assert_eq!(
        layout::check_title("lone", &title(&["关于加强困难职工联系人制度落", "实"])).len(),
        1
    );
    assert!(layout::check_title("ok", &title(&["关于加强困难职工", "联系人制度落实"])).is_empty());

    // The 版记: its 印发 line between two rules, the last one on the type area's bottom
    // edge (262 mm from the top); the shortlist's old one sat at the top of its page.
    let printed = vec![vec![
        line(28.0, 40.0, 184.0, "正文第一行正文第一行"),
        line(33.0, 254.0, 184.0, "山东省总工会办公室2026年11月30日印发"),
    ]];
    let rule = |mm_top: f64| (mm_top * mm, (mm_top + 0.35) * mm);
    let foot = [rule(252.0), rule(261.7)];
    assert!(layout::check_closing_at_foot("foot", &printed, &foot).is_empty());
    let top = vec![vec![line(
        33.0,
        52.0,
        184.0,
        "山东省总工会办公室2026年11月30日印发",
    )]];
    let high = layout::check_closing_at_foot("top", &top, &[rule(50.0), rule(59.7)]);
    assert_eq!(high.len(), 1, "{high:?}");
    assert!(
        high[0].contains("above the type area's bottom edge"),
        "{high:?}"
    );
    assert_eq!(
        layout::check_closing_at_foot("none", &[vec![line(28.0, 40.0, 184.0, "正文")]], &[]).len(),
        1
    );
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
    let o = tiexin_in(
        tmp.path(),
        "tester",
        &["demo", "--out", out.to_str().unwrap()],
    );
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
        // The committee's 请示 is a plain internal document: no red header.
        let numbered =
            text.contains('〔') && !text.contains("送审稿") && !name.starts_with("shortlist");
        bad.extend(problems(name, pdf, numbered));
        bad.extend(internals(name, pdf));
    }
    // Two bulletins, the committee's document and the eight circulars.
    assert_eq!(
        seen,
        11,
        "{:?}",
        docs.iter().map(|d| &d.0).collect::<Vec<_>>()
    );
    assert!(
        bad.is_empty(),
        "{} problems:\n{}",
        bad.len(),
        bad.join("\n")
    );
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
        &[
            "generate",
            "--out",
            dir.to_str().unwrap(),
            "--households",
            "6000",
        ],
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
    let list = circulars::build(&s, &set, &quarter, (2026, 11, 30))
        .await
        .unwrap();
    assert!(list.len() >= 50, "{} circulars", list.len());
    for c in list.iter().take(50) {
        let pdf = circulars::render(c).unwrap().pdf;
        let name = format!("circular {}", c.union_id);
        bad.extend(problems(&name, &pdf, !c.data.meta.number.is_empty()));
        bad.extend(internals(&name, &pdf));
    }
    assert!(
        bad.is_empty(),
        "{} problems:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
