//! Set one namespaced [`Environ`](gw_core::Environ) key on every request: the Pylons `KeyAdder`.
//!
//! This is the smallest complete Gateway middleware, and the one to read first. It
//! shows every convention in one file:
//!
//! - a [`KeyAdderLayer`] that is built once, at start-up, and refuses bad input
//!   there with a typed error ([`KeyError`]) instead of panicking mid-request;
//! - a [`KeyAdder<S>`] service that wraps the next service, with
//!   [`get_ref`](KeyAdder::get_ref), [`get_mut`](KeyAdder::get_mut) and
//!   [`into_inner`](KeyAdder::into_inner);
//! - a [`from_settings`](KeyAdderLayer::from_settings) constructor, so a config file
//!   can build it;
//! - generic over the request body, and passing the inner service's response
//!   future through untouched (no boxing, no extra state machine).
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! use gw_core::{app_fn, Body, Environ, Response};
//! use http_body_util::BodyExt;
//! use gw_key_adder::KeyAdderLayer;
//! use tower::{Layer, ServiceExt};
//!
//! let app = app_fn(|req: http::Request<Body>| async move {
//!     let value = Environ::of(&req).and_then(|env| env.get("test.hello")).unwrap_or("");
//!     Response::text(value.to_owned())
//! });
//! let app = KeyAdderLayer::new("test.hello", "Hello World")?.layer(app);
//!
//! let res = app.oneshot(http::Request::new(Body::empty())).await?;
//! assert_eq!(res.into_body().collect().await?.to_bytes(), "Hello World");
//! # Ok(()) }
//! ```
//!
//! # When the key is already set
//!
//! An outer layer (another `KeyAdder`, a session middleware...) may have set the key
//! before this one runs. **`KeyAdder` overwrites it**, as Pylons' `KeyAdder` does
//! (`environ[key] = value`). We keep Paste's choice on purpose:
//!
//! - the layer's promise stays unconditional: every service below it sees
//!   `key = value`, whatever was stacked above it;
//! - the innermost layer is the most specific one (a sub-application mounted with its
//!   own settings), so it should win, the way an inner scope shadows an outer one;
//! - it matches [`http::Extensions::insert`] and tower-http's `AddExtension`, so
//!   nobody has to learn a second rule.
//!
//! The environ lives in the request's [`RequestContext`],
//! the one extension entry every Gateway layer writes to, which only server-side
//! code can write: a client cannot plant a value for us to keep or to overwrite.
//!
//! # Paste / Pylons twin
//!
//! Pylons' documentation builds `KeyAdder(app, key, value)` as its example WSGI
//! middleware; it raises at construction when the key has no `.`, then sets
//! `environ[key] = value` on every request.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::task::{Context, Poll};

use gw_core::{EnvironKey, RequestContext, Settings, SettingsError};
use tower_layer::Layer;
use tower_service::Service;

pub use gw_core::KeyError;

/// A [`Layer`] that wraps services in [`KeyAdder`].
///
/// Cloning is cheap: the key and the value are reference-counted.
///
/// ```
/// use gw_key_adder::{KeyAdderLayer, KeyError};
///
/// assert!(KeyAdderLayer::new("test.hello", "Hello World").is_ok());
///
/// // PEP 333 keeps un-namespaced keys for the server, so they are refused here,
/// // when the stack is built, never in a request.
/// let err = KeyAdderLayer::new("hello", "Hello World").unwrap_err();
/// assert!(matches!(err, KeyError::NoNamespace { .. }));
/// assert!(err.to_string().contains("\"hello\""));
/// ```
#[derive(Debug, Clone)]
pub struct KeyAdderLayer {
    key: EnvironKey,
    value: Arc<str>,
}

impl KeyAdderLayer {
    /// A layer that sets `key` to `value`; fails if `key` is not namespaced.
    pub fn new(key: impl AsRef<str>, value: impl Into<Arc<str>>) -> Result<Self, KeyError> {
        Ok(KeyAdderLayer {
            key: EnvironKey::new(key)?,
            value: value.into(),
        })
    }

    /// A layer built from the settings `key` and `value`, both required.
    ///
    /// A key without a `.` is reported as an invalid `key` setting, naming the file and
    /// section the settings came from; an unknown setting is an error too.
    ///
    /// ```
    /// use gw_core::Settings;
    /// use gw_key_adder::KeyAdderLayer;
    ///
    /// let settings = Settings::from_pairs([("key", "test.hello"), ("value", "Hello World")]);
    /// let layer = KeyAdderLayer::from_settings(&settings)?;
    /// assert_eq!(layer.key().as_str(), "test.hello");
    ///
    /// let typo = Settings::from_pairs([("key", "test.hello"), ("valeu", "x")]);
    /// assert!(KeyAdderLayer::from_settings(&typo).is_err());
    /// # Ok::<(), gw_core::SettingsError>(())
    /// ```
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        settings.check_known(&["key", "value"])?;
        let key = settings.require("key")?;
        let value = settings.require("value")?;
        KeyAdderLayer::new(key, value).map_err(|e| settings.invalid("key", e.to_string()))
    }

    /// The key this layer sets.
    pub fn key(&self) -> &EnvironKey {
        &self.key
    }

    /// The value this layer sets.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl<S> Layer<S> for KeyAdderLayer {
    type Service = KeyAdder<S>;

    fn layer(&self, inner: S) -> KeyAdder<S> {
        KeyAdder {
            inner,
            key: self.key.clone(),
            value: self.value.clone(),
        }
    }
}

