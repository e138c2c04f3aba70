//! [`S3Blobs`]: the domain's [`Blobs`] as objects of one bucket, keys exactly as the domain names
//! them (DLT's layout, `stampede_control::blobs`).

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use stampede_control::ports::{BlobError, Blobs};
use tokio::runtime::Handle;

use crate::sdk::describe;

/// Calls block on `rt`, like [`crate::dynamo::DynamoStore`]'s.
pub struct S3Blobs {
    s3: Client,
    bucket: String,
    rt: Handle,
}

fn io(key: &str, message: String) -> BlobError {
    BlobError::Io {
        key: key.into(),
        source: std::io::Error::other(message),
    }
}

impl S3Blobs {
    pub fn new(s3: Client, bucket: &str, rt: Handle) -> Self {
        S3Blobs {
            s3,
            bucket: bucket.into(),
            rt,
        }
    }

    async fn keys(&self, prefix: &str) -> Result<Vec<String>, BlobError> {
        let mut pages = self
            .s3
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        let mut keys = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| io(prefix, describe(&e)))?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
        }
        keys.sort();
        Ok(keys)
    }
}

impl Blobs for S3Blobs {
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError> {
        let body = ByteStream::from(bytes.to_vec());
        let req = self
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(body);
        self.rt
            .block_on(req.send())
            .map(|_| ())
            .map_err(|e| io(key, describe(&e)))
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        self.rt.block_on(async {
            match self
                .s3
                .get_object()
                .bucket(&self.bucket)
                .key(key)
                .send()
                .await
            {
                Ok(out) => {
                    let body = out
                        .body
                        .collect()
                        .await
                        .map_err(|e| io(key, e.to_string()))?;
                    Ok(Some(body.into_bytes().to_vec()))
                }
                Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
                Err(e) => Err(io(key, describe(&e))),
            }
        })
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, BlobError> {
        self.rt.block_on(self.keys(prefix))
    }

    fn delete_prefix(&self, prefix: &str) -> Result<(), BlobError> {
        self.rt.block_on(async {
            let keys = self.keys(prefix).await?;
            // DeleteObjects takes at most 1,000 keys per call.
            for chunk in keys.chunks(1000) {
                let objects = chunk
                    .iter()
                    .map(|k| ObjectIdentifier::builder().key(k).build())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| io(prefix, e.to_string()))?;
                let delete = Delete::builder()
                    .set_objects(Some(objects))
                    .quiet(true)
                    .build()
                    .map_err(|e| io(prefix, e.to_string()))?;
                self.s3
                    .delete_objects()
                    .bucket(&self.bucket)
                    .delete(delete)
                    .send()
                    .await
                    .map_err(|e| io(prefix, describe(&e)))?;
            }
            Ok(())
        })
    }
}
