//! The kaudit side, through the library API only. Everything the test
//! needs from the library under test goes through this one module.
//!
//! STUB: the library API (`kaudit::host`, `kaudit::compile`, `kaudit::codec`,
//! `kaudit::listing`) is not in main yet. Until it is, `Kaudit::new` reports
//! it as unavailable and the test runs the reference side only.

/// What compiling one line gave.
#[allow(dead_code)] // constructed only once the library API is wired in
pub enum Compiled {
    /// A rule to add: the `audit_rule_data` bytes to send.
    Add(Vec<u8>),
    /// A rule to delete: the bytes to send with AUDIT_DEL_RULE.
    Delete(Vec<u8>),
    /// A line that adds no rule (deprecated `possible`, a control line, ...).
    NoRule(String),
}

/// The library under test.
pub struct Kaudit {}

impl Kaudit {
    /// The library, or why it cannot be used yet.
    pub fn new() -> Result<Kaudit, String> {
        Err("kaudit library API (host, compile, codec, listing) is not in main yet".to_string())
    }

    /// Compiles one rules-file line; Err is the diagnostic ("LINE:COL: message").
    pub fn compile(&self, _line: &str) -> Result<Compiled, String> {
        Err("unavailable".to_string())
    }

    /// The `-l` lines kaudit prints for this kernel table (raw listed rules).
    pub fn list_lines(&self, _table: &[Vec<u8>]) -> Result<Vec<String>, String> {
        Err("unavailable".to_string())
    }
}
