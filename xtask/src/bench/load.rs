//! Running the load generators against a server and turning their output into a
//! [`Sample`].

use std::path::PathBuf;
use std::process::Command;

use super::server::Running;
use super::{parse, Env};

/// One kind of load.
#[derive(Debug, Clone)]
pub(crate) enum Load {
    /// HTTP/1.1 keep-alive load with wrk (one thread); `script` sets method and body.
    Wrk {
        path: String,
        connections: u32,
        script: Option<PathBuf>,
    },
    /// h2c load with h2load (one thread), `streams` concurrent streams per connection.
    H2load {
        path: String,
        connections: u32,
        streams: u32,
    },
    /// One download timed end to end by curl; its size must be `size`.
    Download { path: String, size: u64 },
}

/// One measured run of one server.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sample {
    pub(crate) requests: f64,
    pub(crate) requests_per_sec: Option<f64>,
    pub(crate) mib_per_sec: f64,
    /// For a download: the whole transfer time.
    pub(crate) p50_us: Option<f64>,
    pub(crate) p99_us: Option<f64>,
    /// The server's processes' utime + stime per request.
    pub(crate) cpu_us_per_request: f64,
    /// Every CPU's busy time per request (/proc/stat): server, client, the kernel's
    /// softirq work wherever it ran, and whatever else the shared machine did.
    pub(crate) system_cpu_us_per_request: f64,
    /// The client's utime + stime over the run's wall time, in % of one core.
    pub(crate) client_cpu_pct: f64,
    /// PSS of the server's processes after the run.
    pub(crate) pss_kib: u64,
}

/// Runs whose client used more than this share of its core measure the client.
pub(crate) const CLIENT_BOUND_PCT: f64 = 85.0;

impl Sample {
    /// The client, not the server, may have set the pace of this run.
    pub(crate) fn client_bound(&self) -> bool {
        self.client_cpu_pct > CLIENT_BOUND_PCT
    }
}

const MIB: f64 = 1024.0 * 1024.0;

/// Allowed difference between the bytes per response under load and the probed
/// response's size (wrk rounds its byte count; chunked bodies add framing).
const WIRE_TOLERANCE: f64 = 0.05;

impl Load {
    /// Loads `server` for `seconds` and measures it. A run in which any response is
    /// not 2xx, any socket error occurs, or the responses' size differs from the
    /// probed response's (`wire_bytes`) is an error, never a sample.
    pub(crate) fn measure(
        &self,
        server: &Running,
        env: &Env,
        seconds: u32,
        wire_bytes: Option<u64>,
    ) -> Result<Sample, String> {
        let cpu_before = server.cpu_us(env.clock_ticks);
        let system_before = crate::proc::system_ticks();
        let client_before = crate::proc::reaped_children_ticks();
        let started = std::time::Instant::now();
        let (mut sample, bytes_read) = self.run(server, env, seconds)?;
        let wall = started.elapsed().as_secs_f64();
        let client_after = crate::proc::reaped_children_ticks();
        let system_after = crate::proc::system_ticks();
        let cpu = server.cpu_us(env.clock_ticks) - cpu_before;
        let requests = sample.requests.max(1.0);
        sample.cpu_us_per_request = cpu / requests;
        if let (Some((busy0, _)), Some((busy1, _))) = (system_before, system_after) {
            sample.system_cpu_us_per_request =
                (busy1 - busy0) as f64 * 1e6 / env.clock_ticks / requests;
        }
        if let (Some(c0), Some(c1)) = (client_before, client_after) {
            sample.client_cpu_pct = (c1 - c0) as f64 / env.clock_ticks / wall.max(1e-9) * 100.0;
        }
        sample.pss_kib = server.pss_kib();
        if let (Some(expected), Some(read)) = (wire_bytes, bytes_read) {
            same_size(read, requests, expected).map_err(|e| format!("{}: {e}", server.label))?;
        }
        Ok(sample)
    }

    fn client(&self, env: &Env, program: &str) -> Command {
        match env.client_cpu {
            Some(cpu) => {
                let mut c = Command::new("taskset");
                c.arg("-c").arg(cpu.to_string()).arg(program);
                c
            }
            None => Command::new(program),
        }
    }

