//! The loader end to end, with stand-in factories: every section kind, inheritance,
//! `filter-with`, both composites, `config:` references, substitution and each error.

use std::path::{Path, PathBuf};

use gw_core::test_client::TestClient;
use gw_core::{app_fn, Body, IntoResponse, Settings};
use http::StatusCode;
use tower::ServiceExt;

use super::*;

/// `text`: answers `body` with `status` (default 200).
fn text_app(settings: &Settings) -> Result<BoxApp, gw_core::BoxError> {
    settings.check_known(&["body", "status"])?;
    let body = settings.require("body")?.to_owned();
    let status = settings.get_int::<u16>("status")?.unwrap_or(200);
    let status =
        StatusCode::from_u16(status).map_err(|_| settings.invalid("status", "an HTTP status"))?;
    let app = app_fn(move |_req: http::Request<Body>| {
        let body = body.clone();
        async move { (status, body).into_response() }
    });
    Ok(BoxApp::new(app))
}

/// `tag`: appends its `tag` to the response's `x-tags`, so layer order shows.
fn tag_filter(app: BoxApp, settings: &Settings) -> Result<BoxApp, gw_core::BoxError> {
    settings.check_known(&["tag"])?;
    let tag = settings.require("tag")?.to_owned();
    let wrapped = app.map_response(move |mut res: http::Response<Body>| {
        let tags = match res.headers().get("x-tags") {
            Some(old) => format!("{},{tag}", old.to_str().unwrap_or_default()),
            None => tag.clone(),
        };
        res.headers_mut().insert("x-tags", tags.parse().unwrap());
        res
    });
    Ok(BoxApp::new(wrapped))
}

/// A stand-in cascade: the first member whose status is not in `catch` (404).
fn cascade_standin(members: Vec<BoxApp>, settings: &Settings) -> Result<BoxApp, gw_core::BoxError> {
    settings.check_known(&["catch"])?;
    let catch: Vec<u16> = settings
        .get_list("catch")
        .unwrap_or_else(|| vec!["404".into()])
        .iter()
        .map(|s| {
            s.parse()
                .map_err(|_| settings.invalid("catch", "status codes"))
        })
        .collect::<Result<_, _>>()?;
    let app = app_fn(move |req: http::Request<Body>| {
        let members = members.clone();
        let catch = catch.clone();
        async move {
            let (parts, _) = req.into_parts();
            let mut last = StatusCode::NOT_FOUND.into_response();
            for member in members {
                let req = http::Request::from_parts(parts.clone(), Body::empty());
                last = member.oneshot(req).await.unwrap();
                if !catch.contains(&last.status().as_u16()) {
                    break;
                }
            }
            last
        }
    });
    Ok(BoxApp::new(app))
}

/// A stand-in urlmap: the longest matching prefix.
fn urlmap_standin(
    mounts: Vec<(String, BoxApp)>,
    settings: &Settings,
) -> Result<BoxApp, gw_core::BoxError> {
    settings.check_known(&[])?;
    let app = app_fn(move |req: http::Request<Body>| {
        let mounts = mounts.clone();
        async move {
            let path = req.uri().path().to_owned();
            for (prefix, app) in mounts {
                if path == prefix || path.starts_with(&format!("{}/", prefix.trim_end_matches('/')))
                {
                    return app.oneshot(req).await.unwrap();
                }
            }
            StatusCode::NOT_FOUND.into_response()
        }
    });
    Ok(BoxApp::new(app))
}

/// A user composite: `first` or `second` by the setting `pick`.
fn pick_composite(composite: &mut Composite<'_>) -> Result<BoxApp, gw_core::BoxError> {
    composite
        .settings()
        .check_known(&["first", "second", "pick"])?;
    let first = composite.load_app("first")?;
    let second = composite.load_app("second")?;
    Ok(match composite.settings().get("pick") {
        Some("second") => second,
        _ => first,
    })
}

fn registry() -> Registry {
    Registry::new()
        .app("text", text_app)
        .filter("tag", tag_filter)
        .composite("pick", pick_composite)
        .cascade(cascade_standin)
        .urlmap(urlmap_standin)
}

struct Dir(tempfile::TempDir);

