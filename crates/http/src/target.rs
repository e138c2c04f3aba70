//! Where a URL goes: parsed once per distinct URL string (per user), and DNS resolved once per run.

use super::timing::Timing;
use super::{ErrorKind, TransportError};
use http::{HeaderValue, Uri};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

/// A connection's identity: requests to the same origin share it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    pub https: bool,
    pub host: Arc<str>,
    pub port: u16,
}

/// One parsed URL with every piece a request needs, built before the hot loop reuses it.
#[derive(Clone, Debug)]
pub struct Target {
    pub origin: Origin,
    /// `Host` header value (HTTP/1.1).
    pub host_header: HeaderValue,
    /// `/path?query` (HTTP/1.1 request line).
    pub origin_form: Uri,
    /// `scheme://authority/path?query` (HTTP/2 pseudo-headers).
    pub absolute: Uri,
    /// For cookie matching.
    pub path: Arc<str>,
    /// `host:port` as JMeter prints it in messages.
    pub authority: Arc<str>,
}

impl Target {
    /// Parses an absolute `http`/`https` URL.
    pub fn parse(url: &str) -> Result<Target, TransportError> {
        let bad = |why: &str| {
            TransportError::new(
                ErrorKind::Other,
                format!("invalid URL {url:?}: {why}").into(),
                Timing::default(),
            )
        };
        let parsed = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
        let https = match parsed.scheme() {
            "http" => false,
            "https" => true,
            other => return Err(bad(&format!("unsupported scheme {other:?}"))),
        };
        let host: Arc<str> = match parsed.host() {
            Some(url::Host::Domain(d)) => d.into(),
            Some(url::Host::Ipv4(a)) => a.to_string().into(),
            Some(url::Host::Ipv6(a)) => a.to_string().into(),
            None => return Err(bad("no host")),
        };
        let port = parsed
            .port_or_known_default()
            .unwrap_or(if https { 443 } else { 80 });
        let host_str = parsed.host_str().unwrap_or_default();
        let authority = match parsed.port() {
            Some(p) => format!("{host_str}:{p}"),
            None => host_str.to_string(),
        };
        let mut path = parsed.path().to_string();
        if let Some(q) = parsed.query() {
            path.push('?');
            path.push_str(q);
        }
        let origin_form: Uri = path.parse().map_err(|_| bad("bad path"))?;
        let absolute: Uri = format!("{}://{authority}{path}", parsed.scheme())
            .parse()
            .map_err(|_| bad("bad authority"))?;
        Ok(Target {
            origin: Origin { https, host, port },
            host_header: HeaderValue::from_str(&authority).map_err(|_| bad("bad host"))?,
            origin_form,
            absolute,
            path: parsed.path().into(),
            authority: format!("{host_str}:{port}").into(),
        })
    }
}

type DnsMap = HashMap<(Arc<str>, u16), Arc<[SocketAddr]>>;

/// DNS answers shared by every user of a run (JMeter's DNS cache manager, but per run rather than per
/// thread: the point is that resolution is not measured over and over). Failures are not cached.
#[derive(Clone, Debug, Default)]
pub struct DnsCache {
    map: Arc<Mutex<DnsMap>>,
}

impl DnsCache {
    pub async fn resolve(&self, host: &Arc<str>, port: u16) -> Result<Arc<[SocketAddr]>, String> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(Arc::from([SocketAddr::new(ip, port)]));
        }
        let key = (host.clone(), port);
        if let Some(a) = self.map.lock().expect("dns lock").get(&key) {
            return Ok(a.clone());
        }
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((&**host, port))
            .await
            .map_err(|_| format!("{host}: Name or service not known"))?
            .collect();
        if addrs.is_empty() {
            return Err(format!("{host}: Name or service not known"));
        }
        let addrs: Arc<[SocketAddr]> = addrs.into();
        self.map
            .lock()
            .expect("dns lock")
            .insert(key, addrs.clone());
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pieces() {
        let t = Target::parse("http://127.0.0.1:8080/a/b?x=1").unwrap();
        assert_eq!(&*t.origin.host, "127.0.0.1");
        assert_eq!(t.origin.port, 8080);
        assert_eq!(t.origin_form, "/a/b?x=1");
        assert_eq!(t.absolute, "http://127.0.0.1:8080/a/b?x=1");
        assert_eq!(t.host_header, "127.0.0.1:8080");
        let t = Target::parse("https://[::1]/").unwrap();
        assert_eq!(&*t.origin.host, "::1");
        assert_eq!(t.origin.port, 443);
        assert!(t.origin.https);
        assert_eq!(t.host_header, "[::1]");
        assert!(Target::parse("ftp://x/").is_err());
        assert!(Target::parse("/relative").is_err());
    }
}
