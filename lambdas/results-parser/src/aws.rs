//! The real [`Store`]: S3 and DynamoDB clients, built once in `main` and borrowed by every invocation.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use serde_json::Value;

use crate::attr::{from_attrs, to_attr, to_attrs};
use crate::store::{Cond, Item, Store, StoreError, Table, Update};

/// Table names, from the environment variables DLT uses.
#[derive(Clone, Debug, Default)]
pub struct Tables {
    pub scenarios: Option<String>,
    pub results: Option<String>,
    pub history: Option<String>,
}

impl Tables {
    /// `SCENARIOS_TABLE`, `RESULTS_TABLE`, `HISTORY_TABLE`.
    pub fn from_env() -> Tables {
        let var = |k| std::env::var(k).ok().filter(|v: &String| !v.is_empty());
        Tables {
            scenarios: var("SCENARIOS_TABLE"),
            results: var("RESULTS_TABLE"),
            history: var("HISTORY_TABLE"),
        }
    }

    fn name(&self, t: Table) -> Result<&str, StoreError> {
        let n = match t {
            Table::Scenarios => &self.scenarios,
            Table::Results => &self.results,
            Table::History => &self.history,
        };
        n.as_deref().ok_or(StoreError::NoTable(t))
    }
}

pub struct AwsStore {
    pub s3: aws_sdk_s3::Client,
    pub ddb: aws_sdk_dynamodb::Client,
    pub tables: Tables,
}

impl AwsStore {
    /// Creates a pay-per-request table with string keys (hash, then range), as DLT's stack defines
    /// its tables: for local endpoints (moto) and the tests, where no stack exists.
    pub async fn create_table(
        &self,
        name: &str,
        keys: &[&str],
    ) -> Result<(), SdkError<aws_sdk_dynamodb::operation::create_table::CreateTableError>> {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        };
        let mut req = self
            .ddb
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest);
        for (i, k) in keys.iter().enumerate() {
            let key_type = if i == 0 {
                KeyType::Hash
            } else {
                KeyType::Range
            };
            req = req
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name(*k)
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                        .expect("name and type are set"),
                )
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name(*k)
                        .key_type(key_type)
                        .build()
                        .expect("name and key type are set"),
                );
        }
        req.send().await.map(|_| ())
    }

    /// Clients from the default chain; `AWS_ENDPOINT_URL` (e.g. moto) is honoured, S3 path-style so a
    /// `localhost` endpoint works.
    pub async fn from_env() -> AwsStore {
        let conf = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let s3_conf = aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build();
        AwsStore {
            s3: aws_sdk_s3::Client::from_conf(s3_conf),
            ddb: aws_sdk_dynamodb::Client::new(&conf),
            tables: Tables::from_env(),
        }
    }
}

/// Throttling, server errors and transport failures are transient; client errors are not.
fn transient<E, R>(e: &SdkError<E, R>) -> bool
where
    E: ProvideErrorMetadata,
{
    match e {
        SdkError::ServiceError(s) => {
            let code = s.err().code().unwrap_or_default();
            code.contains("Throttl")
                || code.contains("ProvisionedThroughputExceeded")
                || code == "RequestLimitExceeded"
                || code == "InternalServerError"
                || code == "ServiceUnavailable"
                || code == "SlowDown"
        }
        SdkError::ConstructionFailure(_) => false,
        _ => true,
    }
}

fn message<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    e: &SdkError<E, R>,
) -> String {
    match e {
        SdkError::ServiceError(s) => {
            format!(
                "{}: {}",
                s.err().code().unwrap_or("error"),
                s.err().message().unwrap_or_default()
            )
        }
        other => {
            let mut m = other.to_string();
            let mut src = std::error::Error::source(other);
            while let Some(s) = src {
                m.push_str(": ");
                m.push_str(&s.to_string());
                src = s.source();
            }
            m
        }
    }
}

fn ddb_err<E, R>(op: &'static str, table: &str, e: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let msg = message(&e);
    // DynamoDB reports an item over its 400 KB limit as a ValidationException with this text.
    if msg.contains("Item size has exceeded") || msg.contains("Item size to update has exceeded") {
        return StoreError::ItemTooLarge {
            op,
            table: table.into(),
        };
    }
    StoreError::Dynamo {
        op,
        table: table.into(),
        transient: transient(&e),
        message: msg,
    }
}