impl Dir {
    fn new(files: &[(&str, &str)]) -> Dir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        Dir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    fn uri(&self, name: &str) -> String {
        format!("config:{}", self.path(name).display())
    }

    fn load(&self, uri: &str) -> Result<Stack, Error> {
        Loader::new(&registry()).load_app(&format!("{}{uri}", self.uri("")))
    }

    /// The error, with the temporary directory written as `DIR`.
    fn error(&self, uri: &str) -> String {
        let err = self.load(uri).unwrap_err();
        err.to_string()
            .replace(&self.0.path().display().to_string(), "DIR")
    }
}

fn load_one(text: &str) -> Result<Stack, Error> {
    let dir = Dir::new(&[("dev.toml", text)]);
    dir.load("dev.toml")
}

fn error_one(text: &str) -> String {
    let dir = Dir::new(&[("dev.toml", text)]);
    dir.error("dev.toml")
}

async fn get(stack: &Stack, path: &str) -> gw_core::test_client::TestResponse {
    TestClient::new(stack.app.clone()).get(path).send().await
}

#[tokio::test]
async fn an_app_section_builds_its_factory_with_its_settings() {
    let stack = load_one("[app.main]\nuse = \"text\"\nbody = \"hi\"\n").unwrap();
    get(&stack, "/").await.assert_status(200).assert_body("hi");
    assert_eq!(stack.tree.to_string(), "app.main: text {body = hi}\n");
}

#[tokio::test]
async fn global_is_inherited_and_a_section_value_overrides_it() {
    let stack = load_one(
        "[global]\nbody = \"from global\"\nstatus = 201\n\
         [app.main]\nuse = \"text\"\nstatus = 202\n",
    )
    .unwrap();
    get(&stack, "/")
        .await
        .assert_status(202)
        .assert_body("from global");
}

#[tokio::test]
async fn a_global_key_a_factory_does_not_take_is_not_handed_to_it() {
    // `debug` is for apps that know it; `text` and `tag` reject unknown keys.
    let stack = load_one(
        "[global]\ndebug = true\n\
         [pipeline.main]\npipeline = [\"t\", \"hello\"]\n\
         [filter.t]\nuse = \"tag\"\ntag = \"x\"\n\
         [app.hello]\nuse = \"text\"\nbody = \"hi\"\n",
    )
    .unwrap();
    get(&stack, "/")
        .await
        .assert_body("hi")
        .assert_header("x-tags", "x");
}

#[tokio::test]
async fn a_pipeline_applies_filters_outermost_first() {
    let stack = load_one(
        "[pipeline.main]\npipeline = [\"outer\", \"inner\", \"hello\"]\n\
         [filter.outer]\nuse = \"tag\"\ntag = \"outer\"\n\
         [filter.inner]\nuse = \"tag\"\ntag = \"inner\"\n\
         [app.hello]\nuse = \"text\"\nbody = \"hi\"\n",
    )
    .unwrap();
    // The response passes the inner filter first.
    get(&stack, "/")
        .await
        .assert_header("x-tags", "inner,outer");
    assert_eq!(
        stack.tree.to_string(),
        "pipeline.main\n\
         ├── filter.outer: tag {tag = outer}\n\
         ├── filter.inner: tag {tag = inner}\n\
         └── app.hello: text {body = hi}\n"
    );
}

#[tokio::test]
async fn filter_with_wraps_an_app_and_a_list_is_outermost_first() {
    let stack = load_one(
        "[app.main]\nuse = \"text\"\nbody = \"hi\"\nfilter-with = [\"a\", \"b\"]\n\
         [filter.a]\nuse = \"tag\"\ntag = \"a\"\n\
         [filter.b]\nuse = \"tag\"\ntag = \"b\"\nfilter-with = \"c\"\n\
         [filter.c]\nuse = \"tag\"\ntag = \"c\"\n",
    )
    .unwrap();
    // b's own filter-with puts c around b.
    get(&stack, "/").await.assert_header("x-tags", "b,c,a");
}

#[tokio::test]
async fn use_of_another_section_inherits_its_keys_and_overrides_them() {
    let stack = load_one(
        "[app.base]\nuse = \"text\"\nbody = \"base\"\nstatus = 201\n\
         [app.main]\nuse = \"#base\"\nstatus = 203\n",
    )
    .unwrap();
    get(&stack, "/")
        .await
        .assert_status(203)
        .assert_body("base");
    assert_eq!(
        stack.tree.to_string(),
        "app.main: text (via app.base) {body = base, status = 203}\n"
    );
}

