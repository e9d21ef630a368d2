//! `review preview`: the bulletin in a browser, following every edit.
//!
//! A driver beside `lib.rs`'s `run`, not a stage: it keeps one
//! [`Session`](crate::Session) (data loaded and aggregated, typesetter warm)
//! and serves its pages as SVG on 127.0.0.1. A watcher thread polls the data
//! folder and the template's folder (a snapshot of every file's size and
//! modification time, every [`POLL`]); a change rebuilds only what it
//! touches: a story or picture re-phrases, a template file is re-read, a CSV
//! or `publication.toml` re-aggregates. The page learns of each build over
//! server-sent events and fetches the new pages; a build that fails keeps
//! the last good pages and shows the error, as the command line words it.
//!
//! Nothing here writes a file, and no URL maps to one: the routes are `/`,
//! `/state`, `/events`, `/page/<n>.svg` and `/figure?row=…` (the summary.csv
//! row of a figure a story cites, which the page shows when it is
//! clicked), all read-only. A request whose
//! `Host` is not this server's address (DNS rebinding) or whose `Origin` is
//! another site's is refused.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::error::{Error, Result};
use crate::{Options, Session};

/// How often the watcher looks at the files.
pub const POLL: Duration = Duration::from_millis(100);

/// What the page shows: the last good pages, and the last build's error.
#[derive(Default)]
struct State {
    /// Bumped by every build, good or bad.
    version: u64,
    /// Bumped when the pages change.
    pages_version: u64,
    pages: Vec<Arc<String>>,
    /// The summary.csv of the pages shown.
    summary_csv: Arc<Vec<u8>>,
    /// The last build's error, as `review` prints it.
    error: Option<String>,
    /// The last good build's warnings about the data (a thin month…), as
    /// `review` prints them.
    warnings: Vec<String>,
    /// How long the last build took, in milliseconds.
    build_ms: u128,
    /// What the last build redid: `data` (load and aggregate), `stories`
    /// (read the stories, phrase) or `template` (re-read its files).
    rebuilt: &'static str,
}

/// The state and a condition variable the event streams wait on.
struct Shared {
    state: Mutex<State>,
    built: Condvar,
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What a change touched, from the least work to the most.
#[derive(Debug, Clone, PartialEq)]
enum Change {
    Template(Vec<PathBuf>),
    Stories,
    Data,
}

/// Serves the preview of `opts`' bulletin on 127.0.0.1:`port` (0: a free
/// port) until the process is stopped; `ready` gets the address once the
/// server listens.
pub fn serve(opts: &Options, port: u16, ready: &dyn Fn(SocketAddr)) -> Result<()> {
    if opts.summary_only {
        return Err(Error::Usage(
            "review preview typesets the bulletin: drop --summary-only".into(),
        ));
    }
    let mut opts = opts.clone();
    // Page images are a build's; the preview writes nothing.
    opts.png_dpi = None;
    opts.preview = true;
    let server = tiny_http::Server::http(("127.0.0.1", port))
        .map_err(|e| Error::Usage(format!("preview: cannot listen on 127.0.0.1:{port}: {e}")))?;
    let address = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| Error::Usage("preview: the server has no IP address".into()))?;
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        built: Condvar::new(),
    });
    let roots = Roots::of(&opts);
    {
        let shared = shared.clone();
        std::thread::spawn(move || build_forever(&opts, &roots, &shared));
    }
    ready(address);
    for request in server.incoming_requests() {
        let shared = shared.clone();
        if request.url().split('?').next() == Some("/events") && allowed(&request, address).is_ok()
        {
            std::thread::spawn(move || events(request, &shared));
        } else {
            respond(request, &shared, address);
        }
    }
    Ok(())
}

/// The folders the watcher looks at.
struct Roots {
    data: PathBuf,
    stories: PathBuf,
    template: PathBuf,
}

