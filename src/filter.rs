//! The filter language (PROTOCOL.md section 2): parser and evaluator. OWNER: foundation helper.
