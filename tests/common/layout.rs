//! Measuring official documents (GB/T 9704-2012, ../shared/spec/gbt9704.md) from their
//! PDFs: text lines with their boxes from poppler's `pdftotext -bbox-layout`, and the
//! red separator from a raster of the first page (`pdftoppm`). Every check returns the
//! problems it finds as sentences, so that a test lists them all at once.

use std::process::Command;

/// Points per millimetre.
pub const MM: f64 = 72.0 / 25.4;
/// The type area (版心), in points from the page's top left: 28 mm from the left, 37 mm
/// from the top, 156 × 225 mm.
pub const LEFT: f64 = 28.0 * MM;
pub const RIGHT: f64 = (28.0 + 156.0) * MM;
pub const TOP: f64 = 37.0 * MM;
pub const BOTTOM: f64 = (37.0 + 225.0) * MM;
/// One character of the body: 28 to a 156 mm line.
pub const CHAR: f64 = 156.0 / 28.0 * MM;

/// One line of text as poppler sees it, in points.
#[derive(Debug, Clone)]
pub struct Line {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
    /// Its words joined without white space.
    pub text: String,
}

impl Line {
    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }
}

fn attr(tag: &str, name: &str) -> f64 {
    let key = format!("{name}=\"");
    let at = tag.find(&key).unwrap_or_else(|| panic!("{name} in {tag}")) + key.len();
    let end = tag[at..].find('"').unwrap() + at;
    tag[at..end].parse().unwrap()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The lines of each page of `pdf`, in reading order.
pub fn pages(pdf: &[u8]) -> Vec<Vec<Line>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("read.pdf");
    std::fs::write(&path, pdf).unwrap();
    let o = Command::new("pdftotext")
        .args(["-bbox-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is needed (apt-get install poppler-utils)");
    assert!(o.status.success(), "pdftotext -bbox-layout failed");
    let html = String::from_utf8(o.stdout).unwrap();
    let mut out = Vec::new();
    for page in html.split("<page ").skip(1) {
        let mut lines = Vec::new();
        for l in page.split("<line ").skip(1) {
            let tag_end = l.find('>').unwrap();
            let tag = &l[..tag_end];
            let body = &l[..l.find("</line>").unwrap_or(l.len())];
            let mut text = String::new();
            for w in body.split("<word ").skip(1) {
                let start = w.find('>').unwrap() + 1;
                let end = w.find("</word>").unwrap();
                text.push_str(&unescape(&w[start..end]));
            }
            let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            lines.push(Line {
                x0: attr(tag, "xMin"),
                y0: attr(tag, "yMin"),
                x1: attr(tag, "xMax"),
                y1: attr(tag, "yMax"),
                text,
            });
        }
        out.push(lines);
    }
    out
}

/// A page number line (— 3 —).
pub fn is_page_number(l: &Line) -> bool {
    let t = &l.text;
    t.starts_with('—') && t.ends_with('—') && t.chars().filter(|c| c.is_ascii_digit()).count() >= 1
}

/// The date of the signature: `2026年11月30日`, or the blank date of a draft (年月日).
pub fn is_date(t: &str) -> bool {
    if t == "年月日" {
        return true;
    }
    let Some(rest) = t.strip_suffix('日') else {
        return false;
    };
    let Some((y, md)) = rest.split_once('年') else {
        return false;
    };
    let Some((m, d)) = md.split_once('月') else {
        return false;
    };
    y.len() == 4
        && [y, m, d]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// Lines of the closing block (版记): 抄送 and 印发.
fn is_closing(l: &Line) -> bool {
    l.text.starts_with("抄送") || l.text.ends_with("印发")
}

/// Where the signature's date is: the last date line of the document that is not in the
/// closing block, with its page.
pub fn signature_date(pages: &[Vec<Line>]) -> Option<(usize, Line)> {
    let mut found = None;
    for (p, lines) in pages.iter().enumerate() {
        for l in lines {
            if is_date(&l.text) && !is_closing(l) {
                found = Some((p, l.clone()));
            }
        }
    }
    found
}

/// The date's right edge is four characters in from the type area's right edge (右空四字).
pub fn check_date(name: &str, pages: &[Vec<Line>]) -> Vec<String> {
    let Some((p, d)) = signature_date(pages) else {
        return vec![format!("{name}: no signature date found")];
    };
    let want = RIGHT - 4.0 * CHAR;
    if (d.x1 - want).abs() > 2.5 {
        return vec![format!(
            "{name} p{}: the date {:?} ends {:.1} mm from the right margin; 右空四字 is {:.1} mm",
            p + 1,
            d.text,
            (RIGHT - d.x1) / MM,
            4.0 * CHAR / MM
        )];
    }
    Vec::new()
}

/// No page holds only the signature (the office, the date, the 附注 and the closing
/// block).
pub fn check_signature_not_alone(name: &str, pages: &[Vec<Line>]) -> Vec<String> {
    let Some((p, _)) = signature_date(pages) else {
        return Vec::new();
    };
    let body: Vec<&Line> = pages[p]
        .iter()
        .filter(|l| !is_page_number(l) && !is_closing(l))
        .collect();
    let others = body
        .iter()
        .filter(|l| !is_date(&l.text) && !l.text.starts_with('（'))
        .count();
    // The office's line is one; at least one line of the body must be with it.
    if others <= 1 {
        return vec![format!(
            "{name} p{}: the page holds only the signature: {:?}",
            p + 1,
            body.iter().map(|l| l.text.as_str()).collect::<Vec<_>>()
        )];
    }
    Vec::new()
}

/// Nothing lies outside the type area but the page number.
pub fn check_type_area(name: &str, pages: &[Vec<Line>]) -> Vec<String> {
    let mut out = Vec::new();
    for (p, lines) in pages.iter().enumerate() {
        for l in lines.iter().filter(|l| !is_page_number(l)) {
            let tol = 1.0;
            // A CJK punctuation mark at a line's end (，。) or start (（“) is set half
            // width there: its ink is in the half of its em box inside the line, and
            // poppler reports the whole box.
            let half = |c: Option<char>, marks: &str| {
                if c.is_some_and(|c| marks.contains(c)) {
                    CHAR / 2.0
                } else {
                    0.0
                }
            };
            let right = RIGHT + tol + half(l.text.chars().last(), "，。、；：）”’》」』！？");
            let left = LEFT - tol - half(l.text.chars().next(), "（“‘《「『");
            if l.x0 < left || l.x1 > right || l.y0 < TOP - tol || l.y1 > BOTTOM + tol {
                out.push(format!(
                    "{name} p{}: {:?} lies outside the type area (x {:.1}–{:.1} mm, y {:.1}–{:.1} mm)",
                    p + 1,
                    l.text,
                    l.x0 / MM,
                    l.x1 / MM,
                    l.y0 / MM,
                    l.y1 / MM
                ));
            }
        }
    }
    out
}

/// The title's lines: on the first page, the lines in 2号 (taller than the body's) above
/// the addressee (the first line ending in ：).
pub fn title_lines(pages: &[Vec<Line>]) -> Vec<Line> {
    let first = &pages[0];
    let addressee = first
        .iter()
        .position(|l| l.text.ends_with('：'))
        .unwrap_or(first.len());
    first[..addressee]
        .iter()
        .filter(|l| l.height() > 19.5 && l.height() < 32.0 && !l.text.contains('〔'))
        .cloned()
        .collect()
}

/// No title line is a single character, and there is a blank line between the title
/// and the addressee.
pub fn check_title(name: &str, pages: &[Vec<Line>]) -> Vec<String> {
    let t = title_lines(pages);
    if t.is_empty() {
        return vec![format!("{name}: no title found")];
    }
    let mut out = Vec::new();
    for l in &t {
        if l.text.chars().count() < 2 {
            out.push(format!(
                "{name}: the title line {:?} is a single character",
                l.text
            ));
        }
    }
    if let Some(addr) = pages[0].iter().find(|l| l.text.ends_with('：')) {
        let last = t.last().unwrap();
        if addr.y0 - last.y1 < 14.0 {
            out.push(format!(
                "{name}: only {:.1} mm between the title and the addressee (a blank line is wanted)",
                (addr.y0 - last.y1) / MM
            ));
        }
    }
    out
}

/// Page `page` (1 = the first) of `pdf` as RGB pixels at 144 dpi: (width, height, rows).
fn raster(pdf: &[u8], page: usize) -> (usize, usize, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("read.pdf");
    std::fs::write(&path, pdf).unwrap();
    let n = page.to_string();
    let o = Command::new("pdftoppm")
        .args(["-r", "144", "-f", &n, "-l", &n])
        .arg(&path)
        .arg(dir.path().join("p"))
        .output()
        .expect("pdftoppm is needed (apt-get install poppler-utils)");
    assert!(o.status.success(), "pdftoppm failed");
    let file = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "ppm"))
        .expect("a ppm page");
    let bytes = std::fs::read(file).unwrap();
    // P6\n<w> <h>\n255\n<rgb…>
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
    }
    at += 1;
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (w, h, bytes[at..].to_vec())
}

