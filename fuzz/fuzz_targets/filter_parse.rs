//! The filter language: a filter that parses prints back to text that
//! parses to the same tree, and an error's column lies within the text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use queuetop::filter::Filter;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Filter::parse(text) {
        Ok(f) => {
            let printed = f.to_string();
            let again = Filter::parse(&printed)
                .unwrap_or_else(|e| panic!("{printed:?} (from {text:?}) does not parse: {e}"));
            assert_eq!(f, again, "round trip of {text:?} via {printed:?}");
        }
        Err(e) => {
            let len = text.chars().count();
            assert!(e.column >= 1 && e.column <= len + 1, "column {} of {len}", e.column);
        }
    }
});
