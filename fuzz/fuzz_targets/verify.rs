#![no_main]

// Takes bytes and decodes the structured `Scenario` itself (with
// `arbitrary`, as `fuzz_target!(|s: Scenario| ..)` would), so that
// tests/replay.rs decodes corpus files identically.
libfuzzer_sys::fuzz_target!(|data: &[u8]| relay_verifier_fuzz::bundle::run(data));
