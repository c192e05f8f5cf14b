//! Rendering a lint report: compiler-style text with carets, JSON, and SARIF
//! 2.1.0 (the OASIS format code-scanning services read). JSON and SARIF are
//! built from serde types.

use super::{Code, Finding, Report};
use crate::diag::Severity;
use serde::Serialize;

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// The text form: every finding with its caret, then a summary line.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&f.render());
    }
    for (c, n) in &report.omitted {
        out.push_str(&format!(
            "lint: {n} more {} {} finding(s) not shown (at most {} of a code are)\n",
            c.id(),
            c.name(),
            super::MAX_PER_CODE
        ));
    }
    let count = |s: Severity| report.count(s);
    let machines: Vec<&str> = report
        .machines
        .iter()
        .map(|m| crate::tables::machine_name(*m))
        .collect();
    out.push_str(&format!(
        "lint: {} file(s), {} rule line(s), for {}: {} error(s), {} warning(s), {} note(s)\n",
        report.files.len(),
        report.rules,
        machines.join(", "),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note)
    ));
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    files: &'a [String],
    rules: usize,
    machines: Vec<&'static str>,
    counts: JsonCounts,
    by_code: Vec<JsonCodeCount>,
    findings: Vec<JsonFinding<'a>>,
    /// Only when findings were left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    omitted: Vec<JsonCodeCount>,
}

/// The codes with findings left out, and how many.
fn omitted(report: &Report) -> Vec<JsonCodeCount> {
    report
        .omitted
        .iter()
        .map(|(c, n)| JsonCodeCount {
            code: c.id(),
            name: c.name(),
            count: *n,
        })
        .collect()
}

#[derive(Serialize)]
struct JsonCounts {
    error: usize,
    warning: usize,
    note: usize,
}

#[derive(Serialize)]
struct JsonCodeCount {
    code: &'static str,
    name: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    file: &'a str,
    line: usize,
    column: usize,
    end_column: usize,
    message: &'a str,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    file: &'a str,
    line: usize,
    message: &'a str,
}

/// The JSON form: one object (see the README for its shape).
pub fn json(report: &Report) -> String {
    let count = |s: Severity| report.count(s);
    let doc = JsonReport {
        files: &report.files,
        rules: report.rules,
        machines: report
            .machines
            .iter()
            .map(|m| crate::tables::machine_name(*m))
            .collect(),
        counts: JsonCounts {
            error: count(Severity::Error),
            warning: count(Severity::Warning),
            note: count(Severity::Note),
        },
        by_code: report
            .counts()
            .into_iter()
            .map(|(c, n)| JsonCodeCount {
                code: c.id(),
                name: c.name(),
                count: n,
            })
            .collect(),
        findings: report
            .findings
            .iter()
            .map(|f| JsonFinding {
                code: f.code.id(),
                name: f.code.name(),
                severity: severity_word(f.severity()),
                file: &f.file,
                line: f.line,
                column: f.column,
                end_column: f.end_column,
                message: &f.message,
                related: f
                    .related
                    .iter()
                    .map(|r| JsonRelated {
                        file: &r.file,
                        line: r.line,
                        message: &r.message,
                    })
                    .collect(),
            })
            .collect(),
        omitted: omitted(report),
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The SARIF 2.1.0 schema this output follows.
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

#[derive(Serialize)]
struct Sarif {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult>,
    /// Only when findings were left out: `{"omitted": [...]}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<RunProperties>,
}

#[derive(Serialize)]
struct RunProperties {
    omitted: Vec<JsonCodeCount>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: Physical,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Artifact,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct Artifact {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Text>,
}

/// A file name as a URI reference: relative names stay relative, absolute
/// ones become `file://` URIs; bytes outside the unreserved set and `/` are
/// percent-encoded.
pub fn file_uri(path: &str) -> String {
    let mut enc = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            enc.push(b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    if path.starts_with('/') {
        format!("file://{enc}")
    } else {
        enc
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn location(f: &Finding) -> Location {
    Location {
        id: None,
        physical_location: Physical {
            artifact_location: Artifact {
                uri: file_uri(&f.file),
            },
            region: (f.line > 0).then(|| Region {
                start_line: f.line,
                start_column: f.source.as_ref().map(|_| f.column),
                end_column: f.source.as_ref().map(|_| f.end_column),
                snippet: f.source.as_ref().map(|s| Text {
                    text: s.trim_end_matches('\r').to_string(),
                }),
            }),
        },
        message: None,
    }
}

/// The SARIF 2.1.0 form: one run, every code as a rule of the tool.
pub fn sarif(report: &Report) -> String {
    let rules = Code::ALL
        .iter()
        .map(|c| Descriptor {
            id: c.id(),
            name: c.name(),
            short_description: Text {
                text: c.description().to_string(),
            },
            default_configuration: Configuration {
                level: level(c.severity()),
            },
        })
        .collect();
    let results = report
        .findings
        .iter()
        .map(|f| SarifResult {
            rule_id: f.code.id(),
            rule_index: Code::ALL.iter().position(|c| *c == f.code).unwrap_or(0),
            level: level(f.severity()),
            message: Text {
                text: f.message.clone(),
            },
            locations: vec![location(f)],
            related_locations: f
                .related
                .iter()
                .enumerate()
                .map(|(i, r)| Location {
                    id: Some(i),
                    physical_location: Physical {
                        artifact_location: Artifact {
                            uri: file_uri(&r.file),
                        },
                        region: (r.line > 0).then_some(Region {
                            start_line: r.line,
                            start_column: None,
                            end_column: None,
                            snippet: None,
                        }),
                    },
                    message: Some(Text {
                        text: r.message.clone(),
                    }),
                })
                .collect(),
        })
        .collect();
    let doc = Sarif {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "kaudit",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results,
            properties: (!report.omitted.is_empty()).then(|| RunProperties {
                omitted: omitted(report),
            }),
        }],
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
