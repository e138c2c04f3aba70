//! The scenarios bucket: download with a "tried" list, upload with retries and backoff, HEAD for the
//! start signal. One client, built once in `main`.

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use std::path::Path;
use std::time::{Duration, SystemTime};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("none of the scenario keys exists in s3://{bucket}: tried {}", tried.join(", "))]
    NotFound { bucket: String, tried: Vec<String> },
    #[error("s3://{bucket}/{key}: {reason}")]
    S3 {
        bucket: String,
        key: String,
        reason: String,
    },
    #[error("cannot read {path}: {source}")]
    Local {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("upload of {path} to s3://{bucket}/{key} failed after {attempts} attempts: {reason}")]
    Upload {
        path: std::path::PathBuf,
        bucket: String,
        key: String,
        attempts: u32,
        reason: String,
    },
}

/// Builds the S3 client: region = the bucket's region; path-style addressing when a custom endpoint
/// (`AWS_ENDPOINT_URL[_S3]`, e.g. a local S3) is configured, because bucket subdomains of a loopback
/// address don't resolve.
pub async fn client(region: Option<&str>) -> Client {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(r) = region {
        loader = loader.region(aws_config::Region::new(r.to_string()));
    }
    // DLT v4 exports AWS_RETRY_MODE=adaptive AWS_MAX_ATTEMPTS=10 for thousands of tasks hitting one
    // bucket at once; the same default here, unless the task sets its own.
    if std::env::var_os("AWS_RETRY_MODE").is_none()
        && std::env::var_os("AWS_MAX_ATTEMPTS").is_none()
    {
        loader =
            loader.retry_config(aws_config::retry::RetryConfig::adaptive().with_max_attempts(10));
    }
    let conf = loader.load().await;
    let custom_endpoint = std::env::var_os("AWS_ENDPOINT_URL").is_some()
        || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
    let s3 = aws_sdk_s3::config::Builder::from(&conf)
        .force_path_style(custom_endpoint)
        .build();
    Client::from_conf(s3)
}

/// Renders an SDK error with its service code and message (the `Display` of `SdkError` is terse).
fn reason<E: std::error::Error + 'static>(e: &aws_sdk_s3::error::SdkError<E>) -> String {
    let mut out = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        out.push_str(": ");
        out.push_str(&s.to_string());
        src = s.source();
    }
    out
}

pub struct Store {
    pub client: Client,
    pub bucket: String,
    pub attempts: u32,
}

impl Store {
    /// Downloads the first key that exists. A missing key moves on to the next; any other error stops.
    pub async fn download_first(&self, keys: &[String]) -> Result<(String, Vec<u8>), StoreError> {
        for key in keys {
            let got = self
                .client
                .get_object()
                .bucket(&self.bucket)
                .key(key)
                .send()
                .await;
            match got {
                Ok(out) => {
                    let body = out.body.collect().await.map_err(|e| StoreError::S3 {
                        bucket: self.bucket.clone(),
                        key: key.clone(),
                        reason: e.to_string(),
                    })?;
                    return Ok((key.clone(), body.into_bytes().to_vec()));
                }
                Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => continue,
                Err(e) => {
                    return Err(StoreError::S3 {
                        bucket: self.bucket.clone(),
                        key: key.clone(),
                        reason: reason(&e),
                    });
                }
            }
        }
        Err(StoreError::NotFound {
            bucket: self.bucket.clone(),
            tried: keys.to_vec(),
        })
    }

    /// Reads a small text object, `None` when it does not exist.
    pub async fn get_text(&self, key: &str) -> Result<Option<String>, StoreError> {
        match self.download_first(&[key.to_string()]).await {
            Ok((_, body)) => Ok(Some(String::from_utf8_lossy(&body).into_owned())),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `LastModified` of `key`, `None` when it does not exist yet.
    pub async fn last_modified(&self, key: &str) -> Result<Option<SystemTime>, StoreError> {
        let head = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await;
        match head {
            Ok(out) => Ok(out
                .last_modified()
                .and_then(|t| SystemTime::try_from(*t).ok())),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => Err(StoreError::S3 {
                bucket: self.bucket.clone(),
                key: key.into(),
                reason: reason(&e),
            }),
        }
    }

    /// Uploads a local file with up to `attempts` tries, backing off 250 ms, 500 ms, 1 s … (max 4 s).
    pub async fn upload_file(&self, path: &Path, key: &str) -> Result<(), StoreError> {
        let body = std::fs::read(path).map_err(|source| StoreError::Local {
            path: path.into(),
            source,
        })?;
        self.put_with_retries(body, key)
            .await
            .map_err(|(attempts, reason)| StoreError::Upload {
                path: path.into(),
                bucket: self.bucket.clone(),
                key: key.into(),
                attempts,
                reason,
            })
    }

    /// Writes an empty object (completion marker), with the same retries.
    pub async fn put_empty(&self, key: &str) -> Result<(), StoreError> {
        self.put_with_retries(Vec::new(), key)
            .await
            .map_err(|(_, reason)| StoreError::S3 {
                bucket: self.bucket.clone(),
                key: key.into(),
                reason,
            })
    }

    async fn put_with_retries(&self, body: Vec<u8>, key: &str) -> Result<(), (u32, String)> {
        let mut last = String::new();
        for attempt in 0..self.attempts {
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            let put = self
                .client
                .put_object()
                .bucket(&self.bucket)
                .key(key)
                .body(ByteStream::from(body.clone()))
                .send()
                .await;
            match put {
                Ok(_) => return Ok(()),
                Err(e) => last = reason(&e),
            }
        }
        Err((self.attempts, last))
    }
}

/// Delay before retry number `attempt` (1-based): 250 ms doubling, capped at 4 s, plus up to 25 %
/// jitter so that hundreds of tasks finishing together don't retry in lockstep.
pub fn backoff(attempt: u32) -> Duration {
    let base = 250u64.saturating_mul(1 << attempt.saturating_sub(1).min(4));
    let jitter = rand::random_range(0..=base / 4);
    Duration::from_millis(base + jitter)
}
