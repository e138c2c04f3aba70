//! [`DynamoStore`]: the domain's [`Store`] over DLT's Scenarios table (tests) and a History table
//! (runs), item shapes in [`crate::items`]. Histograms and timelines, which only the domain's
//! local finalisation writes, are side rows of the History table under the hash keys
//! `#histograms` and `#timeline`, so no test's query ever meets them.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, Select};
use results_parser::attr::{from_attrs, to_attr, to_attrs};
use serde_json::{Value, json};
use stampede_control::model::{RunItem, RunPage, RunQuery, Status, TestItem};
use stampede_control::ports::{Store, StoreError};
use tokio::runtime::Handle;

use crate::items::{self, Item, OPTIONAL, fold, needs_fold, run_attrs, run_from, test_from};
use crate::sdk::describe;

const HISTOGRAMS: &str = "#histograms";
const TIMELINE: &str = "#timeline";
const RUN_OPTIONAL: [&str; 6] = [
    "endTime",
    "results",
    "succPercent",
    "completeTasks",
    "errorReason",
    "validity",
];

/// Tests in `scenarios`, runs in `history`. Calls block on `rt`: call the domain from a blocking
/// thread (`spawn_blocking`), never from inside an async task.
pub struct DynamoStore {
    ddb: Client,
    scenarios: String,
    history: String,
    rt: Handle,
}

fn backend(op: &str, table: &str, message: String) -> StoreError {
    StoreError::Backend(format!("DynamoDB {op} on {table}: {message}"))
}

fn key(pairs: &[(&str, &str)]) -> HashMap<String, AttributeValue> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), AttributeValue::S((*v).to_owned())))
        .collect()
}

/// `SET` every attribute of `set`, `REMOVE` every name of `remove` that `set` lacks.
struct Change {
    set: Item,
    remove: Vec<&'static str>,
}

impl Change {
    fn expression(
        &self,
    ) -> (
        String,
        HashMap<String, String>,
        HashMap<String, AttributeValue>,
    ) {
        let (mut names, mut values) = (HashMap::new(), HashMap::new());
        let mut sets = Vec::new();
        for (i, (k, v)) in self.set.iter().enumerate() {
            names.insert(format!("#s{i}"), k.clone());
            values.insert(format!(":s{i}"), to_attr(v));
            sets.push(format!("#s{i} = :s{i}"));
        }
        let mut removes = Vec::new();
        for (i, k) in self.remove.iter().enumerate() {
            if !self.set.contains_key(*k) {
                names.insert(format!("#r{i}"), (*k).to_owned());
                removes.push(format!("#r{i}"));
            }
        }
        let mut parts = Vec::new();
        if !sets.is_empty() {
            parts.push(format!("SET {}", sets.join(", ")));
        }
        if !removes.is_empty() {
            parts.push(format!("REMOVE {}", removes.join(", ")));
        }
        (parts.join(" "), names, values)
    }
}

impl DynamoStore {
    pub fn new(ddb: Client, scenarios: &str, history: &str, rt: Handle) -> Self {
        DynamoStore {
            ddb,
            scenarios: scenarios.into(),
            history: history.into(),
            rt,
        }
    }

