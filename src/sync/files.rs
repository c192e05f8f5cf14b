//! The files a sync reads: a file as is, a directory's `*.rules` files in
//! GNU version order ([`rules_file_names`]), compiled, with their errors.

use crate::diag::{Diagnostic, Severity};
use crate::host::Host;
use crate::rulefile::{rules_file_names, Entry, Trust};
use std::path::Path;

/// Why a directory given as a path yields no rules files. The message is
/// the reason; [`RuleFilesError::dir`] is the directory it is about.
#[derive(Debug, thiserror::Error)]
pub enum RuleFilesError {
    /// The directory cannot be listed.
    #[error("cannot read the directory: {}", crate::output::reason(.source))]
    Unreadable {
        /// The directory, as given.
        dir: String,
        /// Why.
        source: std::io::Error,
    },
    /// The directory holds no `*.rules` files: an empty rule set is never
    /// assumed from a directory.
    #[error(
        "no *.rules files in this directory (only files named *.rules are read); \
         refusing to treat it as an empty rule set"
    )]
    NoRulesFiles {
        /// The directory, as given.
        dir: String,
    },
}

impl RuleFilesError {
    /// The directory the error is about, as given.
    pub fn dir(&self) -> &str {
        match self {
            RuleFilesError::Unreadable { dir, .. } | RuleFilesError::NoRulesFiles { dir } => dir,
        }
    }
}

/// The files of the paths: a file as is; a directory's `*.rules` files
/// (no dotfiles) in natural order (`2-x` before `10-x`), as augenrules
/// orders them.
pub fn rule_files(paths: &[String]) -> Result<Vec<std::path::PathBuf>, RuleFilesError> {
    let mut out = Vec::new();
    for p in paths {
        let path = Path::new(p);
        if path.is_dir() {
            let names = rules_file_names(path).map_err(|source| RuleFilesError::Unreadable {
                dir: p.clone(),
                source,
            })?;
            if names.is_empty() {
                return Err(RuleFilesError::NoRulesFiles { dir: p.clone() });
            }
            out.extend(names.into_iter().map(|n| path.join(n)));
        } else {
            out.push(path.to_path_buf());
        }
    }
    Ok(out)
}

/// Reads and compiles the paths' files, each read once with its trust
/// checked on what was opened (and a directory given as a path checked
/// itself: [`crate::rulefile::directory_problems`]). Ok: the entries and
/// the trust warnings (under [`Trust::Warn`]). Err: the trust problems,
/// then every error; there is at least one error. Other warnings are
/// dropped.
pub fn entries_from_paths(
    paths: &[String],
    host: &Host,
    trust: Trust,
) -> Result<(Vec<Entry>, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut problems = crate::rulefile::directory_problems(paths, trust);
    let files = match rule_files(paths) {
        Ok(files) => files,
        Err(e) => {
            problems.push(Diagnostic::whole_file(Some(e.dir()), e.to_string()));
            return Err(problems);
        }
    };
    let (entries, diags, found) = crate::rulefile::compile_files_trusted(&files, host, trust);
    let mut problems = crate::rulefile::merge_problems(problems, found);
    let errors = diags.into_iter().filter(|d| d.severity == Severity::Error);
    let before = problems.len();
    problems.extend(errors);
    if problems.len() == before && problems.iter().all(|d| d.severity != Severity::Error) {
        Ok((entries, problems))
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_gives_its_rules_files_in_version_order_or_an_error() {
        let dir = std::env::temp_dir().join(format!("kaudit-rule-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.to_string_lossy().into_owned();
        std::fs::write(dir.join("a.rule"), "").unwrap();
        let e = rule_files(std::slice::from_ref(&d)).unwrap_err();
        assert!(matches!(e, RuleFilesError::NoRulesFiles { .. }), "{e:?}");
        assert_eq!(e.dir(), d);
        assert_eq!(
            e.to_string(),
            "no *.rules files in this directory (only files named *.rules are read); \
             refusing to treat it as an empty rule set"
        );
        for n in ["10-b.rules", "2-a.rules", ".hidden.rules"] {
            std::fs::write(dir.join(n), "").unwrap();
        }
        let files = rule_files(&[d.clone(), "x.rules".into()]).unwrap();
        assert_eq!(
            files,
            [
                dir.join("2-a.rules"),
                dir.join("10-b.rules"),
                "x.rules".into()
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
