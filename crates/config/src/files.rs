//! The loading pipeline: base defaults → files → included configs → overrides → env → plan.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::error::{ConfigError, type_name};
use super::origin::Origins;
use super::{
    AggregatorSettings, LoadOptions, Plan, Reporting, artifacts, env, execution, lint,
    merge::merge, modules, overrides, services, truthy, urls, yaml,
};

/// The effect of Taurus's base config (`10-base-config.yml`) on what Stampede does: reporters
/// `final-stats` and `console` are always there (so a user `- module: final-stats` is a second one),
/// the default executor is `jmeter`, and the consolidator's percentiles are Taurus's.
pub fn base_config() -> Map<String, Value> {
    let Value::Object(map) = json!({
        "settings": {
            "artifacts-dir": artifacts::DEFAULT_TEMPLATE,
            "aggregator": "consolidator",
            "check-interval": 1,
            "default-executor": "jmeter",
            "env": {"OBJC_DISABLE_INITIALIZE_FORK_SAFETY": "YES"},
        },
        "provisioning": "local",
        "reporting": [{"module": "final-stats"}, {"module": "console"}],
        "modules": {
            "consolidator": {"percentiles": [0.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0]},
        },
    }) else {
        unreachable!("a literal mapping")
    };
    map
}

pub fn load(files: &[PathBuf], opts: &LoadOptions) -> Result<Plan, ConfigError> {
    // `bzt results.jtl` has no config file: the execution comes from a generated override.
    if files.is_empty() && opts.overrides.is_empty() {
        return Err(ConfigError::NoFiles);
    }
    let mut warnings = Vec::new();
    let mut sources = Vec::with_capacity(files.len());
    for file in files {
        let path = absolute(&opts.cwd, file);
        let docs = read(&path, &mut warnings)?;
        sources.push((path, docs));
    }
    build(sources, warnings, opts)
}

/// Loads one config given as text (named `name` in messages), e.g. for fuzzing or stdin.
pub fn load_text(name: &Path, text: &str, opts: &LoadOptions) -> Result<Plan, ConfigError> {
    let path = absolute(&opts.cwd, name);
    let (docs, warnings) = yaml::parse(&path, text)?;
    build(vec![(path, docs)], warnings, opts)
}

fn build(
    sources: Vec<(PathBuf, yaml::Documents)>,
    mut warnings: Vec<String>,
    opts: &LoadOptions,
) -> Result<Plan, ConfigError> {
    let mut config = base_config();
    let mut merged = Map::new();
    let mut origins = Origins::new(&opts.cwd);
    let files: Vec<PathBuf> = sources.iter().map(|(p, _)| p.clone()).collect();
    for (path, docs) in sources {
        for doc in docs {
            origins.record(&path, &doc);
            merge(&mut merged, doc.clone(), &mut warnings);
            merge(&mut config, doc, &mut warnings);
        }
    }
    include_configs(&mut config, &files, opts, &mut origins, &mut warnings)?;
    apply_aliases(&mut config, &opts.aliases, &mut warnings)?;
    for spec in &opts.overrides {
        overrides::apply(&mut config, spec)?;
        origins.record_override(spec);
    }
    let artifacts_dir = substitute_env(&mut config, opts)?;
    unify(&mut config).map_err(|e| origins.locate(e, None))?;
    let mut typos = Vec::new();
    lint::lint(&config, &mut typos, &mut warnings);
    urls::lint(&config, &mut warnings);
    modules::lint(&merged, &mut warnings);
    if !typos.is_empty() {
        return Err(ConfigError::Typos { typos });
    }
    let executions = build_executions(&mut config, &origins, opts, &mut warnings)
        .map_err(|e| origins.locate(e, None))?;
    let shellexec = services::shellexec(&config)?;
    let env = env_for_export(&config);
    let effective = Value::Object(config);
    // `settings.env` is exported before the run, so it is what the reporters' `$TEST_ID` will be.
    let test_id = match env.get("TEST_ID") {
        Some(v) => v.clone(),
        None => (opts.lookup_env)("TEST_ID"),
    };
    let reporting = Reporting::from_config(&effective, &artifacts_dir, test_id)
        .map_err(|e| origins.locate(e, None))?;
    let consolidator =
        AggregatorSettings::from_config(&effective).map_err(|e| origins.locate(e, None))?;
    let sequential = truthy(effective.pointer("/modules/local/sequential"));
    Ok(Plan {
        effective,
        executions,
        artifacts_dir,
        config_files: files,
        warnings,
        merged: Value::Object(merged),
        env,
        sequential,
        search_path: std::iter::once(opts.cwd.clone())
            .chain(origins.dirs.iter().cloned())
            .collect(),
        shellexec,
        reporting,
        consolidator,
    })
}

