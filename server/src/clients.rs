//! Who a request comes from: the client address that login limits are kept per.
//!
//! The address is the TCP peer's, unless that peer is a proxy listed in `trusted_proxies`: then it
//! is the right-most `X-Forwarded-For` entry that is not itself a trusted proxy. Proxies append the
//! address they received from, so everything left of that entry was written by the client and
//! proves nothing; a peer that is not trusted cannot name anyone by sending the header.
//!
//! IPv6 clients are keyed by their /64: one host is usually given a whole /64, and keying by the
//! full address would give it 2^64 fresh budgets.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

/// An address or a CIDR block (`10.0.0.0/8`, `::1`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    base: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, ip.to_canonical()) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                prefix_matches(u128::from(u32::from(base)), u128::from(u32::from(ip)), self.prefix, 32)
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => prefix_matches(u128::from(base), u128::from(ip), self.prefix, 128),
            _ => false,
        }
    }
}

fn prefix_matches(base: u128, ip: u128, prefix: u8, bits: u8) -> bool {
    let shift = bits - prefix;
    shift >= bits || (base >> shift) == (ip >> shift)
}

impl FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s.trim(), None),
        };
        let base: IpAddr = addr.parse().map_err(|_| format!("{addr:?} is not an IP address"))?;
        let base = base.to_canonical();
        let bits = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= bits).ok_or_else(|| format!("bad prefix length {p:?}"))?,
        };
        Ok(Network { base, prefix })
    }
}

/// As written in `trusted_proxies`: the address alone when the block is one address.
impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.base, self.prefix) {
            (IpAddr::V4(_), 32) | (IpAddr::V6(_), 128) => write!(f, "{}", self.base),
            (base, prefix) => write!(f, "{base}/{prefix}"),
        }
    }
}

/// The client a login limit is kept for: an IPv4 address or an IPv6 /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl ClientKey {
    pub fn of(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V6(v6) => ClientKey(IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64)))),
            v4 => ClientKey(v4),
        }
    }
}

/// How it is stored in `login_failures.address`: `127.0.0.2`, `2001:db8::/64`.
impl fmt::Display for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => write!(f, "{v4}"),
            IpAddr::V6(v6) => write!(f, "{v6}/64"),
        }
    }
}

/// The client of a request from `peer` with `headers` (see the module's doc).
pub fn client_address(peer: IpAddr, headers: &http::HeaderMap, trusted: &[Network]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    let mut client = peer.to_canonical();
    if !is_trusted(client) {
        return client;
    }
    // Several headers count as one list, in order (RFC 9110 §5.3).
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for entry in entries.iter().rev() {
        // An entry that is not an address was not written by a proxy we trust: the hop that
        // passed it on is the client we know.
        let Some(ip) = parse_entry(entry) else { break };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:80`, `[::1]:80`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", v.parse().unwrap());
        }
        headers
    }

    #[test]
    fn networks_parse_and_match() {
        let n: Network = "10.0.0.0/8".parse().unwrap();
        assert!(n.contains(ip("10.200.1.1")));
        assert!(!n.contains(ip("11.0.0.1")));
        assert!(n.contains(ip("::ffff:10.1.2.3")), "an IPv4-mapped peer is the IPv4 address");
        let one: Network = "127.0.0.1".parse().unwrap();
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        let all: Network = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")) && !all.contains(ip("::1")));
        let v6: Network = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        for bad in ["10.0.0.0/33", "localhost", "10.0.0.0/x", "::/129", ""] {
            assert!(bad.parse::<Network>().is_err(), "{bad:?}");
        }
        for written in ["10.0.0.0/8", "127.0.0.1", "fd00::/8", "::1"] {
            assert_eq!(written.parse::<Network>().unwrap().to_string(), written, "written back as it was");
        }
    }

    #[test]
    fn the_header_counts_only_from_trusted_proxies() {
        let trusted: Vec<Network> = vec!["127.0.0.1".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
        let h = forwarded(&["203.0.113.7"]);
        // From an untrusted peer the header is the client's own claim.
        assert_eq!(client_address(ip("198.51.100.1"), &h, &trusted), ip("198.51.100.1"));
        assert_eq!(client_address(ip("127.0.0.1"), &h, &[]), ip("127.0.0.1"));
        // From a trusted proxy: the right-most untrusted entry, skipping trusted hops.
        assert_eq!(client_address(ip("127.0.0.1"), &h, &trusted), ip("203.0.113.7"));
        let chain = forwarded(&["1.1.1.1, 203.0.113.7", "10.0.0.5"]);
        assert_eq!(client_address(ip("127.0.0.1"), &chain, &trusted), ip("203.0.113.7"), "spoofed 1.1.1.1 ignored");
        // No header, or only trusted hops: the last proxy reached.
        assert_eq!(client_address(ip("127.0.0.1"), &http::HeaderMap::new(), &trusted), ip("127.0.0.1"));
        assert_eq!(client_address(ip("127.0.0.1"), &forwarded(&["10.0.0.5"]), &trusted), ip("10.0.0.5"));
        // Garbage right of the client: the hop that passed it on.
        assert_eq!(client_address(ip("127.0.0.1"), &forwarded(&["unknown"]), &trusted), ip("127.0.0.1"));
        // Ports and brackets.
        assert_eq!(client_address(ip("127.0.0.1"), &forwarded(&["203.0.113.7:5000"]), &trusted), ip("203.0.113.7"));
        assert_eq!(client_address(ip("127.0.0.1"), &forwarded(&["[2001:db8::1]:80"]), &trusted), ip("2001:db8::1"));
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64() {
        let a = ClientKey::of(ip("2001:db8:1:2:aaaa::1"));
        assert_eq!(a, ClientKey::of(ip("2001:db8:1:2:ffff::9")));
        assert_ne!(a, ClientKey::of(ip("2001:db8:1:3::1")));
        assert_eq!(a.to_string(), "2001:db8:1:2::/64");
        assert_eq!(ClientKey::of(ip("::ffff:127.0.0.2")).to_string(), "127.0.0.2");
    }
}
