#![no_main]

// Bytes in, decoded by the shared code (raw body or structured batch), so
// that tests/replay.rs runs corpus files identically. Every input, either
// mode, is held to `compute::invariants`, PROTOCOL.md §12's bounded work
// among them: at most 2N² verifications (2N entries tried, N trials each),
// none on a malformed body, none for a repeat or past the first 2N.
libfuzzer_sys::fuzz_target!(|data: &[u8]| relay_verifier_fuzz::compute::run(data));
