//! The URLs of the console, the logged-in viewer every page starts from, log-in and
//! log-out, and the answers every page shares (403 written to the audit log, 404, …).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, page};
use super::state::Loaded;
use super::users::{self, UserConfig};
use super::{auth, pages, App};

/// What a page handler returns: a page, or an answer that stops it (403, 404, …).
pub type Page = std::result::Result<Response, Response>;

/// The routes of the console.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(pages::union::home))
        .route("/app.css", get(css))
        .route("/fonts/{name}", get(font))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/reload", post(reload))
        .route("/u/{union}/{period}", get(pages::union::union))
        .route(
            "/u/{union}/{period}/bulletin.pdf",
            get(pages::documents::bulletin),
        )
        .route("/findings", get(pages::findings::list))
        .route(
            "/finding/{period}/{rule}/{subject}",
            get(pages::findings::detail),
        )
        .route("/corrections", get(pages::corrections::page))
        .route("/audits", get(pages::audits::list))
        .route("/audits/{name}", get(pages::audits::run))
        .route("/sql", post(pages::audits::sql))
        .route("/shortlist", get(pages::shortlist::home))
        .route("/shortlist/{year}", get(pages::shortlist::list))
        .route("/shortlist/{year}/{contact}", get(pages::nominee::nominee))
        .route("/documents", get(pages::documents::list))
        .route("/documents/{id}", get(pages::documents::download))
        .fallback(|| async { not_found("没有这个页面。") })
        .layer(axum::middleware::map_response(secure_headers))
        .with_state(app)
}

/// Headers on every answer: no framing, no sniffing, no caching, only our own CSS.
async fn secure_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        h.entry(k).or_insert(HeaderValue::from_static(v));
    };
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::CACHE_CONTROL, "no-store");
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    r
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        layout::CSS,
    )
        .into_response()
}

/// `/fonts/FandolHei-Regular.otf`: a bundled sans font, which the style sheet names
/// after the fonts of the device, so that a browser without a Chinese font still shows
/// the pages (it downloads only what it lacks).
async fn font(Path(name): Path<String>) -> Response {
    if !layout::FONTS.contains(&name.as_str()) {
        return not_found("没有这个字体。");
    }
    let bytes = crate::assets::fonts()
        .and_then(|f| f.iter().find(|(n, _)| *n == name).map(|(_, b)| b.to_vec()))
        .or_else(|| {
            crate::documents::fonts::locate()
                .ok()
                .and_then(|d| std::fs::read(d.join(&name)).ok())
        });
    match bytes {
        Some(b) => (
            [
                (header::CONTENT_TYPE, "font/otf"),
                (header::CACHE_CONTROL, "max-age=86400"),
            ],
            b,
        )
            .into_response(),
        None => not_found("没有这个字体。"),
    }
}

/// A logged-in user with the archive loaded: every page but log-in starts from one.
pub struct Viewer {
    /// The user, as configured now.
    pub user: UserConfig,
    /// The session's CSRF token.
    pub csrf: String,
    /// The session token.
    pub token: String,
    /// The archive this request works on (kept even if a reload swaps in another).
    pub loaded: Arc<Loaded>,
    /// The request's path and query, as the audit log records it.
    pub path: String,
    /// The client's address.
    pub ip: String,
    app: Arc<App>,
}

impl Viewer {
    /// The page frame for this user.
    pub fn page(&self, active: &str, title: &str, body: Markup) -> Response {
        html_page(page(Some((&self.user, &self.csrf)), active, title, body))
    }

    /// Writes that this page showed household-level data of `union` in `period`.
    pub fn viewed(&self, union: Option<&str>, period: Option<&str>) {
        self.app
            .audit("page", &self.user.name, &self.path, union, period);
    }

    /// Refuses a union outside the user's subtree (403, written to the audit log).
    pub fn check_scope(
        &self,
        union: &str,
        period: Option<&str>,
    ) -> std::result::Result<(), Response> {
        if self.loaded.in_scope(&self.user.scope, union) {
            return Ok(());
        }
        Err(self.forbidden(
            Some(union),
            period,
            &format!(
                "{union} 不在您的权限范围（{}及其下级工会）内。",
                self.loaded.name(&self.user.scope)
            ),
        ))
    }

    /// A 403 page, written to the audit log.
    pub fn forbidden(&self, union: Option<&str>, period: Option<&str>, why: &str) -> Response {
        self.app
            .audit("forbidden", &self.user.name, &self.path, union, period);
        let body = html! { h1 { "无权访问" } p.error { (why) } p { a href="/" { "返回概览" } } };
        (StatusCode::FORBIDDEN, self.page("", "无权访问", body)).into_response()
    }

