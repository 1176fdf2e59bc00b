//! The client behind a proxy: `Forwarded` (RFC 7239) and `X-Forwarded-For/-Proto`,
//! believed only when the connection comes from a trusted proxy.
//!
//! This module is pure logic; the server calls [`TrustedProxies::client_info`] for
//! every request and records the result in the request's
//! [`RequestContext`](gw_core::RequestContext) as a [`ClientInfo`].

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use gw_core::{ClientInfo, Scheme};
use http::HeaderMap;

/// An IP network such as `10.0.0.0/8` or `2001:db8::/32`; a bare address is a /32
/// or /128.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// A trusted-proxy entry that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CidrError {
    input: String,
}

impl fmt::Display for CidrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bad trusted proxy {:?}: expected an IP address, a network such as 10.0.0.0/8, or `unix`",
            self.input
        )
    }
}

impl std::error::Error for CidrError {}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Cidr, CidrError> {
        let err = || CidrError {
            input: s.to_owned(),
        };
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let network: IpAddr = addr.parse().map_err(|_| err())?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(err)?,
            None => max,
        };
        Ok(Cidr { network, prefix })
    }
}

impl Cidr {
    /// True when `ip` lies in this network. An IPv4-mapped IPv6 address matches an
    /// IPv4 network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u32::from(net).into(), self.prefix, 32)
                    == masked(u32::from(ip).into(), self.prefix, 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), self.prefix, 128)
                    == masked(u128::from(ip), self.prefix, 128)
            }
            _ => false,
        }
    }
}

fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        bits >> (width - prefix)
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The proxies whose forwarding headers are believed: networks, plus `unix` for
/// peers on a Unix socket (a local reverse proxy). Empty by default: no header is
/// believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<Cidr>,
    unix: bool,
}

impl FromStr for TrustedProxies {
    type Err = CidrError;

    /// Parses a list separated by commas and/or whitespace.
    fn from_str(s: &str) -> Result<TrustedProxies, CidrError> {
        TrustedProxies::from_list(s.split(|c: char| c == ',' || c.is_whitespace()))
    }
}

impl TrustedProxies {
    /// Trusts nobody.
    pub fn none() -> TrustedProxies {
        TrustedProxies::default()
    }

    /// Parses entries such as `127.0.0.1`, `10.0.0.0/8`, `::1` and `unix`.
    pub fn from_list<I, S>(entries: I) -> Result<TrustedProxies, CidrError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut trusted = TrustedProxies::default();
        for entry in entries {
            let entry = entry.as_ref().trim();
            if entry.is_empty() {
                continue;
            }
            if entry.eq_ignore_ascii_case("unix") {
                trusted.unix = true;
            } else {
                trusted.networks.push(entry.parse()?);
            }
        }
        Ok(trusted)
    }

    /// True when nothing is trusted.
    pub fn is_empty(&self) -> bool {
        self.networks.is_empty() && !self.unix
    }

    fn trusts(&self, peer: Option<IpAddr>) -> bool {
        match peer {
            Some(ip) => self.networks.iter().any(|n| n.contains(ip)),
            None => self.unix,
        }
    }

    /// Works out the client from the peer (`None` for a Unix socket), the
    /// listener's scheme and the request headers.
    ///
    /// Headers are read only when the peer is trusted. The address chain is walked
    /// from the nearest hop outwards and stops at the first address that is not a
    /// trusted proxy, so a client cannot forge its address by sending its own
    /// `X-Forwarded-For`. `Forwarded` wins over `X-Forwarded-*` when both are there.
    pub fn client_info(
        &self,
        peer: Option<IpAddr>,
        scheme: Scheme,
        headers: &HeaderMap,
    ) -> ClientInfo {
        let direct = ClientInfo {
            addr: peer,
            scheme,
            forwarded: false,
        };
        if self.is_empty() || !self.trusts(peer) {
            return direct;
        }
        if headers.contains_key(http::header::FORWARDED) {
            let elements: Vec<Hop> = headers
                .get_all(http::header::FORWARDED)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(parse_forwarded_element)
                .collect();
            return self.walk(direct, &elements);
        }
        let fors: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let protos: Vec<&str> = headers
            .get_all("x-forwarded-proto")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        if fors.is_empty() {
            // A proxy that only says which scheme it saw.
            return match protos.last().and_then(|p| parse_scheme(p)) {
                Some(scheme) => ClientInfo {
                    addr: peer,
                    scheme,
                    forwarded: true,
                },
                None => direct,
            };
        }
        let elements: Vec<Hop> = fors
            .iter()
            .enumerate()
            .map(|(i, f)| Hop {
                addr: parse_node(f),
                // Proxies append one proto per hop, or send a single one.
                scheme: if protos.len() == fors.len() {
                    parse_scheme(protos[i])
                } else if i + 1 == fors.len() {
                    protos.last().and_then(|p| parse_scheme(p))
                } else {
                    None
                },
            })
            .collect();
        self.walk(direct, &elements)
    }

    fn walk(&self, direct: ClientInfo, hops: &[Hop]) -> ClientInfo {
        let mut info = ClientInfo {
            forwarded: true,
            ..direct
        };
        for hop in hops.iter().rev() {
            let Some(addr) = hop.addr else {
                // `unknown`, an obfuscated name or garbage: the chain is broken here.
                break;
            };
            info.addr = Some(addr);
            if let Some(scheme) = hop.scheme {
                info.scheme = scheme;
            }
            if !self.networks.iter().any(|n| n.contains(addr)) {
                break;
            }
        }
        info
    }
}

