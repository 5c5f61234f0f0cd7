//! `tiexin bulletin`: real PDFs rendered from sample-data/, parsed back with poppler's
//! `pdftotext` and `pdffonts` (installed by .ci/run), plus the charts' SVG and the
//! sandbox (sample-data/README.md has the figures checked here).

mod common;

use std::process::Command;

use common::*;
use tempfile::TempDir;

fn render(tmp: &TempDir, out: &str, extra: &[&str]) -> Vec<u8> {
    render_on(tmp, out, "2026-11-28", extra)
}

fn render_on(tmp: &TempDir, out: &str, date: &str, extra: &[&str]) -> Vec<u8> {
    let pdf = tmp.path().join(out);
    let mut args = vec!["bulletin", "--out", pdf.to_str().unwrap(), "--date", date];
    args.extend_from_slice(extra);
    let o = tiexin_in(tmp.path(), "tester", &args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    std::fs::read(pdf).unwrap()
}

fn fonts_of(tmp: &TempDir, pdf: &[u8]) -> Vec<String> {
    let path = tmp.path().join("fonts.pdf");
    std::fs::write(&path, pdf).unwrap();
    let o = Command::new("pdffonts")
        .arg(&path)
        .output()
        .expect("pdffonts");
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .skip(2)
        .map(str::to_string)
        .collect()
}

const CHILDREN: &[&str] = &[
    "济南市总工会",
    "青岛市总工会",
    "淄博市总工会",
    "山东省能源化学地质工会",
];

#[test]
fn quarter_bulletin_has_the_headline_figures_children_and_embedded_fonts() {
    let tmp = TempDir::new().unwrap();
    let pdf = render(&tmp, "q.pdf", &["--period", "2026Q3"]);
    assert!(pdf.starts_with(b"%PDF-"));
    let t = pdf_text(&pdf);
    for expected in [
        "山东省总工会文件",
        "鲁工帮〔2026〕1号",
        "关于2026年第3季度困难职工联系人制度落实情况的通报",
        // Headline figures of U37 for 2026Q3 (sample-data/README.md, full metrics rows).
        "应走访困难职工家庭48户次",
        "按期有效走访42户次",
        "季度家访率87.5%",
        // The previous period is named once, with every change (issue 13.8).
        "与上期（2026年第2季度）相比，家访率下降8.7个百分点",
        "在档困难职工家庭58户",
        "解困脱困6户",
        "解困脱困率10.3%",
        "程序合规3户",
        "脱困程序合规率50.0%",
        "支付帮扶资金34,790元（62笔）",
        "精准发放率93.6%",
        // A 12% budget execution is not passed over in silence (issue 13.8).
        "年度预算执行率12.0%，明显低于74.8%的时间进度",
        "发现重大问题31个、一般问题12个",
        // Closing words, 附件说明, signature and closing block.
        "特此通报。附件：数据来源与复核说明山东省总工会2026年11月28日",
        "抄送：各级工会困难职工帮扶中心。",
        "山东省总工会办公室",
        "2026年11月28日印发",
        "—1—",
    ] {
        assert!(
            t.contains(expected),
            "{expected} missing from the PDF text:\n{t}"
        );
    }
    for name in CHILDREN {
        assert!(t.contains(name), "child union {name} missing");
    }
    // The ranking (child_ranking.sql): 能源化学地质 100% and 淄博 100% (淄博 has one
    // major finding, U1: 张店区 has no liaison), then 济南 95.0%, 青岛 72.2%.
    let lines = pdf_layout_lines(&pdf);
    let pos = |s: &str| {
        lines
            .iter()
            .position(|l| l.contains(s))
            .unwrap_or_else(|| panic!("{s} missing:\n{}", lines.join("\n")))
    };
    let rows = [
        pos("1山东省能源化学地质工会"),
        pos("2▲淄博市总工会100.0%0.0%—100.0%13.6%1/2"),
        pos("3▲济南市总工会95.0%12.0%66.7%97.1%23.9%15/2"),
        pos("4▲青岛市总工会72.2%13.6%33.3%87.4%21.7%15/8"),
    ];
    assert!(rows.windows(2).all(|w| w[0] < w[1]), "ranking order");
    assert!(!t.contains("1▲"), "the best is not marked");
    // No program internals in the bulletin: they are in its attachment
    // 数据来源与复核说明, written beside it, with every archive file's SHA-256.
    assert!(!t.contains("queries/") && !t.contains("tiexin"), "{t}");
    let units = std::fs::read(repo().join("sample-data/unions.csv")).unwrap();
    let sha = sha256_hex(&units);
    assert!(!t.contains(&sha));
    let a = pdf_text(&std::fs::read(tmp.path().join("q-数据来源与复核说明.pdf")).unwrap());
    assert!(
        a.contains(&sha),
        "SHA-256 of unions.csv {sha} missing:\n{a}"
    );
    for q in [
        "queries/metrics/visit_compliance.sql",
        "queries/bulletin/child_ranking.sql",
        "《关于2026年第3季度困难职工联系人制度落实情况的通报》的附件",
    ] {
        assert!(a.contains(q), "{q} missing from the attachment:\n{a}");
    }
    // No household-level personal data: no resident ID, no phone number.
    assert!(!t.contains("370102"), "no ID numbers in a bulletin");
    // No replacement character: every glyph was found.
    assert!(!t.contains('\u{FFFD}'));
    let fonts = fonts_of(&tmp, &pdf);
    assert!(fonts.len() >= 4, "{fonts:?}");
    for f in &fonts {
        let cols: Vec<&str> = f.split_whitespace().collect();
        // name type... encoding emb sub uni: "emb" is the third column from the right + 2.
        let emb = cols[cols.len() - 5];
        assert_eq!(emb, "yes", "font not embedded: {f}");
    }
    for family in [
        "FandolSong-Bold",
        "FandolFang-Regular",
        "FandolHei-Regular",
        "FandolKai-Regular",
    ] {
        assert!(
            fonts.iter().any(|f| f.contains(family)),
            "{family} not used: {fonts:?}"
        );
    }
}

#[test]
fn year_bulletin_has_the_year_figures() {
    let tmp = TempDir::new().unwrap();
    // Dated on the year's last day: the figures cover the whole year (a bulletin dated
    // inside the year stops at its date; see the test below).
    let pdf = render_on(&tmp, "y.pdf", "2026-12-31", &["--period", "2026"]);
    let t = pdf_text(&pdf);
    for expected in [
        "关于2026年困难职工联系人制度落实情况的通报",
        "应走访困难职工家庭206户次",
        "按期有效走访195户次",
        // An annual figure is not called 季度家访率 (issue 13.8).
        "全年家访率（四个季度合计）94.7%",
        "与上期（2025年）相比",
        "在档困难职工家庭59户",
        "解困脱困7户",
        "解困脱困率11.9%",
        "脱困程序合规率57.1%",
        "支付帮扶资金102,980元（203笔）",
        "精准发放率97.8%",
        "年度预算执行率14.7%",
        "发现重大问题46个、一般问题19个",
    ] {
        assert!(t.contains(expected), "{expected} missing:\n{t}");
    }
}

/// A bulletin dated inside its period (issue 13.6) reports up to its date: 2026 dated
/// 2026-08-15, D = 2026-08-15. Hand computation from sample-data/ (README and rows):
/// - Visits: only Q1 and Q2 have ended by D. Due 53 + 53 = 106 household-quarters,
///   visited 52 + 51 = 103 (H18 missed in Q1; H19 and H46 in Q2): 103/106 = 97.2%.
///   The whole year gives 206 and 195.
/// - Exits: x(h) in 2026-01-01 … D are H22 (03-20, X02 compliant), H04 (07-01, X01
///   compliant) and H41 (07-15, X08 no approver): 3 exits, 2 compliant (66.7%). H48
///   (08-20), H37, H40, H38 exit after D. Base: the 59 households less H59 (filed
///   09-12, after D) = 58; 3/58 = 5.2%.
/// - Payments 01-01 … D: regular Jan + Apr (96 payments) and 07-20 (46, 20,840), with
///   Jan 21,410 and Apr 21,690; P0132 and P0133 (07-10, 500 each); H18's 1,000 and
///   H23's 5,000; P0180 500, P0181 800, P0182 500, P0183 1,000, P0184 600 and P0185
///   2,000 (08-09 … 08-15): 152 payments, 76,340元 (the year: 203, 102,980元).
///   Budget 700,000: 10.9%; the time schedule is day 227 of 365 = 62.2%.
/// - Findings: Q1 0 major, 1 minor (V1 H18); Q2 1 major (F5 S043), 2 minor; Q3 as of
///   D (no V1/V2: the quarter has not ended; no K1: d(f) = 08-29 is after D): major
///   F1 P0181, F1 P0184, F2 P0180, F3 P0185, F5 S044, E2 X08, E3 H58, V3 V0353,
///   I1 I002 and C1 K014 (received 07-15 ≤ D − 30, verified only 08-31) = 10; minor
///   S1 T02 and V5 V0318. In all 11 major, 5 minor (the year: 46 and 19).
/// - Corrections due by D: the majors of 2025Q4 (d(f) 2026-03-01) and 2026Q1 (05-30),
///   none; the F5 of Q2 is due 08-29, after D. So 0 due (the year: 31).
#[test]
fn a_bulletin_dated_inside_its_year_counts_nothing_after_its_date() {
    let tmp = TempDir::new().unwrap();
    let pdf = render_on(&tmp, "cut.pdf", "2026-08-15", &["--period", "2026"]);
    let t = pdf_text(&pdf);
    for expected in [
        "关于2026年（截至8月15日）困难职工联系人制度落实情况的通报",
        "现将2026年（截至2026年8月15日）山东省总工会（含所属各级工会）困难职工联系人制度落实情况通报如下：",
        "2026年（截至8月15日），山东省总工会（含所属各级工会）已结束的第1、2季度应走访困难职工家庭106户次，按期有效走访103户次，家访率（第1、2季度合计）97.2%；第3、4季度尚",
        // (a page break falls here)
        "未结束，不计入家访率。",
        "在档困难职工家庭58户，解困脱困3户，解困脱困率5.2%；其中程序合规2户，脱困程序合规率66.7%。",
        "共支付帮扶资金76,340元（152笔）",
        "年度预算执行率10.9%，明显低于62.2%的时间进度",
        "发现重大问题11个、一般问题5个",
        // Compared with the same part of the year before.
        "与上年同期（2025年1月1日至8月15日）相比，家访率",
        "2026年（截至8月15日）共支付帮扶资金76,340元，按类别分列如下。",
        "2026年（截至8月15日），山东省总工会（含所属各级工会）整改期限在本期的重大问题0个",
        // The requirements give the deadline d(f) of the latest quarter, not 30 days.
        "本期重大问题须于所在季度结束后60日内（2026年第3季度的问题为2026年11月29日前）整改到位并经县级以上工会核实，整改情况报送山东省总工会困难职工帮扶中心。",
        "山东省总工会2026年8月15日",
    ] {
        assert!(t.contains(expected), "{expected} missing:\n{t}");
    }
    // Figures that would include later events differ from the whole year's.
    for later in [
        "206户次",
        "195户次",
        "102,980元",
        "203笔",
        "解困脱困7户",
        "发现重大问题46个",
        "整改期限在本期的重大问题31个",
        "全年家访率",
        "30日内",
    ] {
        assert!(
            !t.contains(later),
            "{later} counts events after the date:\n{t}"
        );
    }
    let whole = pdf_text(&render_on(
        &tmp,
        "whole.pdf",
        "2026-12-31",
        &["--period", "2026"],
    ));
    assert!(whole.contains("应走访困难职工家庭206户次") && whole.contains("102,980元"));
    assert!(!whole.contains("截至"), "{whole}");
}

/// A quarter bulletin dated before its quarter has ended: 2026Q3 dated 2026-08-15.
/// No quarter has ended, so no visit rate is printed (nothing is due yet). Exits in
/// 07-01 … 08-15: H04 (compliant) and H41 of a base of 57 (59 less H22, exited 03-20,
/// and H59, filed after D): 3.5%, 50.0%. Payments 07-01 … 08-15: the 46 of 07-20
/// (20,840), P0132 and P0133 (1,000) and P0180–P0185 (5,400): 54, 27,240元. Findings:
/// the Q3 ones of the test above, 10 major and 2 minor (the whole quarter: 31, 12).
#[test]
fn a_quarter_bulletin_dated_before_its_quarter_ends_prints_no_visit_rate() {
    let tmp = TempDir::new().unwrap();
    let pdf = render_on(&tmp, "q.pdf", "2026-08-15", &["--period", "2026Q3"]);
    let t = pdf_text(&pdf);
    for expected in [
        "关于2026年第3季度（截至8月15日）困难职工联系人制度落实情况的通报",
        "现将2026年第3季度（截至2026年8月15日）山东省总工会",
        "2026年第3季度（截至8月15日），山东省总工会（含所属各级工会）本季度尚未结束，家访率待季度结束后统计。在档困难职工家庭57户，解困脱困2户，解困脱困率3.5%；其中程序合规1户，脱困程序合规率50.0%。",
        "共支付帮扶资金27,240元（54笔）",
        "发现重大问题10个、一般问题2个",
        "与上季度同期（2026年4月1日至5月16日）相比，解困脱困率",
        "尚无已结束的季度，家访率暂不统计；排名后三位的单位中，存在重大问题的，以“▲”标示",
        "本期重大问题须于2026年11月29日前整改到位",
    ] {
        assert!(t.contains(expected), "{expected} missing:\n{t}");
    }
    for absent in [
        "应走访困难职工家庭",
        "家访率—",
        "同期（2026年4月1日至5月16日）相比，家访率",
        "发现重大问题31个",
        "34,790元",
    ] {
        assert!(!t.contains(absent), "{absent}:\n{t}");
    }
}

#[test]
fn a_county_bulletin_names_its_own_unions_and_a_zero_denominator_prints_a_dash() {
    let tmp = TempDir::new().unwrap();
    // 淄博市: its grassroots union U370302G2 has nothing due in 2026Q3 (README: ∅ rates).
    let pdf = render(&tmp, "c.pdf", &["--period", "2026Q3", "--union", "U3703"]);
    let t = pdf_text(&pdf);
    assert!(t.contains("淄博市总工会文件"), "{t}");
    assert!(t.contains("各下级工会："));
    // Its only child 张店区 had no exit in 2026Q3: exit procedure rate 0/0 prints "—"
    // (sample-data/README.md); with one child no "last three" are marked.
    let lines = pdf_layout_lines(&pdf);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("1张店区总工会100.0%0.0%—100.0%36.2%1/2")),
        "{}",
        lines.join("\n")
    );
    assert!(t.contains("下级单位不足4个，不作“▲”标示。"), "{t}");
}

