"""The Paste anchor for `cargo xtask bench`: the seed project's stack in Python.

ErrorMiddleware -> KeyAdder -> Cascade([StaticURLParser(public),
StaticURLParser(js), Routes app]) served by waitress with 4 threads.

Usage: paste_stack.py PORT PUBLIC_DIR JS_DIR
"""

import sys

import waitress
from paste.cascade import Cascade
from paste.exceptions.errormiddleware import ErrorMiddleware
from paste.urlparser import StaticURLParser
from routes import Mapper
from routes.middleware import RoutesMiddleware


class KeyAdder:
    """The seed's KeyAdder: sets one environ key, then calls the app."""

    def __init__(self, app, key, value):
        self.app = app
        self.key = key
        self.value = value

    def __call__(self, environ, start_response):
        environ[self.key] = self.value
        return self.app(environ, start_response)


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [b"Hello World!"]


def echo(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return [body]


def environ_key(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ["test.hello"].encode()]


CONTROLLERS = {"hello": hello, "echo": echo, "environ": environ_key}


def not_found(start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"Not Found"]


def dispatch(environ, start_response):
    """What Pylons' controller dispatch does, minus the controller classes."""
    args = environ.get("wsgiorg.routing_args", ((), {}))[1]
    if not args:
        return not_found(start_response)
    controller = CONTROLLERS.get(args.get("controller"))
    if controller is None:
        return not_found(start_response)
    return controller(environ, start_response)


def make_mapper():
    # The Pylons project template's default routes. Pylons scans its controllers
    # directory for the names `{controller}` may take; here they are listed.
    mapper = Mapper(controller_scan=lambda directory=None: sorted(CONTROLLERS))
    mapper.minimization = False
    mapper.explicit = False
    mapper.connect("/{controller}/{action}/{id}")
    mapper.connect("/{controller}/{action}")
    mapper.connect("/{controller}", action="index")
    return mapper


def make_app(public_dir, js_dir):
    routes_app = RoutesMiddleware(dispatch, make_mapper(), use_method_override=False)
    app = Cascade(
        [StaticURLParser(public_dir), StaticURLParser(js_dir), routes_app],
        catch=(404,),
    )
    app = KeyAdder(app, "test.hello", "Hello World")
    return ErrorMiddleware(app, {}, debug=False)


def main():
    port, public_dir, js_dir = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    app = make_app(public_dir, js_dir)
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    waitress.serve(app, host="127.0.0.1", port=port, threads=4, _quiet=True)


if __name__ == "__main__":
    main()
