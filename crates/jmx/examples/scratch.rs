use stampede_jmx::*;
fn main() {
    for arg in std::env::args().skip(1) {
        let text = load(std::path::Path::new(&arg), &Limits::default()).unwrap();
        let mut doc = Document::parse(&text, &Limits::default()).unwrap();
        let names: Vec<String> = match doc.to_plan() {
            Err(ReadError::Invalid(errs)) => errs
                .iter()
                .map(|e| {
                    e.name
                        .replace('[', "[[]")
                        .replace('*', "[*]")
                        .replace('?', "[?]")
                })
                .collect(),
            _ => vec![],
        };
        apply_overrides(
            &mut doc,
            &Overrides {
                disable: names,
                ..Default::default()
            },
        );
        match doc.to_plan() {
            Ok(p) => {
                for (d, n) in p.walk() {
                    println!("{}{} {:?}", "  ".repeat(d), n.name, n.kind);
                }
            }
            Err(e) => println!("{e}"),
        }
    }
}
