//! `kaudit generate-docs DIR` (used by scripts/install.sh): man pages
//! (`kaudit.8` and one per subcommand) and shell completions, all from the
//! clap definitions of the command line ([`super::args`]), so they never
//! disagree with `--help`.

use crate::error::Error;
use crate::exit;
use std::path::Path;

/// Writes `DIR/man8/*.8` and `DIR/completions/*` for the command line `cmd`.
pub fn generate(mut cmd: clap::Command, dir: &Path) -> Result<u8, Error> {
    let man = dir.join("man8");
    let comp = dir.join("completions");
    std::fs::create_dir_all(&man).map_err(Error::Docs)?;
    std::fs::create_dir_all(&comp).map_err(Error::Docs)?;
    cmd.build();
    let page = |c: &clap::Command, name: &str| -> Result<(), Error> {
        let mut buf = Vec::new();
        clap_mangen::Man::new(c.clone())
            .title(name.to_uppercase())
            .section("8")
            .render(&mut buf)
            .map_err(Error::Docs)?;
        std::fs::write(man.join(format!("{name}.8")), buf).map_err(Error::Docs)
    };
    page(&cmd, "kaudit")?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        page(sub, &format!("kaudit-{}", sub.get_name()))?;
    }
    let name = cmd.get_name().to_string();
    for shell in [
        clap_complete::Shell::Bash,
        clap_complete::Shell::Zsh,
        clap_complete::Shell::Fish,
    ] {
        clap_complete::generate_to(shell, &mut cmd, &name, &comp).map_err(Error::Docs)?;
    }
    Ok(exit::OK)
}
