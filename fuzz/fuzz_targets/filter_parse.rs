//! The filter language: a filter that parses prints back to text that
//! parses to the same tree, and an error's column lies within the text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use queuetop::filter::{Filter, FilterErrorKind, MAX_FILTER_CHARS};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Filter::parse(text) {
        Ok(f) => {
            let printed = f.to_string();
            match Filter::parse(&printed) {
                Ok(again) => assert_eq!(f, again, "round trip of {text:?} via {printed:?}"),
                // The canonical form adds spaces, so a compact input near
                // the limit may print past it (the wire sends the text as
                // written; see tests/fuzz_regressions/). Nothing else may fail.
                Err(e) => assert!(
                    matches!(e.kind, FilterErrorKind::TooLong(_))
                        && printed.chars().count() > MAX_FILTER_CHARS,
                    "{printed:?} (from {text:?}) does not parse: {e}"
                ),
            }
        }
        Err(e) => {
            let len = text.chars().count();
            assert!(e.column >= 1 && e.column <= len + 1, "column {} of {len}", e.column);
        }
    }
});