/// The top of the red separator on page 1, in points, from a raster at 144 dpi.
pub fn red_rule_top(pdf: &[u8]) -> Option<f64> {
    let (w, h, px) = raster(pdf, 1);
    let scale = 144.0 / 72.0;
    let (x0, x1) = ((LEFT * scale) as usize + 4, (RIGHT * scale) as usize - 4);
    for y in 0..h {
        let red = (x0..x1)
            .filter(|&x| {
                let i = (y * w + x) * 3;
                px[i] > 170 && px[i + 1] < 90 && px[i + 2] < 90
            })
            .count();
        if red as f64 > 0.95 * (x1 - x0) as f64 {
            return Some(y as f64 / scale);
        }
    }
    None
}

/// The dark horizontal rules across the type area on page `page` (1 = the first), as
/// (top, bottom) in points from the page's top, from a raster at 144 dpi: runs of rows
/// in which nearly every pixel between the margins is dark.
pub fn dark_rules(pdf: &[u8], page: usize) -> Vec<(f64, f64)> {
    let (w, h, px) = raster(pdf, page);
    let scale = 144.0 / 72.0;
    let (x0, x1) = ((LEFT * scale) as usize + 4, (RIGHT * scale) as usize - 4);
    let mut out: Vec<(f64, f64)> = Vec::new();
    let mut run: Option<usize> = None;
    for y in 0..=h {
        let dark = y < h
            && (x0..x1)
                .filter(|&x| {
                    let i = (y * w + x) * 3;
                    px[i] < 110 && px[i + 1] < 110 && px[i + 2] < 110
                })
                .count() as f64
                > 0.95 * (x1 - x0) as f64;
        match (dark, run) {
            (true, None) => run = Some(y),
            (false, Some(start)) => {
                out.push((start as f64 / scale, y as f64 / scale));
                run = None;
            }
            _ => {}
        }
    }
    out
}

