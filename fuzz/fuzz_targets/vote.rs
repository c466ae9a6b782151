#![no_main]

// §13 vote bodies against a Rotation, each step's outcome, the config in
// force and the retired hashes held to the plain model in
// common/vote_model.rs (the decoding lives in common/vote.rs, so that
// tests/replay.rs runs corpus files identically).
libfuzzer_sys::fuzz_target!(|data: &[u8]| relay_verifier_fuzz::vote::run(data));
