#![no_main]

// Bytes in, decoded by the shared code (raw body or structured batch), so
// that tests/replay.rs runs corpus files identically.
libfuzzer_sys::fuzz_target!(|data: &[u8]| relay_verifier_fuzz::compute::run(data));
