//! The files a sync reads: a file as is, a directory's `*.rules` files in
//! GNU version order ([`filevercmp`]), compiled, with their errors.

use crate::diag::{Diagnostic, Severity};
use crate::filevercmp::filevercmp;
use crate::host::Host;
use crate::rulefile::Entry;
use std::path::Path;

/// The files of the paths: a file as is; a directory's `*.rules` files
/// (no dotfiles) in natural order (`2-x` before `10-x`), as augenrules
/// orders them.
/// The error is (the directory, the reason).
pub fn rule_files(paths: &[String]) -> Result<Vec<std::path::PathBuf>, (String, String)> {
    use std::os::unix::ffi::OsStrExt;
    let mut out = Vec::new();
    for p in paths {
        let path = Path::new(p);
        if path.is_dir() {
            // Names are bytes: a name that is not UTF-8 is a file like any other.
            let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(path)
                .map_err(|e| {
                    (
                        p.clone(),
                        format!("cannot read the directory: {}", crate::output::reason(&e)),
                    )
                })?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name())
                .filter(|n| n.as_bytes().ends_with(b".rules") && !n.as_bytes().starts_with(b"."))
                .collect();
            if names.is_empty() {
                return Err((
                    p.clone(),
                    "no *.rules files in this directory (only files named *.rules are read); \
                     refusing to treat it as an empty rule set"
                        .into(),
                ));
            }
            names.sort_by(|a, b| filevercmp(a.as_bytes(), b.as_bytes()));
            out.extend(names.into_iter().map(|n| path.join(n)));
        } else {
            out.push(path.to_path_buf());
        }
    }
    Ok(out)
}

/// Reads and compiles the paths' files; any error is returned (all of
/// them), warnings are dropped.
pub fn entries_from_paths(paths: &[String], host: &Host) -> Result<Vec<Entry>, Vec<Diagnostic>> {
    let files =
        rule_files(paths).map_err(|(p, why)| vec![Diagnostic::whole_file(Some(&p), why)])?;
    let (entries, diags) = crate::rulefile::compile_files(&files, host);
    let errors: Vec<Diagnostic> = diags
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}
