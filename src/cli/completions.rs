//! `csfkit completions SHELL`: print a completion script for bash, zsh, fish, PowerShell or elvish.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::Result;

/// Arguments of `csfkit completions`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  csfkit completions bash > ~/.local/share/bash-completion/completions/csfkit\n  \
csfkit completions zsh > ~/.zfunc/_csfkit\n  csfkit completions fish > ~/.config/fish/completions/csfkit.fish"
)]
pub(crate) struct Args {
    /// The shell to write completions for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Runs `csfkit completions`.
pub(super) fn run(args: &Args) -> Result<u8> {
    let mut cmd = Cli::command();
    // clap_complete panics when its writer fails: generate into memory, then write with the
    // usual handling of a closed pipe (success) or a full device (exit 74).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "csfkit", &mut script);
    crate::output::stdout_bytes(&script)?;
    Ok(0)
}
