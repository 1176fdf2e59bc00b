//! Reading the load generators' output: pure functions, no I/O, tested below.

/// What one wrk run reported.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WrkOutput {
    pub(crate) requests: u64,
    pub(crate) seconds: f64,
    pub(crate) requests_per_sec: f64,
    pub(crate) bytes_per_sec: f64,
    /// Every byte read, responses cut off at the end of the run included.
    pub(crate) bytes_read: f64,
    pub(crate) p50_us: f64,
    pub(crate) p99_us: f64,
    /// Socket errors (connect + read + write + timeout).
    pub(crate) socket_errors: u64,
    /// Responses that were not 2xx or 3xx.
    pub(crate) bad_status: u64,
}

/// Parses `wrk --latency` output.
pub(crate) fn wrk(text: &str) -> Result<WrkOutput, String> {
    let mut requests = None;
    let mut seconds = None;
    let mut rps = None;
    let mut bps = None;
    let mut read = None;
    let mut p50 = None;
    let mut p99 = None;
    let mut socket_errors = 0;
    let mut bad_status = 0;
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", value] => p50 = Some(duration_us(value)?),
            ["99%", value] => p99 = Some(duration_us(value)?),
            [count, "requests", "in", time, rest @ ..] => {
                requests = Some(count.parse::<u64>().map_err(|e| format!("{line}: {e}"))?);
                seconds = Some(duration_us(time.trim_end_matches(','))? / 1e6);
                if let [size, "read"] = rest {
                    read = Some(size_bytes(size)?);
                }
            }
            ["Requests/sec:", value] => {
                rps = Some(value.parse::<f64>().map_err(|e| format!("{line}: {e}"))?);
            }
            ["Transfer/sec:", value] => bps = Some(size_bytes(value)?),
            ["Socket", "errors:", rest @ ..] => {
                socket_errors = rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum();
            }
            ["Non-2xx", "or", "3xx", "responses:", count] => {
                bad_status = count.parse::<u64>().map_err(|e| format!("{line}: {e}"))?;
            }
            _ => {}
        }
    }
    let missing = |what: &str| format!("wrk printed no {what} (was --latency given?)");
    Ok(WrkOutput {
        requests: requests.ok_or_else(|| missing("request count"))?,
        seconds: seconds.ok_or_else(|| missing("run time"))?,
        requests_per_sec: rps.ok_or_else(|| missing("Requests/sec"))?,
        bytes_per_sec: bps.ok_or_else(|| missing("Transfer/sec"))?,
        bytes_read: read.ok_or_else(|| missing("byte count"))?,
        p50_us: p50.ok_or_else(|| missing("50% latency"))?,
        p99_us: p99.ok_or_else(|| missing("99% latency"))?,
        socket_errors,
        bad_status,
    })
}

/// What one h2load run reported (latencies come from its `--log-file`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct H2loadOutput {
    pub(crate) seconds: f64,
    pub(crate) requests_per_sec: f64,
    pub(crate) bytes_per_sec: f64,
    pub(crate) succeeded: u64,
    /// Requests that failed, errored or timed out, plus non-2xx statuses.
    pub(crate) failed: u64,
}

/// Parses h2load's summary.
pub(crate) fn h2load(text: &str) -> Result<H2loadOutput, String> {
    let mut finished = None;
    let mut succeeded = None;
    let mut failed = 0;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("finished in ") {
            // finished in 3.00s, 123456.70 req/s, 4.33MB/s
            let parts: Vec<&str> = rest.split(", ").collect();
            if let [time, rps, bps] = parts.as_slice() {
                let seconds = duration_us(time)? / 1e6;
                let rps = rps
                    .trim_end_matches(" req/s")
                    .parse::<f64>()
                    .map_err(|e| format!("{line}: {e}"))?;
                let bps = size_bytes(bps.trim_end_matches("/s"))?;
                finished = Some((seconds, rps, bps));
            }
        } else if let Some(rest) = line.strip_prefix("requests: ") {
            // requests: 10 total, 10 started, 10 done, 10 succeeded, 0 failed, 0 errored, 0 timeout
            for part in rest.split(", ") {
                let mut words = part.split_whitespace();
                let (Some(n), Some(what)) = (words.next(), words.next()) else {
                    continue;
                };
                let n = n.parse::<u64>().map_err(|e| format!("{line}: {e}"))?;
                match what {
                    "succeeded" => succeeded = Some(n),
                    "failed" | "errored" | "timeout" => failed += n,
                    _ => {}
                }
            }
        } else if let Some(rest) = line.strip_prefix("status codes: ") {
            for part in rest.split(", ") {
                let mut words = part.split_whitespace();
                if let (Some(n), Some(class)) = (words.next(), words.next()) {
                    if class != "2xx" {
                        failed += n.parse::<u64>().map_err(|e| format!("{line}: {e}"))?;
                    }
                }
            }
        }
    }
    let (seconds, requests_per_sec, bytes_per_sec) =
        finished.ok_or("h2load printed no `finished in` line")?;
    Ok(H2loadOutput {
        seconds,
        requests_per_sec,
        bytes_per_sec,
        succeeded: succeeded.ok_or("h2load printed no `requests:` line")?,
        failed,
    })
}