#[tokio::test]
async fn the_cascade_composite_tries_apps_in_order_with_the_registered_implementation() {
    let stack = load_one(
        "[composite.main]\nuse = \"cascade\"\napps = [\"missing\", \"gone\", \"found\"]\ncatch = [404, 410]\n\
         [app.missing]\nuse = \"text\"\nbody = \"no\"\nstatus = 404\n\
         [app.gone]\nuse = \"text\"\nbody = \"gone\"\nstatus = 410\n\
         [app.found]\nuse = \"text\"\nbody = \"yes\"\n",
    )
    .unwrap();
    get(&stack, "/").await.assert_status(200).assert_body("yes");
    assert_eq!(
        stack.tree.to_string(),
        "composite.main: cascade {catch = 404 410}\n\
         ├── app.missing: text {body = no, status = 404}\n\
         ├── app.gone: text {body = gone, status = 410}\n\
         └── app.found: text {body = yes}\n"
    );
}

#[tokio::test]
async fn the_urlmap_composite_mounts_apps_by_longest_prefix() {
    let stack = load_one(
        "[composite.main]\nuse = \"urlmap\"\n\"/\" = \"home\"\n\"/blog\" = \"blog\"\n\
         [app.home]\nuse = \"text\"\nbody = \"home\"\n\
         [app.blog]\nuse = \"text\"\nbody = \"blog\"\n",
    )
    .unwrap();
    get(&stack, "/blog/post").await.assert_body("blog");
    get(&stack, "/about").await.assert_body("home");
    assert!(stack.tree.to_string().starts_with(
        "composite.main: urlmap\n├── /blog =>\n│   └── app.blog: text {body = blog}\n"
    ));
}

#[tokio::test]
async fn a_registered_composite_loads_the_apps_its_settings_name() {
    let stack = load_one(
        "[composite.main]\nuse = \"pick\"\nfirst = \"a\"\nsecond = \"b\"\npick = \"second\"\n\
         [app.a]\nuse = \"text\"\nbody = \"a\"\n\
         [app.b]\nuse = \"text\"\nbody = \"b\"\n",
    )
    .unwrap();
    get(&stack, "/").await.assert_body("b");
    assert_eq!(stack.tree.children().len(), 2);
}

#[tokio::test]
async fn config_references_reach_sections_in_other_files_relative_to_the_referrer() {
    let dir = Dir::new(&[
        (
            "dev.toml",
            "[pipeline.main]\npipeline = [\"config:shared.toml#t\", \"config:shared.toml\"]\n\
             [app.local]\nuse = \"config:shared.toml#base\"\nbody = \"local\"\n",
        ),
        (
            "shared.toml",
            "[global]\nbody = \"shared global\"\n\
             [filter.t]\nuse = \"tag\"\ntag = \"shared\"\n\
             [app.main]\nuse = \"text\"\n\
             [app.base]\nuse = \"text\"\nstatus = 201\n",
        ),
    ]);
    let stack = dir.load("dev.toml").unwrap();
    // The other file's sections inherit that file's [global].
    get(&stack, "/")
        .await
        .assert_body("shared global")
        .assert_header("x-tags", "shared");
    let local = dir.load("dev.toml#local").unwrap();
    get(&local, "/")
        .await
        .assert_status(201)
        .assert_body("local");
}

#[tokio::test]
async fn substitution_expands_here_env_defaults_and_double_dollar() {
    let stack = load_one(
        "[app.main]\nuse = \"text\"\nbody = \"${here}|${GATEWAY_DEPLOY_TEST_UNSET:-dflt}|$$5\"\n",
    )
    .unwrap();
    let res = get(&stack, "/").await;
    let body = res.text();
    let (here, rest) = body.split_once('|').unwrap();
    assert!(Path::new(here).is_absolute(), "{here}");
    assert_eq!(rest, "dflt|$5");
}

