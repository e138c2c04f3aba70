//! The image contract that can be checked without a container engine: the Dockerfile and the
//! `.dockerignore` allow-list agree with the workspace, and the runtime stage is what DLT expects.

use std::path::Path;

fn root_file(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The workspace members from the root manifest.
fn members() -> Vec<String> {
    let manifest = root_file("Cargo.toml");
    let line = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("members"))
        .expect("members = [...]");
    let list = &line[line.find('[').unwrap() + 1..line.find(']').unwrap()];
    list.split(',')
        .map(|m| m.trim().trim_matches('"').to_string())
        .filter(|m| !m.is_empty())
        .collect()
}

#[test]
fn every_workspace_member_is_in_the_build_context_and_copied() {
    let dockerfile = root_file("Dockerfile");
    let ignore = root_file(".dockerignore");
    assert!(
        ignore.lines().any(|l| l.trim() == "*"),
        "the .dockerignore is an allow-list"
    );
    for m in members() {
        // Either the member's top folder or the member itself is allowed and copied.
        let top = m.split('/').next().unwrap();
        let dirs = [top, m.as_str()];
        assert!(
            dirs.iter()
                .any(|d| ignore.lines().any(|l| l.trim() == format!("!{d}/"))),
            ".dockerignore does not allow {m}/"
        );
        assert!(
            dirs.iter().any(|d| dockerfile
                .lines()
                .any(|l| l.trim() == format!("COPY {d} {d}"))),
            "the Dockerfile does not COPY {m}"
        );
    }
    for f in ["Cargo.toml", "Cargo.lock"] {
        assert!(ignore.lines().any(|l| l.trim() == format!("!{f}")), "{f}");
    }
}

#[test]
fn runtime_stage_is_nonroot_with_dlt_paths_and_the_ecs_entrypoint() {
    let dockerfile = root_file("Dockerfile");
    let runtime = &dockerfile[dockerfile.rfind("\nFROM ").expect("a runtime stage")..];
    let has = |l: &str| runtime.lines().any(|x| x.trim() == l);
    assert!(
        has(r#"ENTRYPOINT ["/usr/local/bin/stampede", "ecs"]"#),
        "{runtime}"
    );
    assert!(has("WORKDIR /bzt-configs"), "{runtime}");
    assert!(has("USER 65532:65532"), "{runtime}");
    assert!(!runtime.contains("USER root") && !runtime.contains("USER 0"));
    // The build stage makes bzt the same binary, the artifacts dir, and DLT v4's health-check shell.
    for needle in [
        "ln -s stampede /out/usr/local/bin/bzt",
        "mkdir -p /out/tmp/artifacts /out/bzt-configs",
        "chmod 1777 /out/tmp",
        "ln -s busybox /out/bin/test",
        "cargo build --release --locked -p executor --bin stampede",
    ] {
        assert!(dockerfile.contains(needle), "missing: {needle}");
    }
}
