//! `GET /page` and `GET /page/broken`: actions that render templates, the twin
//! of a Pylons action ending in `return render('/page.mako')`.
//!
//! Templates are minijinja (Jinja2 syntax), compiled into the binary from
//! `templates/`. Inside a template, `url(...)` is Pylons' `url()`: keywords
//! generate from the routes (`url(controller="greet", action="show", id=3)`),
//! a route name comes first for a named route (`url("home", page=2)`), and a
//! literal path is taken as it is (`url("/javascripts/helpers.js")`); every
//! path starts with the mount prefix. Values are HTML-escaped in `.html`
//! templates. A template that fails to render panics with the template's name
//! and line, so the error catcher shows them on its debug page (and its
//! generic 500 page in production).

use std::fmt;
use std::sync::{Arc, OnceLock};

use gw_controller_router::{Actions, Urls};
use gw_core::Response;
use minijinja::value::{from_args, Kwargs, Object, Value};
use minijinja::{context, Environment, Error, ErrorKind, State};

/// The templates, parsed once.
fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("base.html", include_str!("../../templates/base.html")),
            ("page.html", include_str!("../../templates/page.html")),
            ("broken.html", include_str!("../../templates/broken.html")),
        ] {
            if let Err(e) = env.add_template(name, source) {
                // A syntax error is a bug in this example: name the template and line.
                panic!("template {name} does not parse: {e:#}");
            }
        }
        env
    })
}

/// The `page` controller: `index` renders `page.html`, `broken` renders
/// `broken.html`, which calls a function that does not exist (line 4).
pub fn controller() -> Actions {
    Actions::new()
        .action("index", |req, _args| async move {
            let name = query_value(req.uri().query(), "name").unwrap_or_else(|| "World".into());
            render(&req, "page.html", context! { name })
        })
        .action("broken", |req, _args| async move {
            render(&req, "broken.html", context! {})
        })
}

/// Renders template `name` with `ctx` and `url`; a failure panics with the
/// template's name and line (the error catcher turns it into a 500 page).
fn render<B>(req: &http::Request<B>, name: &str, ctx: Value) -> Response {
    let urls = Urls::of(req);
    let ctx = context! { url => Value::from_object(UrlFn(urls)), ..ctx };
    let rendered = templates()
        .get_template(name)
        .and_then(|template| template.render(ctx));
    match rendered {
        Ok(html) => Response::html(html),
        Err(e) => panic!(
            "template {} failed at line {}: {e:#}",
            e.name().unwrap_or(name),
            e.line().unwrap_or(0)
        ),
    }
}

/// `url(...)` inside a template.
struct UrlFn(Option<Urls>);

impl fmt::Debug for UrlFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("url")
    }
}

impl Object for UrlFn {
    fn call(self: &Arc<Self>, _state: &mut State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        let Some(urls) = &self.0 else {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "no URL generator in the request",
            ));
        };
        let (first, kwargs): (Option<String>, Kwargs) = from_args(args)?;
        let mut pairs: Vec<(String, String)> = Vec::new();
        for key in kwargs.args() {
            let value: Value = kwargs.get(key)?;
            pairs.push((key.to_owned(), value.to_string()));
        }
        let params: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let url = match first.as_deref() {
            Some(path) if path.starts_with('/') || path.contains("://") => {
                Ok(urls.path(path, &params))
            }
            Some(route) => urls.url_for_route(route, &params),
            None => urls.generate(&params),
        };
        url.map(Value::from)
            .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))
    }
}

/// The percent-decoded value of `key` in a query string (`+` is a space).
fn query_value(query: Option<&str>, key: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == key).then(|| {
            let v = v.replace('+', " ");
            percent_encoding::percent_decode_str(&v)
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}