fn absolute(cwd: &Path, file: &Path) -> PathBuf {
    if file.is_absolute() {
        file.to_path_buf()
    } else {
        cwd.join(file)
    }
}

fn read(path: &Path, warnings: &mut Vec<String>) -> Result<Vec<Map<String, Value>>, ConfigError> {
    let bytes = std::fs::read(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ConfigError::MissingFile {
            file: path.to_path_buf(),
        },
        _ => ConfigError::Read {
            file: path.to_path_buf(),
            source,
        },
    })?;
    let text = String::from_utf8(bytes).map_err(|e| ConfigError::Read {
        file: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text ({e})"),
        ),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let (docs, w) = yaml::parse(path, text)?;
    warnings.extend(w);
    Ok(docs)
}

/// Taurus's `included-configs` loop: names resolve as given, then against every loaded file's
/// directory; names already included or given on the command line are skipped.
fn include_configs(
    config: &mut Map<String, Value>,
    cli_files: &[PathBuf],
    opts: &LoadOptions,
    origins: &mut Origins,
    warnings: &mut Vec<String>,
) -> Result<(), ConfigError> {
    let mut included: Vec<String> = Vec::new();
    let mut loaded: Vec<PathBuf> = cli_files.iter().map(|f| absolute(&opts.cwd, f)).collect();
    while let Some(value) = config.shift_remove("included-configs") {
        let names = match value {
            Value::Null => Vec::new(),
            Value::String(s) => vec![s],
            Value::Array(items) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    other => Err(ConfigError::WrongType {
                        path: "included-configs".into(),
                        expected: "a list of file paths",
                        found: format!("an item that is {}", type_name(&other)),
                    }),
                })
                .collect::<Result<_, _>>()?,
            other => {
                return Err(ConfigError::WrongType {
                    path: "included-configs".into(),
                    expected: "a list of file paths",
                    found: type_name(&other).into(),
                });
            }
        };
        for name in names {
            if name.starts_with("http://") || name.starts_with("https://") {
                return Err(ConfigError::NotSupported {
                    path: "included-configs".into(),
                    feature: format!(
                        "downloading included configs ({name}); download it and include the file"
                    ),
                });
            }
            let path =
                find_file(&name, opts, origins).ok_or_else(|| ConfigError::MissingInclude {
                    name: name.clone(),
                    searched: std::iter::once(absolute(&opts.cwd, Path::new(&name)))
                        .chain(origins.dirs.iter().map(|d| d.join(&name)))
                        .collect(),
                })?;
            if included.contains(&name) || loaded.contains(&path) {
                continue;
            }
            for doc in read(&path, warnings)? {
                origins.record(&path, &doc);
                merge(config, doc, warnings);
            }
            included.push(name);
            loaded.push(path);
        }
    }
    config.insert(
        "included-configs".into(),
        Value::Array(included.into_iter().map(Value::String).collect()),
    );
    Ok(())
}

/// bzt `-name` aliases: merge `cli-aliases.<name>` (Taurus does this after includes, before `-o`).
fn apply_aliases(
    config: &mut Map<String, Value>,
    aliases: &[String],
    warnings: &mut Vec<String>,
) -> Result<(), ConfigError> {
    for name in aliases {
        let chunk = match config.get("cli-aliases").and_then(|a| a.get(name)) {
            Some(Value::Object(chunk)) => chunk.clone(),
            _ => {
                let known = match config.get("cli-aliases") {
                    Some(Value::Object(a)) => a.keys().cloned().collect(),
                    _ => Vec::new(),
                };
                return Err(ConfigError::UnknownAlias {
                    name: name.clone(),
                    known,
                });
            }
        };
        merge(config, chunk, warnings);
    }
    Ok(())
}

