//! The command line: `stampede run|validate|ecs`, and bzt's own command line when the binary
//! is invoked as `bzt` (a symlink or copy), so DLT's `bzt test.json -o modules.console.disable=true`
//! and existing scripts work unchanged.
//!
//! Raw arguments are parsed by clap into [`Cli`]/[`BztArgs`], then turned into one [`Invocation`]
//! (what to do, with which files and overrides); [`main`] maps every outcome to Taurus's exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::plan::compile_plan;
use crate::run::{Outcome, Progress, RunOptions};
use stampede_config::{self as config, LoadOptions, Plan};
use stampede_log::{ConsoleLog, Log};

mod bzt;

pub use bzt::{BztArgs, invoked_as_bzt, parse_bzt};

const RUN_EXAMPLES: &str = "\
Examples:
  stampede run test.yml
  stampede run base.yml load.yml -o execution.0.concurrency=50 -o execution.0.hold-for=5m
  stampede run test.json -o modules.console.disable=true      # DLT's console: one line per second

Exit codes (as Taurus): 0 done (even with failed samples), 1 config or runtime error,
2 interrupted (Ctrl-C / SIGTERM), 3 a pass/fail criterion failed the test.";

const VALIDATE_EXAMPLES: &str = "\
Examples:
  stampede validate test.yml
  stampede validate test.yml -o settings.env.HOST=staging.example.com --effective > effective.yml

Prints every warning (unknown keys, emulated executors) and exits 1 on any error.";

const ECS_EXAMPLES: &str = "\
Example (the container's entrypoint; settings come from DLT's environment variables):
  TEST_ID=abc123 S3_BUCKET=my-bucket stampede ecs";

const HUB_EXAMPLES: &str = "\
Examples:
  stampede hub                                   console on http://127.0.0.1:8080/, DLT's API under /api
  stampede hub --listen 127.0.0.1:0 --data DIR   any free port (printed), state under DIR
  STAMPEDE_HUB_TOKEN=s3cret stampede hub --listen 0.0.0.0:8080   other hosts need the token";

const SUBMIT_EXAMPLES: &str = "\
Examples:
  stampede submit test.yml --hub http://127.0.0.1:8080 --tasks 4
        run test.yml on 4 hub workers, follow it, exit 0 / 3 (criteria failed) / 1 / 2
  stampede submit test.yml -o execution.0.hold-for=5m --tasks 10 --results merged.xml
  STAMPEDE_HUB_TOKEN=s3cret stampede submit test.yml --hub http://perf-box:8080

Pass/fail criteria are judged on the merged data of all tasks once the run has ended: those
without a timeframe (avg-rt>500ms, fail>1%) on the merged results, those with one (p95>1s for
30s) on the merged seconds. Response-code criteria with a timeframe are judged by each task.";

const ABOUT: &str = "Stampede: a drop-in for Taurus (bzt) HTTP load tests, as run by Distributed Load Testing on AWS";

const MAIN_EXAMPLES: &str = "\
Examples:
  stampede run test.yml                 run a Taurus YAML/JSON config
  stampede validate test.yml --effective  check a config and print the effective config
  stampede hub                          DLT's API and web console on http://127.0.0.1:8080/
  stampede submit test.yml --tasks 4    run it on 4 of the hub's workers, exit 0/3 like bzt (CI)
  ln -s $(command -v stampede) bzt && ./bzt test.json -o modules.console.disable=true
                                        the same binary speaks bzt's command line";

#[derive(Debug, Parser)]
#[command(name = "stampede", version, about = ABOUT, after_help = MAIN_EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a load test from Taurus config files (like `bzt CONFIG... -o PATH=VALUE`).
    #[command(after_help = RUN_EXAMPLES)]
    Run(RunArgs),
    /// Load, merge and validate configs without running; print warnings (and the effective config).
    #[command(after_help = VALIDATE_EXAMPLES)]
    Validate(ValidateArgs),
    /// Run as DLT's ECS load-test container.
    #[command(after_help = ECS_EXAMPLES)]
    Ecs,
    /// Serve DLT's API and the web console; run tests on local worker processes.
    #[command(after_help = HUB_EXAMPLES)]
    Hub(HubArgs),
    /// Run a config on a hub's workers, follow it and exit with Taurus's codes (for CI).
    #[command(after_help = SUBMIT_EXAMPLES)]
    Submit(SubmitArgs),
    /// One task of a hub run (started by `stampede hub`).
    #[command(hide = true)]
    Worker,
}

