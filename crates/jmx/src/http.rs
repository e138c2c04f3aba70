//! HTTP samplers and HTTP Request Defaults: the same `HTTPSampler.*` properties.

use crate::document::{PropValue, Property};
use crate::error::Problem;
use crate::fields::Fields;
use crate::plan::{Num, Time};

/// An HTTP request as a sampler or as HTTP Request Defaults (where unset fields stay `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    pub domain: Option<String>,
    pub port: Option<Num<u16>>,
    /// `http` or `https` (raw; may be an expression).
    pub protocol: Option<String>,
    pub path: Option<String>,
    /// `GET` when the sampler names none; `None` for HTTP Request Defaults.
    pub method: Option<String>,
    /// The encoding of the request body and of non-encoded arguments.
    pub content_encoding: Option<String>,
    /// Query or form arguments; for a raw body (`postBodyRaw`) see `body`.
    pub arguments: Vec<HttpArg>,
    /// "Body Data": the raw request body (JMeter joins the values of all arguments).
    pub body: Option<String>,
    pub files: Vec<FileArg>,
    /// JMeter follows redirects itself, one sample per hop (`follow_redirects`).
    pub follow_redirects: bool,
    /// The HTTP client follows redirects inside one sample (`auto_redirects`).
    pub auto_redirects: bool,
    pub use_keepalive: bool,
    /// `DO_MULTIPART_POST`: send arguments as multipart/form-data.
    pub multipart: bool,
    pub browser_compatible_multipart: bool,
    pub connect_timeout: Option<Time>,
    pub response_timeout: Option<Time>,
    /// `HttpClient4`, `Java`... as chosen in the file (raw).
    pub implementation: Option<String>,
}

/// One query/form argument (`HTTPArgument`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpArg {
    pub name: String,
    pub value: String,
    /// JMeter URL-encodes this argument when sending it.
    pub always_encode: bool,
    /// `name=value` rather than a bare `value`.
    pub use_equals: bool,
    pub content_type: Option<String>,
}

/// One file upload (`HTTPFileArg`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileArg {
    pub path: String,
    /// The form field name.
    pub param: String,
    pub mime_type: String,
}

/// Reads `HTTPSampler.*` properties; `sampler` is false for HTTP Request Defaults.
pub(crate) fn read(f: &mut Fields, sampler: bool) -> HttpRequest {
    if f.flag("HTTPSampler.image_parser", false) {
        f.problems.push(Problem::EmbeddedResources);
    }
    let raw_body = f.flag("HTTPSampler.postBodyRaw", false);
    let arguments = arguments(f);
    let body = raw_body.then(|| {
        arguments
            .iter()
            .map(|a| a.value.as_str())
            .collect::<String>()
    });
    let method = f
        .opt("HTTPSampler.method")
        .or_else(|| sampler.then(|| "GET".to_owned()));
    HttpRequest {
        domain: f.opt("HTTPSampler.domain"),
        port: f.num("HTTPSampler.port"),
        protocol: f.opt("HTTPSampler.protocol"),
        path: f.opt("HTTPSampler.path"),
        method,
        content_encoding: f.opt("HTTPSampler.contentEncoding"),
        arguments: if raw_body { Vec::new() } else { arguments },
        body,
        files: files(f),
        follow_redirects: f.flag("HTTPSampler.follow_redirects", false),
        auto_redirects: f.flag("HTTPSampler.auto_redirects", false),
        // JMeter reads a missing flag as false; its GUI always writes this one.
        use_keepalive: f.flag("HTTPSampler.use_keepalive", false),
        multipart: f.flag("HTTPSampler.DO_MULTIPART_POST", false),
        browser_compatible_multipart: f.flag("HTTPSampler.BROWSER_COMPATIBLE_MULTIPART", false),
        connect_timeout: f.millis("HTTPSampler.connect_timeout"),
        response_timeout: f.millis("HTTPSampler.response_timeout"),
        implementation: f.opt("HTTPSampler.implementation"),
    }
}

/// The `elementProp`s of a collection, with their `name` attribute.
pub(crate) fn element_entries(
    entries: &[Property],
) -> impl Iterator<Item = (&str, &crate::document::PropElement)> {
    entries.iter().filter_map(|p| match &p.value {
        PropValue::Element(e) => Some((p.name.as_str(), e)),
        _ => None,
    })
}

fn arguments(f: &mut Fields) -> Vec<HttpArg> {
    let entries = f.entries(Some("HTTPsampler.Arguments"), "Arguments.arguments");
    element_entries(entries)
        .map(|(_, arg)| {
            let a = f.nested(arg);
            HttpArg {
                name: a.text("Argument.name"),
                value: a.text("Argument.value"),
                always_encode: a.flag("HTTPArgument.always_encode", false),
                // Files saved before the flag existed carry `Argument.metadata` "=" instead.
                use_equals: a.flag(
                    "HTTPArgument.use_equals",
                    a.text("Argument.metadata") == "=",
                ),
                content_type: a.opt("HTTPArgument.content_type"),
            }
        })
        .collect()
}

fn files(f: &mut Fields) -> Vec<FileArg> {
    let entries = f.entries(Some("HTTPsampler.Files"), "HTTPFileArgs.files");
    let mut files: Vec<FileArg> = element_entries(entries)
        .map(|(_, file)| {
            let a = f.nested(file);
            FileArg {
                path: a.text("File.path"),
                param: a.text("File.paramname"),
                mime_type: a.text("File.mimetype"),
            }
        })
        .collect();
    // JMeter 2.2 and older stored a single upload in flat properties.
    if let Some(path) = f.opt("HTTPSampler.FILE_NAME") {
        files.push(FileArg {
            path,
            param: f.text("HTTPSampler.FILE_FIELD"),
            mime_type: f.text("HTTPSampler.mimetype"),
        });
    }
    files
}
