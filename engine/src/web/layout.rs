//! The frame of every page (maud templates, compiled into the binary): header with the
//! user and the navigation, the style sheet, and the helpers pages share (links that
//! keep a page's parameters, the pager of long tables, numbers as on the PDFs).

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::users::{Role, UserConfig};

/// Rows a table shows per page.
pub const PAGE_ROWS: usize = 100;

/// The bundled fonts the style sheet may load (`/fonts/…`).
pub const FONTS: &[&str] = &["FandolHei-Regular.otf", "FandolHei-Bold.otf"];

/// The style sheet (served as `/app.css`): plain CSS, readable at phone width. The
/// common Chinese system fonts come first (Noto Sans CJK / Source Han Sans on Linux and
/// Android, PingFang on Apple devices, Microsoft YaHei on Windows); the bundled 黑体
/// only fills what they lack, before the generic family.
pub const CSS: &str = r#"
@font-face{font-family:"Tiexin Hei";src:url(/fonts/FandolHei-Regular.otf) format("opentype");font-weight:normal}
@font-face{font-family:"Tiexin Hei";src:url(/fonts/FandolHei-Bold.otf) format("opentype");font-weight:bold}
*{box-sizing:border-box}
body{margin:0;font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei","Tiexin Hei",sans-serif;color:#1d1d1f;background:#f6f6f4;font-size:15px;line-height:1.5}
header{background:#b3171c;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;align-items:center}
header a{color:#fff;text-decoration:none}
header .brand{font-size:1.1rem}
header nav{display:flex;flex-wrap:wrap;gap:.2rem 1rem}
header nav a.on{border-bottom:2px solid #fff}
header .who{margin-left:auto;display:flex;gap:.6rem;align-items:center;font-size:.9rem}
header form{display:inline}
header button{background:transparent;color:#fff;border:1px solid #fff;border-radius:3px;padding:.1rem .5rem;cursor:pointer}
main{max-width:1100px;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.2rem 0 .8rem}
h2{font-size:1.1rem;margin:1.4rem 0 .5rem;border-left:4px solid #b3171c;padding-left:.5rem}
a{color:#0b57a4}
.crumbs{font-size:.9rem;color:#555;margin-bottom:.4rem}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:.6rem}
.figure{background:#fff;border:1px solid #ddd;border-radius:4px;padding:.6rem .8rem}
.figure .label{color:#555;font-size:.85rem}
.figure .value{font-size:1.5rem;font-weight:bold}
.figure .change{color:#555;font-size:.8rem;overflow-wrap:anywhere}
code{font-family:ui-monospace,"Noto Sans Mono CJK SC","Tiexin Hei",monospace;overflow-wrap:anywhere}
.scroll{overflow-x:auto;background:#fff;border:1px solid #ddd;border-radius:4px}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:.35rem .6rem;border-bottom:1px solid #eee;text-align:left;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.wrap{white-space:normal;min-width:16rem}
th{background:#f0efeb}
th a{color:inherit}
.chart{background:#fff;border:1px solid #ddd;border-radius:4px;padding:.4rem;max-width:640px}
.chart svg{width:100%;height:auto}
.pager{margin:.5rem 0;display:flex;gap:1rem;align-items:center}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:.8rem}
form.filters label{display:flex;flex-direction:column;font-size:.85rem}
input,select,textarea,button{font:inherit;padding:.3rem .4rem}
textarea{width:100%;min-height:8rem;font-family:ui-monospace,"Noto Sans Mono CJK SC","Tiexin Hei",monospace}
pre code{overflow-wrap:normal}
pre{background:#fff;border:1px solid #ddd;padding:.6rem;overflow-x:auto;font-size:.85rem}
.note{color:#555;font-size:.9rem}
form.inline{display:inline;margin-left:1rem}
.error{background:#fdecea;border:1px solid #e0a3a0;padding:.6rem;border-radius:4px}
.login{max-width:22rem;margin:3rem auto;background:#fff;border:1px solid #ddd;padding:1.2rem;border-radius:6px}
.login label{display:block;margin:.5rem 0}
.login input{width:100%}
dl.record{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;background:#fff;border:1px solid #ddd;padding:.6rem;border-radius:4px}
dl.record dt{color:#555}
dl.record dd{margin:0}
@media (max-width:600px){main{padding:.5rem}.figure .value{font-size:1.25rem}header .who{margin-left:0}}
"#;

/// A whole page: the header for `user` (none on the log-in page), the title, the body.
pub fn page(user: Option<(&UserConfig, &str)>, active: &str, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · 贴心" }
                link rel="stylesheet" href="/app.css";
            }
            body {
                header {
                    a.brand href="/" { "贴心 · 困难职工联系人工作" }
                    @if let Some((u, csrf)) = user {
                        nav {
                            @for (key, href, label) in nav(u.role) {
                                a class=[(key == active).then_some("on")] href=(href) { (label) }
                            }
                        }
                        span.who {
                            span { (u.name) "（" (u.role.chinese()) "）" }
                            form method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(csrf);
                                button type="submit" { "退出" }
                            }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// The navigation of a role: (key, link, label).
fn nav(role: Role) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut v = vec![
        ("overview", "/", "概览"),
        ("findings", "/findings", "问题清单"),
        ("corrections", "/corrections", "整改与预警"),
    ];
    if role.audits() {
        v.push(("audits", "/audits", "专项审计"));
    }
    if matches!(role, Role::Committee | Role::Office) {
        v.push(("shortlist", "/shortlist", "推荐名单"));
    }
    v.push(("documents", "/documents", "文件"));
    v
}

/// Inline SVG (the charts, drawn by tiexin itself).
pub fn svg(s: &str) -> Markup {
    // The SVG comes from plotters with labels escaped as XML; the XML prologue is dropped.
    let body = s.find("<svg").map_or(s, |i| &s[i..]);
    PreEscaped(body.to_string())
}

/// `path?k=v&…` of the parameters that are set (values percent-encoded).
pub fn link(path: &str, params: &[(&str, &str)]) -> String {
    let q: Vec<String> = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", q.join("&"))
    }
}

/// Percent-encodes a query value.
pub fn encode(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The rows of page `page` (1-based) of `n` rows: (start, end, pages).
pub fn window(n: usize, page: usize) -> (usize, usize, usize) {
    let pages = n.div_ceil(PAGE_ROWS).max(1);
    let page = page.clamp(1, pages);
    let start = (page - 1) * PAGE_ROWS;
    (start, (start + PAGE_ROWS).min(n), pages)
}

/// The pager below a table: `href(page)` links to a page.
pub fn pager(n: usize, page: usize, href: impl Fn(usize) -> String) -> Markup {
    let (start, end, pages) = window(n, page);
    let page = page.clamp(1, pages);
    html! {
        div.pager {
            span { "共 " (n) " 行" @if n > 0 { "，第 " (start + 1) "–" (end) " 行" } }
            @if pages > 1 {
                @if page > 1 { a href=(href(page - 1)) { "上一页" } }
                span { "第 " (page) " / " (pages) " 页" }
                @if page < pages { a href=(href(page + 1)) rel="next" { "下一页" } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_page_at_100_rows() {
        assert_eq!(window(0, 1), (0, 0, 1));
        assert_eq!(window(250, 1), (0, 100, 3));
        assert_eq!(window(250, 3), (200, 250, 3));
        assert_eq!(window(250, 9), (200, 250, 3));
        assert_eq!(window(250, 0), (0, 100, 3));
    }

    #[test]
    fn links_keep_set_parameters_encoded() {
        assert_eq!(
            link("/findings", &[("rule", "V1"), ("union", "")]),
            "/findings?rule=V1"
        );
        assert_eq!(link("/x", &[("q", "a b&c")]), "/x?q=a%20b%26c");
        assert_eq!(link("/x", &[]), "/x");
    }
}
