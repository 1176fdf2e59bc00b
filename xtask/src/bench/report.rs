//! Summaries (median, min–max, ratios) and the Markdown and JSON renderings.

use std::fmt::Write as _;

use super::load::Sample;

/// All runs of one server in one case.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) label: &'static str,
    pub(crate) gateway: bool,
    /// How this server's design differs, written beside its figures.
    pub(crate) note: &'static str,
    /// One per round, in round order: sample `r` of every row is from round `r`.
    pub(crate) samples: Vec<Sample>,
}

/// One load shape (e.g. 1 KiB at 64 connections) across the scenario's servers.
#[derive(Debug, Clone)]
pub(crate) struct CaseResult {
    pub(crate) name: String,
    pub(crate) rows: Vec<Row>,
}

#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// Every server ran every case. `anchors_only` when the Gateway side was missing
    /// and `--anchors` asked for the anchors anyway.
    Measured {
        cases: Vec<CaseResult>,
        anchors_only: Option<String>,
    },
    /// The Gateway side does not exist yet; nothing was measured.
    NotYetAvailable(String),
    /// Something broke; what was measured before is kept but marked incomplete.
    Failed {
        reason: String,
        cases: Vec<CaseResult>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct ScenarioResult {
    pub(crate) name: &'static str,
    pub(crate) title: &'static str,
    pub(crate) note: &'static str,
    pub(crate) outcome: Outcome,
}

/// A whole run.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub(crate) date: String,
    pub(crate) commit: String,
    pub(crate) command: String,
    pub(crate) machine: String,
    pub(crate) method: String,
    pub(crate) wall_secs: f64,
    pub(crate) scenarios: Vec<ScenarioResult>,
}

impl Report {
    /// True when every selected scenario was measured in full (possibly as
    /// "not yet available"), with nothing failed and no anchors-only section.
    pub(crate) fn complete(&self) -> bool {
        self.scenarios.iter().all(|s| match &s.outcome {
            Outcome::Measured { anchors_only, .. } => anchors_only.is_none(),
            Outcome::NotYetAvailable(_) => true,
            Outcome::Failed { .. } => false,
        })
    }
}

/// Median, minimum and maximum of the present values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Spread {
    pub(crate) median: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
}

pub(crate) fn spread(values: impl IntoIterator<Item = Option<f64>>) -> Option<Spread> {
    let mut values: Vec<f64> = values.into_iter().flatten().collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    Some(Spread {
        median,
        min: values[0],
        max: values[n - 1],
    })
}

/// The medians of one row, the figures the table shows.
#[derive(Debug, Clone, Copy)]
struct Medians {
    rps: Option<Spread>,
    mib: Option<Spread>,
    p50: Option<Spread>,
    p99: Option<Spread>,
    cpu: Option<Spread>,
    /// The server's CPU time over the run's time, in % of one core.
    cpu_pct: Option<Spread>,
    system_cpu: Option<Spread>,
    client_pct: Option<Spread>,
    pss_mib: Option<Spread>,
    client_bound: usize,
}

fn medians(row: &Row) -> Medians {
    let s = &row.samples;
    Medians {
        rps: spread(s.iter().map(|x| x.requests_per_sec)),
        mib: spread(s.iter().map(|x| Some(x.mib_per_sec))),
        p50: spread(s.iter().map(|x| x.p50_us)),
        p99: spread(s.iter().map(|x| x.p99_us)),
        cpu: spread(s.iter().map(|x| Some(x.cpu_us_per_request))),
        cpu_pct: spread(
            s.iter()
                .map(|x| Some(x.cpu_us_per_request * x.requests_per_sec? / 1e4)),
        ),
        system_cpu: spread(s.iter().map(|x| Some(x.system_cpu_us_per_request))),
        client_pct: spread(s.iter().map(|x| Some(x.client_cpu_pct))),
        pss_mib: spread(s.iter().map(|x| Some(x.pss_kib as f64 / 1024.0))),
        client_bound: s.iter().filter(|x| x.client_bound()).count(),
    }
}

/// The throughput a ratio compares: req/s, or MiB/s for a single download.
fn throughput(sample: &Sample) -> Option<f64> {
    sample.requests_per_sec.or(Some(sample.mib_per_sec))
}