#[derive(Debug, Args)]
pub struct HubArgs {
    /// Address to listen on; anything but loopback needs a token.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Directory for the hub's state (default: ~/.local/share/stampede/hub).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Token every API call must send as `Authorization: Bearer <token>` (or STAMPEDE_HUB_TOKEN).
    #[arg(long)]
    pub token: Option<String>,
    /// Let submitted configs run shell commands (`services: shellexec`) on this machine.
    #[arg(long)]
    pub allow_shell: bool,
    /// Use a deployed AWS stack instead of local state and workers: DynamoDB, S3, the task
    /// runner's queue and ECS, named by SCENARIOS_BUCKET, SCENARIOS_TABLE, HISTORY_TABLE, SQS_URL,
    /// TASK_CLUSTER and AWS_REGION (see docs/aws.md). --data and --allow-shell do not apply.
    #[arg(long, conflicts_with_all = ["data", "allow_shell"])]
    pub aws: bool,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The hub's URL.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080")]
    pub hub: String,
    /// The hub's token, if it has one (or STAMPEDE_HUB_TOKEN).
    #[arg(long, env = "STAMPEDE_HUB_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Worker tasks to run the config on; each runs the config's full concurrency, as DLT's tasks.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub tasks: u32,
    /// Test name on the hub (default: the config file names).
    #[arg(long)]
    pub name: Option<String>,
    /// Also write the run's merged results XML (Taurus's format) to this file.
    #[arg(long, value_name = "FILE")]
    pub results: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Taurus config files (YAML or JSON), deep-merged in order.
    #[arg(required = true, value_name = "CONFIG")]
    pub configs: Vec<PathBuf>,
    /// Override a config value: PATH is dot-separated (numbers index lists, -1 appends), VALUE is YAML.
    #[arg(short = 'o', long = "option", value_name = "PATH=VALUE")]
    pub overrides: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Only warnings and errors on the console.
    #[arg(short, long)]
    pub quiet: bool,
    /// Debug messages on the console.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print the effective config as YAML (secrets masked) on stdout.
    #[arg(long)]
    pub effective: bool,
}

/// What the user asked for, after all parsing.
#[derive(Debug, PartialEq)]
pub enum Invocation {
    Run {
        configs: Vec<PathBuf>,
        overrides: Vec<String>,
        /// bzt `-name` aliases defined in the config's `cli-aliases`.
        aliases: Vec<String>,
        quiet: bool,
        verbose: bool,
    },
    Validate {
        configs: Vec<PathBuf>,
        overrides: Vec<String>,
        aliases: Vec<String>,
        effective: bool,
    },
    Ecs,
    Hub(crate::hub::HubOptions),
    Submit(crate::submit::SubmitOptions),
    Worker,
}

impl From<Cli> for Invocation {
    fn from(cli: Cli) -> Self {
        match cli.command {
            Command::Run(a) => {
                let (configs, overrides) = bzt::jmx_configs(a.config.configs, a.config.overrides);
                Invocation::Run {
                    configs,
                    overrides,
                    aliases: Vec::new(),
                    quiet: a.quiet,
                    verbose: a.verbose,
                }
            }
            Command::Validate(a) => {
                let (configs, overrides) = bzt::jmx_configs(a.config.configs, a.config.overrides);
                Invocation::Validate {
                    configs,
                    overrides,
                    aliases: Vec::new(),
                    effective: a.effective,
                }
            }
            Command::Ecs => Invocation::Ecs,
            Command::Hub(a) => Invocation::Hub(crate::hub::HubOptions {
                listen: a.listen,
                data: a.data,
                token: a.token,
                allow_shell: a.allow_shell,
                aws: a.aws,
            }),
            Command::Submit(a) => Invocation::Submit(crate::submit::SubmitOptions {
                configs: a.config.configs,
                overrides: a.config.overrides,
                hub: a.hub,
                token: a.token,
                tasks: a.tasks,
                name: a.name,
                results: a.results,
            }),
            Command::Worker => Invocation::Worker,
        }
    }
}

/// The entry point behind `main.rs`.
pub fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let argv0 = args.next();
    let invocation = if invoked_as_bzt(argv0.as_ref()) {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        match parse_bzt(args.collect(), home.as_deref()) {
            Ok(inv) => inv,
            Err(msg) => return usage_error(&msg),
        }
    } else {
        match Cli::try_parse() {
            Ok(cli) => cli.into(),
            Err(e) if !e.use_stderr() => {
                // --help and --version.
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            Err(e) => return usage_error(&e.to_string()),
        }
    };
    dispatch(invocation)
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("{}", msg.trim_end());
    ExitCode::from(Outcome::Error.exit_code())
}

