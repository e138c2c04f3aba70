//! Executions whose scenario is a JMeter plan (`scenario: {script: plan.jmx}`, `bzt plan.jmx`,
//! `stampede run plan.jmx`): each enabled thread group of the plan becomes one execution of the
//! run, with its own load and program, lowered by `stampede-jmxplan` with Taurus's overrides.
//! setUp groups run first, tearDown groups last ([`PHASE`]).

use crate::run::PHASE;

use stampede_config::{ExecutionPlan, Plan};
use stampede_jmxplan::GroupRole;
use stampede_jmxplan::taurus::{self, Execution};
use stampede_scenario::CompiledScenario;

/// The plan's executions after expansion, and the programs of the `.jmx` ones.
pub(super) struct Expanded {
    /// Indexes renumbered in order; each thread group of a plan is one execution.
    pub executions: Vec<ExecutionPlan>,
    /// Aligned with `executions`: `Some` for the thread groups of a plan.
    pub scenarios: Vec<Option<CompiledScenario>>,
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
}

pub(super) fn expand(plan: &Plan) -> Expanded {
    let mut out = Expanded {
        executions: Vec::new(),
        scenarios: Vec::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    for exec in &plan.executions {
        let script = taurus::jmx_script(&exec.scenario).filter(|_| exec.executor == "jmeter");
        let Some(script) = script else {
            let mut e = exec.clone();
            e.index = out.executions.len();
            out.executions.push(e);
            out.scenarios.push(None);
            continue;
        };
        if let Err(problem) = lower(plan, exec, script, &mut out) {
            out.problems
                .push(format!("execution.{}: {script}: {problem}", exec.index));
        }
    }
    out
}

fn lower(
    plan: &Plan,
    exec: &ExecutionPlan,
    script: &str,
    out: &mut Expanded,
) -> Result<(), String> {
    let mut search = vec![exec.base_dir.clone()];
    search.extend(plan.search_path.iter().cloned());
    let path = taurus::find_script(script, &search).ok_or_else(|| {
        "file not found (relative paths are resolved from the current directory, then from the config's directory)"
            .to_string()
    })?;
    let settings = Execution {
        raw: &exec.raw,
        load: &exec.load,
        scenario: &exec.scenario,
        config: &plan.effective,
    };
    let first = u16::try_from(out.executions.len()).map_err(|_| "too many executions")?;
    let opts = taurus::options(settings, &path, first)?;
    let lowered = stampede_jmxplan::lower_file(&path, &opts).map_err(|e| e.to_string())?;
    out.warnings.extend(
        lowered
            .warnings
            .into_iter()
            .map(|w| format!("{script}: {w}")),
    );
    for group in lowered.groups {
        let mut e = exec.clone();
        e.index = out.executions.len();
        e.load = group.load;
        e.scenario_name = group.name;
        e.delay = match (exec.delay, group.delay) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        let phase = match group.role {
            GroupRole::Setup => 0,
            GroupRole::Main => 1,
            GroupRole::Teardown => 2,
        };
        if let Some(raw) = e.raw.as_object_mut() {
            raw.insert(PHASE.into(), phase.into());
        }
        out.executions.push(e);
        out.scenarios.push(Some(group.scenario));
    }
    Ok(())
}
