//! Shell completions and the man page, both from the clap definitions, so
//! neither can drift from the flags the binary takes.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_complete::Shell;

use super::Cli;

/// The completion script for `shell`.
pub fn completions(shell: Shell, out: &mut dyn Write) {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "queuetop", out);
}

/// `queuetop.1`: the main page, then one section per subcommand with its
/// synopsis, options and examples, so one `man queuetop` shows every flag.
pub fn man_page(out: &mut dyn Write) -> io::Result<()> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    clap_mangen::Man::new(cmd.clone()).render(out)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let man = clap_mangen::Man::new(sub.clone());
        let mut page = Vec::new();
        man.render_synopsis_section(&mut page)?;
        man.render_description_section(&mut page)?;
        man.render_options_section(&mut page)?;
        if sub.get_after_help().is_some() {
            man.render_extra_section(&mut page)?;
        }
        // Sections of the subcommand become subsections of its own section.
        let page = String::from_utf8_lossy(&page).replace(".SH ", ".SS ");
        writeln!(out, ".SH \"QUEUETOP {}\"", sub.get_name().to_uppercase())?;
        out.write_all(page.as_bytes())?;
    }
    Ok(())
}