fn find_file(name: &str, opts: &LoadOptions, origins: &Origins) -> Option<PathBuf> {
    let direct = absolute(&opts.cwd, Path::new(name));
    if direct.is_file() {
        return Some(direct);
    }
    origins
        .dirs
        .iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Resolves the artifacts dir and substitutes `${VAR}` everywhere (`docs/taurus-config.md#env`). Returns the dir.
fn substitute_env(
    config: &mut Map<String, Value>,
    opts: &LoadOptions,
) -> Result<PathBuf, ConfigError> {
    let settings = settings_mut(config)?;
    let mut envs = env::settings_env(settings.get("env"), &*opts.lookup_env);
    let template = match settings.get("artifacts-dir") {
        None | Some(Value::Null) => artifacts::DEFAULT_TEMPLATE.to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(ConfigError::WrongType {
                path: "settings.artifacts-dir".into(),
                expected: "a directory path (strftime patterns allowed)",
                found: type_name(other).into(),
            });
        }
    };
    let dir = artifacts::resolve_dir(&template, &envs, &*opts.lookup_env, opts.now, &opts.cwd)?;
    let dir_text = dir.to_string_lossy().into_owned();
    envs.insert("TAURUS_ARTIFACTS_DIR".into(), Some(dir_text.clone()));
    settings.insert("artifacts-dir".into(), Value::String(dir_text.clone()));
    if let Some(Value::Object(env_map)) = settings.get_mut("env") {
        env_map.insert("TAURUS_ARTIFACTS_DIR".into(), Value::String(dir_text));
    } else {
        settings.insert("env".into(), json!({"TAURUS_ARTIFACTS_DIR": dir_text}));
    }
    let mut tree = Value::Object(std::mem::take(config));
    env::substitute(&mut tree, &envs);
    let Value::Object(map) = tree else {
        unreachable!("still a mapping")
    };
    *config = map;
    Ok(dir)
}

fn settings_mut(config: &mut Map<String, Value>) -> Result<&mut Map<String, Value>, ConfigError> {
    let settings = config.entry("settings").or_insert_with(|| json!({}));
    if settings.is_null() {
        // `settings:` with nothing under it (a common leftover) means no settings, as in Taurus.
        *settings = json!({});
    }
    match settings {
        Value::Object(m) => Ok(m),
        other => Err(ConfigError::WrongType {
            path: "settings".into(),
            expected: "a mapping",
            found: type_name(other).into(),
        }),
    }
}

/// Taurus's `unify_config`: `execution` dict → list; `reporting`/`services` strings → `{module: x}`.
fn unify(config: &mut Map<String, Value>) -> Result<(), ConfigError> {
    if let Some(exec) = config.get_mut("execution")
        && exec.is_object()
    {
        *exec = Value::Array(vec![exec.take()]);
    }
    for section in ["reporting", "services"] {
        match config.get_mut(section) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items.iter_mut() {
                    if let Value::String(name) = item {
                        *item = json!({"module": name.clone()});
                    }
                }
            }
            Some(other) => {
                return Err(ConfigError::WrongType {
                    path: section.into(),
                    expected: "a list of modules (e.g. '- module: final-stats')",
                    found: type_name(other).into(),
                });
            }
        }
    }
    Ok(())
}

