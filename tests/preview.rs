//! `review preview`: the server's routes over plain HTTP, what it refuses,
//! and the page in a real browser (headless Chromium) following edits.

mod common;
use common::{copy_tree, repo};

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A folder with a copy of the sample's `data/` and `templates/`, to edit.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("data"), &dir.path().join("data"));
    copy_tree(&repo().join("templates"), &dir.path().join("templates"));
    dir
}

/// A running `review preview`, stopped when dropped.
struct Preview {
    child: Child,
    port: u16,
}

impl Drop for Preview {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `review preview --period H1 --port 0` on a copy of the sample
/// (`data/`, `templates/`) and waits for its address.
fn start(dir: &Path) -> Preview {
    let mut child = Command::new(env!("CARGO_BIN_EXE_review"))
        .args(["preview", "--period", "H1", "--port", "0", "--data"])
        .arg(dir.join("data"))
        .arg("--template")
        .arg(dir.join("templates/review.typ"))
        .arg("--out")
        .arg(dir.join("out"))
        .env("SOURCE_DATE_EPOCH", "1719792000")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start review preview");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .strip_prefix("preview: http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .unwrap();
    let preview = Preview { child, port };
    // The first build.
    wait_for(&preview, "the first build", |s| s["version"] != 0);
    preview
}

/// One raw HTTP/1.1 request: (status, body).
fn http(port: u16, request_line: &str, headers: &[&str]) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut text = format!("{request_line}\r\nConnection: close\r\n");
    if !headers.iter().any(|h| h.starts_with("Host:")) {
        text += &format!("Host: 127.0.0.1:{port}\r\n");
    }
    for h in headers {
        text += &format!("{h}\r\n");
    }
    text += "\r\n";
    stream.write_all(text.as_bytes()).unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    let end = reply.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&reply[..end]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let mut body = reply[end + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = unchunk(&body);
    }
    (status, body)
}

fn unchunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 4 + size..];
    }
}

fn get(port: u16, path: &str) -> (u16, Vec<u8>) {
    http(port, &format!("GET {path} HTTP/1.1"), &[])
}

fn state(preview: &Preview) -> serde_json::Value {
    let (status, body) = get(preview.port, "/state");
    assert_eq!(status, 200);
    serde_json::from_slice(&body).unwrap()
}

