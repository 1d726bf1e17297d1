//! Drawing: a pure function of state, one file per panel. OWNER: ui helper.