#[tokio::test]
async fn set_overrides_every_section_that_takes_the_key() {
    let dir = Dir::new(&[(
        "dev.toml",
        "[pipeline.main]\npipeline = [\"t\", \"hello\"]\n\
         [filter.t]\nuse = \"tag\"\ntag = \"x\"\n\
         [app.hello]\nuse = \"text\"\nbody = \"from file\"\n",
    )]);
    let stack = Loader::new(&registry())
        .set("body", "from --set")
        .load_app(&dir.uri("dev.toml"))
        .unwrap();
    get(&stack, "/")
        .await
        .assert_body("from --set")
        .assert_header("x-tags", "x");
}

#[tokio::test]
async fn an_app_section_without_use_gets_the_default_app() {
    let dir = Dir::new(&[("dev.toml", "[app.main]\nbody = \"own\"\n")]);
    let registry = registry().default_app("text");
    let stack = Loader::new(&registry)
        .load_app(&dir.uri("dev.toml"))
        .unwrap();
    get(&stack, "/").await.assert_body("own");
}

#[test]
fn server_sections_resolve_with_their_settings() {
    let dir = Dir::new(&[(
        "dev.toml",
        "[global]\ndebug = true\n[server.main]\nbind = \"127.0.0.1:9\"\n[server.alt]\nuse = \"http\"\n",
    )]);
    let registry = registry();
    let mut loader = Loader::new(&registry);
    let main = loader
        .load_server(&format!("{}#main", dir.uri("dev.toml")))
        .unwrap();
    assert_eq!(main.factory(), "http");
    assert_eq!(main.settings().get("bind"), Some("127.0.0.1:9"));
    // The server config takes no `debug`: the inherited key is dropped for it.
    let config = main
        .configure(|s| {
            let mut s = s.clone();
            s.remove("bind");
            Ok(crate::ServerConfig::from_settings(&s)?)
        })
        .unwrap();
    assert_eq!(config.drain_timeout, std::time::Duration::from_secs(30));
    assert!(loader
        .load_server(&format!("{}#alt", dir.uri("dev.toml")))
        .is_ok());
    let err = loader
        .load_server(&format!("{}#nope", dir.uri("dev.toml")))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingSection);
    assert!(
        err.reason()
            .starts_with("no [server.nope] section; the file has [server.alt], [server.main]"),
        "{err}"
    );
}

#[test]
fn a_missing_server_main_means_the_built_in_server() {
    let dir = Dir::new(&[("dev.toml", "[app.main]\nuse = \"text\"\n")]);
    let registry = registry();
    let server = Loader::new(&registry)
        .load_server(&dir.uri("dev.toml"))
        .unwrap();
    assert_eq!(server.factory(), "http");
}

// ---- errors: each names file, section, key, and line:column where it can ----

#[test]
fn missing_top_level_section_lists_what_the_file_has() {
    assert_eq!(
        error_one("[app.other]\nuse = \"text\"\nbody = \"x\"\n"),
        "DIR/dev.toml: no [app.main], [pipeline.main] or [composite.main] section; the file has [app.other]"
    );
}

#[test]
fn missing_referenced_section_names_the_referring_key() {
    assert_eq!(
        error_one("[pipeline.main]\npipeline = [\"nothere\"]\n"),
        "DIR/dev.toml:2:1 [pipeline.main] pipeline: no [app.nothere], [pipeline.nothere] or [composite.nothere] section in DIR/dev.toml"
    );
    assert_eq!(
        error_one(
            "[pipeline.main]\npipeline = [\"f\", \"a\"]\n[app.a]\nuse = \"text\"\nbody = \"x\"\n"
        ),
        "DIR/dev.toml:2:1 [pipeline.main] pipeline: no [filter.f] section in DIR/dev.toml"
    );
}

#[test]
fn unknown_use_names_the_section_key_position_and_registered_factories() {
    assert_eq!(
        error_one("[app.main]\n  use = \"txet\"\n"),
        "DIR/dev.toml:2:3 [app.main] use: no app factory named \"txet\" (registered: text)"
    );
    assert_eq!(
        error_one("[composite.main]\nuse = \"cascad\"\n"),
        "DIR/dev.toml:2:1 [composite.main] use: no composite factory named \"cascad\" (registered: cascade, urlmap, pick)"
    );
    assert_eq!(
        error_one("[app.main]\nuse = \"text\"\nbody = \"x\"\nfilter-with = \"f\"\n[filter.f]\nuse = \"gzip\"\n"),
        "DIR/dev.toml:6:1 [filter.f] use: no filter factory named \"gzip\" (registered: tag)"
    );
}

