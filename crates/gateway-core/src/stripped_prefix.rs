//! [`StrippedPrefix`]: the mount prefix of a service that an outer router nests
//! under a prefix it strips, such as axum's `nest_service`.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::task::{Context, Poll};

use http::Uri;
use tower_layer::Layer;
use tower_service::Service;

use crate::MountPrefix;

/// A service wrapper that adds to the [`MountPrefix`] the part of the path that an
/// outer router stripped before calling it.
///
/// A router that nests a service under a prefix (axum's `nest_service("/legacy",
/// ..)`) removes the prefix from the request URI, so URL generation inside the
/// service would lose it. Such routers record the URI as it arrived in a request
/// extension; `U` is that extension's type, any `Deref<Target = Uri>` (for axum,
/// `axum::extract::OriginalUri`). The stripped part is the original path minus
/// the path this service sees: `/legacy/greet/again` seen as `/greet/again` gives
/// `/legacy`. Without the extension, or when the two paths do not line up, the
/// request passes unchanged.
///
/// This crate does not depend on axum; the one line of setup under axum is:
///
/// ```text
/// .nest_service("/legacy", StrippedPrefix::<_, axum::extract::OriginalUri>::new(mapper_app))
/// ```
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use gw_core::{app_fn, Body, MountPrefix, StrippedPrefix};
/// use http_body_util::BodyExt;
/// use tower::ServiceExt;
///
/// /// What an outer router records (axum's is `OriginalUri`).
/// #[derive(Clone)]
/// struct Original(http::Uri);
/// impl std::ops::Deref for Original {
///     type Target = http::Uri;
///     fn deref(&self) -> &http::Uri { &self.0 }
/// }
///
/// let app = app_fn(|req: http::Request<Body>| async move { MountPrefix::of(&req).to_owned() });
/// let app = StrippedPrefix::<_, Original>::new(app);
///
/// // The outer router saw `/legacy/greet` and stripped `/legacy`.
/// let mut req = http::Request::builder().uri("/greet").body(Body::empty()).unwrap();
/// req.extensions_mut().insert(Original("/legacy/greet".parse().unwrap()));
/// let res = app.oneshot(req).await.unwrap();
/// assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "/legacy");
/// # }
/// ```
pub struct StrippedPrefix<S, U> {
    inner: S,
    _original: PhantomData<fn() -> U>,
}

impl<S, U> StrippedPrefix<S, U> {
    /// Wraps `inner`; `U` is the extension in which the outer router keeps the
    /// original URI.
    pub fn new(inner: S) -> Self {
        StrippedPrefix {
            inner,
            _original: PhantomData,
        }
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

impl<S: Clone, U> Clone for StrippedPrefix<S, U> {
    fn clone(&self) -> Self {
        StrippedPrefix::new(self.inner.clone())
    }
}

impl<S: fmt::Debug, U> fmt::Debug for StrippedPrefix<S, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StrippedPrefix")
            .field("inner", &self.inner)
            .field("original_uri_in", &std::any::type_name::<U>())
            .finish()
    }
}

impl<S, U, B> Service<http::Request<B>> for StrippedPrefix<S, U>
where
    S: Service<http::Request<B>>,
    U: Deref<Target = Uri> + Send + Sync + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> S::Future {
        let stripped = req
            .extensions()
            .get::<U>()
            .and_then(|original| stripped_part(original.path(), req.uri().path()))
            .map(str::to_owned);
        if let Some(stripped) = stripped {
            MountPrefix::push(&mut req, &stripped);
        }
        self.inner.call(req)
    }
}

/// A [`Layer`] that wraps services in [`StrippedPrefix`].
pub struct StrippedPrefixLayer<U> {
    _original: PhantomData<fn() -> U>,
}

impl<U> StrippedPrefixLayer<U> {
    /// The layer; `U` is the extension that holds the original URI.
    pub fn new() -> Self {
        StrippedPrefixLayer {
            _original: PhantomData,
        }
    }
}

impl<U> Default for StrippedPrefixLayer<U> {
    fn default() -> Self {
        Self::new()
    }
}

impl<U> Clone for StrippedPrefixLayer<U> {
    fn clone(&self) -> Self {
        Self::new()
    }
}

impl<U> fmt::Debug for StrippedPrefixLayer<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StrippedPrefixLayer")
            .field("original_uri_in", &std::any::type_name::<U>())
            .finish()
    }
}

impl<S, U> Layer<S> for StrippedPrefixLayer<U> {
    type Service = StrippedPrefix<S, U>;

    fn layer(&self, inner: S) -> StrippedPrefix<S, U> {
        StrippedPrefix::new(inner)
    }
}

/// The part of `original` in front of `seen`: `/legacy` for `/legacy/a` seen as
/// `/a`. A router that strips the whole path leaves `/` (axum does for
/// `/legacy`), so then everything was stripped. `None` when `seen` is not the tail
/// of `original` (the extension is not about this request's path).
fn stripped_part<'a>(original: &'a str, seen: &str) -> Option<&'a str> {
    if let Some(front) = original.strip_suffix(seen) {
        return Some(front);
    }
    (seen == "/").then_some(original)
}

#[cfg(test)]
mod tests {
    use super::stripped_part;

    #[test]
    fn the_stripped_part_is_the_original_path_minus_the_seen_tail() {
        assert_eq!(
            stripped_part("/legacy/greet/again", "/greet/again"),
            Some("/legacy")
        );
        assert_eq!(stripped_part("/legacy/", "/"), Some("/legacy"));
        assert_eq!(stripped_part("/legacy", "/"), Some("/legacy"));
        assert_eq!(stripped_part("/a/b", "/a/b"), Some(""));
        assert_eq!(stripped_part("/other", "/greet"), None);
    }
}
