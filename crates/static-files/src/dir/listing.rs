//! The optional HTML directory listing. Every name is HTML-escaped in text and
//! percent-encoded in links; hidden dotfiles never reach it (they are not indexed).

use gw_core::Body;
use http::header::{self, HeaderValue};
use http::Response;

use crate::path::encode_segment;

/// Renders a listing titled with the URL path `title` (never a filesystem path).
pub(crate) fn render(title: &str, children: &[(String, bool)]) -> Response<Body> {
    let title = escape(title);
    let mut html = format!(
        "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>Index of {title}</title></head>\n<body>\n<h1>Index of {title}</h1>\n<ul>\n<li><a href=\"../\">../</a></li>\n"
    );
    for (name, is_dir) in children {
        let slash = if *is_dir { "/" } else { "" };
        html.push_str(&format!(
            "<li><a href=\"./{}{slash}\">{}{slash}</a></li>\n",
            encode_segment(name),
            escape(name)
        ));
    }
    html.push_str("</ul>\n</body>\n</html>\n");
    let len = html.len();
    let mut res = Response::new(Body::from(html));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_in_text_and_links() {
        assert_eq!(escape("<a href='x'>&"), "&lt;a href=&#39;x&#39;&gt;&amp;");
        let res = render("/d/", &[("<b>.txt".into(), false), ("sub".into(), true)]);
        let Some(len) = res.headers().get("content-length") else {
            panic!("no length")
        };
        assert!(len.to_str().unwrap().parse::<usize>().unwrap() > 0);
    }
}
