//! The query parser must never panic, whatever bytes arrive (it is fed straight from a URL).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(parsed) = search_index::query::parse(text) {
            // Parsing is deterministic: the same text gives the same query.
            assert_eq!(search_index::query::parse(text), Ok(parsed));
        }
    }
});