    async fn get(
        &self,
        table: &str,
        k: HashMap<String, AttributeValue>,
    ) -> Result<Option<Item>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(table)
            .set_key(Some(k))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend("GetItem", table, describe(&e)))?;
        Ok(out.item().map(from_attrs))
    }

    async fn update(
        &self,
        table: &str,
        k: HashMap<String, AttributeValue>,
        change: &Change,
    ) -> Result<(), StoreError> {
        let (expr, names, values) = change.expression();
        self.ddb
            .update_item()
            .table_name(table)
            .set_key(Some(k))
            .update_expression(expr)
            .set_expression_attribute_names(Some(names))
            // DynamoDB refuses an empty values map (an update that only removes).
            .set_expression_attribute_values((!values.is_empty()).then_some(values))
            .send()
            .await
            .map_err(|e| backend("UpdateItem", table, describe(&e)))?;
        Ok(())
    }

    /// Every item of the History table under hash key `test_id`.
    async fn query(&self, test_id: &str) -> Result<Vec<Item>, StoreError> {
        let mut pages = self
            .ddb
            .query()
            .table_name(&self.history)
            .key_condition_expression("testId = :t")
            .expression_attribute_values(":t", AttributeValue::S(test_id.into()))
            .consistent_read(true)
            .into_paginator()
            .send();
        let mut items = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| backend("Query", &self.history, describe(&e)))?;
            items.extend(page.items().iter().map(from_attrs));
        }
        Ok(items)
    }

    async fn delete(
        &self,
        table: &str,
        k: HashMap<String, AttributeValue>,
    ) -> Result<bool, StoreError> {
        let out = self
            .ddb
            .delete_item()
            .table_name(table)
            .set_key(Some(k))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| backend("DeleteItem", table, describe(&e)))?;
        Ok(out.attributes().is_some())
    }

    /// The test, with an outcome the results parser left on its item folded into its run first.
    async fn load_test(&self, item: Item) -> Result<TestItem, StoreError> {
        let mut test = test_from(item.clone())?;
        if !needs_fold(&item, &test) {
            return Ok(test);
        }
        let run_id = test.current_run.clone().expect("needs_fold checks the run");
        let Some(run) = self
            .get(
                &self.history,
                key(&[("testId", &test.test_id), ("testRunId", &run_id)]),
            )
            .await?
        else {
            return Ok(test);
        };
        let folded = fold(&item, &test, run_from(run)?);
        self.write_run(&folded.run).await?;
        let mut set = Item::new();
        set.insert("foldedRunId".into(), json!(run_id));
        if let Some(status) = folded.test_status {
            set.insert("status".into(), json!(status));
            test.status = status;
        }
        let change = Change {
            set,
            remove: vec![],
        };
        self.update(&self.scenarios, key(&[("testId", &test.test_id)]), &change)
            .await?;
        Ok(test)
    }

    async fn write_run(&self, run: &RunItem) -> Result<(), StoreError> {
        let mut set = run_attrs(run);
        set.remove("testId");
        set.remove("testRunId");
        let change = Change {
            set,
            remove: RUN_OPTIONAL.to_vec(),
        };
        self.update(
            &self.history,
            key(&[("testId", &run.test_id), ("testRunId", &run.run_id)]),
            &change,
        )
        .await
    }

    async fn write_test(&self, test: &TestItem) -> Result<(), StoreError> {
        let k = key(&[("testId", &test.test_id)]);
        let stored = self.get(&self.scenarios, k.clone()).await?;
        let stored_run = stored
            .as_ref()
            .and_then(|i| i.get("testRunId"))
            .and_then(Value::as_str);
        let mut set = items::test_attrs(test);
        set.remove("testId");
        let mut remove = OPTIONAL.to_vec();
        // A new run starts with the results parser's and the task runner's counters at zero.
        if test.status == Status::Running && stored_run != test.current_run.as_deref() {
            set.insert("taskIds".into(), json!([]));
            set.insert("launchedTasks".into(), json!(0));
            remove.extend(["launchFailures", "foldedRunId", "launchLease"]);
        }
        self.update(&self.scenarios, k, &Change { set, remove })
            .await
    }

    async fn side_row(&self, kind: &str, run_id: &str) -> Result<Option<String>, StoreError> {
        let item = self
            .get(
                &self.history,
                key(&[("testId", kind), ("testRunId", run_id)]),
            )
            .await?;
        Ok(item.and_then(|i| i.get("body").and_then(Value::as_str).map(str::to_owned)))
    }

    async fn put_side_row(&self, kind: &str, run_id: &str, body: String) -> Result<(), StoreError> {
        let mut item = Item::new();
        item.insert("testId".into(), json!(kind));
        item.insert("testRunId".into(), json!(run_id));
        item.insert("body".into(), json!(body));
        self.ddb
            .put_item()
            .table_name(&self.history)
            .set_item(Some(to_attrs(&item)))
            .send()
            .await
            .map_err(|e| backend("PutItem", &self.history, describe(&e)))?;
        Ok(())
    }
}

impl Store for DynamoStore {
    fn put_test(&self, test: &TestItem) -> Result<(), StoreError> {
        self.rt.block_on(self.write_test(test))
    }

    fn get_test(&self, test_id: &str) -> Result<Option<TestItem>, StoreError> {
        self.rt.block_on(async {
            match self
                .get(&self.scenarios, key(&[("testId", test_id)]))
                .await?
            {
                Some(item) => self.load_test(item).await.map(Some),
                None => Ok(None),
            }
        })
    }