/// How far from the type area's bottom edge (in mm) the 版记's last rule may end.
pub const CLOSING_SLACK_MM: f64 = 3.0;

/// The 版记 sits at the foot of the last page (GB/T 9704 §7.4): its 印发 line is on
/// the last page between two rules, and its last rule (`rules` of that page, from
/// [`dark_rules`]) ends within [`CLOSING_SLACK_MM`] of the type area's bottom edge.
pub fn check_closing_at_foot(name: &str, pages: &[Vec<Line>], rules: &[(f64, f64)]) -> Vec<String> {
    let Some(last) = pages.last() else {
        return vec![format!("{name}: no page")];
    };
    let Some(printed) = last.iter().find(|l| l.text.ends_with("印发")) else {
        return vec![format!("{name}: no 印发 line (版记) on the last page")];
    };
    let above = rules.iter().any(|r| r.1 <= printed.y0);
    // The bottom-most rule below the 印发 line (rules come top first).
    let below = rules.iter().rev().find(|r| r.0 >= printed.y1).map(|r| r.1);
    let Some(bottom) = below.filter(|_| above) else {
        return vec![format!(
            "{name}: the 印发 line of the 版记 is not between two rules on the last page"
        )];
    };
    let gap = (BOTTOM - bottom) / MM;
    if gap.abs() > CLOSING_SLACK_MM {
        return vec![format!(
            "{name}: the 版记's last rule ends {gap:.1} mm above the type area's bottom edge (at most {CLOSING_SLACK_MM} mm wanted)"
        )];
    }
    Vec::new()
}

/// The red separator is 4 mm below the document number.
pub fn check_separator(name: &str, pdf: &[u8], pages: &[Vec<Line>]) -> Vec<String> {
    let Some(number) = pages[0]
        .iter()
        .find(|l| l.text.contains('〔') && l.text.ends_with('号'))
    else {
        return vec![format!("{name}: no document number on page 1")];
    };
    let Some(rule) = red_rule_top(pdf) else {
        return vec![format!("{name}: no red separator on page 1")];
    };
    let gap = (rule - number.y1) / MM;
    if (gap - 4.0).abs() > 0.8 {
        return vec![format!(
            "{name}: the red separator is {gap:.1} mm below the number (4 mm wanted)"
        )];
    }
    Vec::new()
}

/// What a reader should never see in a document meant for people: a rule code or a
/// record id (an ASCII capital followed by a digit: V4, P0193, U370102), or an ISO date
/// (2026-09-08). Returns each hit with some context.
pub fn internals(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let ctx = |i: usize| -> String {
        let a = i.saturating_sub(8);
        let b = (i + 10).min(chars.len());
        chars[a..b].iter().collect()
    };
    for i in 0..chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied().unwrap_or(' ');
        let prev = if i > 0 { chars[i - 1] } else { ' ' };
        if c.is_ascii_uppercase() && next.is_ascii_digit() && !prev.is_ascii_alphabetic() {
            out.push(format!("code or id: {}", ctx(i)));
        }
        if c.is_ascii_digit()
            && !prev.is_ascii_digit()
            && i + 10 <= chars.len()
            && chars[i..i + 4].iter().all(|c| c.is_ascii_digit())
            && chars[i + 4] == '-'
            && chars[i + 5..i + 7].iter().all(|c| c.is_ascii_digit())
            && chars[i + 7] == '-'
        {
            out.push(format!("ISO date: {}", ctx(i)));
        }
    }
    out
}
