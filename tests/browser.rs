//! The console in a real browser: headless Chromium (Debian's `chromium` and
//! `chromium-driver`) driven through WebDriver. A county inspector logs in, clicks from
//! the overview down to a finding's detail page, downloads the bulletin PDF (its text
//! checked with pdftotext), and the main pages are saved as screenshots, at desktop and
//! phone width, into `<target>/tmp/browser/`; then the award committee opens a nominee's
//! page. No screenshot may show a Chinese character as a box (a font without CJK
//! glyphs). Without Chromium, or without a CJK font, the test fails.

mod common;
mod console;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use console::{Server, PASSWORD};

/// chromedriver, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_driver() -> (Driver, String) {
    let exe = which("chromedriver").expect(
        "chromedriver is not installed: apt-get install chromium chromium-driver (.ci/run does)",
    );
    assert!(
        which("chromium").is_some(),
        "chromium is not installed: apt-get install chromium chromium-driver (.ci/run does)"
    );
    let port = free_port();
    let child = Command::new(exe)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (Driver(child), url)
}

async fn browser(driver: &str, downloads: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=zh-CN"],
            "prefs": {
                "download.default_directory": downloads.display().to_string(),
                "download.prompt_for_download": false,
                "plugins.always_open_pdf_externally": true,
            },
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver)
        .await
        .expect("a Chromium session through chromedriver")
}

/// The Chinese characters of the page that are drawn as boxes: once the page's fonts
/// are loaded, each CJK character of each visible text is drawn on a canvas with its
/// element's font and compared with the drawing of an unassigned code point (U+0378,
/// which no font has, so it is drawn as the box of a missing glyph). A character drawn
/// the same way fell back to a font without CJK glyphs.
const BOXES: &str = r#"
const done = arguments[arguments.length - 1];
document.fonts.ready.then(() => {
  const canvas = document.createElement('canvas');
  canvas.width = 48; canvas.height = 48;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (font, ch) => {
    ctx.clearRect(0, 0, 48, 48);
    ctx.font = font;
    ctx.textBaseline = 'top';
    ctx.fillText(ch, 4, 4);
    return ctx.getImageData(0, 0, 48, 48).data.join(',');
  };
  const boxes = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || el.getClientRects().length === 0) continue;
    const s = getComputedStyle(el);
    const font = `${s.fontStyle} ${s.fontWeight} 32px ${s.fontFamily}`;
    let box = null;
    for (const ch of walker.currentNode.data) {
      if (!/[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/.test(ch) || seen.has(font + ch)) continue;
      seen.add(font + ch);
      if (box === null) box = draw(font, '\u0378');
      if (draw(font, ch) === box) boxes.push(`${ch} in <${el.tagName.toLowerCase()}> (${s.fontFamily})`);
    }
  }
  done(boxes);
});
"#;

/// Saves a screenshot of the page, after checking that none of its Chinese characters
/// is drawn as a box (a font without CJK glyphs).
async fn shot(c: &Client, out: &Path, name: &str) {
    let boxes = c.execute_async(BOXES, vec![]).await.unwrap();
    let boxes = boxes.as_array().unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(out.join(format!("{name}.png")), png).unwrap();
    assert!(
        boxes.is_empty(),
        "{name}: Chinese drawn as boxes (no CJK font: apt-get install fonts-noto-cjk, as .ci/run does): {boxes:?}"
    );
}

/// Logs in through the form as `name`, landing on `lands`.
async fn log_in(c: &Client, base: &str, name: &str, lands: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Css("input[name=name]"))
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    click(c, Locator::Css("button[type=submit]")).await;
    wait_url(c, lands).await;
}

/// Clicks the element `at` finds.
async fn click(c: &Client, at: Locator<'_>) {
    c.find(at).await.unwrap().click().await.unwrap();
}

