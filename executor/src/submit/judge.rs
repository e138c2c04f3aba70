//! Pass/fail on the merged data of all tasks — what one machine running every task's users would
//! have measured. Criteria without a timeframe (`avg-rt>500ms`, `fail>5%`) are judged on the run's
//! merged results XML; criteria with one (`p95>1s for 10s`) on the run's merged seconds, which the
//! hub keeps with every label's exact KPIs. Both are judged once the run has ended, so a `stop`
//! action cannot end the run early. The one exception: per-second data carries no response codes,
//! so `rc…` criteria with a timeframe stay in the config the tasks run, and each task judges them
//! on its own data (a task that fails one ends with code 3).

use serde_json::Value;
use stampede_config::Plan;
use stampede_config::criteria::{CriterionSpec, parse_criteria};
use stampede_config::reporting::ReportModule;
use stampede_control::live::Second;
use stampede_log::Log;
use stampede_report::passfail::{Criterion, PassFail};
use stampede_report::{FinalStats, FinalStatsOptions, Reporter};
use stampede_stats::merged;

/// Whether a criterion can only be judged by the tasks (a response-code criterion per second).
fn per_task(c: &CriterionSpec) -> bool {
    c.timeframe > 0 && c.subject.starts_with("rc")
}

/// The criteria of the plan judged on the merged data.
pub fn merged_criteria(plan: &Plan) -> Vec<CriterionSpec> {
    plan.reporting
        .modules
        .iter()
        .filter_map(|m| match m {
            ReportModule::PassFail(list) => Some(list.iter()),
            _ => None,
        })
        .flatten()
        .chain(&plan.reporting.execution_criteria)
        .filter(|c| !per_task(c))
        .cloned()
        .collect()
}

/// Removes from a config the tasks will run the criteria judged on the merged data; returns how
/// many stay for the tasks to judge.
pub fn keep_task_criteria(config: &mut Value) -> usize {
    let mut kept = 0;
    let mut filter = |criteria: &mut Value| match criteria {
        Value::Array(items) => {
            items.retain(for_tasks);
            kept += items.len();
        }
        Value::Object(map) => {
            map.retain(|_, v| for_tasks(v));
            kept += map.len();
        }
        _ => {}
    };
    if let Some(Value::Array(reporting)) = config.get_mut("reporting") {
        for entry in reporting.iter_mut() {
            let module = entry.get("module").and_then(Value::as_str);
            if matches!(module, Some("passfail" | "pass-fail"))
                && let Some(c) = entry.get_mut("criteria")
            {
                filter(c);
            }
        }
    }
    if let Some(Value::Array(execs)) = config.get_mut("execution") {
        for c in execs.iter_mut().filter_map(|e| e.get_mut("criteria")) {
            filter(c);
        }
    }
    if let Some(Value::Object(scenarios)) = config.get_mut("scenarios") {
        for c in scenarios.values_mut().filter_map(|s| s.get_mut("criteria")) {
            filter(c);
        }
    }
    kept
}

/// Whether one criterion item is for the tasks; an unreadable one is kept for them to report.
fn for_tasks(item: &Value) -> bool {
    parse_criteria(&Value::Array(vec![item.clone()]))
        .map(|list| list.iter().any(per_task))
        .unwrap_or(true)
}

/// Prints Taurus's final summary of the merged results and judges `criteria` on them and on the
/// merged `seconds`; `Ok(true)` when a failing criterion triggered.
pub fn judge(
    merged_xml: &str,
    seconds: &[(i64, Second)],
    criteria: Vec<CriterionSpec>,
    log: &mut dyn Log,
) -> Result<bool, String> {
    let status = parser::read::from_str(merged_xml)
        .map_err(|e| format!("the hub's merged results XML is unreadable: {e}"))?;
    let summary = merged::summary(&status, None);
    let mut stats = FinalStats::new(FinalStatsOptions::default());
    stats.finish(&summary, log).map_err(|e| e.to_string())?;
    if criteria.is_empty() {
        return Ok(false);
    }
    let mut pf = PassFail::new(criteria.into_iter().map(Criterion::new).collect());
    for (second, merged) in seconds {
        let users = merged.vu.values().map(|v| u64::from(*v)).sum();
        let second = u64::try_from(*second).unwrap_or(0);
        pf.datapoint(&merged::datapoint(
            second,
            users,
            &merged.labels,
            &summary.percentiles,
        ));
    }
    pf.finish(&summary, log).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_per_second_code_criteria_go_to_the_tasks() {
        let mut config = json!({
            "reporting": [{"module": "passfail", "criteria": ["avg-rt>1s", "fail>50% for 10s"]},
                          {"module": "final-stats"}],
            "execution": [{"criteria": {"slow": "p95>2s"}}],
            "scenarios": {"s": {"criteria": ["hits<1 over 5s", "rc5??>1 over 5s"]}}
        });
        assert_eq!(keep_task_criteria(&mut config), 1);
        assert_eq!(config["reporting"][0]["criteria"], json!([]));
        assert_eq!(config["execution"][0]["criteria"], json!({}));
        assert_eq!(
            config["scenarios"]["s"]["criteria"],
            json!(["rc5??>1 over 5s"])
        );
    }

    #[test]
    fn merged_results_fail_a_criterion_and_print_the_summary() {
        use parser::{Group, Kpi, Num};
        let kpi = |param: &str, value: Num| Kpi {
            param: param.into(),
            value,
        };
        let mut g = Group::empty("");
        (g.throughput, g.concurrency, g.succ, g.fail) =
            (Num::Int(10), Num::Int(2), Num::Int(6), Num::Int(4));
        (g.avg_rt, g.stdev_rt, g.avg_lt, g.avg_ct, g.bytes) = (
            Num::Float(0.5),
            Num::Float(0.1),
            Num::Float(0.4),
            Num::Float(0.01),
            Num::Int(100),
        );
        g.rc = vec![kpi("200", Num::Int(6)), kpi("503", Num::Int(4))];
        g.perc = vec![kpi("95.0", Num::Float(0.9))];
        let xml = parser::write::to_string(&parser::FinalStatus {
            test_duration: Some("2.0".into()),
            groups: vec![g],
            ..Default::default()
        });
        let xml = xml.as_str();
        let specs = |list: Value| parse_criteria(&list).unwrap();
        let mut log = stampede_log::MemoryLog::default();
        assert!(judge(xml, &[], specs(json!(["fail>30%"])), &mut log).unwrap());
        assert!(
            log.records.iter().any(|r| r.1.contains("Failed: fail>30%")),
            "{:?}",
            log.records
        );
        let mut log = stampede_log::MemoryLog::default();
        assert!(!judge(xml, &[], specs(json!(["p95>1s", "rc503>5"])), &mut log).unwrap());
        assert!(judge(xml, &[], specs(json!(["rc5??>=4"])), &mut log).unwrap());
        assert!(judge("<nope", &[], Vec::new(), &mut log).is_err());
    }
}
