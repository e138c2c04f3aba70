//! The serde mirror of a Taurus scenario, with Taurus's key names. No logic: `compile` validates it.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;

/// Scenario-level keys (`docs/taurus-config.md#scenario-keys`). Some are only mirrored so that they are recognised (not reported
/// as unknown) or refused by name.
#[allow(dead_code)]
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RawScenario {
    pub requests: Option<Vec<Value>>,
    pub script: Option<Value>,
    pub default_address: Option<String>,
    #[serde(default)]
    pub headers: Option<IndexMap<String, Value>>,
    pub keepalive: Option<bool>,
    pub timeout: Option<Value>,
    pub think_time: Option<Value>,
    pub follow_redirects: Option<bool>,
    pub store_cookie: Option<bool>,
    /// Stampede's switch for TLS certificate checking (off by default, as JMeter).
    pub verify_tls: Option<bool>,
    pub variables: Option<IndexMap<String, Value>>,
    pub data_sources: Option<Vec<Value>>,
    pub retrieve_resources: Option<bool>,
    pub retrieve_resources_regex: Option<String>,
    pub concurrent_pool_size: Option<Value>,
    pub force_parallel_download: Option<bool>,
    pub content_encoding: Option<String>,
    pub force_parent_sample: Option<bool>,
    pub properties: Option<IndexMap<String, Value>>,
    pub authorization: Option<Value>,
    pub cookies: Option<Vec<Value>>,
    pub jsr223: Option<Value>,
    pub protocol: Option<String>,
    pub random_source_ip: Option<bool>,
    pub keystore_config: Option<Value>,
    /// Accepted and not emulated (a per-iteration cache only matters for repeated cacheable GETs).
    pub store_cache: Option<bool>,
    /// Accepted: we resolve once per connection, as a DNS cache would.
    pub use_dns_cache_mgr: Option<bool>,
    /// Pass/fail criteria belong to the passfail reporter.
    pub criteria: Option<Value>,
    /// Metadata DLT and Taurus tools add.
    pub description: Option<Value>,
    #[serde(flatten)]
    pub pp: RawPostProcessors,
    #[serde(flatten)]
    pub other: IndexMap<String, Value>,
}

/// Request-level keys (`docs/taurus-config.md#request-keys`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RawRequest {
    pub url: Option<String>,
    pub label: Option<String>,
    pub method: Option<String>,
    pub headers: Option<IndexMap<String, Value>>,
    pub body: Option<Value>,
    pub body_file: Option<String>,
    pub upload_files: Option<Vec<RawUpload>>,
    pub think_time: Option<Value>,
    pub timeout: Option<Value>,
    pub keepalive: Option<bool>,
    pub follow_redirects: Option<bool>,
    pub content_encoding: Option<String>,
    pub random_source_ip: Option<bool>,
    #[serde(flatten)]
    pub pp: RawPostProcessors,
    pub jsr223: Option<Value>,
    #[serde(flatten)]
    pub other: IndexMap<String, Value>,
}

type Extractors = Option<IndexMap<String, RawExtractor>>;

/// A full-form or shorthand extractor value.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawExtractor {
    Short(String),
    Full(serde_json::Map<String, Value>),
}

/// Assertions and extractors; at scenario level they apply to every request of the scenario
/// (JMeter elements at thread-group scope).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RawPostProcessors {
    pub assert: Option<Vec<Value>>,
    pub assert_jsonpath: Option<Vec<Value>>,
    pub assert_xpath: Option<Vec<Value>>,
    pub extract_regexp: Extractors,
    pub extract_jsonpath: Extractors,
    pub extract_xpath: Extractors,
    pub extract_boundary: Extractors,
    pub extract_css_jquery: Extractors,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawUpload {
    pub param: Option<String>,
    pub path: String,
    pub mime_type: Option<String>,
}

/// `action` blocks.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawAction {
    pub action: String,
    pub target: Option<String>,
    pub pause_duration: Option<Value>,
}

/// A value that Taurus reads with `str()`: strings, numbers and booleans.
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        // Python's str(True).
        Value::Bool(b) => Some(if *b { "True" } else { "False" }.into()),
        _ => None,
    }
}
