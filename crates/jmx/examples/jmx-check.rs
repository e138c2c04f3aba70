//! Reads each `.jmx` file given and prints its thread groups and samplers, or every problem.
use std::path::Path;

fn main() {
    for arg in std::env::args().skip(1) {
        match stampede_jmx::read_file(Path::new(&arg), &stampede_jmx::Limits::default()) {
            Ok(plan) => {
                println!("{arg}: OK \"{}\" ({} notes)", plan.name, plan.notes.len());
                for (node, group) in plan.thread_groups() {
                    println!(
                        "  group \"{}\" {:?} {:?}",
                        node.name, group.role, group.kind
                    );
                    for (s, h) in node.http_samplers() {
                        println!("    {} {:?} {:?}{:?}", s.name, h.method, h.domain, h.path);
                    }
                }
                for n in &plan.notes {
                    println!("  note: {n}");
                }
            }
            Err(e) => println!("{arg}: ERR {e}"),
        }
    }
}