/// A [`Service`] that sets one [`Environ`](gw_core::Environ) key, then calls the inner service.
///
/// Build it with [`KeyAdderLayer`], or directly from an already validated key:
///
/// ```
/// use gw_core::{app_fn, Body, EnvironKey};
/// use gw_key_adder::KeyAdder;
///
/// let key = EnvironKey::new("test.hello")?;
/// let app = app_fn(|_req: http::Request<Body>| async { "ok" });
/// let service = KeyAdder::new(app, key, "Hello World");
/// assert_eq!(service.value(), "Hello World");
/// # Ok::<(), gw_core::KeyError>(())
/// ```
#[derive(Debug, Clone)]
pub struct KeyAdder<S> {
    inner: S,
    key: EnvironKey,
    value: Arc<str>,
}

impl<S> KeyAdder<S> {
    /// Wraps `inner`; `key` is already validated, so this cannot fail.
    pub fn new(inner: S, key: EnvironKey, value: impl Into<Arc<str>>) -> Self {
        KeyAdder {
            inner,
            key,
            value: value.into(),
        }
    }

    /// The key this service sets.
    pub fn key(&self) -> &EnvironKey {
        &self.key
    }

    /// The value this service sets.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, B> Service<http::Request<B>> for KeyAdder<S>
where
    S: Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        // Two reference-count increments into the request's context (created here
        // if this is the first layer to write to it): no string is copied, and
        // the first keys need no allocation. Overwrites an existing value on
        // purpose; see the crate docs.
        RequestContext::update(&mut req, |context| {
            let environ = context.environ_mut();
            environ.insert(self.key.clone(), self.value.clone());
        });
        self.inner.call(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::test_client::TestClient;
    use gw_core::{app_fn, Body, Environ, Response};

    /// An app that answers with every environ key, `key=value` per line.
    fn show_environ() -> impl Service<
        http::Request<Body>,
        Response = http::Response<Body>,
        Error = std::convert::Infallible,
    > + Clone {
        app_fn(|req: http::Request<Body>| async move {
            let lines: Vec<String> = Environ::of(&req)
                .map(|env| env.iter().map(|(k, v)| format!("{k}={v}")).collect())
                .unwrap_or_default();
            Response::text(lines.join("\n"))
        })
    }

    #[tokio::test]
    async fn sets_the_key_on_every_request() {
        let layer = KeyAdderLayer::new("test.hello", "Hello World").unwrap();
        let client = TestClient::new(layer.layer(show_environ()));
        for _ in 0..2 {
            client
                .get("/environ")
                .send()
                .await
                .assert_status(200)
                .assert_body("test.hello=Hello World");
        }
    }

    #[tokio::test]
    async fn an_existing_value_is_overwritten() {
        let mut env = Environ::new();
        env.insert(EnvironKey::new("test.hello").unwrap(), "from outside");
        env.insert(EnvironKey::new("other.key").unwrap(), "kept");
        let layer = KeyAdderLayer::new("test.hello", "Hello World").unwrap();
        TestClient::new(layer.layer(show_environ()))
            .get("/")
            .extension(env)
            .send()
            .await
            .assert_body("test.hello=Hello World\nother.key=kept");
    }

    #[tokio::test]
    async fn the_inner_of_two_layers_for_one_key_wins() {
        let inner = KeyAdderLayer::new("test.hello", "inner").unwrap();
        let outer = KeyAdderLayer::new("test.hello", "outer").unwrap();
        TestClient::new(outer.layer(inner.layer(show_environ())))
            .get("/")
            .send()
            .await
            .assert_body("test.hello=inner");
    }

    #[test]
    fn a_key_without_a_dot_is_refused_by_name() {
        let err = KeyAdderLayer::new("hello", "x").unwrap_err();
        assert_eq!(
            err,
            KeyError::NoNamespace {
                key: "hello".into()
            }
        );
        assert!(err.to_string().contains("\"hello\""), "{err}");
    }

    #[test]
    fn from_settings_reads_key_and_value() {
        let settings = Settings::from_pairs([("key", "test.hello"), ("value", "Hello World")]);
        let layer = KeyAdderLayer::from_settings(&settings).unwrap();
        assert_eq!(
            (layer.key().as_str(), layer.value()),
            ("test.hello", "Hello World")
        );
    }

    #[test]
    fn from_settings_names_a_bad_key_and_its_file() {
        let settings = Settings::from_pairs([("key", "hello"), ("value", "x")])
            .with_origin(Some("dev.toml".into()), Some("filter.keys".into()));
        let err = KeyAdderLayer::from_settings(&settings).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("dev.toml [filter.keys]: setting key = \"hello\""),
            "{text}"
        );
        assert!(text.contains("namespaced"), "{text}");
    }

    #[test]
    fn from_settings_refuses_missing_and_unknown_settings() {
        let missing = Settings::from_pairs([("key", "test.hello")]);
        assert_eq!(
            KeyAdderLayer::from_settings(&missing)
                .unwrap_err()
                .to_string(),
            "setting value is required but missing"
        );
        let typo = Settings::from_pairs([("key", "a.b"), ("value", "x"), ("vlaue", "y")]);
        assert!(KeyAdderLayer::from_settings(&typo)
            .unwrap_err()
            .to_string()
            .contains("unknown setting vlaue"));
    }

    #[test]
    fn accessors_reach_the_inner_service() {
        let layer = KeyAdderLayer::new("a.b", "c").unwrap();
        let mut service = layer.layer(7_u32);
        assert_eq!(*service.get_ref(), 7);
        *service.get_mut() = 8;
        assert_eq!(service.into_inner(), 8);
    }
}

/// The examples of this crate's README.md, run as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
