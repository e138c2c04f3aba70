//! Thin shell over the library (issue 6).
fn main() {
    eprintln!("results-parser: not implemented yet");
    std::process::exit(1);
}
