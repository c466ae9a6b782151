#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relay_verifier_fuzz::envelope::run(data));