    /// Checks a POST form's CSRF token (403, written to the audit log, when wrong).
    pub fn check_csrf(&self, given: &str) -> std::result::Result<(), Response> {
        if auth::same(given, &self.csrf) {
            Ok(())
        } else {
            Err(self.forbidden(
                None,
                None,
                "表单已过期或来源不明（CSRF 校验未通过），请返回页面重新提交。",
            ))
        }
    }

    /// The app.
    pub fn app(&self) -> &Arc<App> {
        &self.app
    }
}

/// The client's address: the peer, or behind the proxy the last `X-Forwarded-For`.
fn client_ip(app: &App, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    if app.settings.load().behind_proxy {
        if let Some(v) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
            if let Some(last) = v.rsplit(',').next() {
                return last.trim().to_string();
            }
        }
    }
    peer.map(|p| p.ip().to_string()).unwrap_or_default()
}

fn session_token(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| auth::cookie(h, name).map(str::to_string))
}

impl FromRequestParts<Arc<App>> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Viewer, Response> {
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
        let login = || Redirect::to(&layout::link("/login", &[("next", &path)])).into_response();
        let Some(token) = session_token(&parts.headers, auth::COOKIE) else {
            return Err(login());
        };
        let Some(s) = app.sessions.get(&token) else {
            return Err(login());
        };
        let Some(user) = app.user(&s.user) else {
            // Disabled or removed from the config since log-in.
            app.sessions.close(&token);
            return Err(login());
        };
        let Some(loaded) = app.loaded.load_full() else {
            return Err(loading(app));
        };
        Ok(Viewer {
            user,
            csrf: s.csrf,
            token,
            loaded,
            ip: client_ip(
                app,
                &parts.headers,
                parts
                    .extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|c| c.0),
            ),
            path,
            app: app.clone(),
        })
    }
}

/// The page served while the archive loads: what it is doing, refreshed every 2 s.
fn loading(app: &App) -> Response {
    let status = app.status.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let body = html! {
        h1 { "正在载入档案" }
        p { (status) }
        p.note { "页面每两秒自动刷新。" }
    };
    refreshing(StatusCode::SERVICE_UNAVAILABLE, "正在载入", body, "2")
}

/// The page served while figures a page needs are computed on its view ([`within`]):
/// what is being computed and for how long, until they are ready. 202: the request is
/// accepted, its page comes with a later ask. Each ask waits up to `wait` for the
/// figures ([`pages::wait`]), so the browser asks again at once (`Refresh: 0`): the
/// figures show as soon as they are computed, not up to a refresh period later. With
/// a wait under 0.5 s (the tests' `TIEXIN_SERVE_WAIT_MS=0`) it asks every 2 s instead,
/// so as not to ask without pause.
///
/// [`within`]: super::pages::within
pub fn computing(what: &str, elapsed: std::time::Duration, wait: std::time::Duration) -> Response {
    let long_poll = wait >= std::time::Duration::from_millis(500);
    let body = html! {
        h1 { "正在计算" }
        p { "正在计算" (what) "，已用 " (elapsed.as_secs()) " 秒。" }
        p.note {
            "这些数据是第一次被查看，算好后即保留，以后打开不再等待。"
            @if long_poll { "本页算好即显示，无需刷新。" } @else { "本页每两秒自动刷新，算好即显示。" }
        }
    };
    refreshing(
        StatusCode::ACCEPTED,
        "正在计算",
        body,
        if long_poll { "0" } else { "2" },
    )
}

/// A page the browser asks for again after `seconds` (`Refresh`).
fn refreshing(status: StatusCode, title: &str, body: Markup, seconds: &'static str) -> Response {
    let mut r = (status, html_page(page(None, "", title, body))).into_response();
    r.headers_mut()
        .insert("refresh", HeaderValue::from_static(seconds));
    r
}

/// An HTML page as a response.
pub fn html_page(m: Markup) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        m.into_string(),
    )
        .into_response()
}

/// A 404 page.
pub fn not_found(why: &str) -> Response {
    let body = html! { h1 { "未找到" } p { (why) } p { a href="/" { "返回概览" } } };
    (
        StatusCode::NOT_FOUND,
        html_page(page(None, "", "未找到", body)),
    )
        .into_response()
}

/// A 400 page: a parameter that cannot be read.
pub fn bad_request(why: &str) -> Response {
    let body = html! { h1 { "请求有误" } p.error { (why) } p { a href="/" { "返回概览" } } };
    (
        StatusCode::BAD_REQUEST,
        html_page(page(None, "", "请求有误", body)),
    )
        .into_response()
}