struct Hop {
    addr: Option<IpAddr>,
    scheme: Option<Scheme>,
}

fn parse_scheme(value: &str) -> Option<Scheme> {
    if value.eq_ignore_ascii_case("https") {
        Some(Scheme::Https)
    } else if value.eq_ignore_ascii_case("http") {
        Some(Scheme::Http)
    } else {
        None
    }
}

/// One `for=...;proto=...` element of a `Forwarded` header.
fn parse_forwarded_element(element: &str) -> Hop {
    let mut hop = Hop {
        addr: None,
        scheme: None,
    };
    for pair in element.split(';') {
        let Some((name, value)) = pair.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"');
        match name.trim() {
            n if n.eq_ignore_ascii_case("for") => hop.addr = parse_node(value),
            n if n.eq_ignore_ascii_case("proto") => hop.scheme = parse_scheme(value),
            _ => {}
        }
    }
    hop
}

/// `192.0.2.1`, `192.0.2.1:8080`, `[2001:db8::1]`, `[2001:db8::1]:8080` or a bare
/// IPv6 address (X-Forwarded-For style).
fn parse_node(value: &str) -> Option<IpAddr> {
    let value = value.trim().trim_matches('"');
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    if let Ok(ip) = value.parse() {
        return Some(ip);
    }
    let (host, port) = value.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cidr_contains_addresses_in_its_network_only() {
        let net: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(net.contains(ip("10.255.1.2")));
        assert!(net.contains(ip("::ffff:10.1.1.1")));
        assert!(!net.contains(ip("11.0.0.1")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")));
        assert!(!v6.contains(ip("2001:db9::5")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("1.2.3.4")));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("proxy.local".parse::<Cidr>().is_err());
    }

    #[test]
    fn untrusted_peer_headers_are_ignored() {
        let trusted: TrustedProxies = "10.0.0.1".parse().unwrap();
        let h = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-proto", "https"),
        ]);
        let info = trusted.client_info(Some(ip("192.0.2.9")), Scheme::Http, &h);
        assert_eq!(
            info,
            ClientInfo {
                addr: Some(ip("192.0.2.9")),
                scheme: Scheme::Http,
                forwarded: false
            }
        );
    }

    #[test]
    fn x_forwarded_for_stops_at_the_first_untrusted_hop() {
        let trusted: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        // The client forged 6.6.6.6; 203.0.113.7 is what our proxies saw.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7, 10.0.0.2")]);
        let info = trusted.client_info(Some(ip("10.0.0.1")), Scheme::Http, &h);
        assert_eq!(info.addr, Some(ip("203.0.113.7")));
        assert!(info.forwarded);
    }

    #[test]
    fn forwarded_header_wins_and_gives_scheme_and_ipv6() {
        let trusted: TrustedProxies = "127.0.0.1, unix".parse().unwrap();
        let h = headers(&[
            (
                "forwarded",
                "for=\"[2001:db8:cafe::17]:4711\";proto=https;by=x",
            ),
            ("x-forwarded-for", "9.9.9.9"),
        ]);
        let info = trusted.client_info(Some(ip("127.0.0.1")), Scheme::Http, &h);
        assert_eq!(info.addr, Some(ip("2001:db8:cafe::17")));
        assert_eq!(info.scheme, Scheme::Https);
        let unix = trusted.client_info(None, Scheme::Http, &h);
        assert_eq!(unix.addr, Some(ip("2001:db8:cafe::17")));
    }

    #[test]
    fn obfuscated_forwarded_node_keeps_the_proxy_address() {
        let trusted: TrustedProxies = "127.0.0.1".parse().unwrap();
        let h = headers(&[("forwarded", "for=_hidden, for=192.0.2.60:8080;proto=http")]);
        let info = trusted.client_info(Some(ip("127.0.0.1")), Scheme::Https, &h);
        assert_eq!(info.addr, Some(ip("192.0.2.60")));
        assert_eq!(info.scheme, Scheme::Http);
    }

    #[test]
    fn proto_only_header_changes_the_scheme() {
        let trusted: TrustedProxies = "127.0.0.1".parse().unwrap();
        let h = headers(&[("x-forwarded-proto", "https")]);
        let info = trusted.client_info(Some(ip("127.0.0.1")), Scheme::Http, &h);
        assert_eq!(
            (info.addr, info.scheme),
            (Some(ip("127.0.0.1")), Scheme::Https)
        );
    }
}