/// Characters no bundled font has (an emoji in a union's name) are reported naming the
/// text and where it is, as empty boxes (the warning said "blanks").
#[test]
fn characters_no_font_has_are_reported_with_their_text() {
    let tmp = TempDir::new().unwrap();
    let archive = tmp.path().join("archive");
    copy_dir(&repo().join("sample-data"), &archive);
    let unions = std::fs::read_to_string(archive.join("unions.csv"))
        .unwrap()
        .replace("U3701,济南市总工会,", "U3701,济南市总工会😀,");
    std::fs::write(archive.join("unions.csv"), unions).unwrap();
    let pdf = tmp.path().join("b.pdf");
    let o = tiexin_in(
        tmp.path(),
        "tester",
        &[
            "bulletin",
            "--archive",
            archive.to_str().unwrap(),
            "--period",
            "2026Q3",
            "--out",
            pdf.to_str().unwrap(),
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let warning: Vec<&str> = err.lines().filter(|l| l.contains("'😀'")).collect();
    assert_eq!(warning.len(), 1, "one warning per text: {err}");
    for part in ["b.pdf", "\"济南市总工会😀\"", "empty boxes"] {
        assert!(warning[0].contains(part), "{part}: {}", warning[0]);
    }
    assert!(!err.contains("blank"), "{err}");
}

#[test]
fn same_input_gives_identical_bytes() {
    let a = TempDir::new().unwrap();
    let b = TempDir::new().unwrap();
    let one = render(&a, "a.pdf", &["--period", "2026Q3", "--number", "12"]);
    let two = render(&b, "b.pdf", &["--period", "2026Q3", "--number", "12"]);
    assert!(one == two, "two renders of the same bulletin differ");
    // The state directory's counter gives a bulletin the same number again, and the
    // next bulletin the next number.
    let first = render(&a, "n1.pdf", &["--period", "2026Q2"]);
    let again = render(&a, "n2.pdf", &["--period", "2026Q2"]);
    assert!(first == again);
    assert!(pdf_text(&first).contains("鲁工帮〔2026〕1号"));
    let next = render(&a, "n3.pdf", &["--period", "2026Q1"]);
    assert!(pdf_text(&next).contains("鲁工帮〔2026〕2号"));
}

#[test]
fn bad_union_and_bad_period_are_one_sentence_with_exit_2() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("x.pdf");
    for (args, needle) in [
        (vec!["--period", "2026Q3", "--union", "U99"], "--union U99"),
        (vec!["--period", "2026Q5"], "2026Q5"),
        (vec!["--period", "2026Q3", "--date", "2026-02-30"], "--date"),
    ] {
        let mut all = vec!["bulletin", "--out", out.to_str().unwrap()];
        all.extend(args);
        let o = tiexin(tmp.path(), &all);
        assert_eq!(o.status.code(), Some(2), "{all:?}");
        let e = stderr(&o);
        assert!(e.contains(needle), "{e}");
        assert_eq!(e.trim().lines().count(), 1, "{e}");
        assert!(!e.contains("panicked"));
    }
    assert!(!out.exists());
}

/// Names and texts with Typst syntax: each must print literally.
fn injections() -> Vec<String> {
    let base = [
        "#read(\"/etc/passwd\")",
        "]#panic()",
        "$x$",
        "*a*",
        "<l>",
        "@r",
        "#import \"/etc/passwd\"",
        "#image(\"/etc/hostname\")",
        "_斜体_",
        "`代码`",
        "= 标题",
        "- 列表",
        "+ 编号",
        "/ 术语: 解释",
        "\\\\反斜杠",
        "#let x = 1",
        "#{ panic() }",
        "#(1 + 1)",
        "[内容]",
        "{代码块}",
        "//注释",
        "/* 块注释 */",
        "~不换行~",
        "---",
        "#set text(red)",
        "#show: none",
        "https://example.org",
        "#json(\"/data.json\")",
        "#eval(\"1\")",
        "#sys.inputs",
        "<标签>",
        "@引用",
        "$ a^2 $",
        "#context here()",
        "#datetime.today()",
        "#read(\"../../Cargo.toml\")",
        "]] #panic(\"x\") [[",
        "\"引号\"",
        "'单引号'",
        "#raw(\"x\")",
        "&amp;",
        "<script>alert(1)</script>",
        "%PDF-1.7",
        "#pagebreak()",
        "#v(100cm)",
        "#box(width: 500cm)",
        "#link(\"file:///etc/passwd\")",
        "#plugin(\"/x.wasm\")",
        "#csv(\"/etc/passwd\")",
        "#yaml(\"/x\")",
        "#toml(\"/Cargo.toml\")",
        "#xml(\"/x\")",
        "#cbor(\"/x\")",
    ];
    base.iter().map(|s| s.to_string()).collect()
}

#[test]
fn injection_corpus_prints_literally_and_reads_no_file() {
    let tmp = TempDir::new().unwrap();
    let corpus = injections();
    assert!(corpus.len() >= 50);
    // Union names (the four children of the root) and configuration texts.
    let archive = tmp.path().join("archive");
    copy_dir(&repo().join("sample-data"), &archive);
    let unions = std::fs::read_to_string(archive.join("unions.csv")).unwrap();
    let mut rows: Vec<String> = unions.lines().map(str::to_string).collect();
    let renamed = [
        ("U3701,", "济南市总工会", "#read(\"\"/etc/passwd\"\") 济南"),
        ("U3702,", "青岛市总工会", "]#panic() $x$ 青岛"),
        ("U3703,", "淄博市总工会", "*a* <l> @r 淄博"),
    ];
    for row in rows.iter_mut() {
        for (id, old, new) in renamed {
            if row.starts_with(id) {
                *row = row.replace(old, &format!("\"{new}\""));
            }
        }
    }
    std::fs::write(archive.join("unions.csv"), rows.join("\n") + "\n").unwrap();
    let mut config =
        String::from("[bulletin]\nissuer = \"#read(\\\"/etc/passwd\\\")\"\nrequirements = [\n");
    for s in &corpus {
        let q = s.replace('\\', "\\\\").replace('"', "\\\"");
        config.push_str(&format!(
            "  {{ heading = \"要求：\", text = \"【{q}】\" }},\n"
        ));
    }
    config.push_str("]\n");
    let cfg = tmp.path().join("tiexin.toml");
    std::fs::write(&cfg, config).unwrap();
    let pdf = render(
        &tmp,
        "inj.pdf",
        &[
            "--period",
            "2026Q3",
            "--archive",
            archive.to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
        ],
    );
    let t = pdf_text(&pdf);
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    for s in &corpus {
        let want = format!("【{}】", squash(s));
        assert!(t.contains(&want), "{s:?} did not print literally");
    }
    for (_, _, new) in renamed {
        let name = squash(&new.replace("\"\"", "\""));
        assert!(
            t.contains(&name),
            "union name {name:?} did not print literally"
        );
    }
    assert!(t.contains("#read(\"/etc/passwd\")"), "issuer");
    assert!(!t.contains("root:x:0:0"), "a file of the machine was read");
}

async fn sample_bulletin(
    period: &str,
) -> (
    tiexin::documents::bulletin::Bulletin,
    tiexin::documents::Rendered,
) {
    use tiexin::documents::bulletin::{build, render, Options};
    let tmp = TempDir::new().unwrap();
    let s = open_session(&repo().join("sample-data")).await;
    let cfg = tiexin::documents::settings::DocumentConfig {
        state_dir: Some(tmp.path().to_path_buf()),
        ..Default::default()
    };
    let opts = Options {
        period: period.parse().unwrap(),
        union: None,
        date: (2026, 11, 28),
        number: None,
    };
    let b = build(&s, &cfg, &opts).await.unwrap();
    let r = render(&b).unwrap();
    (b, r)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_serves_only_data_charts_and_templates_and_no_glyph_is_missing() {
    let (_, r) = sample_bulletin("2026Q3").await;
    assert!(!r.asked.is_empty());
    for (path, served) in &r.asked {
        assert!(served, "Typst asked for {path}, which the sandbox refused");
        assert!(
            ["/bulletin.typ", "/official.typ", "/data.json"].contains(&path.as_str())
                || (path.starts_with("/charts/") && path.ends_with(".svg")),
            "Typst read {path}"
        );
    }
    assert!(r.asked.iter().any(|(p, _)| p == "/data.json"));
    assert!(r.missing_glyphs.is_empty(), "{:?}", r.missing_glyphs);
    assert_eq!(r.warnings, Vec::<String>::new());
    let fonts = tiexin::documents::fonts::shared().unwrap();
    assert!(
        fonts.missing("王𠮷喆堃䶮").is_empty(),
        "rare name characters are covered by the fallback"
    );
    assert!(
        r.pdf.len() < 2 * 1024 * 1024,
        "PDF of {} bytes",
        r.pdf.len()
    );
}

fn bars(svg: &str) -> usize {
    svg.matches("fill=\"#B01E23\"").count()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_charts_hold_the_sample_figures() {
    let (b, _) = sample_bulletin("2026Q3").await;
    let c = &b.chart_data;
    // Visit compliance by child union, in ranking order (README: 2026Q3 rows).
    let children: Vec<(&str, Option<f64>)> = c
        .children
        .iter()
        .map(|(l, v)| (l.as_str(), v.map(|x| (x * 10.0).round() / 10.0)))
        .collect();
    assert_eq!(
        children,
        [
            ("山东省能源化学地质", Some(100.0)),
            ("淄博市", Some(100.0)),
            ("济南市", Some(95.0)),
            ("青岛市", Some(72.2))
        ]
    );
    // The last eight quarters of U37 end with 2026Q2 = 94.7… and 2026Q3 = 87.5 %.
    assert_eq!(c.trend.len(), 8);
    assert_eq!(c.trend[0].0, "2024Q4");
    assert_eq!(c.trend[7], ("2026Q3".to_string(), Some(87.5)));
    // Funds by category (yuan, as the table beside it): the six categories in
    // archive.md order; their sum is the period's 34790.00 yuan.
    let labels: Vec<&str> = c.funds.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        labels,
        ["生活救助", "医疗救助", "助学", "就业", "住房", "临时救助"]
    );
    let total: f64 = c.funds.iter().map(|(_, v)| v).sum();
    assert!((total - 34790.0).abs() < 1e-6, "{total}");
    // The SVGs: one bar per child union and per category, a line through 8 points.
    let svg = |name: &str| &b.charts.iter().find(|(n, _)| n == name).unwrap().1;
    assert_eq!(bars(svg("children")), 4);
    assert_eq!(bars(svg("funds")), 6);
    assert!(svg("children").contains("淄博市") && svg("children").contains("FandolHei"));
    let line = svg("trend");
    let circles = line.matches("<circle").count();
    assert_eq!(circles, c.trend.iter().filter(|(_, v)| v.is_some()).count());
    // A longer bar for 100 % than for 72.2 %: widths in the SVG are proportional.
    let widths: Vec<f64> = svg("children")
        .split("<rect")
        .filter(|r| r.contains("fill=\"#B01E23\""))
        .map(|r| {
            let w = r.split("width=\"").nth(1).unwrap();
            w[..w.find('"').unwrap()].parse::<f64>().unwrap()
        })
        .collect();
    let (max, min) = (
        widths.iter().cloned().fold(0.0, f64::max),
        widths.iter().cloned().fold(f64::MAX, f64::min),
    );
    assert!((min / max - 0.722).abs() < 0.02, "{widths:?}");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// (union_id, due, visited) of each row of `batch`, in order.
fn compliance_rows(batch: &datafusion::arrow::array::RecordBatch) -> Vec<(String, i64, i64)> {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::compute::cast;
    use datafusion::arrow::datatypes::{DataType, Int64Type};
    let col = |name: &str, to: &DataType| cast(batch.column_by_name(name).unwrap(), to).unwrap();
    let ids = col("union_id", &DataType::Utf8);
    let (due, visited) = (
        col("due", &DataType::Int64),
        col("visited", &DataType::Int64),
    );
    let (ids, due, visited) = (
        ids.as_string::<i32>(),
        due.as_primitive::<Int64Type>(),
        visited.as_primitive::<Int64Type>(),
    );
    assert_eq!(
        due.null_count() + visited.null_count() + ids.null_count(),
        0
    );
    (0..batch.num_rows())
        .map(|r| (ids.value(r).to_string(), due.value(r), visited.value(r)))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_trend_gives_each_quarter_the_rows_of_visit_compliance() {
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::Date32Type;
    use datafusion::common::ParamValues;
    use datafusion::scalar::ScalarValue;
    use tiexin::sql::catalog::named;
    use tiexin::sql::Period;
    let s = open_session(&repo().join("sample-data")).await;
    let (vc, trend) = (
        named("metrics", "visit_compliance").unwrap(),
        named("bulletin", "trend").unwrap(),
    );
    let scope = s.lanes().unwrap();
    let mut compared = 0;
    // Windows of eight quarters starting in each quarter of the year, and shorter ones
    // (the quarters a chart has not yet computed).
    for (first, count) in [
        ((2024, 4), 8),
        ((2025, 1), 8),
        ((2024, 2), 8),
        ((2024, 3), 8),
        ((2025, 3), 3),
        ((2026, 2), 2),
    ] {
        let first = Period::quarter(first.0, first.1);
        let mut quarters = vec![first];
        for _ in 1..count {
            quarters.push(quarters.last().unwrap().next_quarter());
        }
        let last = *quarters.last().unwrap();
        let params = ParamValues::from(vec![
            ("ps", ScalarValue::Date32(Some(first.first_day()))),
            ("pe", ScalarValue::Date32(Some(last.last_day()))),
        ]);
        let all = scope.collect(trend, Some(params)).await.unwrap();
        let starts = all
            .column_by_name("qs")
            .unwrap()
            .as_primitive::<Date32Type>()
            .clone();
        let rows = compliance_rows(&all);
        for q in &quarters {
            let alone = scope.collect(vc, Some(q.params())).await.unwrap();
            let expected = compliance_rows(&alone);
            let got: Vec<_> = (0..rows.len())
                .filter(|r| starts.value(*r) == q.first_day())
                .map(|r| rows[r].clone())
                .collect();
            assert_eq!(got, expected, "{q} in the window from {first} to {last}");
            compared += expected.len();
        }
        // no row outside the window
        assert!(starts.iter().all(|d| {
            let d = d.unwrap();
            d >= first.first_day() && d <= last.first_day()
        }));
    }
    // The sample's quarters with households due: the comparison is not empty.
    assert!(compared > 100, "{compared} rows compared");
}
