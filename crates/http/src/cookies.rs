//! A per-user cookie jar (JMeter's CookieManager: kept across iterations, one per virtual user).
//! Domain and path matching per RFC 6265, `Max-Age`/`Expires` deletion; no public-suffix list.

use super::target::Target;
use http::HeaderValue;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cookie {
    pub name: String,
    pub value: String,
    /// Lower-case domain without a leading dot.
    pub domain: String,
    /// Only for this exact host (no `Domain` attribute).
    pub host_only: bool,
    pub path: String,
    pub secure: bool,
}

#[derive(Debug, Default)]
pub struct Jar {
    cookies: Vec<Cookie>,
}

impl Jar {
    pub fn is_empty(&self) -> bool {
        self.cookies.is_empty()
    }

    pub fn clear(&mut self) {
        self.cookies.clear();
    }

    pub fn cookies(&self) -> &[Cookie] {
        &self.cookies
    }

    /// Adds or replaces a cookie (same name, domain and path).
    pub fn insert(&mut self, c: Cookie) {
        self.cookies
            .retain(|o| !(o.name == c.name && o.domain == c.domain && o.path == c.path));
        self.cookies.push(c);
    }

    /// Stores one `Set-Cookie` header received from `t`.
    pub fn store(&mut self, t: &Target, header: &HeaderValue) {
        let Ok(s) = header.to_str() else { return };
        let mut parts = s.split(';');
        let Some((name, value)) = parts.next().and_then(|nv| nv.split_once('=')) else {
            return;
        };
        let host = t.origin.host.to_ascii_lowercase();
        let mut c = Cookie {
            name: name.trim().to_string(),
            value: value.trim().trim_matches('"').to_string(),
            domain: host.clone(),
            host_only: true,
            path: default_path(&t.path),
            secure: false,
        };
        let mut expired = false;
        for attr in parts {
            let (k, v) = attr.split_once('=').unwrap_or((attr, ""));
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            match k.as_str() {
                "domain" if !v.is_empty() => {
                    let d = v.trim_start_matches('.').to_ascii_lowercase();
                    if !domain_match(&host, &d) {
                        return; // a server may not set cookies for another domain
                    }
                    c.domain = d;
                    c.host_only = false;
                }
                "path" if v.starts_with('/') => c.path = v.to_string(),
                "secure" => c.secure = true,
                "max-age" => expired = v.parse::<i64>().is_ok_and(|n| n <= 0),
                "expires" => {
                    expired = chrono::DateTime::parse_from_rfc2822(&v.replace('-', " "))
                        .is_ok_and(|t| t < chrono::Utc::now());
                }
                _ => {}
            }
        }
        if expired {
            self.cookies
                .retain(|o| !(o.name == c.name && o.domain == c.domain && o.path == c.path));
        } else {
            self.insert(c);
        }
    }

    /// The `Cookie` header for a request to `t`, if any cookie matches.
    pub fn header_for(&self, t: &Target) -> Option<HeaderValue> {
        let host = t.origin.host.to_ascii_lowercase();
        let mut out = String::new();
        for c in &self.cookies {
            let dom_ok = if c.host_only {
                host == c.domain
            } else {
                domain_match(&host, &c.domain)
            };
            if dom_ok && path_match(&t.path, &c.path) && (!c.secure || t.origin.https) {
                if !out.is_empty() {
                    out.push_str("; ");
                }
                out.push_str(&c.name);
                out.push('=');
                out.push_str(&c.value);
            }
        }
        if out.is_empty() {
            None
        } else {
            HeaderValue::from_str(&out).ok()
        }
    }
}

fn domain_match(host: &str, domain: &str) -> bool {
    host == domain
        || (host.ends_with(domain)
            && host.as_bytes().get(host.len() - domain.len() - 1) == Some(&b'.'))
}

fn path_match(req: &str, cookie: &str) -> bool {
    req == cookie
        || (req.starts_with(cookie)
            && (cookie.ends_with('/') || req[cookie.len()..].starts_with('/')))
}

fn default_path(p: &str) -> String {
    match p.rfind('/') {
        Some(0) | None => "/".into(),
        Some(i) => p[..i].into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(url: &str) -> Target {
        Target::parse(url).unwrap()
    }

    #[test]
    fn store_match_and_expire() {
        let mut j = Jar::default();
        j.store(
            &t("http://a.example.com/x/y"),
            &HeaderValue::from_static("s=1"),
        );
        j.store(
            &t("http://a.example.com/"),
            &HeaderValue::from_static("d=2; Domain=.example.com; Path=/"),
        );
        j.store(
            &t("http://a.example.com/"),
            &HeaderValue::from_static("e=3; Domain=other.com"),
        );
        assert_eq!(j.cookies().len(), 2);
        assert_eq!(
            j.header_for(&t("http://a.example.com/x/z")).unwrap(),
            "s=1; d=2"
        );
        assert_eq!(j.header_for(&t("http://b.example.com/x/z")).unwrap(), "d=2");
        assert_eq!(j.header_for(&t("http://a.example.com/")).unwrap(), "d=2");
        assert!(j.header_for(&t("http://example.org/")).is_none());
        j.store(
            &t("http://a.example.com/"),
            &HeaderValue::from_static("d=; Domain=example.com; Path=/; Max-Age=0"),
        );
        assert_eq!(j.cookies().len(), 1);
    }
}