/// `gateway ÷ anchor` of `figure`, round by round (sample `r` of both rows ran in
/// round `r`), summarised as median and min–max.
pub(crate) fn paired(
    gateway: &Row,
    anchor: &Row,
    figure: fn(&Sample) -> Option<f64>,
) -> Option<Spread> {
    spread(
        gateway
            .samples
            .iter()
            .zip(&anchor.samples)
            .map(|(g, a)| match (figure(g), figure(a)) {
                (Some(g), Some(a)) if a > 0.0 => Some(g / a),
                _ => None,
            }),
    )
}

/// The paired throughput ratio of `gateway` against `anchor`.
pub(crate) fn paired_throughput(gateway: &Row, anchor: &Row) -> Option<Spread> {
    paired(gateway, anchor, throughput)
}

/// Rounds in which either side's client ran above the client-bound threshold.
pub(crate) fn client_bound_rounds(gateway: &Row, anchor: &Row) -> usize {
    gateway
        .samples
        .iter()
        .zip(&anchor.samples)
        .filter(|(g, a)| g.client_bound() || a.client_bound())
        .count()
}

fn rate(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.1}k", v / 1000.0)
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn with_range(s: Option<Spread>, fmt: fn(f64) -> String) -> String {
    match s {
        Some(s) if s.min != s.max => format!("{} ({}–{})", fmt(s.median), fmt(s.min), fmt(s.max)),
        Some(s) => fmt(s.median),
        None => "–".to_owned(),
    }
}

