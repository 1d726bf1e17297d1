//! The seed's subscription rules, as types that can only be built valid. OWNER: foundation helper.
