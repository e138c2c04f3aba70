//! The page: summary cards, the chart panels (drawn by uPlot from the embedded data), the label
//! and error tables. Everything the user wrote (labels, URLs, messages) is escaped here, or reaches
//! the charts as JSON that the script shows as text.

use std::fmt::Write;

use serde_json::Value;
use stampede_stats::{KpiSet, Summary};

use super::data::script_json;

const UPLOT_JS: &str = include_str!("../../../../vendor/uplot/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("../../../../vendor/uplot/uPlot.min.css");
const REPORT_JS: &str = include_str!("report.js");
const REPORT_CSS: &str = include_str!("report.css");

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn ms(secs: f64) -> String {
    format!("{:.1}", secs * 1000.0)
}

/// The whole document; `data` is what [`super::data::chart_data`] made of the same summary.
pub fn render(summary: &Summary, data: &Value) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Stampede load test report</title><style>{UPLOT_CSS}</style><style>{REPORT_CSS}</style>\
         </head><body><header class=\"top\"><div class=\"brand\">Stampede <span>load test report</span></div></header><main>"
    );
    let Some(all) = summary.overall() else {
        out.push_str("<h1>Load test report</h1><p class=\"sub\">No samples were aggregated: empty results.</p></main></body></html>\n");
        return out;
    };
    header(&mut out, summary, all);
    charts(&mut out, data);
    labels_table(&mut out, summary, all);
    errors_table(&mut out, summary);
    let _ = writeln!(
        out,
        "</main><script type=\"application/json\" id=\"report-data\">{}</script>\
         <script>{UPLOT_JS}</script><script>{REPORT_JS}</script></body></html>",
        script_json(data)
    );
    out
}

fn header(out: &mut String, summary: &Summary, all: &KpiSet) {
    let span = summary.last_ts.unwrap_or(0) + 1 - summary.first_ts.unwrap_or(0);
    let start = chrono::DateTime::from_timestamp(summary.first_ts.unwrap_or(0) as i64, 0)
        .map_or(String::new(), |d| {
            d.format("%Y-%m-%d %H:%M:%S UTC").to_string()
        });
    let _ = write!(
        out,
        "<h1>Load test report</h1><div class=\"sub\">Started {start}, {span} s of samples</div><div class=\"cards\">"
    );
    let cards = [
        ("samples", all.throughput.to_string(), false),
        (
            "failures",
            format!("{:.2}%", all.fail_percent()),
            all.fail > 0,
        ),
        (
            "avg hits/s",
            format!("{:.1}", all.throughput as f64 / span.max(1) as f64),
            false,
        ),
        ("avg response", format!("{} ms", ms(all.avg_rt)), false),
        ("p90", format!("{} ms", ms(all.percentile(90.0))), false),
        ("p99", format!("{} ms", ms(all.percentile(99.0))), false),
        ("peak users", all.concurrency.to_string(), false),
    ];
    for (name, value, bad) in cards {
        let _ = write!(
            out,
            "<div class=\"tile{}\"><b>{value}</b><span>{name}</span></div>",
            if bad { " bad" } else { "" }
        );
    }
    out.push_str("</div>");
}

fn charts(out: &mut String, data: &Value) {
    out.push_str(
        "<noscript><p class=\"note\">The charts need JavaScript; the tables below have every number.</p></noscript>\
         <section class=\"card\"><h2>Throughput, errors and users</h2><div class=\"chart\" id=\"chart-load\"></div></section>\
         <section class=\"card\"><h2>Response time, all labels</h2><div class=\"chart\" id=\"chart-rt\"></div></section>",
    );
    if data["labels"].as_array().is_some_and(|l| !l.is_empty()) {
        out.push_str(
            "<section class=\"card\"><div class=\"spread\"><h2>Response time per label</h2>\
             <select id=\"label-metric\" aria-label=\"metric\"><option value=\"p95\">p95</option>\
             <option value=\"p50\">p50</option><option value=\"p99\">p99</option><option value=\"avg\">average</option></select></div>\
             <div class=\"chart\" id=\"chart-labels\"></div><p class=\"note\" id=\"labels-note\"></p></section>",
        );
    }
    out.push_str(
        "<section class=\"card\"><div class=\"spread\"><h2>Response time distribution</h2>\
         <select id=\"dist-label\" aria-label=\"label\"></select></div>\
         <div class=\"chart\" id=\"chart-dist\"></div><p class=\"note\" id=\"dist-note\"></p></section>",
    );
}

fn label_row(label: &str, s: &KpiSet) -> String {
    let errors: Vec<String> = s
        .errors
        .iter()
        .map(|e| format!("{} ({})", e.msg, e.cnt))
        .collect();
    format!(
        "<tr class=\"{}\"><td class=\"label\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.2}%</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"label\">{}</td></tr>",
        match (label.is_empty(), s.fail > 0) {
            (true, _) => "overall",
            (false, true) => "fail",
            (false, false) => "ok",
        },
        if label.is_empty() {
            "ALL".to_string()
        } else {
            esc(label)
        },
        s.throughput,
        s.fail_percent(),
        ms(s.avg_rt),
        ms(s.percentile(50.0)),
        ms(s.percentile(90.0)),
        ms(s.percentile(95.0)),
        ms(s.percentile(99.0)),
        ms(s.percentile(100.0)),
        s.bytes,
        esc(&errors.join("; "))
    )
}

fn labels_table(out: &mut String, summary: &Summary, all: &KpiSet) {
    out.push_str(
        "<section class=\"card\"><h2>Labels</h2><div class=\"scroll\"><table><thead><tr><th>label</th><th class=\"num\">samples</th>\
         <th class=\"num\">failed</th><th class=\"num\">avg ms</th><th class=\"num\">p50</th><th class=\"num\">p90</th>\
         <th class=\"num\">p95</th><th class=\"num\">p99</th><th class=\"num\">max</th><th class=\"num\">bytes</th><th>errors</th></tr></thead><tbody>",
    );
    for (label, s) in summary.sorted_labels() {
        out.push_str(&label_row(label, s));
    }
    out.push_str(&label_row("", all));
    out.push_str("</tbody></table></div></section>");
}

fn errors_table(out: &mut String, summary: &Summary) {
    let errors: Vec<_> = summary
        .cumulative
        .iter()
        .filter(|(l, _)| !l.is_empty())
        .flat_map(|(l, s)| s.errors.iter().map(move |e| (l, e)))
        .collect();
    if errors.is_empty() {
        return;
    }
    out.push_str("<section class=\"card\"><h2>Errors</h2><div class=\"scroll\"><table><thead><tr><th>label</th><th>message</th><th>code</th><th class=\"num\">count</th></tr></thead><tbody>");
    for (l, e) in errors {
        let _ = write!(
            out,
            "<tr><td class=\"label\">{}</td><td class=\"label\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            esc(l),
            esc(&e.msg),
            esc(e.rc.as_deref().unwrap_or("")),
            e.cnt
        );
    }
    out.push_str("</tbody></table></div></section>");
}
