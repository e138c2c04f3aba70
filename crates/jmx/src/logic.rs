//! Logic controllers.

use crate::document::{Element, Props};
use crate::fields::{Fields, texts};
use crate::groups::{Loops, loops};
use crate::plan::{Num, Time};

/// A logic controller; its children are the node's children.
#[derive(Debug, Clone, PartialEq)]
pub enum Controller {
    /// Simple Controller (`GenericController`), also the Recording Controller.
    Simple,
    Transaction {
        /// "Generate parent sample": one sample for the whole transaction instead of one more.
        parent: bool,
        /// Count timer and pre/post-processor time in the transaction's time.
        include_timers: bool,
    },
    Loop {
        loops: Loops,
    },
    If {
        condition: String,
        evaluate_all: bool,
        /// The condition is a variable/function result (`true`/`false`), not JavaScript.
        use_expression: bool,
    },
    While {
        condition: String,
    },
    ForEach {
        input_prefix: String,
        output_var: String,
        use_separator: bool,
        start: Option<Num<i64>>,
        end: Option<Num<i64>>,
    },
    OnceOnly,
    Random {
        ignore_sub_controller_blocks: bool,
    },
    RandomOrder,
    Interleave {
        ignore_sub_controller_blocks: bool,
        across_threads: bool,
    },
    Throughput {
        style: ThroughputStyle,
        per_thread: bool,
    },
    /// Runtime Controller: runs its children until this much time has passed.
    RunTime {
        duration: Option<Time>,
    },
    /// Runs the subtree at `node_path` (names from JMeter's tree root), checked to exist.
    Module {
        node_path: Vec<String>,
    },
    /// Runs the test fragment of another `.jmx` file, not read here.
    Include {
        filename: String,
    },
    Switch {
        value: String,
    },
    /// A Test Fragment: runs only through a Module or Include Controller.
    Fragment,
}

/// A Flow Control Action (`TestAction`): a pause or a stop, producing no sample.
#[derive(Debug, Clone, PartialEq)]
pub enum FlowControl {
    Pause(Option<Time>),
    StopThread,
    StopTest,
    StopTestNow,
    StartNextThreadLoop,
    StartNextIterationOfCurrentLoop,
    BreakCurrentLoop,
}

pub(crate) fn flow_control(f: &mut Fields) -> FlowControl {
    // JMeter's constants: action 0 stop, 1 pause, 2 stop now, 3 next thread loop, 4 next iteration
    // of the current loop, 5 break the current loop; target 0 the current thread, 2 all threads.
    let all_threads = f.text("ActionProcessor.target") == "2";
    match f.text("ActionProcessor.action").as_str() {
        "0" if all_threads => FlowControl::StopTest,
        "0" => FlowControl::StopThread,
        "2" => FlowControl::StopTestNow,
        "3" => FlowControl::StartNextThreadLoop,
        "4" => FlowControl::StartNextIterationOfCurrentLoop,
        "5" => FlowControl::BreakCurrentLoop,
        "" | "1" => FlowControl::Pause(f.millis("ActionProcessor.duration")),
        other => {
            let other = other.to_owned();
            f.bad("ActionProcessor.action", &other, "0 to 5");
            FlowControl::Pause(None)
        }
    }
}

/// How a Throughput Controller limits its children.
#[derive(Debug, Clone, PartialEq)]
pub enum ThroughputStyle {
    /// Run at most this many times.
    TotalExecutions(Option<Num<u64>>),
    /// Run this percentage of the times it is reached.
    Percent(Option<Num<f64>>),
}

pub(crate) fn read(el: &Element, f: &mut Fields) -> Option<Controller> {
    Some(match el.class.as_str() {
        "GenericController" | "RecordingController" => Controller::Simple,
        "TransactionController" => Controller::Transaction {
            parent: f.flag("TransactionController.parent", false),
            // JMeter's default for files saved before the option existed.
            include_timers: f.flag("TransactionController.includeTimers", true),
        },
        "LoopController" => Controller::Loop { loops: loops(f) },
        "IfController" => Controller::If {
            condition: f.text("IfController.condition"),
            evaluate_all: f.flag("IfController.evaluateAll", false),
            use_expression: f.flag("IfController.useExpression", false),
        },
        "WhileController" => Controller::While {
            condition: f.text("WhileController.condition"),
        },
        "ForeachController" => Controller::ForEach {
            input_prefix: f.text("ForeachController.inputVal"),
            output_var: f.text("ForeachController.returnVal"),
            use_separator: f.flag("ForeachController.useSeparator", true),
            start: f.num("ForeachController.startIndex"),
            end: f.num("ForeachController.endIndex"),
        },
        "OnceOnlyController" => Controller::OnceOnly,
        "RandomController" => Controller::Random {
            ignore_sub_controller_blocks: style_is_ignore(f),
        },
        "RandomOrderController" => Controller::RandomOrder,
        "InterleaveControl" => Controller::Interleave {
            ignore_sub_controller_blocks: style_is_ignore(f),
            across_threads: f.flag("InterleaveControl.accrossThreads", false),
        },
        "ThroughputController" => throughput(f),
        "RunTime" => Controller::RunTime {
            duration: f.secs("RunTime.seconds"),
        },
        "ModuleController" => Controller::Module {
            node_path: texts(f.entries(None, "ModuleController.node_path")),
        },
        "IncludeController" => Controller::Include {
            filename: f.text("IncludeController.includepath"),
        },
        "SwitchController" => Controller::Switch {
            value: f.text("SwitchController.value"),
        },
        "TestFragmentController" => Controller::Fragment,
        _ => return None,
    })
}

/// `InterleaveControl.style` (also the Random Controller's): JMeter's `USE_SUB_CONTROLLERS` is 1,
/// what its GUI saves when "ignore sub-controller blocks" is unchecked; 0 or no value (JMeter's
/// `getPropertyAsInt` default) is `IGNORE_SUB_CONTROLLERS`.
fn style_is_ignore(f: &Fields) -> bool {
    f.text("InterleaveControl.style").trim() != "1"
}

fn throughput(f: &mut Fields) -> Controller {
    let per_thread = f.flag("ThroughputController.perThread", false);
    let style = if f.text("ThroughputController.style") == "1" {
        ThroughputStyle::Percent(f.num("ThroughputController.percentThroughput"))
    } else {
        ThroughputStyle::TotalExecutions(f.num("ThroughputController.maxThroughput"))
    };
    Controller::Throughput { style, per_thread }
}

/// Whether a ConfigTestElement is HTTP Request Defaults (by GUI class or by its properties).
pub(crate) fn is_http_defaults(el: &Element) -> bool {
    el.gui_class.as_deref() == Some("HttpDefaultsGui")
        || el
            .props()
            .iter()
            .any(|p| p.name.starts_with("HTTPSampler.") || p.name == "HTTPsampler.Arguments")
}