fn dispatch(invocation: Invocation) -> ExitCode {
    let code = match invocation {
        Invocation::Ecs => return stampede_ecs::main(),
        Invocation::Hub(opts) => crate::hub::main(opts),
        Invocation::Submit(opts) => crate::submit::main(opts),
        Invocation::Worker => crate::worker::main(),
        Invocation::Validate {
            configs,
            overrides,
            aliases,
            effective,
        } => validate(&configs, &load_options(overrides, aliases), effective),
        Invocation::Run {
            configs,
            overrides,
            aliases,
            quiet,
            verbose,
        } => run(&configs, &load_options(overrides, aliases), quiet, verbose),
    };
    ExitCode::from(code)
}

fn load_options(overrides: Vec<String>, aliases: Vec<String>) -> LoadOptions {
    let mut opts = LoadOptions::new(&overrides);
    opts.aliases = aliases;
    opts
}

fn validate(configs: &[PathBuf], opts: &LoadOptions, effective: bool) -> u8 {
    // stdout is reserved for the effective config, so messages go to stderr.
    let mut plan = match config::load_with(configs, opts) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("Config Error: {e}");
            return Outcome::Error.exit_code();
        }
    };
    for w in &plan.warnings {
        eprintln!("WARNING: {w}");
    }
    let compiled = compile_plan(&plan);
    let (problems, mut warnings) = (compiled.problems.clone(), compiled.plan_warnings.clone());
    warnings.extend(compiled.warnings.iter().cloned());
    compiled.apply(&mut plan);
    for w in &warnings {
        eprintln!("WARNING: {w}");
    }
    for p in &problems {
        eprintln!("Config Error: {p}");
    }
    if effective {
        match config::to_yaml(&config::masked(&plan.effective)) {
            Ok(text) => print!("{text}"),
            Err(e) => {
                eprintln!("Config Error: {e}");
                return Outcome::Error.exit_code();
            }
        }
    }
    if !problems.is_empty() {
        return Outcome::Error.exit_code();
    }
    eprintln!("{}", summary(&plan));
    Outcome::Ok.exit_code()
}

/// One line per execution: what will run.
pub fn summary(plan: &Plan) -> String {
    let mut out = format!("Config is valid: {} execution(s)", plan.executions.len());
    for e in &plan.executions {
        let l = &e.load;
        out.push_str(&format!(
            "\n  execution.{}: executor {}, scenario '{}', concurrency {}, ramp-up {}s, hold-for {}s, iterations {}, throughput {}",
            e.index,
            e.executor,
            e.scenario_name,
            l.concurrency,
            l.ramp_up.unwrap_or_default().as_secs_f64(),
            l.hold_for.unwrap_or_default().as_secs_f64(),
            l.iterations.map_or("unlimited".to_string(), |n| n.to_string()),
            l.throughput.map_or("unlimited".to_string(), |t| format!("{t}/s")),
        ));
    }
    out
}

/// The paths as Python prints a list of strings (`['a.yml', 'b.json']`), as Taurus logs its configs;
/// log scrapers written for bzt match that shape.
fn python_list(paths: &[PathBuf]) -> String {
    let items: Vec<String> = paths
        .iter()
        .map(|p| {
            let s = p.to_string_lossy();
            if s.contains('\'') && !s.contains('"') {
                format!("\"{s}\"")
            } else {
                format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
            }
        })
        .collect();
    format!("[{}]", items.join(", "))
}

fn run(configs: &[PathBuf], opts: &LoadOptions, quiet: bool, verbose: bool) -> u8 {
    let mut log = ConsoleLog::new(verbose, quiet, None);
    log.info(&format!(
        "Stampede v{} (Taurus-compatible)",
        env!("CARGO_PKG_VERSION")
    ));
    log.info(&format!("Starting with configs: {}", python_list(configs)));
    log.info("Configuring...");
    // The run logs the plan's warnings itself (to the console and bzt.log).
    let mut plan = match config::load_with(configs, opts) {
        Ok(plan) => plan,
        Err(e) => return config_failure(&mut log, &e.to_string()),
    };
    // SAFETY: no other thread exists yet: the tokio runtime is built below, after the export.
    // Exported before compiling: `${__env(..)}` is read at compile time and must see settings.env.
    #[allow(unsafe_code)]
    unsafe {
        config::export_env(&plan)
    };
    let compiled = compile_plan(&plan);
    if let Some(first) = compiled.problems.first() {
        return config_failure(&mut log, first);
    }
    let scenarios = compiled.apply(&mut plan);
    let opts = RunOptions {
        progress: if plan.console_disabled() {
            Progress::Lines
        } else {
            Progress::Auto
        },
        quiet,
        verbose,
        line_prefix: None,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log.error(&format!("cannot start the async runtime: {e}"));
            return Outcome::Error.exit_code();
        }
    };
    runtime
        .block_on(crate::run::run(plan, scenarios, opts))
        .exit_code()
}

