//! Lowers `.jmx` files and prints each group's load and labels, or the refusals:
//! `cargo run -p stampede-jmxplan --example lower -- plan.jmx...`

fn main() {
    for arg in std::env::args().skip(1) {
        let path = std::path::Path::new(&arg);
        let opts = stampede_jmxplan::Options {
            base_dir: path.parent().map(ToOwned::to_owned).unwrap_or_default(),
            ..Default::default()
        };
        println!("== {arg}");
        match stampede_jmxplan::lower_file(path, &opts) {
            Ok(l) => {
                for g in &l.groups {
                    println!(
                        "  group {:?}: {} users, {:?} iterations: {:?}",
                        g.name,
                        g.load.concurrency,
                        g.load.iterations,
                        g.scenario.labels()
                    );
                }
            }
            Err(e) => println!("  {e}"),
        }
    }
}