/// The text of the element the CSS selector `css` finds.
async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn wait_url(c: &Client, part: &str) -> String {
    let start = Instant::now();
    loop {
        let u = c.current_url().await.unwrap().to_string();
        if u.contains(part) {
            return u;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "never reached {part}: at {u}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether the page is no wider than the window (tables scroll in their own box).
async fn fits(c: &Client) -> bool {
    let v = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    v.as_bool().unwrap()
}

#[test]
fn county_inspector_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (_driver, url) = start_driver();
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&out).unwrap();
    let downloads = dir.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = browser(&url, &downloads).await;
        let base = &server.base;
        c.goto(&format!("{base}/")).await.unwrap();
        wait_url(&c, "/login").await;
        shot(&c, &out, "login").await;
        log_in(&c, base, "lixia", "/u/U370102/2026Q3").await;
        let body = text_of(&c, "main").await;
        assert!(body.contains("历下区总工会 · 2026年第3季度"), "{body}");
        shot(&c, &out, "overview").await;

        // Down the tree, then to the findings and one finding's detail page.
        click(&c, Locator::Css("#children a[href^='/u/']")).await;
        wait_url(&c, "/u/U370102").await;
        shot(&c, &out, "union").await;
        c.goto(&format!("{base}/u/U370102/2026Q3")).await.unwrap();
        click(&c, Locator::LinkText("本单位问题清单")).await;
        wait_url(&c, "/findings").await;
        shot(&c, &out, "findings").await;
        click(&c, Locator::Css("#findings a[href^='/finding/']")).await;
        wait_url(&c, "/finding/2026Q3/").await;
        let body = text_of(&c, "main").await;
        assert!(body.contains("违反的制度要求"), "{body}");
        assert!(body.contains("queries/findings/"), "{body}");
        shot(&c, &out, "finding").await;

        // The bulletin draft, downloaded by clicking its link.
        c.goto(&format!("{base}/u/U370102/2026Q3")).await.unwrap();
        click(&c, Locator::Css("a[href$='bulletin.pdf']")).await;
        let start = Instant::now();
        let pdf = loop {
            let done: Vec<PathBuf> = std::fs::read_dir(&downloads)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
                .collect();
            if let Some(p) = done.first() {
                break p.clone();
            }
            assert!(
                start.elapsed() < Duration::from_secs(180),
                "no PDF downloaded"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let text = common::pdf_text(&std::fs::read(&pdf).unwrap());
        for want in [
            "送审稿（未编号）",
            "历下区总工会",
            "2026年第3季度",
            "困难职工联系人制度落实情况",
        ] {
            assert!(text.contains(want), "{want} not in the PDF: {text}");
        }

        // The other main pages, and the overview at phone width.
        for (path, name) in [
            ("/corrections", "corrections"),
            ("/audits", "audits"),
            ("/documents", "documents"),
        ] {
            c.goto(&format!("{base}{path}")).await.unwrap();
            shot(&c, &out, name).await;
        }
        c.set_window_size(390, 844).await.unwrap();
        for (path, name) in [
            ("/u/U370102/2026Q3", "phone-overview"),
            ("/findings", "phone-findings"),
        ] {
            c.goto(&format!("{base}{path}")).await.unwrap();
            shot(&c, &out, name).await;
            assert!(fits(&c).await, "{path} is wider than a phone");
        }

        // The award committee: the shortlist, and a nominee's page from it.
        c.set_window_size(1280, 1000).await.unwrap();
        click(&c, Locator::Css("header form button")).await;
        wait_url(&c, "/login").await;
        log_in(&c, base, "committee", "/u/U37/2026Q3").await;
        c.goto(&format!("{base}/shortlist/2026")).await.unwrap();
        shot(&c, &out, "shortlist").await;
        click(&c, Locator::Css("a[href='/shortlist/2026/C06']")).await;
        wait_url(&c, "/shortlist/2026/C06").await;
        let body = text_of(&c, "#household-quarters").await;
        assert!(body.contains("2026Q3") && body.contains("V0335"), "{body}");
        shot(&c, &out, "nominee").await;
        c.close().await.unwrap();
    });
    for name in [
        "login",
        "overview",
        "findings",
        "finding",
        "phone-overview",
        "shortlist",
        "nominee",
    ] {
        let png = std::fs::read(out.join(format!("{name}.png"))).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}
