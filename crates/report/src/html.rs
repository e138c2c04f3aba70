//! A self-contained HTML report (one file, inline CSS and SVG, no scripts or external assets):
//! summary, response-time percentiles, throughput and errors over time, per-label and error tables.
//! Something Taurus only gives through BlazeMeter.

use super::{ReportError, Reporter};
use stampede_log::Log;
use stampede_stats::{Datapoint, KpiSet, Summary};
use std::fmt::Write;
use std::path::PathBuf;

/// Past this many points the timeline is halved (neighbours merged), so memory stays bounded.
const MAX_POINTS: usize = 4000;

#[derive(Clone, Copy, Debug, Default)]
struct Point {
    ts: u64,
    /// Seconds this point covers.
    width: u64,
    hits: u64,
    fail: u64,
    sum_rt: f64,
    p50: f64,
    p90: f64,
    p99: f64,
    users: u64,
}

pub struct HtmlReport {
    path: PathBuf,
    timeline: Vec<Point>,
}

impl HtmlReport {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            timeline: Vec::new(),
        }
    }

    fn compact(&mut self) {
        let merged = self
            .timeline
            .chunks(2)
            .map(|c| {
                let mut p = c[0];
                for q in &c[1..] {
                    p.width += q.width;
                    p.hits += q.hits;
                    p.fail += q.fail;
                    p.sum_rt += q.sum_rt;
                    p.p50 = p.p50.max(q.p50);
                    p.p90 = p.p90.max(q.p90);
                    p.p99 = p.p99.max(q.p99);
                    p.users = p.users.max(q.users);
                }
                p
            })
            .collect();
        self.timeline = merged;
    }
}

impl Reporter for HtmlReport {
    fn name(&self) -> &str {
        "html-report"
    }

    fn datapoint(&mut self, dp: &Datapoint) -> super::Verdict {
        let s = dp.overall();
        self.timeline.push(Point {
            ts: dp.ts,
            width: 1,
            hits: s.throughput,
            fail: s.fail,
            sum_rt: s.sum_rt,
            p50: s.percentile(50.0),
            p90: s.percentile(90.0),
            p99: s.percentile(99.0),
            users: s.concurrency,
        });
        if self.timeline.len() > MAX_POINTS {
            self.compact();
        }
        super::Verdict::Continue
    }

