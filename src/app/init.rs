//! `queuetop init`: a commented config at the standard path (or
//! `--config`), mode 600 in a folder it makes 700, from prompts or, for
//! scripts, the environment and flags; when the credentials work, the
//! queues to watch are picked from the org's list, by number or by a name
//! pattern.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

use crate::config::{
    DEFAULT_ENVIRONMENT, GenesysConfig, api_url_for, environment_problem, login_url_for,
};
use crate::feed::queue_list::{OrgQueue, list_queues};

/// What `init` was told on the command line.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    pub path: PathBuf,
    pub environment: Option<String>,
    pub client_id: Option<String>,
    pub login_url: Option<String>,
    pub api_url: Option<String>,
    /// Numbers, ranges, a name pattern, or `all`.
    pub queues: Option<String>,
    pub force: bool,
}

/// Exit 0 when the file was written with queues; 2 when something the
/// user must give is missing; 1 when the org could not be listed (the
/// file is then written without queues, to finish by hand).
pub async fn run(
    opts: InitOptions,
    env: &std::collections::HashMap<String, String>,
) -> color_eyre::Result<i32> {
    let path = &opts.path;
    if path.exists() && !opts.force {
        eprintln!(
            "queuetop: {} exists; check it with `queuetop check-config`, or pass --force to replace it",
            path.display()
        );
        return Ok(2);
    }
    let interactive = std::io::stdin().is_terminal();
    let Some(Credentials {
        genesys,
        secret,
        secret_from_env,
    }) = credentials(&opts, env, interactive)?
    else {
        return Ok(2);
    };
    let picked = match list_queues(&genesys).await {
        Ok(all) => match pick(&all, opts.queues.as_deref(), interactive)? {
            Ok(picked) => Some(picked),
            Err(why) => {
                eprintln!("queuetop: {why}");
                return Ok(2);
            }
        },
        Err(error) => {
            eprintln!(
                "queuetop: cannot list the queues of {}: {error}; writing the config without queues: add [[queue]] tables (`queuetop queues` lists them once the credentials work)",
                genesys.server_label()
            );
            None
        }
    };
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        private_dir(dir)?;
    }
    // A secret typed in goes to its own file; one from the environment
    // stays there.
    let secret_file = if secret_from_env {
        None
    } else {
        Some(write_private(
            &sibling(path, "client_secret"),
            secret.expose_secret(),
        )?)
    };
    let text = render(&opts, &genesys, secret_file.as_deref(), picked.as_deref());
    write_private(path, &text)?;
    let count = picked.as_ref().map_or(0, Vec::len);
    println!(
        "wrote {} ({count} queues); check it with `queuetop check-config`, then run `queuetop`",
        path.display()
    );
    Ok(if picked.is_some() { 0 } else { 1 })
}

/// Where to connect and as whom.
struct Credentials {
    genesys: GenesysConfig,
    secret: SecretString,
    /// The secret came from GENESYS_CLIENT_SECRET (and stays there).
    secret_from_env: bool,
}

/// The region and credentials from the flags, the environment or prompts;
/// None (the reason printed) when something the user must give is missing.
fn credentials(
    opts: &InitOptions,
    env: &std::collections::HashMap<String, String>,
    interactive: bool,
) -> color_eyre::Result<Option<Credentials>> {
    let get = |key: &str| env.get(key).filter(|value| !value.is_empty()).cloned();
    let environment = match opts
        .environment
        .clone()
        .or_else(|| get("GENESYS_ENVIRONMENT"))
    {
        Some(environment) => environment,
        None if interactive => ask(&format!("Region domain [{DEFAULT_ENVIRONMENT}]: "))?
            .filter(|answer| !answer.is_empty())
            .unwrap_or_else(|| DEFAULT_ENVIRONMENT.to_string()),
        None => DEFAULT_ENVIRONMENT.to_string(),
    };
    if let Some(why) = environment_problem(&environment) {
        eprintln!("queuetop: {why}");
        return Ok(None);
    }
    let client_id = match opts.client_id.clone().or_else(|| get("GENESYS_CLIENT_ID")) {
        Some(id) => id,
        None if interactive => ask("OAuth client id: ")?.unwrap_or_default(),
        None => String::new(),
    };
    let env_secret = get("GENESYS_CLIENT_SECRET");
    let secret_from_env = env_secret.is_some();
    let secret = match env_secret {
        Some(secret) => Some(SecretString::from(secret)),
        None if interactive => ask_secret("OAuth client secret (not shown): ")?,
        None => None,
    };
    let (Some(secret), false) = (secret, client_id.is_empty()) else {
        eprintln!(
            "queuetop: init needs a client id and secret: set GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET (or pass --client-id), or run it in a terminal to be asked"
        );
        return Ok(None);
    };
    let genesys = GenesysConfig {
        environment: environment.clone(),
        client_id,
        client_secret: Some(secret.clone()),
        login_url: opts
            .login_url
            .clone()
            .unwrap_or_else(|| login_url_for(&environment)),
        api_url: opts
            .api_url
            .clone()
            .unwrap_or_else(|| api_url_for(&environment)),
        ..GenesysConfig::default()
    };
    Ok(Some(Credentials {
        genesys,
        secret,
        secret_from_env,
    }))
}