/// Reads the per-request latencies (µs, third column) of an h2load `--log-file`.
pub(crate) fn h2load_log_latencies(text: &str) -> Vec<f64> {
    text.lines()
        .filter_map(|line| line.split('\t').nth(2)?.trim().parse::<f64>().ok())
        .collect()
}

/// `412.00us`, `1.20ms`, `3.00s`, `1.5m` as microseconds.
pub(crate) fn duration_us(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("`{text}` has no unit"))?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|e| format!("`{text}` is not a duration: {e}"))?;
    let scale = match unit {
        "us" => 1.0,
        "ms" => 1e3,
        "s" => 1e6,
        "m" => 60e6,
        "h" => 3600e6,
        _ => return Err(format!("`{text}` has an unknown unit `{unit}`")),
    };
    Ok(number * scale)
}

/// `16.71MB`, `512.00KB`, `1.2GB`, `100B` as bytes (wrk and h2load count in 1024s).
pub(crate) fn size_bytes(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|e| format!("`{text}` is not a size: {e}"))?;
    let scale = match unit {
        "" | "B" => 1.0,
        "KB" => 1024.0,
        "MB" => 1024.0 * 1024.0,
        "GB" => 1024.0 * 1024.0 * 1024.0,
        "TB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(format!("`{text}` has an unknown unit `{unit}`")),
    };
    Ok(number * scale)
}

/// The `q` quantile (0..=1) of `values` by nearest rank; `None` when empty.
pub(crate) fn quantile(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = (q * values.len() as f64).ceil() as usize;
    Some(values[rank.clamp(1, values.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRK: &str = "Running 3s test @ http://127.0.0.1:8080/hello
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   452.15us  120.00us   5.00ms   90.00%
    Req/Sec   138.00k     3.00k  141.00k    70.00%
  Latency Distribution
     50%  412.00us
     75%  500.00us
     90%  600.00us
     99%    1.20ms
  412345 requests in 3.00s, 50.12MB read
  Socket errors: connect 0, read 2, write 1, timeout 0
  Non-2xx or 3xx responses: 12
Requests/sec: 137448.33
Transfer/sec:     16.71MB
";

    #[test]
    fn wrk_output_gives_counts_rates_and_percentiles() {
        let out = wrk(WRK).unwrap();
        assert_eq!(out.requests, 412_345);
        assert_eq!(out.seconds, 3.0);
        assert_eq!(out.requests_per_sec, 137_448.33);
        assert!((out.bytes_per_sec - 16.71 * 1024.0 * 1024.0).abs() < 1.0);
        assert!((out.bytes_read - 50.12 * 1024.0 * 1024.0).abs() < 1.0);
        assert_eq!(out.p50_us, 412.0);
        assert_eq!(out.p99_us, 1200.0);
        assert_eq!(out.socket_errors, 3);
        assert_eq!(out.bad_status, 12);
    }

    #[test]
    fn wrk_output_without_latency_distribution_is_an_error() {
        let text = WRK.replace("     50%  412.00us\n", "");
        assert!(wrk(&text).unwrap_err().contains("50%"));
    }

    const H2LOAD: &str = "starting benchmark...
spawning thread #0: 64 total client(s). Timing-based test with 0s of warm-up time and 3s of main duration for measurements.
finished in 3.00s, 129876.50 req/s, 4.33MB/s
requests: 389629 total, 390269 started, 389629 done, 389600 succeeded, 20 failed, 9 errored, 0 timeout
status codes: 389600 2xx, 0 3xx, 7 4xx, 0 5xx
traffic: 13.00MB (13631488) total, 1.00MB (1048576) headers (space savings 95.00%), 4.46MB (4675548) data
";

    #[test]
    fn h2load_output_counts_failures_and_non_2xx() {
        let out = h2load(H2LOAD).unwrap();
        assert_eq!(out.seconds, 3.0);
        assert_eq!(out.requests_per_sec, 129_876.5);
        assert!((out.bytes_per_sec - 4.33 * 1024.0 * 1024.0).abs() < 1.0);
        assert_eq!(out.succeeded, 389_600);
        assert_eq!(out.failed, 20 + 9 + 7);
    }

    #[test]
    fn h2load_log_gives_third_column_as_latency() {
        let log = "1700000000000000\t200\t412\n1700000000000100\t200\t1200\nbroken\n";
        assert_eq!(h2load_log_latencies(log), vec![412.0, 1200.0]);
    }

    #[test]
    fn durations_and_sizes_scale_by_unit() {
        assert_eq!(duration_us("1.5ms").unwrap(), 1500.0);
        assert_eq!(duration_us("2s").unwrap(), 2e6);
        assert!(duration_us("12").is_err());
        assert_eq!(size_bytes("2KB").unwrap(), 2048.0);
        assert_eq!(size_bytes("100B").unwrap(), 100.0);
        assert!(size_bytes("1XB").is_err());
    }

    #[test]
    fn quantile_uses_nearest_rank() {
        let mut values: Vec<f64> = (1..=100).map(f64::from).collect();
        values.reverse();
        assert_eq!(quantile(&mut values, 0.5), Some(50.0));
        assert_eq!(quantile(&mut values, 0.99), Some(99.0));
        assert_eq!(quantile(&mut values, 0.0), Some(1.0));
        assert_eq!(quantile(&mut [], 0.5), None);
    }
}
