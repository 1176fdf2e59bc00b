//! Turning an [`ErrorReport`] into a response body. Pure: no I/O except reading
//! source files for the debug page's excerpts.

pub(crate) mod backtrace;
pub mod redact;

use std::fmt::Write as _;

use http::HeaderValue;

use crate::report::ErrorReport;
use backtrace::Origin;

/// The three formats an error page comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Html,
    Json,
    Text,
}

impl Format {
    pub(crate) fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Format::Html => "text/html; charset=utf-8",
            // RFC 9457 problem details: JSON whose members say what went wrong.
            Format::Json => "application/problem+json",
            Format::Text => "text/plain; charset=utf-8",
        })
    }
}

/// Picks the format the client prefers from its `Accept` header: the highest
/// q-value wins; ties go to HTML, then JSON, then text. No `Accept` means HTML.
/// JSON is `application/json` or `application/problem+json`.
pub(crate) fn negotiate(accept: Option<&HeaderValue>) -> Format {
    let Some(accept) = accept.and_then(|v| v.to_str().ok()) else {
        return Format::Html;
    };
    let mut best = (0.0_f32, 0_u8, Format::Html);
    for (format, rank, exact) in [
        (Format::Html, 3, "text/html"),
        (Format::Json, 2, "application/json"),
        (Format::Json, 2, "application/problem+json"),
        (Format::Text, 1, "text/plain"),
    ] {
        let q = quality(accept, exact);
        if q > best.0 || (q == best.0 && q > 0.0 && rank > best.1) {
            best = (q, rank, format);
        }
    }
    best.2
}