    /// The sample's load figures and, for wrk, the bytes it read.
    fn run(
        &self,
        server: &Running,
        env: &Env,
        seconds: u32,
    ) -> Result<(Sample, Option<f64>), String> {
        match self {
            Load::Wrk {
                path,
                connections,
                script,
            } => {
                let mut command = self.client(env, "wrk");
                command.args([
                    "-t1".to_owned(),
                    format!("-c{connections}"),
                    format!("-d{seconds}s"),
                    "--timeout".to_owned(),
                    "10s".to_owned(),
                    "--latency".to_owned(),
                ]);
                if let Some(script) = script {
                    command.arg("-s").arg(script);
                }
                let text = output_of(command.arg(server.url(path)), "wrk")?;
                let out = parse::wrk(&text)?;
                if out.bad_status > 0 {
                    return Err(format!(
                        "{}: {} responses were 4xx or 5xx under load",
                        server.label, out.bad_status
                    ));
                }
                if out.socket_errors > 0 {
                    return Err(format!(
                        "{}: the client counted {} socket errors under load",
                        server.label, out.socket_errors
                    ));
                }
                Ok((
                    Sample {
                        requests: out.requests as f64,
                        requests_per_sec: Some(out.requests_per_sec),
                        mib_per_sec: out.bytes_per_sec / MIB,
                        p50_us: Some(out.p50_us),
                        p99_us: Some(out.p99_us),
                        ..Sample::default()
                    },
                    Some(out.bytes_read),
                ))
            }
            Load::H2load {
                path,
                connections,
                streams,
            } => {
                let log = env
                    .out_dir
                    .join("tmp")
                    .join(format!("h2load-{}.log", server.port));
                let mut command = self.client(env, "h2load");
                command
                    .args([
                        format!("-c{connections}"),
                        format!("-m{streams}"),
                        "-t1".to_owned(),
                        format!("-D{seconds}"),
                    ])
                    .arg(format!("--log-file={}", log.display()))
                    .arg(server.url(path));
                let text = output_of(&mut command, "h2load")?;
                let out = parse::h2load(&text)?;
                if out.failed > 0 {
                    return Err(format!(
                        "{}: {} h2 requests failed or were not 2xx",
                        server.label, out.failed
                    ));
                }
                let log_text = std::fs::read_to_string(&log)
                    .map_err(|e| format!("h2load log {}: {e}", log.display()))?;
                let _ = std::fs::remove_file(&log);
                let mut latencies = parse::h2load_log_latencies(&log_text);
                Ok((
                    Sample {
                        requests: out.succeeded as f64,
                        requests_per_sec: Some(out.requests_per_sec),
                        mib_per_sec: out.bytes_per_sec / MIB,
                        p50_us: parse::quantile(&mut latencies, 0.50),
                        p99_us: parse::quantile(&mut latencies, 0.99),
                        ..Sample::default()
                    },
                    None,
                ))
            }
            Load::Download { path, size } => {
                let mut command = self.client(env, "curl");
                command
                    .args(["-s", "-o", "/dev/null", "--max-time", "120", "-w"])
                    .arg("%{http_code} %{size_download} %{time_total}")
                    .arg(server.url(path));
                let text = output_of(&mut command, "curl")?;
                let fields: Vec<&str> = text.split_whitespace().collect();
                let expected_size = size;
                let [status, size, time] = fields.as_slice() else {
                    return Err(format!("curl printed `{text}`"));
                };
                if *status != "200" {
                    return Err(format!("{}: download answered {status}", server.label));
                }
                if size.parse::<u64>().ok() != Some(*expected_size) {
                    return Err(format!(
                        "{}: the download was {size} bytes, the file {expected_size}",
                        server.label
                    ));
                }
                let size: f64 = size.parse().map_err(|e| format!("curl size: {e}"))?;
                let time: f64 = time.parse().map_err(|e| format!("curl time: {e}"))?;
                Ok((
                    Sample {
                        requests: 1.0,
                        requests_per_sec: None,
                        mib_per_sec: size / MIB / time.max(1e-9),
                        p50_us: Some(time * 1e6),
                        p99_us: None,
                        ..Sample::default()
                    },
                    None,
                ))
            }
        }
    }
}

/// Checks that `bytes_read` over `requests` responses is, within the tolerance, the
/// probed response's `expected` size: a redirect, an error page or a cut body among
/// them moves the average.
fn same_size(bytes_read: f64, requests: f64, expected: u64) -> Result<(), String> {
    let per_response = bytes_read / requests.max(1.0);
    let expected = expected as f64;
    if (per_response - expected).abs() > expected * WIRE_TOLERANCE {
        return Err(format!(
            "responses under load averaged {per_response:.0} bytes against the \
             {expected:.0} of the probed response: some were not that response"
        ));
    }
    Ok(())
}

fn output_of(command: &mut Command, name: &str) -> Result<String, String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {name}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!(
            "{name} failed ({}): {} {}",
            output.status,
            stdout.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_of_another_size_fail_the_run() {
        // 1,000 responses of 190 bytes each.
        assert!(same_size(190_000.0, 1000.0, 190).is_ok());
        // A few bytes of rounding or an extra chunk pass.
        assert!(same_size(192_000.0, 1000.0, 190).is_ok());
        // One in five answered by a 100-byte redirect instead.
        assert!(same_size(170_000.0, 1000.0, 190).is_err());
        // A 1 KiB file whose responses came back empty.
        assert!(same_size(300_000.0, 1000.0, 1300).is_err());
    }
}
