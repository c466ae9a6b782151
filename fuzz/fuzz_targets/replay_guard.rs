#![no_main]

// §14 operation sequences against a small ReplayGuard, each outcome held
// to the map in common/replay_model.rs; a full guard must still refuse
// every live entry.
libfuzzer_sys::fuzz_target!(|data: &[u8]| relay_verifier_fuzz::replay_guard::run(data));