fn latency(us: f64) -> String {
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else if us < 1e6 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

fn one(s: Option<Spread>, fmt: fn(f64) -> String) -> String {
    s.map_or_else(|| "–".to_owned(), |s| fmt(s.median))
}

fn times(v: f64) -> String {
    format!("{v:.2}×")
}

fn micros(v: f64) -> String {
    if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

fn case_table(out: &mut String, case: &CaseResult) {
    let _ = writeln!(out, "#### {}\n", case.name);
    out.push_str(
        "| server | req/s median (min–max) | MiB/s median (min–max) | p50 | p99 | server CPU µs/req | server CPU % of a core | all CPUs µs/req | client CPU % of a core (max) | PSS MiB |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    let all: Vec<(&Row, Medians)> = case.rows.iter().map(|r| (r, medians(r))).collect();
    let mut notes = Vec::new();
    for (row, m) in &all {
        let name = if row.gateway {
            format!("**{}**", row.label)
        } else {
            row.label.to_owned()
        };
        let client = match m.client_pct {
            Some(c) => format!("{:.0} ({:.0})", c.median, c.max),
            None => "–".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            with_range(m.rps, rate),
            with_range(m.mib, |v| format!("{v:.1}")),
            one(m.p50, latency),
            one(m.p99, latency),
            one(m.cpu, micros),
            one(m.cpu_pct, |v| format!("{v:.0}")),
            one(m.system_cpu, micros),
            client,
            one(m.pss_mib, |v| format!("{v:.1}")),
        );
        if m.client_bound > 0 {
            notes.push(format!(
                "**client-bound**: against {}, the client ran above {:.0}% of its core in {} of {} runs; that req/s is a lower bound on what the server can do, not a measurement.",
                row.label,
                super::load::CLIENT_BOUND_PCT,
                m.client_bound,
                row.samples.len()
            ));
        }
    }
    if let Some(gw) = case.rows.iter().find(|r| r.gateway) {
        out.push_str(
            "\n| paired, same round | throughput ratio median (min–max) | server CPU/req ratio median (min–max) | all-CPU/req ratio median (min–max) | client-bound rounds |\n|---|---|---|---|---|\n",
        );
        for anchor in case.rows.iter().filter(|r| !r.gateway) {
            let _ = writeln!(
                out,
                "| *{} ÷ {}* | {} | {} | {} | {} of {} |",
                gw.label,
                anchor.label,
                with_range(paired_throughput(gw, anchor), times),
                with_range(paired(gw, anchor, |s| Some(s.cpu_us_per_request)), times),
                with_range(
                    paired(gw, anchor, |s| Some(s.system_cpu_us_per_request)),
                    times
                ),
                client_bound_rounds(gw, anchor),
                gw.samples.len().min(anchor.samples.len()),
            );
        }
    }
    out.push('\n');
    if !notes.is_empty() {
        for note in notes {
            let _ = writeln!(out, "- {note}");
        }
        out.push('\n');
    }
}

/// The Markdown table section: printed, written to latest.md, and spliced into
/// BENCHMARKS.md.
pub(crate) fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Run {} at commit `{}` with `{}`; wall time {:.0} min {:.0} s.\n",
        report.date,
        report.commit,
        report.command,
        (report.wall_secs / 60.0).floor(),
        report.wall_secs % 60.0
    );
    let _ = writeln!(out, "- Machine: {}", report.machine);
    let _ = writeln!(out, "- Method: {}", report.method);
    out.push_str(
        "- Paired ratios are Gateway ÷ anchor within the same round (the servers run one \
         after the other, the order rotated each round), then the median and min–max over \
         the rounds: above 1× is better for throughput, below 1× for CPU. The machine is \
         shared and noisy: the paired ratios and the instruction counts hold, the absolute \
         figures drift from run to run.\n\
         - Columns: server CPU is the server's processes' utime + stime; all CPUs is every \
         core's busy time from /proc/stat (server, client, kernel softirq work wherever it \
         ran, and anything else running); client CPU is wrk's (h2load's, curl's) utime + \
         stime over the run's wall time; PSS is summed over the server's processes. Server \
         CPU % of a core (CPU per request × req/s) shows how much of its core the server \
         got: well under 100% means the shared machine's other work took the rest, and then \
         the CPU-per-request ratios say more than the throughput ratios.\n",
    );
    if !report.complete() {
        out.push_str(
            "\n**INCOMPLETE RUN**: at least one scenario failed or ran anchors only; \
             see below.\n",
        );
    }
    out.push('\n');
    for scenario in &report.scenarios {
        let _ = writeln!(out, "### `{}`: {}\n", scenario.name, scenario.title);
        let _ = writeln!(
            out,
            "![{} chart](docs/bench/{}.svg)\n",
            scenario.name, scenario.name
        );
        if !scenario.note.is_empty() {
            let _ = writeln!(out, "{}\n", scenario.note);
        }
        if let Some(rows) = scenario_rows(&scenario.outcome) {
            let mut any = false;
            for row in rows.iter().filter(|r| !r.note.is_empty()) {
                let _ = writeln!(out, "- **{}**: {}.", row.label, row.note);
                any = true;
            }
            if any {
                out.push('\n');
            }
        }
        match &scenario.outcome {
            Outcome::Measured {
                cases,
                anchors_only,
            } => {
                if let Some(reason) = anchors_only {
                    let _ = writeln!(
                        out,
                        "Anchors only: the Gateway side is not yet available ({reason}).\n"
                    );
                }
                for case in cases {
                    case_table(&mut out, case);
                }
            }
            Outcome::NotYetAvailable(reason) => {
                let _ = writeln!(out, "Not yet available: {reason}.\n");
            }
            Outcome::Failed { reason, cases } => {
                let _ = writeln!(
                    out,
                    "**FAILED, incomplete**: {reason}. Cases measured before the failure:\n"
                );
                for case in cases {
                    case_table(&mut out, case);
                }
            }
        }
    }
    out
}

/// The rows of a scenario's first case (the servers, for their notes).
fn scenario_rows(outcome: &Outcome) -> Option<&[Row]> {
    match outcome {
        Outcome::Measured { cases, .. } | Outcome::Failed { cases, .. } => {
            cases.first().map(|c| c.rows.as_slice())
        }
        Outcome::NotYetAvailable(_) => None,
    }
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_num(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => "null".to_owned(),
    }
}

fn json_spread(s: Option<Spread>) -> String {
    match s {
        Some(s) => format!(
            "{{\"median\":{},\"min\":{},\"max\":{}}}",
            json_num(Some(s.median)),
            json_num(Some(s.min)),
            json_num(Some(s.max))
        ),
        None => "null".to_owned(),
    }
}

fn json_cases(cases: &[CaseResult]) -> String {
    let cases: Vec<String> = cases
        .iter()
        .map(|case| {
            let rows: Vec<String> = case
                .rows
                .iter()
                .map(|row| {
                    let m = medians(row);
                    let samples: Vec<String> = row
                        .samples
                        .iter()
                        .map(|s| {
                            format!(
                                "{{\"requests\":{},\"requests_per_sec\":{},\"mib_per_sec\":{},\"p50_us\":{},\"p99_us\":{},\"cpu_us_per_request\":{},\"system_cpu_us_per_request\":{},\"client_cpu_pct\":{},\"pss_kib\":{}}}",
                                json_num(Some(s.requests)),
                                json_num(s.requests_per_sec),
                                json_num(Some(s.mib_per_sec)),
                                json_num(s.p50_us),
                                json_num(s.p99_us),
                                json_num(Some(s.cpu_us_per_request)),
                                json_num(Some(s.system_cpu_us_per_request)),
                                json_num(Some(s.client_cpu_pct)),
                                s.pss_kib,
                            )
                        })
                        .collect();
                    format!(
                        "{{\"server\":{},\"gateway\":{},\"requests_per_sec\":{},\"mib_per_sec\":{},\"p50_us\":{},\"p99_us\":{},\"cpu_us_per_request\":{},\"pss_mib\":{},\"samples\":[{}]}}",
                        json_str(row.label),
                        row.gateway,
                        json_spread(m.rps),
                        json_spread(m.mib),
                        json_spread(m.p50),
                        json_spread(m.p99),
                        json_spread(m.cpu),
                        json_spread(m.pss_mib),
                        samples.join(",")
                    )
                })
                .collect();
            let paired_rows: Vec<String> = match case.rows.iter().find(|r| r.gateway) {
                Some(gw) => case
                    .rows
                    .iter()
                    .filter(|r| !r.gateway)
                    .map(|anchor| {
                        format!(
                            "{{\"anchor\":{},\"throughput_ratio\":{},\"cpu_ratio\":{},\"system_cpu_ratio\":{},\"client_bound_rounds\":{}}}",
                            json_str(anchor.label),
                            json_spread(paired_throughput(gw, anchor)),
                            json_spread(paired(gw, anchor, |s| Some(s.cpu_us_per_request))),
                            json_spread(paired(gw, anchor, |s| Some(s.system_cpu_us_per_request))),
                            client_bound_rounds(gw, anchor)
                        )
                    })
                    .collect(),
                None => Vec::new(),
            };
            format!(
                "{{\"name\":{},\"rows\":[{}],\"paired\":[{}]}}",
                json_str(&case.name),
                rows.join(","),
                paired_rows.join(",")
            )
        })
        .collect();
    format!("[{}]", cases.join(","))
}

/// The same results as JSON (every sample, plus the summaries).
pub(crate) fn json(report: &Report) -> String {
    let scenarios: Vec<String> = report
        .scenarios
        .iter()
        .map(|s| {
            let (status, reason, cases) = match &s.outcome {
                Outcome::Measured {
                    cases,
                    anchors_only: None,
                } => ("measured", None, json_cases(cases)),
                Outcome::Measured {
                    cases,
                    anchors_only: Some(r),
                } => ("anchors only", Some(r.as_str()), json_cases(cases)),
                Outcome::NotYetAvailable(r) => ("not yet available", Some(r.as_str()), "[]".into()),
                Outcome::Failed { reason, cases } => {
                    ("failed", Some(reason.as_str()), json_cases(cases))
                }
            };
            format!(
                "{{\"name\":{},\"title\":{},\"status\":{},\"reason\":{},\"cases\":{}}}",
                json_str(s.name),
                json_str(s.title),
                json_str(status),
                reason.map_or_else(|| "null".to_owned(), json_str),
                cases
            )
        })
        .collect();
    format!(
        "{{\"date\":{},\"commit\":{},\"command\":{},\"machine\":{},\"method\":{},\"wall_secs\":{},\"complete\":{},\"scenarios\":[{}]}}\n",
        json_str(&report.date),
        json_str(&report.commit),
        json_str(&report.command),
        json_str(&report.machine),
        json_str(&report.method),
        json_num(Some(report.wall_secs)),
        report.complete(),
        scenarios.join(",")
    )
}

pub(crate) const BEGIN: &str =
    "<!-- bench-table:begin (generated by `cargo xtask bench`; do not edit) -->";
pub(crate) const END: &str = "<!-- bench-table:end -->";

/// `document` with the text between the markers `begin` and `end` replaced by
/// `table`; `None` when the markers are missing or out of order.
pub(crate) fn splice(document: &str, begin: &str, end: &str, table: &str) -> Option<String> {
    let begin = document.find(begin)? + begin.len();
    let end = document[begin..].find(end)? + begin;
    Some(format!(
        "{}\n\n{}\n{}",
        &document[..begin],
        table.trim_end(),
        &document[end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(rps: f64) -> Sample {
        Sample {
            requests: rps * 3.0,
            requests_per_sec: Some(rps),
            mib_per_sec: rps / 1000.0,
            p50_us: Some(400.0),
            p99_us: Some(1500.0),
            cpu_us_per_request: 7.0,
            system_cpu_us_per_request: 12.0,
            client_cpu_pct: 60.0,
            pss_kib: 4096,
        }
    }

    fn report(outcome: Outcome) -> Report {
        Report {
            date: "2026-01-01T00:00Z".into(),
            commit: "abc1234".into(),
            command: "cargo xtask bench --quick".into(),
            machine: "2 × Test CPU".into(),
            method: "wrk".into(),
            wall_secs: 65.0,
            scenarios: vec![ScenarioResult {
                name: "hello",
                title: "GET /hello",
                note: "",
                outcome,
            }],
        }
    }

    fn measured() -> Outcome {
        Outcome::Measured {
            cases: vec![CaseResult {
                name: "GET /hello, 64 connections".into(),
                rows: vec![
                    Row {
                        label: "helloworld",
                        gateway: true,
                        note: "the whole stack",
                        samples: vec![sample(120e3), sample(100e3), sample(130e3)],
                    },
                    Row {
                        label: "raw hyper",
                        gateway: false,
                        note: "",
                        samples: vec![sample(140e3), sample(150e3), sample(130e3)],
                    },
                ],
            }],
            anchors_only: None,
        }
    }

    #[test]
    fn spread_gives_median_of_odd_and_even_counts_and_skips_missing() {
        let s = spread([Some(3.0), None, Some(1.0), Some(2.0)]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        assert_eq!(spread([Some(1.0), Some(4.0)]).unwrap().median, 2.5);
        assert_eq!(spread([None]), None);
    }

    #[test]
    fn table_shows_median_range_and_gateway_over_anchor_ratio() {
        let md = markdown(&report(measured()));
        assert!(
            md.contains("| **helloworld** | 120.0k (100.0k–130.0k) |"),
            "{md}"
        );
        // Rounds: 120/140, 100/150, 130/130 -> paired median 0.86, min 0.67, max 1.
        assert!(
            md.contains("| *helloworld ÷ raw hyper* | 0.86× (0.67×–1.00×) |"),
            "{md}"
        );
        assert!(md.contains("- **helloworld**: the whole stack."), "{md}");
        assert!(!md.contains("client-bound**"), "{md}");
        assert!(!md.contains("INCOMPLETE"), "{md}");
        assert!(md.contains("wall time 1 min 5 s"), "{md}");
    }

    #[test]
    fn runs_above_the_client_threshold_are_flagged() {
        let mut outcome = measured();
        if let Outcome::Measured { cases, .. } = &mut outcome {
            cases[0].rows[1].samples[2].client_cpu_pct = 97.0;
            let gw = &cases[0].rows[0];
            let anchor = &cases[0].rows[1];
            assert_eq!(client_bound_rounds(gw, anchor), 1);
        }
        let md = markdown(&report(outcome));
        assert!(md.contains("**client-bound**: against raw hyper"), "{md}");
        assert!(md.contains("| 1 of 3 |"), "{md}");
    }

    #[test]
    fn failed_or_anchors_only_runs_are_marked_incomplete() {
        let failed = report(Outcome::Failed {
            reason: "paste did not start".into(),
            cases: vec![],
        });
        assert!(!failed.complete());
        assert!(markdown(&failed).contains("INCOMPLETE"));
        let missing = report(Outcome::NotYetAvailable("no gw-static".into()));
        assert!(missing.complete());
        assert!(markdown(&missing).contains("Not yet available: no gw-static."));
    }

    #[test]
    fn json_names_status_and_escapes_strings() {
        let json = json(&report(Outcome::NotYetAvailable(
            "a \"quoted\" reason".into(),
        )));
        assert!(json.contains("\"status\":\"not yet available\""), "{json}");
        assert!(json.contains("a \\\"quoted\\\" reason"), "{json}");
        assert!(json.contains("\"complete\":true"), "{json}");
        let measured = super::json(&report(measured()));
        assert!(
            measured.contains("\"anchor\":\"raw hyper\",\"throughput_ratio\":{\"median\":0.857"),
            "{measured}"
        );
    }

    #[test]
    fn splice_replaces_only_the_text_between_the_markers() {
        let doc = format!("intro\n{BEGIN}\nold table\n{END}\noutro\n");
        let new = splice(&doc, BEGIN, END, "new table\n").unwrap();
        assert_eq!(new, format!("intro\n{BEGIN}\n\nnew table\n{END}\noutro\n"));
        assert_eq!(splice("no markers", BEGIN, END, "t"), None);
    }
}
