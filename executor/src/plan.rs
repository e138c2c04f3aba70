//! The plan made ready to run, once: scenarios compiled (a `.jmx` execution expanded into one per
//! thread group), result files checked. `validate` reports what this finds and `run` sends the
//! same compiled programs, so nothing (CSV files included) is read twice.

use std::path::Path;

use stampede_config::Plan;
use stampede_scenario::{CompileContext, CompiledScenario};

mod jmx;

/// A plan's scenarios compiled once: what `validate` reports and what `run` sends.
pub struct CompiledPlan {
    /// Indexed by `ExecutionPlan::index`; `None` for executions that send no requests (and for
    /// those whose scenario has a problem).
    pub scenarios: Vec<Option<CompiledScenario>>,
    /// Problems; none = valid.
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
    /// The plan's executions to run: a `.jmx` execution becomes one per thread group.
    pub executions: Vec<stampede_config::ExecutionPlan>,
    /// Remarks on `.jmx` plans (listeners ignored, Taurus's override warnings), logged by the run
    /// with the config's warnings.
    pub plan_warnings: Vec<String>,
}

impl CompiledPlan {
    /// Puts the expanded executions and the `.jmx` remarks into the plan; returns the programs
    /// `run` takes, indexed like the executions.
    pub fn apply(self, plan: &mut Plan) -> Vec<Option<CompiledScenario>> {
        plan.executions = self.executions;
        plan.warnings.extend(self.plan_warnings);
        self.scenarios
    }
}

/// Checks a loaded plan beyond what loading checks: result files exist, and every scenario compiles
/// (so `validate` catches request-level errors without running, and `run` reuses the programs).
pub fn compile_plan(plan: &Plan) -> CompiledPlan {
    let expanded = jmx::expand(plan);
    let (mut problems, mut warnings) = (expanded.problems, Vec::new());
    let mut scenarios = expanded.scenarios;
    for exec in &expanded.executions {
        if scenarios[exec.index].is_some() {
            continue; // a thread group of a .jmx plan, compiled by the expansion
        }
        for (key, file) in [
            ("data-file", &exec.data_file),
            ("errors-file", &exec.errors_file),
        ] {
            if let Some(file) = file
                && !file.to_string_lossy().contains("${")
                && !file.exists()
                && !exec.base_dir.join(file).exists()
            {
                problems.push(format!(
                    "execution.{}.{key}: file '{}' not found (relative paths are resolved from the current directory, then from the config's directory)",
                    exec.index,
                    file.display()
                ));
            }
        }
        if exec.executor == crate::run::EXTERNAL_RESULTS {
            continue;
        }
        let file = scenario_file(plan, exec);
        let ctx = CompileContext {
            file,
            base_dir: &exec.base_dir,
            search_path: &plan.search_path,
            config: &plan.effective,
            source: exec.index as u16,
        };
        match CompiledScenario::compile(&exec.scenario_name, &exec.scenario, &ctx) {
            Ok(compiled) => {
                warnings.extend(compiled.warnings().iter().cloned());
                if scenarios.len() <= exec.index {
                    scenarios.resize_with(exec.index + 1, || None);
                }
                scenarios[exec.index] = Some(compiled);
            }
            // The error names the file when it is known; else every config file is a suspect.
            Err(e) if file.is_some() => problems.push(e.to_string()),
            Err(e) => problems.push(format!("{}: {e}", config_files_text(plan))),
        }
    }
    CompiledPlan {
        scenarios,
        problems,
        warnings,
        executions: expanded.executions,
        plan_warnings: expanded.warnings,
    }
}

/// [`compile_plan`]'s problems and warnings.
pub fn validate_plan(plan: &Plan) -> (Vec<String>, Vec<String>) {
    let compiled = compile_plan(plan);
    let mut warnings = compiled.plan_warnings;
    warnings.extend(compiled.warnings);
    (compiled.problems, warnings)
}

/// The config file that defined an execution's scenario, when it is certain: the only config file,
/// or the only one in the scenario's directory.
fn scenario_file<'p>(plan: &'p Plan, exec: &stampede_config::ExecutionPlan) -> Option<&'p Path> {
    if let [only] = plan.config_files.as_slice() {
        return Some(only);
    }
    let mut in_dir = plan
        .config_files
        .iter()
        .filter(|f| f.parent().is_some_and(|d| d == exec.base_dir));
    match (in_dir.next(), in_dir.next()) {
        (Some(f), None) => Some(f),
        _ => None,
    }
}

/// The config files of a plan, for messages: `a.yml` or `a.yml, b.yml`.
fn config_files_text(plan: &Plan) -> String {
    if plan.config_files.is_empty() {
        return "(no config file)".into();
    }
    plan.config_files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