impl Roots {
    fn of(opts: &Options) -> Roots {
        Roots {
            data: opts.data_dir.clone(),
            stories: opts.data_dir.join("stories"),
            template: crate::render::template_root(&opts.template),
        }
    }

    /// What the changed `paths` touched: the most work any of them needs.
    fn classify(&self, paths: Vec<PathBuf>) -> Change {
        let template: Vec<PathBuf> = paths
            .iter()
            .filter(|p| p.starts_with(&self.template))
            .cloned()
            .collect();
        let rest = paths.iter().filter(|p| !p.starts_with(&self.template));
        let mut change = Change::Template(template);
        for path in rest {
            if path.starts_with(&self.stories) {
                if !matches!(change, Change::Data) {
                    change = Change::Stories;
                }
            } else if path.starts_with(&self.data) {
                change = Change::Data;
            }
        }
        change
    }
}

/// Every file under `root`: its size and modification time. Hidden files
/// and folders (an editor's swap files, `.git`) are left out.
fn snapshot(root: &Path, into: &mut BTreeMap<PathBuf, (u64, Option<SystemTime>)>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            snapshot(&path, into);
        } else {
            into.insert(path, (meta.len(), meta.modified().ok()));
        }
    }
}

/// The files that differ between two snapshots (changed, new or gone).
fn changed(
    before: &BTreeMap<PathBuf, (u64, Option<SystemTime>)>,
    now: &BTreeMap<PathBuf, (u64, Option<SystemTime>)>,
) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = now
        .iter()
        .filter(|(p, v)| before.get(*p) != Some(v))
        .map(|(p, _)| p.clone())
        .collect();
    paths.extend(before.keys().filter(|p| !now.contains_key(*p)).cloned());
    paths
}

/// The builder: builds, then waits for a change and builds what it touched,
/// for ever.
fn build_forever(opts: &Options, roots: &Roots, shared: &Shared) {
    let look = || {
        let mut files = BTreeMap::new();
        snapshot(&roots.data, &mut files);
        if !roots.template.starts_with(&roots.data) {
            snapshot(&roots.template, &mut files);
        }
        files
    };
    let mut seen = look();
    let mut session: Option<Session> = None;
    let mut change = Change::Data;
    let mut first = true;
    loop {
        let started = Instant::now();
        let result = build(opts, &mut session, &change);
        let mut state = shared.state();
        state.version += 1;
        state.build_ms = started.elapsed().as_millis();
        state.rebuilt = match (&change, first) {
            (_, true) | (Change::Data, _) => "data",
            (Change::Stories, _) => "stories",
            (Change::Template(_), _) => "template",
        };
        first = false;
        match result {
            Ok((pages, summary_csv, warnings)) => {
                state.pages = pages.into_iter().map(Arc::new).collect();
                state.summary_csv = Arc::new(summary_csv);
                state.warnings = warnings
                    .iter()
                    .map(|w| format!("review: warning: {w}"))
                    .collect();
                state.pages_version = state.version;
                state.error = None;
            }
            Err(err) => state.error = Some(format!("review: {err}")),
        }
        drop(state);
        shared.built.notify_all();
        // A session that failed to load retries in full on any change.
        let reload_all = session.is_none();
        loop {
            std::thread::sleep(POLL);
            let now = look();
            let paths = changed(&seen, &now);
            seen = now;
            if !paths.is_empty() {
                change = if reload_all {
                    Change::Data
                } else {
                    roots.classify(paths)
                };
                break;
            }
        }
    }
}

/// One build: what `change` touched, then the pages, summary.csv and the
/// warnings about the data.
fn build<'o>(
    opts: &'o Options,
    session: &mut Option<Session<'o>>,
    change: &Change,
) -> Result<(Vec<String>, Vec<u8>, Vec<String>)> {
    match (session.as_mut(), change) {
        (Some(s), Change::Template(paths)) => s.template_changed(paths)?,
        (Some(s), Change::Stories) => s.reload_stories()?,
        (Some(s), Change::Data) => s.reload_data()?,
        (None, _) => *session = Some(Session::new(opts)?),
    }
    let session = session.as_ref().expect("a session");
    let (pages, summary_csv) = session.pages()?;
    Ok((pages, summary_csv, session.warnings().to_vec()))
}

