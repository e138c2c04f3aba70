//! Every real Taurus results XML in the fixtures reads into the model and writes back byte for byte.

use std::path::PathBuf;

fn xml_fixtures() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/reports/xml");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/reports/xml exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_reference_xml_round_trips_byte_identically() {
    let files = xml_fixtures();
    assert!(
        files.len() >= 15,
        "expected the reference XMLs, found {}",
        files.len()
    );
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let status =
            parser::read::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!status.groups.is_empty(), "{}", path.display());
        let written = parser::write::to_string(&status);
        assert_eq!(
            written,
            text,
            "{} differs after a round trip",
            path.display()
        );
        assert_eq!(parser::read::from_str(&written).unwrap(), status);
    }
}

#[test]
fn reads_values_and_types() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/reports/xml");
    let text = std::fs::read_to_string(dir.join("replay-simple.final-stats.xml")).unwrap();
    let s = parser::read::from_str(&text).unwrap();
    assert_eq!(s.test_duration.as_deref(), Some("7.0"));
    let overall = s.overall().unwrap();
    assert_eq!(overall.throughput, parser::Num::Int(6));
    assert_eq!(overall.avg_rt, parser::Num::Float(1.1965));
    let rc: Vec<_> = overall.rc.iter().map(|k| k.param.as_str()).collect();
    assert_eq!(rc, ["200", "404"]);
    let levels: Vec<_> = overall.perc.iter().map(|k| k.param.as_str()).collect();
    assert_eq!(levels, parser::model::DEFAULT_PERCENTILES);
}
