//! One SVG chart per scenario: Gateway's throughput as a ratio of each anchor's,
//! paired round by round, the bar at the median and a whisker over min–max, on a
//! log scale centred on 1×. Hand-written SVG: a few rects, lines and texts.

use std::fmt::Write as _;

use super::report::{client_bound_rounds, paired_throughput, Outcome, ScenarioResult};

const WIDTH: f64 = 1040.0;
const LABEL_RIGHT: f64 = 330.0;
const PLOT_LEFT: f64 = 345.0;
const PLOT_RIGHT: f64 = 760.0;
/// Where the figures are written, right of the plot.
const VALUES_LEFT: f64 = 776.0;
const ROW: f64 = 26.0;
const CASE_HEAD: f64 = 24.0;
const TOP: f64 = 62.0;
const BOTTOM: f64 = 52.0;

/// One bar: an anchor in a case.
struct Bar {
    anchor: String,
    median: f64,
    min: f64,
    max: f64,
    client_bound: usize,
    rounds: usize,
}

struct Group {
    case: String,
    bars: Vec<Bar>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

fn ratio_text(v: f64) -> String {
    if v >= 10.0 {
        format!("{v:.1}×")
    } else {
        format!("{v:.2}×")
    }
}

/// The chart of `scenario`, or `None` when it has no Gateway-against-anchor figure.
/// `footer` says where the figures come from (date, commit).
pub(crate) fn svg(scenario: &ScenarioResult, footer: &str) -> Option<String> {
    let cases = match &scenario.outcome {
        Outcome::Measured { cases, .. } | Outcome::Failed { cases, .. } => cases,
        Outcome::NotYetAvailable(_) => return None,
    };
    let mut gateway_label = "";
    let mut groups = Vec::new();
    for case in cases {
        let Some(gw) = case.rows.iter().find(|r| r.gateway) else {
            continue;
        };
        gateway_label = gw.label;
        let bars: Vec<Bar> = case
            .rows
            .iter()
            .filter(|r| !r.gateway)
            .filter_map(|anchor| {
                let s = paired_throughput(gw, anchor)?;
                Some(Bar {
                    anchor: anchor.label.to_owned(),
                    median: s.median,
                    min: s.min,
                    max: s.max,
                    client_bound: client_bound_rounds(gw, anchor),
                    rounds: gw.samples.len().min(anchor.samples.len()),
                })
            })
            .collect();
        if !bars.is_empty() {
            groups.push(Group {
                case: case.name.clone(),
                bars,
            });
        }
    }
    if groups.is_empty() {
        return None;
    }

    // The scale: powers of two around every whisker, at least 0.5× to 2×.
    let all = groups.iter().flat_map(|g| g.bars.iter());
    let lo = all
        .clone()
        .map(|b| b.min)
        .fold(0.5_f64, f64::min)
        .max(1e-3)
        .log2()
        .floor();
    let hi = all.map(|b| b.max).fold(2.0_f64, f64::max).log2().ceil();
    let x = |v: f64| {
        let t = (v.max(1e-3).log2() - lo) / (hi - lo);
        PLOT_LEFT + t.clamp(0.0, 1.0) * (PLOT_RIGHT - PLOT_LEFT)
    };

    let rows: usize = groups.iter().map(|g| g.bars.len()).sum();
    let plot_height = groups.len() as f64 * CASE_HEAD + rows as f64 * ROW;
    let height = TOP + plot_height + BOTTOM;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r##"<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        out,
        r##"<text x="16" y="24" font-size="15" font-weight="bold" fill="#111">{}: {}</text>"##,
        escape(scenario.name),
        escape(&shorten(scenario.title, 90))
    );
    let _ = writeln!(
        out,
        r##"<text x="16" y="44" fill="#444">{} ÷ each anchor, throughput paired per round: bar = median, whisker = min–max; right of 1× is Gateway ahead</text>"##,
        escape(&shorten(gateway_label, 50))
    );

    // Grid and tick labels.
    let plot_top = TOP;
    let plot_bottom = TOP + plot_height;
    let mut power = lo as i32;
    while f64::from(power) <= hi {
        let v = 2f64.powi(power);
        let px = x(v);
        let (stroke, width) = if power == 0 {
            ("#222", 1.5)
        } else {
            ("#ddd", 1.0)
        };
        let _ = writeln!(
            out,
            r#"<line x1="{px:.1}" y1="{plot_top:.1}" x2="{px:.1}" y2="{plot_bottom:.1}" stroke="{stroke}" stroke-width="{width}"/>"#
        );
        let label = if v >= 1.0 {
            format!("{v:.0}×")
        } else {
            format!("{}×", format!("{v:.3}").trim_end_matches('0'))
        };
        let _ = writeln!(
            out,
            r##"<text x="{px:.1}" y="{:.1}" text-anchor="middle" fill="#444">{label}</text>"##,
            plot_bottom + 16.0
        );
        power += 1;
    }