/// Refuses what this server must not answer: another `Host` than its own
/// address (a DNS-rebinding page), another site's `Origin`, a cross-site
/// fetch, a method other than GET or HEAD.
fn allowed(request: &tiny_http::Request, address: SocketAddr) -> std::result::Result<(), u16> {
    let port = address.port();
    let ours = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    let header = |name: &'static str| {
        request
            .headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str().to_string())
    };
    if !header("Host").is_some_and(|host| ours.contains(&host)) {
        return Err(403);
    }
    if let Some(origin) = header("Origin")
        && !ours.iter().any(|o| origin == format!("http://{o}"))
    {
        return Err(403);
    }
    if header("Sec-Fetch-Site").is_some_and(|site| site == "cross-site") {
        return Err(403);
    }
    if !matches!(
        request.method(),
        tiny_http::Method::Get | tiny_http::Method::Head
    ) {
        return Err(405);
    }
    Ok(())
}

/// Answers one request that is not an event stream.
fn respond(request: tiny_http::Request, shared: &Shared, address: SocketAddr) {
    let reply = match allowed(&request, address) {
        Err(code) => plain(
            code,
            if code == 405 {
                "method not allowed"
            } else {
                "forbidden"
            },
        ),
        Ok(()) => route(request.url(), shared),
    };
    let _ = request.respond(reply);
}

type Reply = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

/// The reply to a GET of `url`: one of the four routes, or 404.
fn route(url: &str, shared: &Shared) -> Reply {
    let path = url.split('?').next().unwrap_or("");
    if path == "/" {
        let html = page(&shared.state());
        return with_type(
            tiny_http::Response::from_string(html),
            "text/html; charset=utf-8",
        )
        .with_header(header(
            "Content-Security-Policy",
            "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; \
                 script-src 'unsafe-inline'; connect-src 'self'",
        ));
    }
    if path == "/state" {
        let state = shared.state();
        let json = serde_json::json!({
            "version": state.version,
            "pages_version": state.pages_version,
            "pages": state.pages.len(),
            "error": state.error,
            "warnings": state.warnings,
            "build_ms": state.build_ms as u64,
            "rebuilt": state.rebuilt,
        });
        return with_type(
            tiny_http::Response::from_string(json.to_string()),
            "application/json",
        );
    }
    // /figure?row=<region.group.indicator.measure>: the summary.csv row a
    // cited figure came from.
    if path == "/figure" {
        let wanted = url
            .split_once('?')
            .map(|(_, query)| query)
            .unwrap_or("")
            .split('&')
            .find_map(|kv| kv.strip_prefix("row="))
            .map(percent_decoded)
            .unwrap_or_default();
        let csv = shared.state().summary_csv.clone();
        return match summary_row(&csv, &wanted) {
            Some(found) => with_type(
                tiny_http::Response::from_string(found.to_string()),
                "application/json",
            ),
            None => plain(404, "no such row in summary.csv"),
        };
    }
    // /page/<n>.svg, n from 1, digits only.
    if let Some(n) = path
        .strip_prefix("/page/")
        .and_then(|rest| rest.strip_suffix(".svg"))
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse::<usize>().ok())
    {
        let page = shared.state().pages.get(n.wrapping_sub(1)).cloned();
        if let Some(svg) = page {
            return with_type(
                tiny_http::Response::from_data(svg.as_bytes().to_vec()),
                "image/svg+xml",
            );
        }
    }
    plain(404, "not found")
}