/// Polls `/state` until `done` holds (at most 60 s: a debug build on a
/// busy machine).
fn wait_for(
    preview: &Preview,
    what: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let start = Instant::now();
    loop {
        let s = state(preview);
        if done(&s) {
            return s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "waited for {what}: {s}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn story(dir: &Path) -> PathBuf {
    dir.join("data/stories/2024-H1/01-cell-bank.txt")
}

/// Rewrites a file so that the watcher sees it change even within the
/// same second (the size changes too).
fn rewrite(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn routes_events_errors_and_rebuilds() {
    let dir = workspace();
    let preview = start(dir.path());
    let port = preview.port;

    let s = state(&preview);
    assert_eq!(s["error"], serde_json::Value::Null, "{s}");
    assert_eq!(s["pages"], 1, "{s}");
    let (status, page) = get(port, "/");
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&page).contains("EventSource(\"/events\")"));
    let (status, svg) = get(port, "/page/1.svg");
    assert_eq!(status, 200);
    assert!(
        svg.starts_with(b"<svg"),
        "{}",
        String::from_utf8_lossy(&svg[..80])
    );
    for missing in [
        "/page/0.svg",
        "/page/2.svg",
        "/page/1.svg/x",
        "/page/-1.svg",
        "/pages",
    ] {
        assert_eq!(get(port, missing).0, 404, "{missing}");
    }

    // No URL reaches a file of the machine.
    for path in [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/page/..%2f..%2f..%2fetc%2fpasswd",
        "//etc/passwd",
        "/data/industry_monthly.csv",
        "/templates/review.typ",
        "/C:/Windows/win.ini",
    ] {
        let (status, body) = get(port, path);
        assert_eq!(status, 404, "{path}");
        assert!(!String::from_utf8_lossy(&body).contains("root:"), "{path}");
    }
    // Another site cannot drive it: a foreign Host (DNS rebinding), a
    // foreign Origin, a cross-site fetch, anything but GET.
    let host = http(port, "GET /state HTTP/1.1", &["Host: attacker.example"]);
    assert_eq!(host.0, 403);
    let origin = http(
        port,
        "GET /state HTTP/1.1",
        &["Origin: http://attacker.example"],
    );
    assert_eq!(origin.0, 403);
    let site = http(
        port,
        "GET /events HTTP/1.1",
        &["Sec-Fetch-Site: cross-site"],
    );
    assert_eq!(site.0, 403);
    assert_eq!(
        http(port, "POST /state HTTP/1.1", &["Content-Length: 0"]).0,
        405
    );
    let own = format!("Origin: http://localhost:{port}");
    assert_eq!(http(port, "GET /state HTTP/1.1", &[&own]).0, 200);

    // The event stream says when a build is done.
    let mut events = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        events,
        "GET /events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    )
    .unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut events = BufReader::new(events);
    let mut next_event = || loop {
        let mut line = String::new();
        assert!(events.read_line(&mut line).unwrap() > 0, "the stream ended");
        if let Some(v) = line.trim().strip_prefix("data: ") {
            return v.parse::<u64>().unwrap();
        }
    };
    let first = next_event();
    assert_eq!(first, s["version"].as_u64().unwrap());

    // A story's edit re-phrases without aggregating again.
    rewrite(&story(dir.path()), "从无到有", "从零起步");
    assert!(next_event() > first);
    let s = wait_for(&preview, "the story's rebuild", |s| {
        s["version"].as_u64() > Some(first)
    });
    assert_eq!(
        (s["rebuilt"].as_str(), &s["error"]),
        (Some("stories"), &serde_json::Value::Null),
        "{s}"
    );
    let (_, changed) = get(port, "/page/1.svg");
    assert_ne!(changed, svg, "the page did not change");

    // A broken story: the command line's message, the last good pages kept.
    rewrite(
        &story(dir.path()),
        "{222400.27.output_value.level}",
        "{222400.27.no_such.level}",
    );
    // (The write truncates the file first: the preview may read it empty
    // and say so before the write's last event makes it read it again.)
    let s = wait_for(&preview, "the error", |s| {
        s["error"].as_str().is_some_and(|e| e.contains("no_such"))
    });
    let error = s["error"].as_str().unwrap();
    assert!(
        error.contains("01-cell-bank.txt:7:") && error.contains("no_such"),
        "{error}"
    );
    assert_eq!(s["pages"], 1);
    assert_eq!(get(port, "/page/1.svg").1, changed);
    rewrite(
        &story(dir.path()),
        "{222400.27.no_such.level}",
        "{222400.27.output_value.level}",
    );
    wait_for(&preview, "the fix", |s| s["error"].is_null());

    // A template error, with file:line:column; then fixed.
    let template = dir.path().join("templates/review.typ");
    rewrite(&template, "#let cols =", "#let cols = (\n#let x =");
    let s = wait_for(&preview, "the template error", |s| !s["error"].is_null());
    assert_eq!(s["rebuilt"], "template");
    assert!(s["error"].as_str().unwrap().contains("review.typ:"), "{s}");
    rewrite(&template, "#let cols = (\n#let x =", "#let cols =");
    wait_for(&preview, "the template fix", |s| s["error"].is_null());

    // A bad CSV row: file and line; the data is loaded again.
    let csv = dir.path().join("data/industry_monthly.csv");
    let good = std::fs::read(&csv).unwrap();
    let mut bad = good.clone();
    bad.extend_from_slice(b"2024-06,E1,x,222401,13,abc,1\n");
    std::fs::write(&csv, &bad).unwrap();
    let s = wait_for(&preview, "the data error", |s| !s["error"].is_null());
    assert_eq!(s["rebuilt"], "data");
    assert!(
        s["error"]
            .as_str()
            .unwrap()
            .contains("industry_monthly.csv:"),
        "{s}"
    );
    std::fs::write(&csv, &good).unwrap();
    wait_for(&preview, "the data fix", |s| s["error"].is_null());

    // It published nothing.
    assert!(
        !dir.path().join("out").exists(),
        "preview wrote under --out"
    );
}

/// Headless Chromium, when the machine has it (CI installs it).
fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}

const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