    let mut y = TOP;
    for group in &groups {
        let _ = writeln!(
            out,
            r##"<text x="16" y="{:.1}" font-weight="bold" fill="#222">{}</text>"##,
            y + 16.0,
            escape(&shorten(&group.case, 110))
        );
        y += CASE_HEAD;
        for bar in &group.bars {
            let mid = y + ROW / 2.0;
            let _ = writeln!(
                out,
                r##"<text x="{LABEL_RIGHT}" y="{:.1}" text-anchor="end" fill="#222">÷ {}</text>"##,
                mid + 4.0,
                escape(&shorten(&bar.anchor, 46))
            );
            let (x1, xm) = (x(1.0), x(bar.median));
            let (left, width) = if xm >= x1 {
                (x1, xm - x1)
            } else {
                (xm, x1 - xm)
            };
            let fill = if bar.median >= 1.0 {
                "#3b82c4"
            } else {
                "#d9822b"
            };
            let _ = writeln!(
                out,
                r#"<rect x="{left:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}" fill-opacity="0.85"/>"#,
                y + 5.0,
                width.max(1.0),
                ROW - 10.0
            );
            let (wl, wr) = (x(bar.min), x(bar.max));
            let _ = writeln!(
                out,
                r##"<path d="M{wl:.1} {mid:.1} H{wr:.1} M{wl:.1} {:.1} V{:.1} M{wr:.1} {:.1} V{:.1}" stroke="#111" stroke-width="1.3" fill="none"/>"##,
                mid - 5.0,
                mid + 5.0,
                mid - 5.0,
                mid + 5.0
            );
            let mut text = format!(
                "{} ({}–{})",
                ratio_text(bar.median),
                ratio_text(bar.min),
                ratio_text(bar.max)
            );
            if bar.client_bound > 0 {
                let _ = write!(
                    text,
                    ", client-bound {} of {}",
                    bar.client_bound, bar.rounds
                );
            }
            let _ = writeln!(
                out,
                r##"<text x="{VALUES_LEFT}" y="{:.1}" fill="#111">{}</text>"##,
                mid + 4.0,
                escape(&text)
            );
            y += ROW;
        }
    }
    let _ = writeln!(
        out,
        r##"<text x="16" y="{:.1}" fill="#666" font-size="11">{}</text>"##,
        height - 10.0,
        escape(&shorten(footer, 140))
    );
    out.push_str("</svg>\n");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::load::Sample;
    use super::super::report::{CaseResult, Row};
    use super::*;

    fn row(label: &'static str, gateway: bool, rps: &[f64]) -> Row {
        Row {
            label,
            gateway,
            note: "",
            samples: rps
                .iter()
                .map(|&r| Sample {
                    requests: r,
                    requests_per_sec: Some(r),
                    ..Sample::default()
                })
                .collect(),
        }
    }

    #[test]
    fn chart_draws_one_bar_per_anchor_with_median_and_whisker() {
        let scenario = ScenarioResult {
            name: "static",
            title: "files & such",
            note: "",
            outcome: Outcome::Measured {
                cases: vec![
                    CaseResult {
                        name: "GET 1 KiB".into(),
                        rows: vec![
                            row("static-files", true, &[100.0, 90.0, 120.0]),
                            row("nginx", false, &[100.0, 100.0, 100.0]),
                            row("ServeDir", false, &[20.0, 20.0, 20.0]),
                        ],
                    },
                    CaseResult {
                        name: "GET 1 MiB file, wrk, 8 connections".into(),
                        rows: vec![
                            row("static-files", true, &[100.0, 90.0, 120.0]),
                            row(
                                "nginx sendfile on, open_file_cache, tcp_nopush off",
                                false,
                                &[250.0, 200.0, 180.0],
                            ),
                            row("tower-http ServeDir", false, &[20.0, 20.0, 20.0]),
                        ],
                    },
                ],
                anchors_only: None,
            },
        };
        let svg = svg(&scenario, "run at abc").unwrap();
        assert_eq!(svg.matches("<rect").count(), 5, "{svg}");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("files &amp; such"), "{svg}");
        assert!(svg.contains("1.00× (0.90×–1.20×)"), "{svg}");
        assert!(svg.contains("5.00× (4.50×–6.00×)"), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn no_chart_without_figures() {
        let scenario = ScenarioResult {
            name: "x",
            title: "x",
            note: "",
            outcome: Outcome::NotYetAvailable("missing".into()),
        };
        assert!(svg(&scenario, "").is_none());
    }
}
