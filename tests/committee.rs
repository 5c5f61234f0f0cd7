//! The award committee's PDF (issue 5) from sample-data/ for 2026: parsed back with
//! pdftotext; figures from sample-data/README.md ("Shortlist 2026") and the oracle's
//! --explain output (every contact's score and eligibility).

mod common;

use common::*;
use tempfile::TempDir;
use tiexin::analysis::shortlist::ShortlistConfig;
use tiexin::analysis::shortlist::{self, Params};
use tiexin::documents::settings::DocumentConfig;

async fn committee(
    size: Option<usize>,
) -> (
    tiexin::documents::committee::Committee,
    tiexin::documents::Rendered,
    TempDir,
) {
    let tmp = TempDir::new().unwrap();
    let s = open_session(&repo().join("sample-data")).await;
    let mut params = Params::from_config(&ShortlistConfig::default(), None).unwrap();
    if let Some(n) = size {
        params.size = n;
    }
    let doc = shortlist::document(&s, 2026, &params).await.unwrap();
    let cfg = DocumentConfig {
        state_dir: Some(tmp.path().to_path_buf()),
        ..Default::default()
    };
    let c = tiexin::documents::committee::build(&s, &cfg, &doc, (2026, 11, 28), None).unwrap();
    let r = tiexin::documents::committee::render(&c).unwrap();
    (c, r, tmp)
}