/// The page in a real browser: it shows the bulletin (a screenshot that is
/// not blank), follows a story's edit without a reload, shows an error and
/// clears it when fixed.
#[test]
fn the_page_in_a_browser_follows_edits() {
    let Some(browser) = chromium() else {
        if std::env::var_os("CI").is_some() {
            panic!("CI must have Chromium (.ci/run installs the chromium package)");
        }
        eprintln!(
            "\n*** SKIPPED: no Chromium here (apt-get install chromium); .ci/run installs it ***\n"
        );
        return;
    };
    let dir = workspace();
    let preview = start(dir.path());
    let url = format!("http://127.0.0.1:{}/", preview.port);

    // A screenshot after the page has loaded its pages.
    let profile = tempfile::tempdir().unwrap();
    let shot = dir.path().join("shot.png");
    // The page arrives with its pages in it, so the shot, taken on load,
    // has them.
    let mut shooting = Command::new(&browser)
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1000,1400")
        .arg(&url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while shooting.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = shooting.kill();
            panic!("Chromium took over a minute for a screenshot");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(shot.is_file(), "no screenshot");
    let (_, _, pixels) = common::png_rgb(&shot);
    // The page's paper is white, the ground around it grey, the ink dark:
    // all three must be there in quantity.
    let white = pixels
        .iter()
        .filter(|px| px.iter().all(|&c| c > 245))
        .count();
    let dark = pixels
        .iter()
        .filter(|px| px.iter().all(|&c| c < 90))
        .count();
    let total = pixels.len();
    assert!(
        white > total / 5 && dark > total / 200,
        "the screenshot looks blank: {white} white and {dark} dark of {total} pixels"
    );

    // One browser kept open: what the page logs tells what it shows.
    let profile = tempfile::tempdir().unwrap();
    let mut live = Command::new(&browser)
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args([
            "--enable-logging=stderr",
            "--v=0",
            "--remote-debugging-port=0",
        ])
        .arg(&url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, log) = std::sync::mpsc::channel::<String>();
    let stderr = live.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
            if let Some(at) = line.find("review-preview ") {
                let _ = lines.send(line[at..].trim_end_matches(|c| c != '"').to_string());
            }
        }
    });
    let shown = |want: &dyn Fn(&str) -> bool, what: &str| -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match log.recv_timeout(left) {
                Ok(line) if want(&line) => return line,
                Ok(_) => {}
                Err(_) => panic!("the page never showed {what}"),
            }
        }
    };
    let field = |line: &str, key: &str| -> u64 {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{key}=")))
            .and_then(|v| v.trim_matches('"').parse().ok())
            .unwrap_or_else(|| panic!("{key} in {line}"))
    };
    let first = shown(
        &|l| l.contains("pages=1") && l.contains("error=0"),
        "the bulletin",
    );
    let before = field(&first, "pages_version");

    rewrite(&story(dir.path()), "从无到有", "从零起步");
    let edited = shown(
        &|l| field(l, "pages_version") > before && l.contains("error=0"),
        "the edited story",
    );

    rewrite(
        &story(dir.path()),
        "{222400.27.output_value.level}",
        "{222400.27.no_such.level}",
    );
    shown(&|l| l.contains("error=1"), "the error");
    let in_page = state(&preview);
    assert!(
        in_page["error"]
            .as_str()
            .unwrap()
            .contains("01-cell-bank.txt:7:")
    );

    rewrite(
        &story(dir.path()),
        "{222400.27.no_such.level}",
        "{222400.27.output_value.level}",
    );
    let fixed = shown(&|l| l.contains("error=0") && l != edited, "the fix");
    assert!(field(&fixed, "pages_version") > field(&edited, "pages_version"));
    let _ = live.kill();
    let _ = live.wait();
}

/// `--summary-only` makes no pages: refused before anything listens.
#[test]
fn summary_only_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_review"))
        .args(["preview", "--period", "H1", "--port", "0", "--summary-only"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("drop --summary-only"));
    assert!(out.stdout.is_empty(), "it printed an address");
}

/// The preview shows the data's warnings as a build prints them, in `/state`
/// and on the page: June with a sixth of its rows left out is thin; with
/// every row back, the warning goes.
#[test]
fn the_data_warnings_are_shown() {
    let dir = workspace();
    let path = dir.path().join("data/industry_monthly.csv");
    let full = std::fs::read_to_string(&path).unwrap();
    let mut june = 0;
    let thin: Vec<&str> = full
        .lines()
        .filter(|l| {
            june += usize::from(l.starts_with("2024-06,"));
            !(l.starts_with("2024-06,") && june % 6 == 0)
        })
        .collect();
    std::fs::write(&path, thin.join("\n") + "\n").unwrap();
    let preview = start(dir.path());
    let warned = |s: &serde_json::Value| {
        s["warnings"].as_array().is_some_and(|w| {
            w.iter().any(|w| {
                w.as_str()
                    .unwrap_or("")
                    .contains("2024-06 has rows for 266 enterprises")
            })
        })
    };
    let s = wait_for(&preview, "the thin month's warning", |s| {
        s["version"].as_u64() >= Some(1)
    });
    assert!(warned(&s), "{s}");
    let (status, page) = get(preview.port, "/");
    assert_eq!(status, 200);
    let page = String::from_utf8_lossy(&page);
    assert!(
        page.contains("<pre id=\"warnings\" role=\"status\" class=\"shown\">review: warning: "),
        "{page}"
    );
    std::fs::write(&path, &full).unwrap();
    let s = wait_for(&preview, "a build with every row", |s| {
        s["version"].as_u64() >= Some(2)
    });
    assert!(!warned(&s) && s["error"].is_null(), "{s}");
}
