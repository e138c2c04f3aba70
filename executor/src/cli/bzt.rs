//! bzt's own command line (`bzt [-o ...] [-q] [-v] [-n] [-l LOG] CONFIG...`), as DLT and existing
//! scripts call it, turned into the same [`Invocation`] as `stampede run|validate`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::Parser;

use super::Invocation;

/// bzt's own options (`bzt [-o ...] [-q] [-v] [-n] [-l LOG] CONFIG...`).
#[derive(Debug, Parser)]
#[command(name = "bzt", version, about = "Stampede speaking bzt's command line", after_help = BZT_HELP)]
pub struct BztArgs {
    /// Override a config value (PATH=VALUE).
    #[arg(short = 'o', long = "option", value_name = "PATH=VALUE")]
    pub overrides: Vec<String>,
    /// Only show warnings and errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// Show debug messages.
    #[arg(short, long)]
    pub verbose: bool,
    /// Skip system configs (Stampede has none besides Taurus's built-in defaults).
    #[arg(short = 'n', long = "no-system-configs")]
    pub no_system_configs: bool,
    /// Log file (Stampede always writes bzt.log in the artifacts dir).
    #[arg(short = 'l', long = "log", value_name = "LOG")]
    pub log: Option<PathBuf>,
    /// Config files; a `.jtl` file is loaded with external-results-loader, as bzt does.
    #[arg(value_name = "CONFIG")]
    pub configs: Vec<String>,
}

const BZT_HELP: &str = "\
Example (exactly as DLT runs it):
  bzt test.json -o modules.console.disable=true
Aliases: -local, -nolint and -sequential work; -lint validates and exits; -report is accepted (BlazeMeter\nreporting is not run: the local report.html is written instead); others are not supported.";

/// Taurus's built-in aliases (its base config's `cli-aliases`) that Stampede cannot honour.
const UNSUPPORTED_ALIASES: &[&str] = &["cloud", "detach", "func", "gui", "locations", "public"];

/// Parses bzt's command line (without argv[0]) into an [`Invocation`].
///
/// As in Taurus, every single-dash argument longer than two characters is an alias (`-lint`,
/// `-sequential`, or one from the config's `cli-aliases`); so `-qv` must be written `-q -v`.
///
/// `home` is where `~/.bzt-rc` is looked for: like bzt, an existing one is loaded before the
/// configs unless `-n` is given.
pub fn parse_bzt(args: Vec<OsString>, home: Option<&Path>) -> Result<Invocation, String> {
    let mut rest = vec![OsString::from("bzt")];
    let mut overrides = Vec::new();
    let mut aliases = Vec::new();
    let mut lint_only = false;
    for arg in args {
        let alias = arg
            .to_str()
            .filter(|a| a.len() > 2 && !a.starts_with("--"))
            .and_then(|a| a.strip_prefix('-'));
        match alias {
            Some("local" | "nolint" | "install-tools") => {}
            Some("sequential") => overrides.push("modules.local.sequential=true".to_string()),
            // Taurus's `-report` adds the BlazeMeter reporter; Stampede accepts that module and
            // says at the end where the local reports are instead.
            Some("report") => {
                overrides.push("reporting.-1={\"module\": \"blazemeter\"}".to_string())
            }
            Some("lint") => lint_only = true,
            Some(a) if UNSUPPORTED_ALIASES.contains(&a) => {
                return Err(format!("not supported yet: the bzt alias -{a}"));
            }
            Some(a) => aliases.push(a.to_string()),
            None => rest.push(arg),
        }
    }
    let parsed = BztArgs::try_parse_from(rest).map_err(|e| e.to_string())?;
    let mut configs = Vec::new();
    if let Some(rc) = home.map(|h| h.join(".bzt-rc")).filter(|rc| rc.is_file())
        && !parsed.no_system_configs
    {
        configs.push(rc);
    }
    for arg in parsed.configs {
        if arg.starts_with("http://") || arg.starts_with("https://") {
            return Err(format!(
                "not supported yet: a URL as a bzt argument ({arg}); write a requests scenario"
            ));
        } else if arg.to_ascii_lowercase().ends_with(".jmx") {
            // bzt appends a generated config that runs the plan with the jmeter executor.
            overrides.push(jmx_execution(&arg));
        } else if arg.ends_with(".jtl") {
            // bzt appends a generated config with one external-results-loader execution.
            let data_file = serde_json::to_string(&arg).expect("a string serialises");
            overrides.push(format!(
                "execution.-1={{\"executor\": \"external-results-loader\", \"data-file\": {data_file}}}"
            ));
        } else {
            configs.push(PathBuf::from(arg));
        }
    }
    overrides.extend(parsed.overrides);
    if lint_only {
        return Ok(Invocation::Validate {
            configs,
            overrides,
            aliases,
            effective: false,
        });
    }
    Ok(Invocation::Run {
        configs,
        overrides,
        aliases,
        quiet: parsed.quiet,
        verbose: parsed.verbose,
    })
}

/// The `-o` override bzt's generated config amounts to for a bare `.jmx` argument.
pub fn jmx_execution(script: &str) -> String {
    let script = serde_json::to_string(script).expect("a string serialises");
    format!("execution.-1={{\"executor\": \"jmeter\", \"scenario\": {{\"script\": {script}}}}}")
}

/// True when the program was started as `bzt` (symlink or copy).
pub fn invoked_as_bzt(argv0: Option<&OsString>) -> bool {
    argv0
        .and_then(|a| Path::new(a).file_stem().map(|s| s == "bzt"))
        .unwrap_or(false)
}

/// A `.jmx` file among the configs runs as bzt runs it: one jmeter execution with that script,
/// before the `-o` overrides (which may then set `execution.0.concurrency`...).
pub(super) fn jmx_configs(
    configs: Vec<PathBuf>,
    overrides: Vec<String>,
) -> (Vec<PathBuf>, Vec<String>) {
    let (jmx, configs): (Vec<PathBuf>, Vec<PathBuf>) = configs
        .into_iter()
        .partition(|c| c.extension().is_some_and(|e| e.eq_ignore_ascii_case("jmx")));
    let mut jmx_overrides: Vec<String> = jmx
        .iter()
        .map(|p| jmx_execution(&p.to_string_lossy()))
        .collect();
    jmx_overrides.extend(overrides);
    (configs, jmx_overrides)
}