#[tokio::test(flavor = "multi_thread")]
async fn committee_document_has_method_nominees_reserve_exclusions_and_sensitivity() {
    let (c, r, _state) = committee(None).await;
    assert!(
        r.missing_glyphs.is_empty() && r.warnings.is_empty(),
        "{:?} {:?}",
        r.missing_glyphs,
        r.warnings
    );
    let t = pdf_text(&r.pdf);
    // A 请示 to the committee as a plain internal document: no red header, nothing
    // copied to others before the committee decides (issue 13.9).
    assert!(
        !t.contains("山东省总工会文件") && !t.contains("抄送"),
        "{t}"
    );
    for expected in [
        "鲁工评〔2026〕1号",
        "关于2026年度“困难职工贴心人”推荐人选的请示",
        // The method in plain words, weights first, with the default weights.
        "满分100分，由四项组成：家访占50%，脱困占20%，解决诉求占15%，群众满意度占15%",
        "2026年6月30日前任命",
        "再定人选：共推荐100名。先为每个有符合条件联系人的城市留一个名额",
        "两位小数相同的标注“并列”",
        // 19 contacts, 9 eligible, all 9 nominated (3 by city quota).
        "全省共有困难职工联系人19名，其中符合条件9名。推荐人选9名（城市名额3名、择优6名）",
        // Rank 1 C01 孙丽华 85, components 100% / 25% / 100% / 100%, 4 households, quota.
        // Rank and name, then score, the four components and households (a wrapped
        // union name may split a row in the extracted text).
        // Scores to two decimals; ranks 3 to 7 share 72.50 and show as 并列.
        "1孙丽华济南泉城纺织有限公司工会济南市85.00100.0%25.0%100.0%100.0%4城市名额",
        "2张德明",
        "80.00100.0%0.0%100.0%100.0%3",
        "3并列刘志强",
        "72.50100.0%0.0%100.0%50.0%4城市名额",
        "7并列陈桂兰历下区环境卫生服务中心工会济南市72.5075.0%25.0%100.0%100.0%4择优",
        "8杨秀梅淄博华光陶瓷厂工会淄博市61.25100.0%0.0%50.0%25.0%3城市名额",
        "9高美玲",
        "符合条件的联系人已全部列入推荐名单，无备选人选。",
        // Exclusions: 10 contacts; the high scorers above rank 100 with their reasons.
        "不符合条件的联系人共10名",
        "1徐春梅历下区环境卫生服务中心工会86.672026年未参加培训",
        "3周玉珍济南泉城纺织有限公司工会80.002026年内离任",
        // Problems by name, never by rule code.
        "4朱晓东解放路街道总工会80.00有重大问题（单日家访次数异常）",
        "5马红军青岛港湾物流有限公司工会80.00有重大问题（督查检查发现问题未整改）",
        "7黄立新淄博华光陶瓷厂工会80.002026年6月30日以后任命",
        "8吴国庆青岛海滨食品有限公司工会80.00联系家庭少于3户",
        "19胡振华青岛海滨食品有限公司工会49.72有重大问题（部门比对反馈逾期未核实、临时诉求超过30日未解决、需求转介超过90日未办结、连续两个季度未家访、家访日期不在建档期内）",
        // No weight move changes the nine nominees (there are only nine eligible):
        // one sentence instead of a table of zeros.
        "将任一项权重调高或调低0.05（其余三项按比例调整，权重之和仍为1），推荐名单均不变",
        "各市推荐人选与符合条件人数",
        "附件：数据来源与复核说明",
    ] {
        assert!(t.contains(expected), "{expected} missing:\n{t}");
    }
    // Masked phones only: the reserve and nominees never show a full number.
    let phones = std::fs::read_to_string(repo().join("sample-data/contacts.csv")).unwrap();
    for line in phones.lines().skip(1) {
        let phone = line.split(',').nth(5).unwrap_or("");
        if phone.len() == 11 {
            assert!(!t.contains(phone), "full phone {phone} printed");
        }
    }
    let list = t
        .split("二、推荐人选")
        .nth(1)
        .unwrap()
        .split("三、备选人选")
        .next()
        .unwrap();
    assert_eq!(
        list.matches("城市名额").count(),
        3 + 1,
        "3 quota rows (+1 in the summary)"
    );
    assert_eq!(
        list.matches("择优").count(),
        6 + 1,
        "6 merit rows (+1 in the summary)"
    );
    assert!(
        c.data.sensitivity.is_empty(),
        "an all-zero table is one sentence"
    );
    // The sources are in the attachment, not in the document.
    assert!(!t.contains("queries/"));
    let a = pdf_text(&c.appendix.render(c.date, &c.ident).unwrap().pdf);
    assert!(a.contains("queries/shortlist/ranking.sql"), "{a}");
    // The chart: one pair of bars per city (济南, 青岛, 淄博) plus contacts without a city.
    let svg = &c.charts[0].1;
    assert!(
        svg.contains("济南市") && svg.contains("无所属城市"),
        "{svg}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_short_list_has_a_reserve_in_rank_order() {
    let (_, r, _state) = committee(Some(3)).await;
    let t = pdf_text(&r.pdf);
    // --size 3: ranks 1, 3, 8 (all quota); the reserve is the next eligible by rank:
    // 2 C07, 4 C02, 5 C03, 6 C04, 7 C06, 9 C19.
    assert!(t.contains("推荐人选3名（城市名额3名、择优0名）"), "{t}");
    assert!(t.contains("按名次顺延的前6名符合条件人选如下"), "{t}");
    let reserve = t
        .split("三、备选人选")
        .nth(1)
        .unwrap()
        .split("四、")
        .next()
        .unwrap()
        .to_string();
    let order: Vec<usize> = ["张德明", "王建国", "李秀英", "赵海燕", "陈桂兰", "高美玲"]
        .iter()
        .map(|n| {
            reserve
                .find(n)
                .unwrap_or_else(|| panic!("{n} not in the reserve: {reserve}"))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    // The reserve shows phones, masked: C07 13705380107, C02 13805310102, C19 13905320119.
    for (masked, full) in [
        ("137****0107", "13705380107"),
        ("138****0102", "13805310102"),
        ("139****0119", "13905320119"),
    ] {
        assert!(reserve.contains(masked), "{masked} missing: {reserve}");
        assert!(!t.contains(full), "full phone {full} printed");
    }
}

#[test]
fn cli_writes_the_committee_pdf_reproducibly() {
    let run = |tmp: &TempDir, extra: &[&str]| {
        let mut args = vec!["shortlist", "--year", "2026"];
        args.extend_from_slice(extra);
        tiexin_in(tmp.path(), "tester", &args)
    };
    let (a, b) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    let pa = a.path().join("s.pdf");
    let pb = b.path().join("s.pdf");
    for (tmp, p) in [(&a, &pa), (&b, &pb)] {
        let o = run(
            tmp,
            &[
                "--format",
                "pdf",
                "--out",
                p.to_str().unwrap(),
                "--date",
                "2026-11-28",
                "--number",
                "4",
                "--size",
                "3",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let (x, y) = (std::fs::read(&pa).unwrap(), std::fs::read(&pb).unwrap());
    assert!(
        x == y,
        "the same archive and options give the same PDF bytes"
    );
    let t = pdf_text(&x);
    assert!(
        t.contains("鲁工评〔2026〕4号") && t.contains("推荐人选3名"),
        "{t}"
    );
    // A PDF needs a file; --date without --format pdf is a usage error.
    let o = run(&a, &["--format", "pdf"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--out"));
    let o = run(&a, &["--date", "2026-11-28"]);
    assert_eq!(o.status.code(), Some(2));
}

/// The words of page `page` of a PDF with their left and right edges (pdftotext -bbox).
fn words(pdf: &std::path::Path, page: u32) -> Vec<(String, f64, f64)> {
    let p = page.to_string();
    let o = std::process::Command::new("pdftotext")
        .args(["-f", &p, "-l", &p, "-bbox", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext is needed (apt-get install poppler-utils)");
    assert!(o.status.success());
    let html = String::from_utf8(o.stdout).unwrap();
    let attr = |w: &str, name: &str| -> f64 {
        let at = w.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        w[at..].split('"').next().unwrap().parse().unwrap()
    };
    html.split("<word ")
        .skip(1)
        .map(|w| {
            let text = w.split('>').nth(1).unwrap().split('<').next().unwrap();
            (text.to_string(), attr(w, "xMin"), attr(w, "xMax"))
        })
        .collect()
}

/// A 20-character contact name wraps within its cell instead of squeezing the 工会
/// column to one character per line, and characters that no bundled font has (an
/// emoji, 𠀀, ཀ) are reported with the text they are in.
#[test]
fn a_long_name_wraps_in_its_cell_and_missing_characters_are_reported() {
    let tmp = TempDir::new().unwrap();
    let archive = tmp.path().join("archive");
    copy_dir(&repo().join("sample-data"), &archive);
    let long = "阿卜杜热合曼买买提艾力江吐尔逊阿依古丽汗";
    assert_eq!(long.chars().count(), 20);
    let contacts = std::fs::read_to_string(archive.join("contacts.csv"))
        .unwrap()
        .replace("C01,孙丽华,", &format!("C01,{long},"))
        .replace("C02,王建国,", "C02,王😀建𠀀国ཀ,");
    std::fs::write(archive.join("contacts.csv"), contacts).unwrap();
    let pdf = tmp.path().join("s.pdf");
    let o = tiexin_in(
        tmp.path(),
        "tester",
        &[
            "shortlist",
            "--archive",
            archive.to_str().unwrap(),
            "--year",
            "2026",
            "--format",
            "pdf",
            "--out",
            pdf.to_str().unwrap(),
            "--date",
            "2026-11-28",
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let warning = err
        .lines()
        .find(|l| l.contains("王😀建𠀀国ཀ"))
        .unwrap_or_else(|| panic!("no warning names the text: {err}"));
    for part in ["s.pdf", "'😀'", "'𠀀'", "'ཀ'", "name", "empty boxes"] {
        assert!(warning.contains(part), "{part}: {warning}");
    }
    assert!(!err.contains("blank"), "{err}");

    // Page 2 holds the first rows of the nominees' table (rank 1 is C01).
    let w = words(&pdf, 2);
    let union = w
        .iter()
        .find(|(t, _, _)| t.starts_with("济南泉城纺织"))
        .unwrap_or_else(|| panic!("the 工会 column lost its width: {w:?}"));
    let name: Vec<&(String, f64, f64)> = w
        .iter()
        .filter(|(t, _, _)| t.chars().count() > 1 && long.contains(t.as_str()))
        .collect();
    assert_eq!(
        name.iter().map(|(t, _, _)| t.as_str()).collect::<String>(),
        long,
        "the name wraps in its cell, line by line: {name:?}"
    );
    assert!(
        name.len() > 1 && name.iter().all(|(_, _, right)| *right < union.1),
        "{name:?} {union:?}"
    );
}

/// The records behind the nominees' scores (the committee's nominee pages), computed
/// for every nominee and reserve at once as `tiexin serve` does, equal each contact's
/// computed alone in another session: no contact's rows change another's. C06's
/// counts are those of sample-data/README.md ("Shortlist 2026"; tests/serve.rs lists
/// its records one by one).
#[tokio::test(flavor = "multi_thread")]
async fn the_nominees_records_at_once_equal_each_alone() {
    use tiexin::analysis::shortlist::nominee::{self, Counts};
    let s = open_session(&repo().join("sample-data")).await;
    let params = Params::from_config(&ShortlistConfig::default(), None).unwrap();
    let doc = shortlist::document(&s, 2026, &params).await.unwrap();
    let contacts = doc.listed();
    assert_eq!(contacts.len(), 9, "the sample's nine eligible contacts");
    let together = nominee::records_of(&s, 2026, &contacts).await.unwrap();
    let ids: Vec<&str> = together.iter().map(|r| r.contact_id.as_str()).collect();
    assert_eq!(ids, contacts, "in the order asked");
    let alone = open_session(&repo().join("sample-data")).await;
    for r in &together {
        let one = nominee::records(&alone, 2026, &r.contact_id).await.unwrap();
        assert_eq!(&one, r, "{}", r.contact_id);
        assert!(
            r.counts.pairs > 0,
            "{} has household-quarters",
            r.contact_id
        );
    }
    let c06 = together.iter().find(|r| r.contact_id == "C06").unwrap();
    assert_eq!(
        c06.counts,
        Counts {
            pairs: 16,
            visited_pairs: 12,
            households: 4,
            compliant_exits: 1,
            requests: 0,
            requests_in_time: 0,
            ratings: 3,
            rating_sum: 15,
        }
    );
    // A contact asked twice, and one with no records, each get one entry.
    let twice = ["C06".to_string(), "C06".to_string(), "NOBODY".to_string()];
    let got = nominee::records_of(&s, 2026, &twice).await.unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(got[1], *c06);
    assert_eq!(got[2].counts, Counts::default());
    assert!(got[2].quarters.is_empty());
}
