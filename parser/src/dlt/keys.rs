//! DLT's S3 key rules: which region a results file belongs to (v3+), and the testId/uuid of a v1 key.

use std::sync::OnceLock;

use regex::Regex;

/// DLT throws on keys longer than this before matching them (a guard against regex blow-up).
pub const MAX_KEY_LEN: usize = 250;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum KeyError {
    #[error("S3 key is {len} characters, longer than DLT's 250-character limit: {key}")]
    TooLong { key: String, len: usize },
    #[error("S3 key {key:?} is not results/<testId>/<uuid>.xml")]
    NotResultsKey { key: String },
}

/// The region of a v3+/v4 results key: the last match of
/// `/[a-z]{1,3}-(?:gov-[a-z]+|[a-z]+)-\d(?=\.xml)/g`. `Ok(None)` means DLT skips the key
/// (logs, `.jtl`, sidecars, completion markers).
pub fn region_of_key(key: &str) -> Result<Option<&str>, KeyError> {
    if key.len() > MAX_KEY_LEN {
        return Err(KeyError::TooLong {
            key: key.into(),
            len: key.len(),
        });
    }
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"[a-z]{1,3}-(?:gov-[a-z]+|[a-z]+)-\d\.xml")
            .expect("the region pattern is valid")
    });
    Ok(re
        .find_iter(key)
        .last()
        .map(|m| &key[m.start()..m.end() - ".xml".len()]))
}

/// `(testId, uuid)` of a v1.0 key `results/<testId>/<uuid>.xml` (already URL-decoded).
pub fn v1_key_parts(key: &str) -> Result<(&str, &str), KeyError> {
    let bad = || KeyError::NotResultsKey { key: key.into() };
    let mut parts = key.split('/');
    let (Some("results"), Some(test_id), Some(file), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let uuid = file.strip_suffix(".xml").ok_or_else(bad)?;
    if test_id.is_empty() || uuid.is_empty() {
        return Err(bad());
    }
    Ok((test_id, uuid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_follows_dlt_regex() {
        let r = |k| region_of_key(k).unwrap();
        assert_eq!(
            r(
                "results/t/2024-01-15T14-30-25_abc1234567/a3677174-a062-4a50-bbe2-50b995a536b5-my-region-1.xml"
            ),
            Some("my-region-1")
        );
        assert_eq!(r("results/t/p/u-us-gov-west-1.xml"), Some("us-gov-west-1"));
        assert_eq!(
            r("results/t/878.14:32:40T30-90-0202-uuid-eu-west-2.xml"),
            Some("eu-west-2")
        );
        assert_eq!(r("results/t/p/bzt-u-us-east-1.log"), None);
        assert_eq!(r("results/t/p/u-us-east-1.hist.json"), None);
        assert_eq!(r("results/t/p/completion/us-east-1/task"), None);
        assert!(matches!(
            region_of_key(&"a".repeat(251)),
            Err(KeyError::TooLong { len: 251, .. })
        ));
    }

    #[test]
    fn v1_keys() {
        assert_eq!(
            v1_key_parts("results/Ar_wFhrqx/1e80.xml"),
            Ok(("Ar_wFhrqx", "1e80"))
        );
        assert!(v1_key_parts("results/x/y/z.xml").is_err());
        assert!(v1_key_parts("results/x/z.log").is_err());
        assert!(v1_key_parts("other/x/z.xml").is_err());
    }
}
