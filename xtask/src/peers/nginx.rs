//! The nginx config of `cargo xtask peers`: one `server` per path, each mounting the
//! app under `location /app/`, everything nginx writes kept in the run's directory.

use std::fmt::Write as _;
use std::path::Path;

/// How nginx reaches one running helloworld.
#[derive(Debug, Clone)]
pub(crate) enum Upstream {
    /// `fastcgi_pass` to `HOST:PORT` or `unix:/path`.
    FastCgi(String),
    /// `scgi_pass` to `HOST:PORT`.
    Scgi(String),
    /// `proxy_pass` over HTTP/1.1 with keep-alive to `HOST:PORT`.
    Http(String),
}

/// One nginx `server` block: listen on `port`, hand `/app/` to `upstream`.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    pub(crate) port: u16,
    pub(crate) upstream: Upstream,
}

/// The CGI variables both FastCGI and SCGI get (nginx adds the request headers as
/// `HTTP_*` itself). `SCRIPT_NAME` and `PATH_INFO` are set per location.
const CGI_PARAMS: &[(&str, &str)] = &[
    ("GATEWAY_INTERFACE", "CGI/1.1"),
    ("REQUEST_METHOD", "$request_method"),
    ("REQUEST_URI", "$request_uri"),
    ("QUERY_STRING", "$query_string"),
    ("CONTENT_TYPE", "$content_type"),
    ("CONTENT_LENGTH", "$content_length"),
    ("SERVER_PROTOCOL", "$server_protocol"),
    ("SERVER_NAME", "$server_name"),
    ("SERVER_ADDR", "$server_addr"),
    ("SERVER_PORT", "$server_port"),
    ("REMOTE_ADDR", "$remote_addr"),
    ("REMOTE_PORT", "$remote_port"),
    ("REQUEST_SCHEME", "$scheme"),
];

/// FastCGI and SCGI carry `REMOTE_ADDR`, which the app believes as it is: the trust
/// decision about `X-Forwarded-For` is nginx's (its realip module), here trusting
/// 127.0.0.1, the same proxy Gateway's HTTP server is told to trust.
const REALIP: &str = "set_real_ip_from 127.0.0.1;
            real_ip_header X-Forwarded-For;
            real_ip_recursive on;";

/// `DIRECTIVE NAME VALUE;` lines for the CGI variables (`fastcgi_param`, `scgi_param`).
pub(crate) fn params(directive: &str) -> String {
    let mut out = String::new();
    for (name, value) in CGI_PARAMS {
        let _ = writeln!(out, "            {directive} {name} {value};");
    }
    // `HTTPS` only when it is on, as Debian's fastcgi_params does.
    let _ = writeln!(out, "            {directive} HTTPS $https if_not_empty;");
    out
}

fn location(upstream: &Upstream, index: usize) -> (String, String) {
    match upstream {
        Upstream::FastCgi(addr) => (
            format!("upstream fcgi_{index} {{ server {addr}; keepalive 8; }}\n"),
            format!(
                "location /app/ {{
            {REALIP}
{params}            fastcgi_split_path_info ^(/app)(/.*)$;
            fastcgi_param SCRIPT_NAME $fastcgi_script_name;
            fastcgi_param PATH_INFO $fastcgi_path_info;
            fastcgi_keep_conn on;
            fastcgi_request_buffering off;
            fastcgi_pass fcgi_{index};
        }}",
                params = params("fastcgi_param"),
            ),
        ),
        Upstream::Scgi(addr) => (
            String::new(),
            format!(
                "location /app/ {{
            {REALIP}
{params}            if ($uri ~ ^/app(/.*)$) {{ set $app_path $1; }}
            scgi_param SCRIPT_NAME /app;
            scgi_param PATH_INFO $app_path;
            scgi_buffering off;
            scgi_request_buffering off;
            scgi_pass {addr};
        }}",
                params = params("scgi_param"),
            ),
        ),
        Upstream::Http(addr) => (
            format!("upstream http_{index} {{ server {addr}; keepalive 8; }}\n"),
            // The URI goes upstream unchanged (`/app/...`): the HTTP server has no
            // SCRIPT_NAME, so the app config mounts itself at /app with urlmap.
            format!(
                "location /app/ {{
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_buffering off;
            proxy_request_buffering off;
            proxy_pass http://http_{index};
        }}"
            ),
        ),
    }
}

/// The whole nginx.conf: foreground master, 2 workers, every temp path under `dir`,
/// `user root;` when run as root (else the workers cannot reach the sockets).
pub(crate) fn conf(dir: &Path, sites: &[Site], is_root: bool) -> String {
    let mut upstreams = String::new();
    let mut servers = String::new();
    for (index, site) in sites.iter().enumerate() {
        let (upstream, location) = location(&site.upstream, index);
        upstreams.push_str(&upstream);
        let _ = write!(
            servers,
            "    server {{
        listen 127.0.0.1:{port};
        {location}
    }}
",
            port = site.port
        );
    }
    format!(
        "{main}http {{
    access_log off;
    client_max_body_size 64m;
{temp}{upstreams}
{servers}}}
",
        main = crate::proc::nginx_main(dir, is_root, 1024),
        temp = crate::proc::nginx_temp_paths(dir),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_site_mounts_the_app_under_app() {
        let sites = [
            Site {
                port: 1,
                upstream: Upstream::FastCgi("unix:/tmp/x.sock".into()),
            },
            Site {
                port: 2,
                upstream: Upstream::Scgi("127.0.0.1:9".into()),
            },
            Site {
                port: 3,
                upstream: Upstream::Http("127.0.0.1:8".into()),
            },
        ];
        let conf = conf(Path::new("/run/x"), &sites, false);
        assert_eq!(conf.matches("location /app/ {").count(), 3);
        assert!(conf.contains("upstream fcgi_0 { server unix:/tmp/x.sock; keepalive 8; }"));
        assert!(conf.contains("scgi_param SCRIPT_NAME /app;"));
        assert!(conf.contains("proxy_pass http://http_2;"));
        assert!(!conf.contains("user root"));
        assert!(conf.contains("fastcgi_temp_path /run/x/fastcgi;"));
    }
}
