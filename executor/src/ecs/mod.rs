//! The DLT ECS container entrypoint (issue 7). INTERFACE STUB: `stampede ecs` calls [`main`].

/// Runs the container contract; the returned code is the process exit code (0, 1, 2, 143).
pub fn main() -> std::process::ExitCode {
    eprintln!("stampede ecs: not implemented yet");
    std::process::ExitCode::from(1)
}
