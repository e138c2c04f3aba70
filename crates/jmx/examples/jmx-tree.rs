//! Prints the typed tree of each `.jmx` file given, one node a line.
use std::path::Path;

fn main() {
    for arg in std::env::args().skip(1) {
        match stampede_jmx::read_file(Path::new(&arg), &stampede_jmx::Limits::default()) {
            Ok(plan) => {
                for (depth, node) in plan.walk() {
                    println!("{}{} {:?}", "  ".repeat(depth), node.name, node.kind);
                }
            }
            Err(e) => println!("{arg}: {e}"),
        }
    }
}
