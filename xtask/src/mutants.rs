//! `cargo xtask mutants [GROUP...]`: mutation testing of the pure-logic modules
//! with cargo-mutants, one group (one package and its files) after the other, at
//! low priority and one job at a time. The figures and the mutants left alive,
//! each with its reason, are in `docs/mutants.md`.
//!
//! cargo-mutants is installed (`cargo install cargo-mutants --locked`) when it is
//! missing. Each group writes `target/mutants/GROUP/mutants.out/`. Too slow for CI
//! (minutes per group on a quiet machine), so CI does not run it.

use std::process::Command;

/// One run: a package, the files whose mutants are tested, and which of the
/// package's tests judge them (`--lib`: unit tests; `--tests`: unit and
/// integration tests, no doctests).
struct Group {
    name: &'static str,
    package: &'static str,
    files: &'static [&'static str],
    tests: &'static str,
}

const GROUPS: &[Group] = &[
    Group {
        name: "static-files",
        package: "gw-static-files",
        files: &[
            "crates/static-files/src/range.rs",
            "crates/static-files/src/conditional.rs",
            "crates/static-files/src/path.rs",
            "crates/static-files/src/encoding.rs",
        ],
        tests: "--lib",
    },
    Group {
        name: "server",
        package: "gw-server",
        files: &[
            "crates/server/src/frontend/fastcgi/record.rs",
            "crates/server/src/deploy/parse.rs",
            "crates/server/src/deploy/substitute.rs",
            "crates/server/src/settings.rs",
        ],
        tests: "--lib",
    },
    Group {
        name: "router-pattern",
        package: "gw-controller-router",
        files: &[
            "crates/controller-router/src/pattern.rs",
            "crates/controller-router/src/urls.rs",
        ],
        tests: "--tests",
    },
    Group {
        name: "router-generate",
        package: "gw-controller-router",
        files: &["crates/controller-router/src/generate.rs"],
        tests: "--tests",
    },
    Group {
        name: "router-matcher",
        package: "gw-controller-router",
        files: &["crates/controller-router/src/matcher.rs"],
        tests: "--tests",
    },
];

pub(crate) fn mutants(args: &[String]) -> Result<(), String> {
    let chosen: Vec<&Group> = if args.is_empty() {
        GROUPS.iter().collect()
    } else {
        args.iter()
            .map(|name| {
                GROUPS.iter().find(|g| g.name == name).ok_or_else(|| {
                    let names: Vec<_> = GROUPS.iter().map(|g| g.name).collect();
                    format!("unknown group {name}; groups: {}", names.join(", "))
                })
            })
            .collect::<Result<_, _>>()?
    };
    crate::ensure_cargo_subcommand("mutants", "cargo-mutants")?;
    let root = crate::workspace_root()?;
    let out_root = crate::target_dir(&root).join("mutants");
    let mut failed = Vec::new();
    for group in chosen {
        let out = out_root.join(group.name);
        // cargo-mutants makes `mutants.out` inside this folder, not the folder.
        std::fs::create_dir_all(&out)
            .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        let out = out.to_string_lossy();
        let mut argv = vec![
            "-n",
            "19",
            "cargo",
            "mutants",
            "--jobs",
            "1",
            "--package",
            group.package,
            "--test-package",
            group.package,
            "--timeout",
            "30",
            "--output",
            &out,
            "--cargo-arg",
            group.tests,
        ];
        for file in group.files {
            argv.extend(["--file", file]);
        }
        eprintln!("xtask: mutants of {} (cd {})", group.name, root.display());
        // cargo-mutants exits non-zero when a mutant is missed; go on with the
        // other groups and report at the end.
        let status = Command::new("nice")
            .args(&argv)
            .current_dir(&root)
            .status()
            .map_err(|e| format!("cannot start nice cargo mutants: {e}"))?;
        if !status.success() {
            failed.push(format!("{} ({status})", group.name));
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "missed mutants or failures in: {}; see target/mutants/GROUP/mutants.out/missed.txt and docs/mutants.md",
            failed.join(", ")
        ))
    }
}
