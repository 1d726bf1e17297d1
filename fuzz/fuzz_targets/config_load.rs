//! Config loading: any text gives a config or problems that point inside
//! the text, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use queuetop::config::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let env = std::collections::HashMap::new();
    if let Err(problems) = Config::from_toml_str(text, "fuzz.toml", &env) {
        assert!(!problems.is_empty());
        let lines = text.split('\n').count();
        for p in problems {
            assert!(!p.message.is_empty());
            assert!(p.line <= lines + 1, "line {} of {lines}: {p:?}", p.line);
        }
    }
});
