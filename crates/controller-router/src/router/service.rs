//! The router's `Service` implementation and response future.

use std::any::Any;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use gw_core::{Body, BoxError, MountPrefix, RequestContext, Response, RoutingArgs};
use http::header::{HeaderValue, LOCATION};
use http_body_util::{BodyExt, Limited};
use tower_service::Service;

use super::builder::{Inner, Router};
use super::method_override::{form_method, wants_look, OriginalMethod};
use crate::controller::{bad_request, internal_error, not_found, BoxResponse, ControllerFuture};
use crate::generate::build_path;
use crate::matcher::decode;
use crate::mount::strip_prefix;
use crate::route::Target;

/// The response future of [`Router`]: the controller's future, or the router's
/// own answer (`404`, a redirect, `400`).
///
/// Only a POST form read for `_method` is boxed here, since the body must be read
/// before the route is known; every other request awaits the controller's boxed
/// future directly.
pub struct ResponseFuture {
    state: State,
}

enum State {
    Controller {
        future: ControllerFuture,
        head: bool,
    },
    Form {
        future: BoxResponse,
    },
    Ready {
        response: Option<http::Response<Body>>,
    },
}

impl fmt::Debug for ResponseFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl Future for ResponseFuture {
    type Output = Result<http::Response<Body>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Every state is `Unpin`: the futures inside are boxed.
        let response = match &mut self.get_mut().state {
            State::Controller { future, head } => {
                // Changed where it lies: the answer is not moved out and back.
                let mut answer = Pin::new(future).poll(cx);
                if let (true, Poll::Ready(Ok(response))) = (*head, &mut answer) {
                    *response.body_mut() = Body::empty();
                }
                return answer;
            }
            State::Form { future } => return future.as_mut().poll(cx),
            State::Ready { response } => response
                .take()
                .expect("router ResponseFuture polled after completion"),
        };
        Poll::Ready(Ok(response))
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
        // Each call drives its own clone of the controller to readiness.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let (parts, body) = req.into_parts();
        let body = Body::new(body);
        let inner = &self.inner;
        if inner.method_override && wants_look(&parts.method, &parts.headers, inner.override_limit)
        {
            let inner = inner.clone();
            return ResponseFuture {
                state: State::Form {
                    future: Box::pin(dispatch_form(inner, parts, body)),
                },
            };
        }
        let state = match dispatch(inner, parts, body) {
            Dispatched::Controller(future, head) => State::Controller { future, head },
            Dispatched::Answered(response) => State::Ready {
                response: Some(response),
            },
        };
        ResponseFuture { state }
    }
}

/// Where a request went.
enum Dispatched {
    /// To a controller; `true` for `HEAD`, whose response body is dropped.
    Controller(ControllerFuture, bool),
    /// Nowhere: the router answered itself.
    Answered(http::Response<Body>),
}

/// Reads a small POST form for `_method`, then dispatches as [`dispatch`] does.
async fn dispatch_form(
    inner: Arc<Inner>,
    mut parts: http::request::Parts,
    body: Body,
) -> Result<http::Response<Body>, Infallible> {
    let bytes = match Limited::new(body, inner.override_limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Ok(bad_request("Bad Request: the form body could not be read")),
    };
    if let Some(method) = form_method(&bytes) {
        let original = std::mem::replace(&mut parts.method, method);
        parts.extensions.insert(OriginalMethod(original));
    }
    Ok(match dispatch(&inner, parts, Body::from(bytes)) {
        Dispatched::Controller(future, head) => {
            let Ok(mut response) = future.await;
            if head {
                *response.body_mut() = Body::empty();
            }
            response
        }
        Dispatched::Answered(response) => response,
    })
}

/// Finds the route, answers a redirect, or hands the request to its controller
/// with the routing args and the route table in its context (and, for a route
/// ending in `{*path_info}`, the matched part moved into the mount prefix).
#[inline(always)]
fn dispatch(inner: &Arc<Inner>, parts: http::request::Parts, body: Body) -> Dispatched {
    let mut chosen = None;
    let mut args;
    let (target, path_info) = {
        let Some(found) = inner.mapper.recognize_request(&parts) else {
            return Dispatched::Answered(not_found());
        };
        // A captured controller name shares the table's copy of its text, and
        // the controller found for it is the one called. The lookup that
        // checked the name against the router's own known names already
        // found where it is: the table holds the same names in the same order.
        let resolved = found.known_controller().and_then(|(i, known)| {
            let ours = inner.known.as_ref()?;
            Arc::ptr_eq(ours, known).then(|| &inner.controllers[i])
        });
        // Four args live in the value itself (built in place: a capacity
        // would have it built elsewhere and moved).
        args = RoutingArgs::default();
        let decoded = found.routing_args_sharing(&mut args, |raw| {
            let entry = match resolved {
                Some(entry) => entry,
                None => inner.controller(&decode(raw)?)?,
            };
            debug_assert!(decode(raw).is_some_and(|name| *name == *entry.0));
            chosen = Some(entry);
            Some(&entry.0)
        });
        if !decoded {
            return Dispatched::Answered(bad_request(
                "Bad Request: a path value is not UTF-8 once decoded",
            ));
        }
        (found.target(), found.path_info_cut())
    };
    let mut req = http::Request::from_parts(parts, body);

    match target {
        Target::Controller => {}
        Target::Redirect(to, status) => {
            let mut location = MountPrefix::of(&req).to_owned();
            let get = |name: &str| args.get(name);
            if build_path(to, &get, &mut location).is_err() {
                return Dispatched::Answered(internal_error());
            }
            if let Some(q) = req.uri().query() {
                location.push('?');
                location.push_str(q);
            }
            return Dispatched::Answered(redirect(&location, *status));
        }
        Target::RedirectUrl(url, status) => return Dispatched::Answered(redirect(url, *status)),
    }

    // A controller the route names (not captured) is found by its name.
    let Some((_, controller)) = chosen.or_else(|| {
        args.get("controller")
            .and_then(|name| inner.controller(name))
    }) else {
        return Dispatched::Answered(not_found());
    };
    if let Some(cut) = path_info {
        // Routes' `*path_info`: the matched part becomes the mount prefix and
        // the controller sees the rest as its path.
        let Some(uri) = strip_prefix(req.uri(), cut) else {
            return Dispatched::Answered(bad_request("Bad Request: the path could not be split"));
        };
        let prefix = std::mem::replace(req.uri_mut(), uri);
        MountPrefix::push(&mut req, &prefix.path()[..cut]);
    }
    let head = req.method() == http::Method::HEAD;
    let routes: Arc<dyn Any + Send + Sync> = inner.mapper.clone();
    RequestContext::update(&mut req, |context| {
        context.set_routes(routes);
        context.set_routing_args(args);
    });
    Dispatched::Controller(controller.dispatch(req), head)
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