    fn finish(&mut self, summary: &Summary, log: &mut dyn Log) -> Result<bool, ReportError> {
        let html = render(summary, &self.timeline);
        let err = |source| ReportError::Write {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        std::fs::write(&self.path, html).map_err(err)?;
        log.info(&format!("HTML report: {}", self.path.display()));
        Ok(false)
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn ms(secs: f64) -> String {
    format!("{:.1}", secs * 1000.0)
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#1d2330;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}.sub{color:#5b6472;font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:16px}.card{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:10px 14px;min-width:120px}
.card b{display:block;font-size:20px}.card span{color:#5b6472;font-size:12px}.bad b{color:#c0392b}
table{border-collapse:collapse;background:#fff;font-size:13px}th,td{border:1px solid #dde1e7;padding:4px 8px;text-align:right}
th{background:#f0f2f5}td.l,th.l{text-align:left;max-width:480px;overflow-wrap:anywhere}tr.fail td.l:first-child{color:#c0392b}
svg{background:#fff;border:1px solid #dde1e7;border-radius:6px}.legend{font-size:12px;color:#5b6472}";

/// One line chart: `series` are (name, colour, values), x is the point index.
fn chart(title: &str, unit: &str, points: &[Point], series: &[(&str, &str, Vec<f64>)]) -> String {
    let (w, h, l, r, t, b) = (900.0, 220.0, 60.0, 12.0, 12.0, 28.0);
    let max = series
        .iter()
        .flat_map(|s| s.2.iter().copied())
        .fold(0.0f64, f64::max);
    let max = if max > 0.0 { max * 1.1 } else { 1.0 };
    let n = points.len().max(2) as f64 - 1.0;
    let x = |i: usize| l + (w - l - r) * i as f64 / n;
    let y = |v: f64| t + (h - t - b) * (1.0 - v / max);
    let mut svg = format!(
        "<h2>{}</h2><svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(title)
    );
    for k in 0..=4 {
        let v = max * f64::from(k) / 4.0;
        let yy = y(v);
        let _ = write!(
            svg,
            "<line x1=\"{l}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#eceff3\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6472\">{}</text>",
            w - r,
            l - 6.0,
            yy + 4.0,
            if max >= 10.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.2}")
            }
        );
    }
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let dur = last.ts + last.width - first.ts;
        for (i, anchor, label) in [
            (0, "start", "0s".to_string()),
            (points.len() - 1, "end", format!("{dur}s")),
        ] {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"{anchor}\" fill=\"#5b6472\">{label}</text>",
                x(i),
                h - 8.0
            );
        }
    }
    for (_, colour, values) in series {
        let pts: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.6\" points=\"{}\"/>",
            pts.join(" ")
        );
    }
    svg.push_str("</svg><div class=\"legend\">");
    for (name, colour, _) in series {
        let _ = write!(
            svg,
            "<span style=\"color:{colour}\">&#9632;</span> {} &nbsp; ",
            esc(name)
        );
    }
    let _ = write!(svg, "({})</div>", esc(unit));
    svg
}

fn label_row(label: &str, s: &KpiSet) -> String {
    let errors: Vec<String> = s
        .errors
        .iter()
        .map(|e| format!("{} ({})", e.msg, e.cnt))
        .collect();
    format!(
        "<tr class=\"{}\"><td class=\"l\">{}</td><td>{}</td><td>{:.2}%</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td></tr>",
        if s.fail > 0 { "fail" } else { "ok" },
        if label.is_empty() {
            "<b>ALL</b>".to_string()
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

fn render(summary: &Summary, points: &[Point]) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Stampede load test report</title><style>{STYLE}</style></head><body>"
    );
    out.push_str("<h1>Load test report</h1>");
    let Some(all) = summary.overall() else {
        out.push_str(
            "<p class=\"sub\">No samples were aggregated: empty results.</p></body></html>\n",
        );
        return out;
    };
    let span = summary.last_ts.unwrap_or(0) + 1 - summary.first_ts.unwrap_or(0);
    let start = chrono::DateTime::from_timestamp(summary.first_ts.unwrap_or(0) as i64, 0)
        .map_or(String::new(), |d| {
            d.format("%Y-%m-%d %H:%M:%S UTC").to_string()
        });
    let _ = write!(
        out,
        "<div class=\"sub\">Started {start}, {span} s of samples</div><div class=\"cards\">"
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
            "<div class=\"card{}\"><b>{value}</b><span>{name}</span></div>",
            if bad { " bad" } else { "" }
        );
    }
    out.push_str("</div>");
    let per_sec = |p: &Point, v: u64| v as f64 / p.width as f64;
    let col = |f: &dyn Fn(&Point) -> f64| points.iter().map(f).collect::<Vec<f64>>();
    out.push_str(&chart(
        "Response time over time",
        "ms",
        points,
        &[
            (
                "avg",
                "#7f8c8d",
                col(&|p| {
                    if p.hits > 0 {
                        p.sum_rt / p.hits as f64 * 1000.0
                    } else {
                        0.0
                    }
                }),
            ),
            ("p50", "#2e86de", col(&|p| p.p50 * 1000.0)),
            ("p90", "#f39c12", col(&|p| p.p90 * 1000.0)),
            ("p99", "#c0392b", col(&|p| p.p99 * 1000.0)),
        ],
    ));
    out.push_str(&chart(
        "Throughput and users",
        "hits/s, users",
        points,
        &[
            ("hits/s", "#27ae60", col(&|p| per_sec(p, p.hits))),
            ("users", "#8e44ad", col(&|p| p.users as f64)),
        ],
    ));
    out.push_str(&chart(
        "Errors over time",
        "failed samples/s",
        points,
        &[("errors/s", "#c0392b", col(&|p| per_sec(p, p.fail)))],
    ));
    out.push_str("<h2>Labels</h2><table><tr><th class=\"l\">label</th><th>samples</th><th>failed</th><th>avg ms</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>max</th><th>bytes</th><th class=\"l\">errors</th></tr>");
    let labels = summary.sorted_labels();
    for (label, s) in labels {
        out.push_str(&label_row(label, s));
    }
    out.push_str(&label_row("", all));
    out.push_str("</table>");
    let errors: Vec<_> = summary
        .cumulative
        .iter()
        .filter(|(l, _)| !l.is_empty())
        .flat_map(|(l, s)| s.errors.iter().map(move |e| (l, e)))
        .collect();
    if !errors.is_empty() {
        out.push_str("<h2>Errors</h2><table><tr><th class=\"l\">label</th><th class=\"l\">message</th><th class=\"l\">code</th><th>count</th></tr>");
        for (l, e) in errors {
            let _ = write!(
                out,
                "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td></tr>",
                esc(l),
                esc(&e.msg),
                esc(e.rc.as_deref().unwrap_or("")),
                e.cnt
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</body></html>\n");
    out
}