/// The queues to watch: from `--queues`, else asked; None on EOF.
fn pick(
    all: &[OrgQueue],
    given: Option<&str>,
    interactive: bool,
) -> color_eyre::Result<Result<Vec<OrgQueue>, String>> {
    let selection = match given {
        Some(given) => given.to_string(),
        None if interactive => {
            eprint!("{}", super::queues::table(all));
            ask("Queues to watch (numbers such as 1,3-5, a name pattern such as Support*, or all): ")?
                .unwrap_or_default()
        }
        None => {
            return Ok(Err(
                "pass --queues (numbers such as 1,3-5, a name pattern, or all) when not in a terminal; `queuetop queues` lists them".into(),
            ));
        }
    };
    Ok(super::queues::select(all, &selection).map(|chosen| chosen.into_iter().cloned().collect()))
}

fn sibling(path: &Path, name: &str) -> PathBuf {
    path.parent().unwrap_or(Path::new(".")).join(name)
}

/// Creates `dir` and any missing parent for the owner only (mode 700, as
/// the XDG base directory spec asks), so the names in it stay private
/// too. An existing directory is the user's: it is left as it is, with a
/// warning when others may enter it (not for a shared, sticky one such as
/// /tmp, which must stay open).
fn private_dir(dir: &Path) -> color_eyre::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    match std::fs::metadata(dir) {
        Ok(meta) => {
            let mode = meta.permissions().mode() & 0o7777;
            let shared = mode & 0o1000 != 0;
            if meta.is_dir() && !shared && mode & 0o077 != 0 {
                eprintln!(
                    "queuetop: warning: {dir} is open to other users (mode {mode:o}); the files init writes there are readable by you only, but to keep the folder private too: chmod 700 {dir}",
                    dir = dir.display()
                );
            }
            Ok(())
        }
        Err(_) => std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|error| color_eyre::eyre::eyre!("cannot create {}: {error}", dir.display())),
    }
}

/// Writes `text` readable by its owner only, into a directory that exists.
fn write_private(path: &Path, text: &str) -> color_eyre::Result<PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::fs::PermissionsExt;
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        // An existing file keeps its mode through open: set it.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(text.as_bytes())?;
        file.flush()
    };
    write().map_err(|e| color_eyre::eyre::eyre!("cannot write {}: {e}", path.display()))?;
    Ok(path.to_path_buf())
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The config file: what was chosen, commented, and pointers to the rest.
fn render(
    opts: &InitOptions,
    genesys: &GenesysConfig,
    secret_file: Option<&Path>,
    queues: Option<&[OrgQueue]>,
) -> String {
    let mut text = String::from(
        "# queuetop configuration, written by `queuetop init`.\n\
         # Every key: docs/CONFIG.md, or `queuetop --print-example-config`.\n\
         # Check it with `queuetop check-config`.\n\n[genesys]\n",
    );
    text.push_str(&format!(
        "environment = {}      # region domain\n",
        quoted(&genesys.environment)
    ));
    text.push_str(&format!("client_id = {}\n", quoted(&genesys.client_id)));
    match secret_file {
        Some(file) => text.push_str(&format!(
            "client_secret_file = {}   # readable by you only\n",
            quoted(&file.display().to_string())
        )),
        None => text.push_str("# The secret comes from GENESYS_CLIENT_SECRET.\n"),
    }
    if let Some(url) = &opts.login_url {
        text.push_str(&format!("login_url = {}\n", quoted(url)));
    }
    if let Some(url) = &opts.api_url {
        text.push_str(&format!("api_url = {}\n", quoted(url)));
    }
    match queues {
        Some(queues) => {
            text.push_str("\n# The queues to watch; `queuetop queues` lists them all.\n");
            for queue in queues {
                let about = match (&queue.division, queue.member_count) {
                    (Some(division), Some(members)) => format!("   # {division}, {members} members"),
                    (Some(division), None) => format!("   # {division}"),
                    (None, Some(members)) => format!("   # {members} members"),
                    (None, None) => String::new(),
                };
                text.push_str(&format!(
                    "\n[[queue]]\nid = {}{about}\nname = {}\n",
                    quoted(&queue.id),
                    quoted(&queue.name)
                ));
            }
        }
        None => text.push_str(
            "\n# Add one [[queue]] table per queue to watch (`queuetop queues` lists them):\n\
             # [[queue]]\n# id = \"8f1c2a6e-0d3b-4f5a-9c7e-2b4d6f8a0c1e\"\n# name = \"Support EN\"\n",
        ),
    }
    text.push_str(
        "\n[alerts]                # 0 switches an alert off\nutilization_pct = 90\nwaiting = 10\n",
    );
    text
}

/// One line from the terminal; None at end of input.
fn ask(prompt: &str) -> color_eyre::Result<Option<String>> {
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line)?;
    Ok((read > 0).then(|| line.trim().to_string()))
}

/// A line read with echo off, so the secret never shows on screen.
fn ask_secret(prompt: &str) -> color_eyre::Result<Option<SecretString>> {
    let fd = libc::STDIN_FILENO;
    // SAFETY: termios is plain data, filled by tcgetattr on our own stdin.
    let mut saved: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: fd is stdin; saved is a valid termios to fill.
    let have = unsafe { libc::tcgetattr(fd, &mut saved) } == 0;
    if have {
        let mut quiet = saved;
        quiet.c_lflag &= !libc::ECHO;
        // SAFETY: as above; quiet is a copy of the current settings.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) };
    }
    let line = ask(prompt);
    if have {
        // SAFETY: restores the settings read above.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &saved) };
        eprintln!();
    }
    Ok(line?
        .filter(|answer| !answer.is_empty())
        .map(SecretString::from))
}
