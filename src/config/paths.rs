//! Paths as people write them in the config.

use std::path::PathBuf;

/// `~/x` → `$HOME/x`.
pub(super) fn expand_home(p: &str) -> PathBuf {
    if let Some(rest) = p.strip_prefix("~/")
        && let Some(d) = directories::BaseDirs::new()
    {
        return d.home_dir().join(rest);
    }
    PathBuf::from(p)
}