/// `%XX` escapes decoded (a query's value); anything undecodable stays.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).and_then(|&b| hex(b)),
            bytes.get(i + 2).and_then(|&b| hex(b)),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The summary.csv row named `region.group.indicator.measure`: its line
/// in the file, and its fields by column name.
fn summary_row(csv: &[u8], wanted: &str) -> Option<serde_json::Value> {
    let mut reader = csv::Reader::from_reader(csv);
    let header = reader.headers().ok()?.clone();
    for (i, record) in reader.records().enumerate() {
        let record = record.ok()?;
        let key = [1, 2, 3, 4].map(|c| record.get(c).unwrap_or(""));
        if key.join(".") == wanted {
            let fields: serde_json::Map<String, serde_json::Value> = header
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.to_string(), serde_json::Value::from(v)))
                .collect();
            return Some(serde_json::json!({ "line": i + 2, "row": wanted, "fields": fields }));
        }
    }
    None
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a valid header")
}

fn with_type(reply: Reply, mime: &str) -> Reply {
    reply
        .with_header(header("Content-Type", mime))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("X-Content-Type-Options", "nosniff"))
}

fn plain(code: u16, text: &str) -> Reply {
    with_type(
        tiny_http::Response::from_string(text),
        "text/plain; charset=utf-8",
    )
    .with_status_code(code)
}

/// `/events`: a server-sent event with the build's version after every
/// build (and a comment every 15 s, so that a dead client is noticed),
/// until the client goes.
fn events(request: tiny_http::Request, shared: &Shared) {
    let mut out = request.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n\
                Connection: keep-alive\r\n\r\n";
    if out.write_all(head.as_bytes()).is_err() {
        return;
    }
    let mut sent = None;
    loop {
        let mut state = shared.state();
        while Some(state.version) == sent {
            let (next, timeout) = shared
                .built
                .wait_timeout(state, Duration::from_secs(15))
                .unwrap_or_else(|e| e.into_inner());
            state = next;
            if timeout.timed_out() && Some(state.version) == sent {
                drop(state);
                if out
                    .write_all(b": still here\n\n")
                    .and_then(|_| out.flush())
                    .is_err()
                {
                    return;
                }
                state = shared.state();
            }
        }
        let version = state.version;
        drop(state);
        sent = Some(version);
        if write!(out, "data: {version}\n\n")
            .and_then(|_| out.flush())
            .is_err()
        {
            return;
        }
    }
}

/// The page: the bulletin's pages with their numbers, zoom, the last
/// build's error above them; it follows `/events`.
const PAGE: &str = include_str!("preview.html");

/// The page as it stands: the pages already in it (so that it shows them
/// as soon as it loads, and a screenshot taken on load has them), then its
/// script follows the builds.
fn page(state: &State) -> String {
    let figures: String = state
        .pages
        .iter()
        .enumerate()
        .map(|(i, svg)| {
            format!(
                "<figure><div class=\"sheet\">{svg}</div><figcaption>{} / {}</figcaption></figure>",
                i + 1,
                state.pages.len()
            )
        })
        .collect();
    let status = match (state.version, &state.error) {
        (0, _) => "building…".to_string(),
        (_, Some(_)) => format!("build failed in {} ms", state.build_ms),
        (_, None) => format!("built in {} ms", state.build_ms),
    };
    PAGE.replace("{version}", &state.version.to_string())
        .replace("{pages_version}", &state.pages_version.to_string())
        .replace("{pages}", &state.pages.len().to_string())
        .replace("{status}", &status)
        .replace(
            "{error_class}",
            if state.error.is_some() { "shown" } else { "" },
        )
        .replace("{error}", &escape(state.error.as_deref().unwrap_or("")))
        .replace(
            "{warnings_class}",
            if state.warnings.is_empty() {
                ""
            } else {
                "shown"
            },
        )
        .replace("{warnings}", &escape(&state.warnings.join("\n")))
        .replace("{figures}", &figures)
}

/// Text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