/// The q-value `accept` gives `media` (`type/subtype`), most specific match first.
fn quality(accept: &str, media: &str) -> f32 {
    let kind = media.split('/').next().unwrap_or("");
    let mut best: Option<(u8, f32)> = None;
    for item in accept.split(',') {
        let mut params = item.split(';');
        let range = params.next().unwrap_or("").trim().to_ascii_lowercase();
        let specificity = if range == media {
            3
        } else if range.strip_suffix("/*") == Some(kind) {
            2
        } else if range == "*/*" {
            1
        } else {
            continue;
        };
        let q = params
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, q));
        }
    }
    best.map_or(0.0, |(_, q)| q)
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The Content-Security-Policy of every HTML page this crate renders: they have
/// no script and no external asset.
pub(crate) const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// The styles shared by every page this crate renders. No external assets.
pub(crate) const CSS: &str = r#"
:root{--bg:#f6f7f9;--card:#fff;--ink:#1d2330;--muted:#5d6678;--line:#e3e6ec;--red:#b42318;--red-bg:#fef3f2;--hl:#fff4ce;--code:#0f1420}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:28px 24px 48px}
code,pre,.mono{font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:13.5px}
header.banner{background:var(--red);color:#fff;padding:26px 24px 22px}
header.banner .inner{max-width:1120px;margin:0 auto}
.kind{text-transform:uppercase;letter-spacing:.08em;font-size:12px;font-weight:600;opacity:.85}
h1{margin:6px 0 10px;font-size:24px;line-height:1.3;font-weight:650;word-break:break-word;white-space:pre-wrap}
.where{font-size:14px;opacity:.95}
.where code{background:rgba(255,255,255,.16);padding:2px 6px;border-radius:4px;color:#fff}
.meta{margin-top:10px;font-size:13px;opacity:.85}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;margin:20px 0;overflow:hidden}
section>h2{margin:0;padding:12px 18px;font-size:13px;text-transform:uppercase;letter-spacing:.07em;color:var(--muted);border-bottom:1px solid var(--line);background:#fafbfc}
section>.body{padding:14px 18px}
table{border-collapse:collapse;width:100%}
td,th{text-align:left;vertical-align:top;padding:6px 18px;border-bottom:1px solid var(--line)}
tr:last-child td{border-bottom:0}
th{width:30%;font-weight:600;color:var(--muted);font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:13px;word-break:break-all}
td{word-break:break-all}
.redacted{color:var(--muted);font-style:italic}
.frame{border-top:1px solid var(--line)}
.frame:first-child{border-top:0}
.frame .sym{padding:10px 18px 4px;font-weight:600}
.frame .loc{padding:0 18px 10px;color:var(--muted);font-size:13px}
.frame.user .sym{color:var(--red)}
pre.src{margin:0;background:var(--code);color:#d6deeb;padding:10px 0;overflow-x:auto}
pre.src span{display:block;padding:0 18px}
pre.src span.hit{background:#4a1d1d;color:#fff}
pre.src i{display:inline-block;width:4.5em;color:#6b7590;font-style:normal;user-select:none}
details{border-top:1px solid var(--line)}
summary{cursor:pointer;padding:10px 18px;color:var(--muted)}
details .lib{padding:3px 18px;color:var(--muted);font-size:13px;word-break:break-all}
ol.causes{margin:0;padding:12px 18px 12px 40px}
footer{color:var(--muted);font-size:13px;text-align:center;margin-top:28px}
.card{max-width:560px;margin:12vh auto 0;background:var(--card);border:1px solid var(--line);border-radius:12px;padding:34px 36px}
.card h1{white-space:normal;color:var(--ink)}
.card p{color:var(--muted)}
.card .status{font-size:13px;font-weight:600;letter-spacing:.08em;text-transform:uppercase;color:var(--red)}
"#;

fn html_page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{}</title>\n<style>{CSS}</style>\n\
         </head>\n<body>\n{body}\n</body>\n</html>\n",
        escape(title)
    )
}

/// An RFC 9457 problem details document for `status`: `type`, `title`, `status`,
/// `detail`, and the error id (an extension member) when there is one.
pub(crate) fn problem(status: http::StatusCode, detail: &str, error_id: Option<&str>) -> String {
    let mut problem = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    if let Some(id) = error_id {
        problem["error_id"] = serde_json::Value::from(id);
    }
    problem.to_string()
}

/// The plain-text page for `status`: its line, the explanation, the error id.
pub(crate) fn text_page(status: http::StatusCode, detail: &str, error_id: Option<&str>) -> String {
    let mut out = format!(
        "{} {}\n{detail}\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    if let Some(id) = error_id {
        let _ = writeln!(out, "error id: {id}");
    }
    out
}

/// What the production page tells the client about a 500.
pub(crate) const PRODUCTION_DETAIL: &str =
    "Something went wrong on our side and the request could not be completed. The error has been logged.";

/// The production page: an error id and nothing about the failure itself.
pub(crate) fn production(report: &ErrorReport, format: Format) -> String {
    let id = report.id.as_str();
    match format {
        Format::Html => html_page(
            "500 Internal Server Error",
            &format!(
                "<div class=\"card\">\n<div class=\"status\">Error 500</div>\n\
                 <h1>Internal Server Error</h1>\n\
                 <p>Something went wrong on our side and the request could not be completed. \
                 The error has been logged.</p>\n\
                 <p>If you contact support, please quote this error id: <code>{}</code></p>\n</div>",
                escape(id)
            ),
        ),
        Format::Json => problem(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            PRODUCTION_DETAIL,
            Some(id),
        ),
        Format::Text => text_page(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            PRODUCTION_DETAIL,
            Some(id),
        ),
    }
}

/// The debug page: everything in the report, plus source excerpts.
pub(crate) fn debug(report: &ErrorReport, format: Format) -> String {
    match format {
        Format::Html => debug_html(report),
        Format::Json => {
            let mut json = report.to_json();
            // The problem-details members first-class clients look for (RFC 9457).
            json["type"] = serde_json::Value::from("about:blank");
            json["title"] = serde_json::Value::from("Internal Server Error");
            json["status"] = serde_json::Value::from(500);
            json["detail"] = serde_json::Value::from(report.message.as_str());
            json["frames"] = serde_json::Value::Array(
                report
                    .backtrace
                    .as_deref()
                    .map(backtrace::parse)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|f| {
                        serde_json::json!({
                            "symbol": f.symbol, "file": f.file, "line": f.line,
                            "user": f.origin == Origin::User,
                        })
                    })
                    .collect(),
            );
            json.to_string()
        }
        Format::Text => debug_text(report),
    }
}

/// Why the debug page may show no environ: the catcher copies the request when
/// it arrives, so keys that layers inside it add later are not in its copy.
pub(crate) const NO_ENVIRON: &str =
    "No environ keys were set when the request reached the error catcher. \
     The catcher copies the request as it arrives, so keys that layers inside it add later \
     (key-adder sits inside the catcher in the usual stack) are not in this copy; \
     put such a layer outside the catcher to see its keys here.";

fn debug_text(report: &ErrorReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "500 Internal Server Error: {}", report.kind);
    let _ = writeln!(out, "{}: {}", report.error_type, report.message);
    for cause in &report.causes {
        let _ = writeln!(out, "caused by: {cause}");
    }
    if let Some(location) = &report.location {
        let _ = writeln!(out, "at {location}");
    }
    let _ = writeln!(out, "error id: {}  time: {}", report.id, report.time);
    let request = &report.request;
    let _ = writeln!(
        out,
        "\n{} {} {}",
        request.method, request.uri, request.version
    );
    for (name, value) in &request.headers {
        let _ = writeln!(out, "{name}: {value}");
    }
    let _ = writeln!(out, "\nenviron:");
    if request.environ.is_empty() {
        let _ = writeln!(out, "  {NO_ENVIRON}");
    }
    for (key, value) in &request.environ {
        let _ = writeln!(out, "  {key} = {value}");
    }
    if let Some(backtrace) = &report.backtrace {
        let _ = writeln!(out, "\nbacktrace:\n{backtrace}");
    }
    out
}

fn excerpt_html(file: &str, line: u32, context: u32) -> Option<String> {
    let lines = backtrace::source_excerpt(file, line, context)?;
    let mut out = String::from("<pre class=\"src\">");
    for (number, text, hit) in lines {
        let class = if hit { " class=\"hit\"" } else { "" };
        let _ = write!(out, "<span{class}><i>{number}</i>{}</span>", escape(&text));
    }
    out.push_str("</pre>");
    Some(out)
}

/// A path without a leading `./`, so the same file is named the same way.
fn normalize(file: &str) -> &str {
    file.strip_prefix("./").unwrap_or(file)
}

fn table(rows: &[(String, String)]) -> String {
    let mut out = String::from("<table>");
    for (name, value) in rows {
        let value = if value == redact::REDACTED {
            format!("<span class=\"redacted\">{}</span>", escape(value))
        } else {
            escape(value)
        };
        let _ = write!(
            out,
            "<tr><th>{}</th><td class=\"mono\">{value}</td></tr>",
            escape(name)
        );
    }
    out.push_str("</table>");
    out
}

fn debug_html(report: &ErrorReport) -> String {
    let mut body = String::new();
    let where_ = report
        .location
        .as_ref()
        .map(|l| {
            format!(
                "<div class=\"where\">at <code>{}</code></div>",
                escape(&l.to_string())
            )
        })
        .unwrap_or_default();
    let _ = write!(
        body,
        "<header class=\"banner\"><div class=\"inner\">\
         <div class=\"kind\">500 Internal Server Error &middot; {kind}</div>\
         <h1>{message}</h1>{where_}\
         <div class=\"meta\"><span class=\"mono\">{ty}</span> &middot; {method} <span class=\"mono\">{uri}</span> \
         &middot; error id <span class=\"mono\">{id}</span> &middot; {time}</div>\
         </div></header><main>",
        kind = escape(&report.kind.to_string()),
        message = escape(&report.message),
        ty = escape(&report.error_type),
        method = escape(&report.request.method),
        uri = escape(&report.request.uri),
        id = escape(report.id.as_str()),
        time = escape(&report.time),
    );

    if !report.causes.is_empty() {
        body.push_str("<section><h2>Caused by</h2><ol class=\"causes\">");
        for cause in &report.causes {
            let _ = write!(body, "<li class=\"mono\">{}</li>", escape(cause));
        }
        body.push_str("</ol></section>");
    }

    // Each file:line gets its excerpt once: a closure and its function often share it.
    let mut excerpted: Vec<(String, u32)> = Vec::new();
    if let Some(location) = &report.location {
        excerpted.push((normalize(&location.file).to_owned(), location.line));
        if let Some(excerpt) = excerpt_html(&location.file, location.line, 5) {
            let _ = write!(
                body,
                "<section><h2>Source</h2><div class=\"frame user\"><div class=\"loc mono\" style=\"padding-top:10px\">{}</div>{excerpt}</div></section>",
                escape(&location.to_string())
            );
        }
    }

    let frames = report
        .backtrace
        .as_deref()
        .map(backtrace::parse)
        .unwrap_or_default();
    if !frames.is_empty() {
        body.push_str("<section><h2>Backtrace</h2>");
        let mut hidden: Vec<&backtrace::Frame> = Vec::new();
        let flush = |hidden: &mut Vec<&backtrace::Frame>, body: &mut String| {
            if hidden.is_empty() {
                return;
            }
            let _ = write!(
                body,
                "<details><summary>{} library frame{}</summary>",
                hidden.len(),
                if hidden.len() == 1 { "" } else { "s" }
            );
            for frame in hidden.drain(..) {
                let location = match (&frame.file, frame.line) {
                    (Some(file), Some(line)) => format!(" &mdash; {}:{line}", escape(file)),
                    _ => String::new(),
                };
                let _ = write!(
                    body,
                    "<div class=\"lib mono\">{}{location}</div>",
                    escape(&frame.symbol)
                );
            }
            body.push_str("</details>");
        };
        let mut shown_excerpts = 0;
        for frame in &frames {
            if frame.origin != Origin::User {
                hidden.push(frame);
                continue;
            }
            flush(&mut hidden, &mut body);
            let location = match (&frame.file, frame.line) {
                (Some(file), Some(line)) => format!("{}:{line}", normalize(file)),
                _ => String::new(),
            };
            let excerpt = match (&frame.file, frame.line) {
                (Some(file), Some(line))
                    if shown_excerpts < 3
                        && !excerpted.contains(&(normalize(file).to_owned(), line)) =>
                {
                    shown_excerpts += 1;
                    excerpted.push((normalize(file).to_owned(), line));
                    excerpt_html(file, line, 3).unwrap_or_default()
                }
                _ => String::new(),
            };
            let _ = write!(
                body,
                "<div class=\"frame user\"><div class=\"sym mono\">{}</div><div class=\"loc mono\">{}</div>{excerpt}</div>",
                escape(&frame.symbol),
                escape(&location)
            );
        }
        flush(&mut hidden, &mut body);
        body.push_str("</section>");
    }

    let request = &report.request;
    let _ = write!(
        body,
        "<section><h2>Request</h2>{}</section>",
        table(&[
            ("method".to_owned(), request.method.clone()),
            ("uri".to_owned(), request.uri.clone()),
            ("version".to_owned(), request.version.clone()),
        ])
    );
    if !request.headers.is_empty() {
        let _ = write!(
            body,
            "<section><h2>Request headers</h2>{}</section>",
            table(&request.headers)
        );
    }
    let environ = if request.environ.is_empty() {
        format!("<div class=\"body redacted\">{}</div>", escape(NO_ENVIRON))
    } else {
        table(&request.environ)
    };
    let _ = write!(body, "<section><h2>Environ</h2>{environ}</section>");
    body.push_str(
        "<footer>You see this page because <code>debug = true</code>. \
         Never turn debug on in production: this page shows source code and request data.</footer></main>",
    );
    html_page(&format!("500: {}", report.message), &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Format {
        negotiate(Some(&HeaderValue::from_str(value).unwrap()))
    }

    #[test]
    fn negotiation_follows_q_values_and_prefers_html_on_ties() {
        assert_eq!(negotiate(None), Format::Html);
        assert_eq!(accept("application/json"), Format::Json);
        assert_eq!(accept("application/problem+json"), Format::Json);
        assert_eq!(accept("text/plain"), Format::Text);
        assert_eq!(accept("*/*"), Format::Html);
        assert_eq!(accept("text/*"), Format::Html);
        assert_eq!(accept("text/html;q=0.5, application/json"), Format::Json);
        assert_eq!(
            accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            Format::Html
        );
        assert_eq!(accept("text/plain, */*;q=0.1"), Format::Text);
        assert_eq!(accept("image/png"), Format::Html);
    }

    #[test]
    fn escape_covers_the_five_html_characters() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