fn build_executions(
    config: &mut Map<String, Value>,
    origins: &Origins,
    opts: &LoadOptions,
    warnings: &mut Vec<String>,
) -> Result<Vec<super::ExecutionPlan>, ConfigError> {
    let items = match config.get("execution") {
        None | Some(Value::Null) => return Err(ConfigError::NoExecution),
        Some(Value::Array(items)) if items.is_empty() => return Err(ConfigError::NoExecution),
        Some(Value::Array(items)) => items.clone(),
        Some(other) => {
            return Err(ConfigError::WrongType {
                path: "execution".into(),
                expected: "a list of executions (or one execution mapping)",
                found: type_name(other).into(),
            });
        }
    };
    check_provisioning(config, warnings)?;
    let default_executor = match config
        .get("settings")
        .and_then(|s| s.get("default-executor"))
    {
        Some(Value::String(s)) => s.clone(),
        _ => "jmeter".to_string(),
    };
    let scenarios = match config.get("scenarios") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(other) => {
            return Err(ConfigError::WrongType {
                path: "scenarios".into(),
                expected: "a mapping of scenario name to scenario",
                found: type_name(other).into(),
            });
        }
    };
    let fallback_dir = origins
        .execution
        .clone()
        .unwrap_or_else(|| opts.cwd.clone());
    let scenario_dirs = |name: &str| {
        origins
            .scenario_dir(name)
            .unwrap_or_else(|| fallback_dir.clone())
    };
    let ctx = execution::Context {
        default_executor: &default_executor,
        scenarios: &scenarios,
        scenario_dirs: &scenario_dirs,
        execution_dir: &fallback_dir,
        cwd: &opts.cwd,
    };
    let mut plans = Vec::with_capacity(items.len());
    let mut inline = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let (plan, new_scenario) = execution::build(i, item, &ctx, warnings)
            .map_err(|e| origins.locate(e, Some(&format!("execution.{i}"))))?;
        if let Some((name, scenario)) = new_scenario {
            inline.push((i, name, scenario));
        }
        plans.push(plan);
    }
    note_emulation(&plans, warnings);
    record_inline(config, inline);
    Ok(plans)
}

/// Taurus moves inline scenarios into `scenarios` under their generated name.
fn record_inline(config: &mut Map<String, Value>, inline: Vec<(usize, String, Value)>) {
    if inline.is_empty() {
        return;
    }
    let scenarios = config.entry("scenarios").or_insert_with(|| json!({}));
    if let Value::Object(s) = scenarios {
        for (_, name, scenario) in &inline {
            s.insert(name.clone(), scenario.clone());
        }
    }
    if let Some(Value::Array(items)) = config.get_mut("execution") {
        for (i, name, _) in inline {
            if let Some(Value::Object(item)) = items.get_mut(i) {
                item.insert("scenario".into(), Value::String(name));
            }
        }
    }
}

fn check_provisioning(
    config: &Map<String, Value>,
    warnings: &mut Vec<String>,
) -> Result<(), ConfigError> {
    match config.get("provisioning") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(p)) if p == "local" => {
            if let Some(Value::Array(items)) = config.get("execution") {
                for (i, item) in items.iter().enumerate() {
                    if item.get("locations").is_some() {
                        warnings.push(format!(
                            "execution.{i}.locations is for cloud provisioning and is ignored (provisioning: local)"
                        ));
                    }
                }
            }
            Ok(())
        }
        Some(other) => Err(ConfigError::NotSupported {
            path: "provisioning".into(),
            feature: format!(
                "provisioning {}; only 'local' is supported",
                env::python_str(other)
            ),
        }),
    }
}

/// Says once per executor that a requests scenario runs natively, but only for executors the user
/// named: a config that never names one gets Taurus's default and learns nothing from it.
fn note_emulation(plans: &[super::ExecutionPlan], warnings: &mut Vec<String>) {
    let mut seen: Vec<&str> = Vec::new();
    for p in plans {
        let name = p.executor.as_str();
        let named = p.raw.get("executor").is_some();
        if !named || name == "stampede" || name == execution::LOADER || seen.contains(&name) {
            continue;
        }
        seen.push(name);
        warnings.push(format!(
            "executor '{name}': the requests scenario runs on Stampede's native HTTP engine; {name}-specific behaviour is emulated"
        ));
    }
}

/// `settings.env` as exported to the process (after substitution), plus `TAURUS_ARTIFACTS_DIR`.
fn env_for_export(config: &Map<String, Value>) -> env::Envs {
    let mut out = env::Envs::new();
    if let Some(Value::Object(map)) = config.get("settings").and_then(|s| s.get("env")) {
        for (k, v) in map {
            let v = match v {
                Value::Null => None,
                other => Some(env::python_str(other)),
            };
            out.insert(k.clone(), v);
        }
    }
    out
}
