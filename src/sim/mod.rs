//! The simulator: a model contact center served on loopback. OWNER: sim helper.
