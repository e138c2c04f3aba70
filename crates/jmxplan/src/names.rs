//! Element types as JMeter's GUI names them, for messages.

use stampede_jmx::{
    Assertion, Config, Controller, Extractor, FlowControl, GroupKind, GroupRole, Kind, Timer,
};

pub(crate) fn kind_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::ThreadGroup(g) => match (g.role, &g.kind) {
            (GroupRole::Setup, _) => "setUp Thread Group",
            (GroupRole::Teardown, _) => "tearDown Thread Group",
            (_, GroupKind::Concurrency { .. }) => "Concurrency Thread Group",
            (_, GroupKind::Ultimate { .. }) => "Ultimate Thread Group",
            _ => "Thread Group",
        },
        Kind::Http(_) => "HTTP Request",
        Kind::Config(c) => config(c),
        Kind::Controller(c) => controller(c),
        Kind::Extractor(e) => extractor(e),
        Kind::Assertion(a) => assertion(a),
        Kind::Timer(t) => timer(t),
        Kind::FlowControl(f) => flow(f),
    }
}

fn config(c: &Config) -> &'static str {
    match c {
        Config::HttpDefaults(_) => "HTTP Request Defaults",
        Config::Headers(_) => "HTTP Header Manager",
        Config::Cookies { .. } => "HTTP Cookie Manager",
        Config::Cache { .. } => "HTTP Cache Manager",
        Config::Auth { .. } => "HTTP Authorization Manager",
        Config::Csv(_) => "CSV Data Set Config",
        Config::Variables(_) => "User Defined Variables",
        Config::RandomVariable { .. } => "Random Variable",
        Config::Counter { .. } => "Counter",
    }
}

fn controller(c: &Controller) -> &'static str {
    match c {
        Controller::Simple => "Simple Controller",
        Controller::Transaction { .. } => "Transaction Controller",
        Controller::Loop { .. } => "Loop Controller",
        Controller::If { .. } => "If Controller",
        Controller::While { .. } => "While Controller",
        Controller::ForEach { .. } => "ForEach Controller",
        Controller::OnceOnly => "Once Only Controller",
        Controller::Random { .. } => "Random Controller",
        Controller::RandomOrder => "Random Order Controller",
        Controller::Interleave { .. } => "Interleave Controller",
        Controller::Throughput { .. } => "Throughput Controller",
        Controller::RunTime { .. } => "Runtime Controller",
        Controller::Module { .. } => "Module Controller",
        Controller::Include { .. } => "Include Controller",
        Controller::Switch { .. } => "Switch Controller",
        Controller::Fragment => "Test Fragment",
    }
}

fn extractor(e: &Extractor) -> &'static str {
    match e {
        Extractor::Regex { .. } => "Regular Expression Extractor",
        Extractor::Json { .. } => "JSON Extractor",
        Extractor::JsonPlugin { .. } => "jp@gc JSON Path Extractor",
        Extractor::XPath { .. } => "XPath Extractor",
        Extractor::Boundary { .. } => "Boundary Extractor",
        Extractor::Css { .. } => "CSS Selector Extractor",
    }
}

fn assertion(a: &Assertion) -> &'static str {
    match a {
        Assertion::Response { .. } => "Response Assertion",
        Assertion::JsonPath { .. } => "JSON Assertion",
        Assertion::XPath { .. } => "XPath Assertion",
        Assertion::Duration { .. } => "Duration Assertion",
        Assertion::Size { .. } => "Size Assertion",
    }
}

fn timer(t: &Timer) -> &'static str {
    match t {
        Timer::Constant { .. } => "Constant Timer",
        Timer::UniformRandom { .. } => "Uniform Random Timer",
        Timer::Gaussian { .. } => "Gaussian Random Timer",
        Timer::Poisson { .. } => "Poisson Random Timer",
        Timer::ConstantThroughput { .. } => "Constant Throughput Timer",
        Timer::PreciseThroughput { .. } => "Precise Throughput Timer",
        Timer::Shaping { .. } => "jp@gc Throughput Shaping Timer",
    }
}

fn flow(_: &FlowControl) -> &'static str {
    "Flow Control Action"
}