/// A 500 page for an error of the library (its sentence is shown).
pub fn failed(e: crate::error::Error) -> Response {
    eprintln!("error: {e}");
    let body = html! { h1 { "出错了" } p.error { (e.to_string()) } };
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        html_page(page(None, "", "出错了", body)),
    )
        .into_response()
}

#[derive(Deserialize, Default)]
struct Next {
    #[serde(default)]
    next: String,
}

/// Only a path of this site may follow log-in.
fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}

fn login_page(next: &str, error: &str, form_token: &str, status: StatusCode) -> Response {
    let body = html! {
        div.login {
            h1 { "登录" }
            @if !error.is_empty() { p.error { (error) } }
            form method="post" action="/login" {
                input type="hidden" name="csrf" value=(form_token);
                input type="hidden" name="next" value=(next);
                label { "用户名" input name="name" autocomplete="username" required; }
                label { "密码" input type="password" name="password" autocomplete="current-password" required; }
                button type="submit" { "登录" }
            }
        }
    };
    (status, html_page(page(None, "", "登录", body))).into_response()
}

async fn login_form(State(app): State<Arc<App>>, Query(q): Query<Next>) -> Response {
    let t = auth::token();
    let secure = app.settings.load().behind_proxy;
    let mut r = login_page(safe_next(&q.next), "", &t, StatusCode::OK);
    if let Ok(v) = HeaderValue::from_str(&auth::set_cookie(auth::LOGIN_COOKIE, &t, 3600, secure)) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let ip = client_ip(&app, &headers, Some(peer));
    let next = safe_next(&f.next).to_string();
    let path = "/login";
    // The log-in form's token must match its cookie (no log-in from another site).
    let cookie = session_token(&headers, auth::LOGIN_COOKIE).unwrap_or_default();
    if f.csrf.is_empty() || !auth::same(&f.csrf, &cookie) {
        app.audit("forbidden", &f.name, path, None, None);
        return login_page(
            &next,
            "登录表单已过期，请重新登录。",
            &f.csrf,
            StatusCode::FORBIDDEN,
        );
    }
    if let Some(secs) = app.throttle.locked(&f.name, &ip) {
        app.audit("login-throttled", &f.name, path, None, None);
        let msg = format!("登录失败次数过多，请 {} 分钟后再试。", secs.div_ceil(60));
        return login_page(&next, &msg, &f.csrf, StatusCode::TOO_MANY_REQUESTS);
    }
    let user = app.user(&f.name);
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let password = f.password.clone();
    let ok = tokio::task::spawn_blocking(move || users::verify(hash.as_deref(), &password))
        .await
        .unwrap_or(false);
    let secure = app.settings.load().behind_proxy;
    match user {
        Some(u) if ok => {
            app.throttle.succeeded(&u.name, &ip);
            app.audit("login", &u.name, path, Some(&u.scope), None);
            let token = app.sessions.open(&u.name);
            let mut r = Redirect::to(&next).into_response();
            let life = auth::SESSION_LIFE.as_secs();
            for c in [
                auth::set_cookie(auth::COOKIE, &token, life, secure),
                auth::set_cookie(auth::LOGIN_COOKIE, "", 0, secure),
            ] {
                if let Ok(v) = HeaderValue::from_str(&c) {
                    r.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            r
        }
        _ => {
            let locked = app.throttle.failed(&f.name, &ip);
            app.audit("login-failed", &f.name, path, None, None);
            let msg = if locked {
                format!(
                    "登录失败次数过多，请 {} 分钟后再试。",
                    auth::LOCKOUT.as_secs() / 60
                )
            } else {
                "用户名或密码不正确。".to_string()
            };
            let status = if locked {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            login_page(&next, &msg, &f.csrf, status)
        }
    }
}

/// A POST form with only its CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(v: Viewer, Form(f): Form<CsrfForm>) -> Page {
    v.check_csrf(&f.csrf)?;
    v.app.sessions.close(&v.token);
    v.app.audit("logout", &v.user.name, "/logout", None, None);
    let secure = v.app.settings.load().behind_proxy;
    let mut r = Redirect::to("/login").into_response();
    if let Ok(h) = HeaderValue::from_str(&auth::set_cookie(auth::COOKIE, "", 0, secure)) {
        r.headers_mut().append(header::SET_COOKIE, h);
    }
    Ok(r)
}

/// `POST /reload` (office): reads the config and the archive again.
async fn reload(v: Viewer, Form(f): Form<CsrfForm>) -> Page {
    v.check_csrf(&f.csrf)?;
    if v.user.role != users::Role::Office {
        return Err(v.forbidden(None, None, "只有工会办公室可以重新载入档案。"));
    }
    v.app.audit("reload", &v.user.name, "/reload", None, None);
    match v.app.reload().await {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(e) => Err(failed(e)),
    }
}
