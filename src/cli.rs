//! clap definitions. OWNER: foundation helper.
