//! Completions and the man page are generated from the clap definitions;
//! these tests check they name every subcommand and flag, and that the
//! generated files work where they are used.

use std::process::Command;

use clap::CommandFactory;
use clap_complete::Shell;
use queuetop::cli::{Cli, generate};

/// Every (subcommand, long flag) of the CLI, `""` for the top level.
fn every_flag() -> Vec<(String, String)> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut out = Vec::new();
    let mut push = |sub: &str, c: &clap::Command| {
        for a in c.get_arguments() {
            if let Some(long) = a.get_long() {
                out.push((sub.to_string(), format!("--{long}")));
            }
        }
    };
    push("", &cmd);
    for sub in cmd.get_subcommands() {
        push(sub.get_name(), sub);
    }
    out
}

fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect()
}

#[test]
fn completions_name_every_subcommand_and_flag() {
    let flags = every_flag();
    assert!(flags.len() > 15, "{flags:?}");
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let mut text = Vec::new();
        generate::completions(shell, &mut text);
        let text = String::from_utf8(text).unwrap();
        for sub in subcommands() {
            assert!(text.contains(&sub), "{shell}: {sub}");
        }
        for (sub, flag) in &flags {
            // fish writes `-l config`; the others the flag itself.
            let found =
                text.contains(flag.as_str()) || text.contains(&format!("-l {}", &flag[2..]));
            assert!(found, "{shell}: {sub} {flag}");
        }
    }
}

#[test]
fn the_man_page_names_every_subcommand_and_flag() {
    let mut page = Vec::new();
    generate::man_page(&mut page).unwrap();
    // roff escapes the dashes.
    let page = String::from_utf8(page).unwrap().replace("\\-", "-");
    assert!(page.contains(".TH queuetop 1"), "{page}");
    for sub in subcommands() {
        let heading = format!(".SH \"QUEUETOP {}\"", sub.to_uppercase());
        assert!(page.contains(&heading), "{heading}");
    }
    for (sub, flag) in every_flag() {
        let section = if sub.is_empty() {
            page.split(".SH \"QUEUETOP ").next().unwrap().to_string()
        } else {
            let heading = format!(".SH \"QUEUETOP {}\"", sub.to_uppercase());
            let rest = page.split(&heading).nth(1).unwrap();
            rest.split(".SH ").next().unwrap().to_string()
        };
        assert!(section.contains(&flag), "{sub} {flag}");
    }
}

#[test]
fn bash_sources_the_completions_and_man_renders_the_page() {
    let bin = env!("CARGO_BIN_EXE_queuetop");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source <('{bin}' completions bash) && complete -p queuetop"
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("-F _queuetop queuetop"));

    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(bin)
        .args(["man", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = dir.path().join("queuetop.1");
    // groff is what man uses to render; its warnings flag broken roff.
    // -P-cbou: plain text, no bold or underline by overstriking.
    let out = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
        .arg(&page)
        .output()
        .expect("groff (apt-get install groff-base)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "{stderr}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("QUEUETOP SNAPSHOT"), "{text}");
}
