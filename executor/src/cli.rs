//! The command line (issue 2): `stampede run|validate|ecs`, and bzt's own command line when invoked as `bzt`.

pub fn main() -> std::process::ExitCode {
    eprintln!("stampede: not implemented yet");
    std::process::ExitCode::from(1)
}