/// The names/values maps and expressions of one [`Update`].
struct Expr {
    update: String,
    cond: Option<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

fn expression(update: &Update, key_attr: &str) -> Expr {
    let mut names = HashMap::new();
    let mut values = HashMap::new();
    let mut sets = Vec::new();
    for (i, (k, v)) in update.set.iter().enumerate() {
        names.insert(format!("#s{i}"), k.clone());
        values.insert(format!(":s{i}"), to_attr(v));
        sets.push(format!("#s{i} = :s{i}"));
    }
    if let Some((list, items)) = &update.append {
        names.insert("#al".into(), list.clone());
        values.insert(":av".into(), to_attr(&Value::Array(items.clone())));
        values.insert(":empty".into(), AttributeValue::L(Vec::new()));
        sets.push("#al = list_append(if_not_exists(#al, :empty), :av)".into());
    }
    names.insert("#key".into(), key_attr.into());
    let cond = match &update.cond {
        Cond::None => None,
        Cond::Exists => Some("attribute_exists(#key)".to_owned()),
        Cond::ExistsAndNotContains { list, value } => {
            names.insert("#cl".into(), list.clone());
            values.insert(":cv".into(), to_attr(value));
            Some("attribute_exists(#key) AND NOT contains(#cl, :cv)".to_owned())
        }
        Cond::StatusNot(status) => {
            names.insert("#st".into(), "status".into());
            values.insert(":st".into(), AttributeValue::S(status.clone()));
            Some("attribute_exists(#key) AND (attribute_not_exists(#st) OR #st <> :st)".to_owned())
        }
        Cond::StatusNotIn(statuses) => {
            names.insert("#st".into(), "status".into());
            let not: Vec<String> = status_values(&mut values, statuses)
                .iter()
                .map(|v| format!("#st <> {v}"))
                .collect();
            Some(format!(
                "attribute_exists(#key) AND (attribute_not_exists(#st) OR ({}))",
                not.join(" AND ")
            ))
        }
        Cond::StatusInOnce {
            statuses,
            marker,
            value,
        } => {
            names.insert("#st".into(), "status".into());
            names.insert("#mk".into(), marker.clone());
            values.insert(":mk".into(), to_attr(value));
            let any: Vec<String> = status_values(&mut values, statuses)
                .iter()
                .map(|v| format!("#st = {v}"))
                .collect();
            Some(format!(
                "attribute_exists(#key) AND ({}) AND (attribute_not_exists(#mk) OR #mk <> :mk)",
                any.join(" OR ")
            ))
        }
    };
    if cond.is_none() {
        names.remove("#key");
    }
    Expr {
        update: format!("SET {}", sets.join(", ")),
        cond,
        names,
        values,
    }
}

/// Binds each status as `:st0`, `:st1`, …; returns the placeholders.
fn status_values(values: &mut HashMap<String, AttributeValue>, statuses: &[String]) -> Vec<String> {
    statuses
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let name = format!(":st{i}");
            values.insert(name.clone(), AttributeValue::S(s.clone()));
            name
        })
        .collect()
}

impl Store for AwsStore {
    async fn get_object(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let err = |message: String, transient| StoreError::S3 {
            op: "GetObject",
            bucket: bucket.into(),
            key: key.into(),
            message,
            transient,
        };
        match self.s3.get_object().bucket(bucket).key(key).send().await {
            Ok(out) => {
                let body = out
                    .body
                    .collect()
                    .await
                    .map_err(|e| err(e.to_string(), true))?;
                Ok(Some(body.into_bytes().to_vec()))
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
            Err(e) => Err(err(message(&e), transient(&e))),
        }
    }

    async fn list_keys(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut pages = self
            .s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        let mut keys = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| StoreError::S3 {
                op: "ListObjectsV2",
                bucket: bucket.into(),
                key: prefix.into(),
                transient: transient(&e),
                message: message(&e),
            })?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
        }
        Ok(keys)
    }

    async fn get_item(&self, table: Table, key: Item) -> Result<Option<Item>, StoreError> {
        let name = self.tables.name(table)?;
        let out = self
            .ddb
            .get_item()
            .table_name(name)
            .set_key(Some(to_attrs(&key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| ddb_err("GetItem", name, e))?;
        Ok(out.item().map(from_attrs))
    }

    async fn put_item(&self, table: Table, item: Item) -> Result<(), StoreError> {
        let name = self.tables.name(table)?;
        self.ddb
            .put_item()
            .table_name(name)
            .set_item(Some(to_attrs(&item)))
            .send()
            .await
            .map_err(|e| ddb_err("PutItem", name, e))?;
        Ok(())
    }

    async fn update_item(
        &self,
        table: Table,
        key: Item,
        update: Update,
    ) -> Result<Option<Item>, StoreError> {
        let name = self.tables.name(table)?;
        let key_attr = key.keys().next().cloned().unwrap_or_default();
        let e = expression(&update, &key_attr);
        let res = self
            .ddb
            .update_item()
            .table_name(name)
            .set_key(Some(to_attrs(&key)))
            .update_expression(e.update)
            .set_condition_expression(e.cond)
            .set_expression_attribute_names(Some(e.names))
            .set_expression_attribute_values(Some(e.values))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match res {
            Ok(out) => Ok(Some(out.attributes().map(from_attrs).unwrap_or_default())),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(ddb_err("UpdateItem", name, e)),
        }
    }

    async fn scan_eq(
        &self,
        table: Table,
        attr: &str,
        value: &str,
    ) -> Result<Vec<Item>, StoreError> {
        let name = self.tables.name(table)?;
        let mut pages = self
            .ddb
            .scan()
            .table_name(name)
            .filter_expression("#a = :v")
            .expression_attribute_names("#a", attr)
            .expression_attribute_values(":v", AttributeValue::S(value.into()))
            .consistent_read(true)
            .into_paginator()
            .send();
        let mut items = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| ddb_err("Scan", name, e))?;
            items.extend(page.items().iter().map(from_attrs));
        }
        Ok(items)
    }
}
