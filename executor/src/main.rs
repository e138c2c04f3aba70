//! Thin shell: parse the command line, run, map the outcome to an exit code.
fn main() -> std::process::ExitCode {
    executor::cli::main()
}