    fn list_tests(&self) -> Result<Vec<TestItem>, StoreError> {
        self.rt.block_on(async {
            let mut pages = self
                .ddb
                .scan()
                .table_name(&self.scenarios)
                .consistent_read(true)
                .into_paginator()
                .send();
            let mut tests = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| backend("Scan", &self.scenarios, describe(&e)))?;
                for item in page.items() {
                    tests.push(self.load_test(from_attrs(item)).await?);
                }
            }
            tests.sort_by(|a, b| {
                b.start_time
                    .cmp(&a.start_time)
                    .then(b.test_id.cmp(&a.test_id))
            });
            Ok(tests)
        })
    }

    fn delete_test(&self, test_id: &str) -> Result<(), StoreError> {
        self.rt.block_on(async {
            for run in self.query(test_id).await? {
                let Some(run_id) = run.get("testRunId").and_then(Value::as_str) else {
                    continue;
                };
                for hash in [test_id, HISTOGRAMS, TIMELINE] {
                    self.delete(
                        &self.history,
                        key(&[("testId", hash), ("testRunId", run_id)]),
                    )
                    .await?;
                }
            }
            self.delete(&self.scenarios, key(&[("testId", test_id)]))
                .await?;
            Ok(())
        })
    }

    fn put_run(&self, run: &RunItem) -> Result<(), StoreError> {
        self.rt.block_on(self.write_run(run))
    }

    fn get_run(&self, test_id: &str, run_id: &str) -> Result<Option<RunItem>, StoreError> {
        self.rt.block_on(async {
            self.get(
                &self.history,
                key(&[("testId", test_id), ("testRunId", run_id)]),
            )
            .await?
            .map(run_from)
            .transpose()
        })
    }

    fn list_runs(&self, test_id: &str, q: &RunQuery) -> Result<RunPage, StoreError> {
        let items = self.rt.block_on(self.query(test_id))?;
        let mut runs = items
            .into_iter()
            .map(run_from)
            .collect::<Result<Vec<_>, _>>()?;
        runs.retain(|r| {
            q.start.as_ref().is_none_or(|s| &r.start_time >= s)
                && q.end.as_ref().is_none_or(|e| &r.start_time <= e)
        });
        runs.sort_by(|a, b| {
            b.start_time
                .cmp(&a.start_time)
                .then(b.run_id.cmp(&a.run_id))
        });
        let total = runs.len() as u64;
        let offset = usize::try_from(q.offset).unwrap_or(usize::MAX);
        let runs = runs
            .into_iter()
            .skip(offset)
            .take(q.limit as usize)
            .collect();
        Ok(RunPage { runs, total })
    }

    fn count_runs(&self, test_id: &str) -> Result<u64, StoreError> {
        self.rt.block_on(async {
            let mut pages = self
                .ddb
                .query()
                .table_name(&self.history)
                .key_condition_expression("testId = :t")
                .expression_attribute_values(":t", AttributeValue::S(test_id.into()))
                .select(Select::Count)
                .into_paginator()
                .send();
            let mut n = 0u64;
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| backend("Query", &self.history, describe(&e)))?;
                n += u64::try_from(page.count()).unwrap_or(0);
            }
            Ok(n)
        })
    }

    fn delete_runs(&self, test_id: &str, run_ids: &[String]) -> Result<u64, StoreError> {
        self.rt.block_on(async {
            let mut n = 0;
            for id in run_ids {
                if self
                    .delete(
                        &self.history,
                        key(&[("testId", test_id), ("testRunId", id)]),
                    )
                    .await?
                {
                    n += 1;
                }
                for hash in [HISTOGRAMS, TIMELINE] {
                    self.delete(&self.history, key(&[("testId", hash), ("testRunId", id)]))
                        .await?;
                }
            }
            Ok(n)
        })
    }

    fn put_histograms(&self, run_id: &str, sidecar: &str) -> Result<(), StoreError> {
        self.rt
            .block_on(self.put_side_row(HISTOGRAMS, run_id, sidecar.to_owned()))
    }

    fn get_histograms(&self, run_id: &str) -> Result<Option<String>, StoreError> {
        self.rt.block_on(self.side_row(HISTOGRAMS, run_id))
    }

    fn put_timeline(&self, run_id: &str, seconds: &[(i64, String)]) -> Result<(), StoreError> {
        if seconds.is_empty() {
            return Ok(());
        }
        let body = serde_json::to_string(seconds).expect("pairs of numbers and strings serialise");
        self.rt.block_on(self.put_side_row(TIMELINE, run_id, body))
    }

    fn get_timeline(&self, run_id: &str) -> Result<Vec<(i64, String)>, StoreError> {
        let Some(body) = self.rt.block_on(self.side_row(TIMELINE, run_id))? else {
            return Ok(Vec::new());
        };
        serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
            what: format!("timeline of run {run_id}"),
            reason: e.to_string(),
        })
    }

    fn get_baseline(&self, test_id: &str) -> Result<Option<String>, StoreError> {
        let item = self
            .rt
            .block_on(self.get(&self.scenarios, key(&[("testId", test_id)])))?;
        Ok(item.and_then(|i| {
            i.get("baselineRunId")
                .and_then(Value::as_str)
                .map(str::to_owned)
        }))
    }

    fn set_baseline(&self, test_id: &str, run_id: Option<&str>) -> Result<(), StoreError> {
        let mut set = Item::new();
        if let Some(id) = run_id {
            set.insert("baselineRunId".into(), json!(id));
        }
        let change = Change {
            set,
            remove: vec!["baselineRunId"],
        };
        self.rt
            .block_on(self.update(&self.scenarios, key(&[("testId", test_id)]), &change))
    }
}
