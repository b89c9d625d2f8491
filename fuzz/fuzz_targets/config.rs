//! Arbitrary text as a configuration file: `Config::parse` must answer
//! with a configuration or an error (with a line number inside the text),
//! never panic.

#![no_main]

use hichat_server::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err((Some(line), _)) = Config::parse(text) {
        assert!(line >= 1 && line <= text.lines().count().max(1) + 1, "line {line} of {text:?}");
    }
});
