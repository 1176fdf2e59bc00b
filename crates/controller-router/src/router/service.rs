//! The router's `Service` implementation and response future.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use gw_core::{Body, BoxError, MountPrefix, Response};
use http::header::{HeaderValue, LOCATION};
use http_body_util::{BodyExt, Limited};
use tower::ServiceExt;
use tower_service::Service;

use super::method_override::{form_method, wants_look, OriginalMethod};
use super::{Inner, Router};
use crate::controller::{bad_request, internal_error, not_found};
use crate::generate::build_path;
use crate::route::Target;
use crate::Urls;

type BoxFuture = Pin<Box<dyn Future<Output = http::Response<Body>> + Send>>;

/// The response future of [`Router`].
///
/// Boxed: dispatch awaits a boxed controller anyway, and may first read a form body.
pub struct ResponseFuture {
    inner: BoxFuture,
}

impl fmt::Debug for ResponseFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl Future for ResponseFuture {
    type Output = Result<http::Response<Body>, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx).map(Ok)
    }
}

impl<B> Service<http::Request<B>> for Router
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Controllers are cloned and driven to readiness per request.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let inner = self.inner.clone();
        ResponseFuture {
            inner: Box::pin(dispatch(inner, req.map(Body::new))),
        }
    }
}

async fn dispatch(inner: Arc<Inner>, req: http::Request<Body>) -> http::Response<Body> {
    let (mut parts, mut body) = req.into_parts();

    if inner.method_override && wants_look(&parts.method, &parts.headers, inner.override_limit) {
        let bytes = match Limited::new(body, inner.override_limit).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => return bad_request("Bad Request: the form body could not be read"),
        };
        if let Some(method) = form_method(&bytes) {
            let original = std::mem::replace(&mut parts.method, method);
            parts.extensions.insert(OriginalMethod(original));
        }
        body = Body::from(bytes);
    }

    let mapper = inner.mapper.clone();
    let (args, target) = {
        let Some(found) = mapper.recognize_request(&parts) else {
            return not_found();
        };
        let Some(args) = found.routing_args() else {
            return bad_request("Bad Request: a path value is not UTF-8 once decoded");
        };
        (args, found.target())
    };

    let prefix = parts
        .extensions
        .get::<MountPrefix>()
        .map_or_else(String::new, |p| p.as_str().to_owned());
    match target {
        Target::Controller => {}
        Target::Redirect(to, status) => {
            let mut location = prefix;
            let get = |name: &str| args.get(name);
            if build_path(to, &get, &mut location).is_err() {
                return internal_error();
            }
            if let Some(q) = parts.uri.query() {
                location.push('?');
                location.push_str(q);
            }
            return redirect(&location, *status);
        }
        Target::RedirectUrl(url, status) => return redirect(url, *status),
    }

    let Some(controller) = args
        .get("controller")
        .and_then(|name| inner.controllers.get(name))
        .cloned()
    else {
        return not_found();
    };
    let is_head = parts.method == http::Method::HEAD;
    parts.extensions.insert(Urls::new(mapper, prefix));
    parts.extensions.insert(args);
    let req = http::Request::from_parts(parts, body);
    let mut res = match controller.oneshot(req).await {
        Ok(res) => res,
        Err(never) => match never {},
    };
    if is_head {
        *res.body_mut() = Body::empty();
    }
    res
}

fn redirect(location: &str, status: http::StatusCode) -> http::Response<Body> {
    match HeaderValue::try_from(location) {
        Ok(value) => Response::text(format!("Moved to {location}\n"))
            .with_status(status)
            .header(LOCATION, value)
            .into_http(),
        Err(_) => internal_error(),
    }
}
