//! The kaudit side, through the library API only: everything the test needs
//! from the library under test goes through this one module.

use kaudit::compile::{compile_line, Compiled as K, RuleOp};
use kaudit::host::Host;

/// What compiling one line gave.
pub enum Compiled {
    /// A rule to add: the `audit_rule_data` bytes to send.
    Add(Vec<u8>),
    /// A rule to delete: the bytes to send with AUDIT_DEL_RULE.
    Delete(Vec<u8>),
    /// A line that adds no rule (deprecated `possible`, a control line, ...).
    NoRule(String),
}

/// The library under test.
pub struct Kaudit {
    host: Host,
}

impl Kaudit {
    /// The library, or why it cannot be used.
    pub fn new() -> Result<Kaudit, String> {
        Ok(Kaudit::with_host(Host::detect()))
    }

    /// The library, compiling for the given host (the golden replay uses
    /// the recording machine's facts).
    pub fn with_host(host: Host) -> Kaudit {
        Kaudit { host }
    }

    /// Compiles one rules-file line; Err is the diagnostic ("LINE:COL: message").
    pub fn compile(&self, line: &str) -> Result<Compiled, String> {
        let rule_bytes = |op: RuleOp, rule: &kaudit::model::Rule| match op {
            RuleOp::Append | RuleOp::Prepend => Compiled::Add(kaudit::codec::encode(rule)),
            RuleOp::Delete => Compiled::Delete(kaudit::codec::encode(rule)),
        };
        match compile_line(line, &self.host) {
            Err(d) => {
                let d = d.at(None, 1, line);
                Err(format!("{}:{}: {}", d.line, d.column, d.message))
            }
            Ok(K::Nothing) => Ok(Compiled::NoRule("nothing".to_string())),
            Ok(K::Deprecated) => Ok(Compiled::NoRule("deprecated (possible)".to_string())),
            Ok(K::Control(c)) => Ok(Compiled::NoRule(format!("control {c:?}"))),
            Ok(K::Rule { op, rule }) => Ok(rule_bytes(op, &rule)),
            Ok(K::Mixed { op, rule, .. }) => Ok(rule_bytes(op, &rule)),
        }
    }

    /// The `-l` lines kaudit prints for this kernel table (raw listed rules).
    pub fn list_lines(&self, table: &[Vec<u8>]) -> Result<Vec<String>, String> {
        let rules = table
            .iter()
            .map(|b| kaudit::codec::decode(b).map_err(|e| format!("decode: {e:?}")))
            .collect::<Result<Vec<_>, _>>()?;
        let text = kaudit::listing::list_text(&rules, &self.host);
        if rules.is_empty() {
            return Ok(Vec::new());
        }
        Ok(text.lines().map(str::to_string).collect())
    }
}