#[test]
fn missing_use_is_an_error_without_a_default_app() {
    assert_eq!(
        error_one("[app.main]\nbody = \"x\"\n"),
        "DIR/dev.toml:1:6 [app.main] use: missing: name the app factory that builds this section, e.g. use = \"NAME\""
    );
}

#[test]
fn a_cycle_through_use_is_reported_with_its_path() {
    assert_eq!(
        error_one("[app.main]\nuse = \"#a\"\n[app.a]\nuse = \"#b\"\n[app.b]\nuse = \"#a\"\n"),
        "DIR/dev.toml:6:1 [app.b] use: reference cycle: app.a -> app.b -> app.a"
    );
}

#[test]
fn a_cycle_through_pipelines_and_filter_with_is_reported() {
    assert_eq!(
        error_one("[pipeline.main]\npipeline = [\"main\"]\n"),
        "DIR/dev.toml:2:1 [pipeline.main] pipeline: reference cycle: pipeline.main -> pipeline.main"
    );
    assert_eq!(
        error_one(
            "[composite.main]\nuse = \"cascade\"\napps = [\"p\"]\n\
             [pipeline.p]\npipeline = [\"main\"]\n"
        ),
        "DIR/dev.toml:5:1 [pipeline.p] pipeline: reference cycle: composite.main -> pipeline.p -> composite.main"
    );
    assert_eq!(
        error_one(
            "[app.main]\nuse = \"text\"\nbody = \"x\"\nfilter-with = \"f\"\n\
             [filter.f]\nuse = \"tag\"\ntag = \"t\"\nfilter-with = \"f\"\n"
        ),
        "DIR/dev.toml:8:1 [filter.f] filter-with: reference cycle: filter.f -> filter.f"
    );
}

#[test]
fn a_cycle_across_files_names_the_other_file() {
    let dir = Dir::new(&[
        ("a.toml", "[app.main]\nuse = \"config:b.toml#main\"\n"),
        ("b.toml", "[app.main]\nuse = \"config:a.toml#main\"\n"),
    ]);
    let err = dir.error("a.toml");
    assert!(
        err.starts_with("DIR/b.toml:2:1 [app.main] use: reference cycle: app.main -> "),
        "{err}"
    );
    assert!(err.contains("b.toml#app.main -> app.main"), "{err}");
}

#[test]
fn a_bad_value_from_a_factory_points_at_the_key_in_the_file() {
    assert_eq!(
        error_one("[app.main]\nuse = \"text\"\nbody = \"x\"\n\nstatus = \"lots\"\n"),
        "DIR/dev.toml:5:1 [app.main]: setting status = \"lots\": expected an integer (u16)"
    );
    // A key that came from [global] is reported where [global] wrote it.
    assert_eq!(
        error_one("[global]\nstatus = \"lots\"\n[app.main]\nuse = \"text\"\nbody = \"x\"\n"),
        "DIR/dev.toml:2:1 [app.main]: setting status = \"lots\": expected an integer (u16)"
    );
    // A missing required key names the section.
    assert_eq!(
        error_one("[app.main]\nuse = \"text\"\n"),
        "DIR/dev.toml [app.main]: setting body is required but missing"
    );
}

#[test]
fn an_unknown_key_the_section_wrote_itself_is_an_error() {
    assert_eq!(
        error_one("[app.main]\nuse = \"text\"\nbody = \"x\"\nbdy = \"y\"\n"),
        "DIR/dev.toml:4:1 [app.main]: unknown setting bdy: expected one of body, status"
    );
}