/// Taurus's ending for a config error: the error, then `Artifacts dir: None` and the exit line.
fn config_failure(log: &mut dyn Log, msg: &str) -> u8 {
    let code = Outcome::Error.exit_code();
    log.error(&format!("Config Error: {msg}"));
    log.info("Artifacts dir: None");
    log.warn(&format!("Done performing with code: {code}"));
    code
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;
    #[test]
    fn configs_are_listed_as_python_prints_them() {
        use std::path::PathBuf;
        let p = |v: &[&str]| v.iter().map(PathBuf::from).collect::<Vec<_>>();
        assert_eq!(
            super::python_list(&p(&["a.yml", "/x/b.json"])),
            "['a.yml', '/x/b.json']"
        );
        assert_eq!(super::python_list(&p(&["it's.yml"])), "[\"it's.yml\"]");
        assert_eq!(super::python_list(&p(&[])), "[]");
    }

    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn dlt_command_lines() {
        let inv = parse_bzt(
            os(&["test.json", "-o", "modules.console.disable=true"]),
            None,
        )
        .unwrap();
        assert_eq!(
            inv,
            Invocation::Run {
                configs: vec!["test.json".into()],
                overrides: vec!["modules.console.disable=true".into()],
                aliases: vec![],
                quiet: false,
                verbose: false,
            }
        );
        let inv = parse_bzt(
            os(&[
                "test.json",
                "-o",
                "modules.jmeter.path=/opt/jmeter/bin/jmeter",
                "-o",
                "modules.console.disable=true",
            ]),
            None,
        )
        .unwrap();
        let Invocation::Run { overrides, .. } = inv else {
            panic!()
        };
        assert_eq!(overrides.len(), 2);
    }

    #[test]
    fn bzt_flags_aliases_and_shorthands() {
        let inv = parse_bzt(
            os(&[
                "-q",
                "-v",
                "-n",
                "-l",
                "x.log",
                "-sequential",
                "a.yml",
                "r.jtl",
            ]),
            None,
        )
        .unwrap();
        let Invocation::Run {
            configs,
            overrides,
            aliases,
            quiet,
            verbose,
        } = inv
        else {
            panic!()
        };
        assert!(quiet && verbose);
        assert!(aliases.is_empty());
        assert_eq!(configs, vec![PathBuf::from("a.yml")]);
        assert_eq!(
            overrides,
            vec![
                "modules.local.sequential=true".to_string(),
                r#"execution.-1={"executor": "external-results-loader", "data-file": "r.jtl"}"#
                    .to_string(),
            ]
        );
        assert!(matches!(
            parse_bzt(os(&["-lint", "a.yml"]), None),
            Ok(Invocation::Validate { .. })
        ));
        let err = parse_bzt(os(&["-cloud", "a.yml"]), None).unwrap_err();
        assert!(
            err.contains("not supported yet: the bzt alias -cloud"),
            "{err}"
        );
        let Ok(Invocation::Run { aliases, .. }) = parse_bzt(os(&["-my-alias", "a.yml"]), None)
        else {
            panic!()
        };
        assert_eq!(aliases, ["my-alias"]);
        let Ok(Invocation::Run { overrides, .. }) = parse_bzt(os(&["test.jmx", "-o", "a=1"]), None)
        else {
            panic!()
        };
        assert_eq!(
            overrides,
            [
                r#"execution.-1={"executor": "jmeter", "scenario": {"script": "test.jmx"}}"#,
                "a=1"
            ]
        );
    }

    #[test]
    fn argv0_detection() {
        assert!(invoked_as_bzt(Some(&OsString::from("/usr/local/bin/bzt"))));
        assert!(invoked_as_bzt(Some(&OsString::from("bzt"))));
        assert!(!invoked_as_bzt(Some(&OsString::from("/usr/bin/stampede"))));
        assert!(!invoked_as_bzt(None));
    }

    #[test]
    fn subcommands_parse() {
        let cli =
            Cli::try_parse_from(["stampede", "run", "a.yml", "b.yml", "-o", "x=1", "-q"]).unwrap();
        assert_eq!(
            Invocation::from(cli),
            Invocation::Run {
                configs: vec!["a.yml".into(), "b.yml".into()],
                overrides: vec!["x=1".into()],
                aliases: vec![],
                quiet: true,
                verbose: false,
            }
        );
        assert!(Cli::try_parse_from(["stampede", "run"]).is_err());
        let cli = Cli::try_parse_from(["stampede", "validate", "a.yml", "--effective"]).unwrap();
        assert!(matches!(
            Invocation::from(cli),
            Invocation::Validate {
                effective: true,
                ..
            }
        ));
    }
}