#[test]
fn an_unknown_key_in_a_built_in_section_is_an_error() {
    assert_eq!(
        error_one("[pipeline.main]\npipeline = [\"a\"]\nfilters = [\"x\"]\n"),
        "DIR/dev.toml:3:1 [pipeline.main] filters: unknown key: a pipeline takes only pipeline and filter-with"
    );
    // A cascade's keys besides `apps` belong to the registered implementation,
    // whose `from_settings` names the one it does not know.
    assert_eq!(
        error_one("[app.a]\nuse = \"text\"\nbody = \"x\"\n[composite.main]\nuse = \"cascade\"\napps = [\"a\"]\ncatches = [404]\n"),
        "DIR/dev.toml:7:1 [composite.main]: unknown setting catches: expected one of catch"
    );
    assert_eq!(
        error_one("[composite.main]\nuse = \"urlmap\"\nblog = \"a\"\n"),
        "DIR/dev.toml:3:1 [composite.main] blog: unknown key: a urlmap takes only path prefixes such as \"/blog\" = \"blog\""
    );
}

#[test]
fn a_bad_value_in_the_grammar_names_the_key() {
    assert_eq!(
        error_one("[pipeline.main]\npipeline = []\n"),
        "DIR/dev.toml:2:1 [pipeline.main] pipeline: empty: list the filters, outermost first, and then the app"
    );
    assert_eq!(
        error_one("[app.main]\nuse = [\"a\", \"b\"]\n"),
        "DIR/dev.toml:2:1 [app.main] use: expected one name, found a list"
    );
    assert_eq!(
        error_one("[composite.main]\nuse = \"cascade\"\n"),
        "DIR/dev.toml:1:12 [composite.main] apps: missing: list the apps to try, in order"
    );
}

#[test]
fn a_missing_referenced_file_names_the_referring_file_section_and_key() {
    let err = error_one(
        "[app.main]\nuse = \"text\"\nbody = \"x\"\n\nfilter-with = \"config:nope.toml#f\"\n",
    );
    assert!(
        err.starts_with(
            "DIR/dev.toml:5:1 [app.main] filter-with: cannot read the config file DIR/nope.toml: "
        ),
        "{err}"
    );
}

#[test]
fn a_missing_top_level_file_is_named() {
    let err = load_app("config:/nonexistent/dev.toml", &registry())
        .err()
        .unwrap();
    assert_eq!(err.kind(), ErrorKind::MissingFile);
    assert!(
        err.to_string()
            .starts_with("/nonexistent/dev.toml: cannot read the config file: "),
        "{err}"
    );
}

#[test]
fn a_parse_error_in_a_referenced_file_has_its_line_and_column() {
    let dir = Dir::new(&[
        ("dev.toml", "[app.main]\nuse = \"config:other.toml#x\"\n"),
        ("other.toml", "[app.x]\nuse = \"text\"\nbody = \n"),
    ]);
    let err = dir.load("dev.toml").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert_eq!(err.file(), dir.path("other.toml"));
    assert_eq!(err.position(), Some((3, 8)));
}

#[test]
fn a_uri_without_config_scheme_is_an_error() {
    let err = load_app("dev.toml", &registry()).err().unwrap();
    assert_eq!(
        err.to_string(),
        "dev.toml: expected config:FILE or config:FILE#NAME"
    );
}

#[test]
fn cascade_without_a_registered_implementation_says_how_to_register_one() {
    let dir = Dir::new(&[(
        "dev.toml",
        "[composite.main]\nuse = \"cascade\"\napps = [\"a\"]\n[app.a]\nuse = \"text\"\nbody = \"x\"\n",
    )]);
    let registry = Registry::new().app("text", text_app);
    let err = Loader::new(&registry)
        .load_app(&dir.uri("dev.toml"))
        .unwrap_err();
    assert_eq!(
        err.to_string().replace(&dir.0.path().display().to_string(), "DIR"),
        "DIR/dev.toml:2:1 [composite.main] use: cascade is built in, but this binary registered no implementation (Registry::cascade)"
    );
}

#[test]
fn a_factory_error_that_is_not_about_settings_names_the_factory() {
    let dir = Dir::new(&[("dev.toml", "[app.main]\nuse = \"broken\"\n")]);
    let registry = Registry::new().app("broken", |_: &Settings| Err("the disk is on fire".into()));
    let err = Loader::new(&registry)
        .load_app(&dir.uri("dev.toml"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Factory);
    assert_eq!(
        err.to_string()
            .replace(&dir.0.path().display().to_string(), "DIR"),
        "DIR/dev.toml:2:1 [app.main] use: the broken factory failed: the disk is on fire"
    );
}
