//! A tiny bare-metal binary that links `relay-verifier` (`no_std`, no `alloc`,
//! with `small-ed25519` unless built without default features) for
//! `thumbv7em-none-eabihf`, so that the release
//! size of the verifier can be read off its ELF sections (`measure.sh`).
//!
//! The entry point drives the whole enclave path: signer set and config
//! from static keys, `RequestParams::from_json` for *both* methods (which
//! one is hidden behind `core::hint::black_box`), `Verifier::verify` on a
//! black-boxed static body, and every accessor of the verdict an enclave
//! uses (`capability()`, `secrets()` (the §9 post-check) with the entries'
//! ciphertexts and shares, `Error::reason()` for a rejection). Each result
//! goes into `black_box`, so the optimiser can neither constant-fold the
//! inputs nor drop any of the code.
//!
//! The inputs are two reference vectors from `../shared/vectors/verify.json`
//! (`bundle/exactly-f-plus-1` and `capability/all-honest`, both accepted),
//! copied into `data/`. They are ~3.6 KB of `.rodata` that is test data, not
//! verifier: `measure.sh` reports them separately (symbols `INPUT_*`).
//!
//! Built without the `verifier` feature, the same entry point and panic
//! handler are just an empty loop: the baseline to subtract.
//!
//! No `unsafe` block; no runtime crate: nothing here needs `.data`/`.bss` init,
//! interrupts or a vector table, since this binary is measured, not run.
#![no_std]
#![no_main]
// `#[no_mangle]` trips the `unsafe_code` lint (a duplicate symbol is
// undefined behaviour at link time), so `deny` with one local `allow` on the
// entry point instead of `forbid`. There is no `unsafe` block anywhere.
#![deny(unsafe_code)]

use core::panic::PanicInfo;

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// The entry point: the default entry symbol of rust-lld, and the root that
/// `--gc-sections` keeps everything reachable from.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn _start() -> ! {
    #[cfg(feature = "verifier")]
    run::verify_once();
    loop {
        core::hint::spin_loop();
    }
}

#[cfg(feature = "verifier")]
mod run {
    use core::hint::black_box;
    use relay_verifier::{Config, Method, RequestParams, SignerSet, Verdict, Verifier};

    /// The relay DON of both vectors (relay-node-0 to relay-node-3).
    static INPUT_KEYS: [[u8; 32]; 4] = [
        hex32("97e4a26f944161a5f334b7c02ce12d1878d32fa6fa2f925fb02adc29ddb3beec"),
        hex32("1f8029656eca0fb32bcab22b5d9dc8da7c76f4c573bba6a46933cee7a0b82d74"),
        hex32("4a32fc102e53ce42554ea88f1dd07037be6b5603ef09e7740c783abc78ac0372"),
        hex32("e36bfa5e2ddee13e6fe6c830674e13c35d6d8c8c30ec5d48fed96e5bbc0d2b8b"),
    ];
    static INPUT_SECRETS_PARAMS: [u8; 629] = *include_bytes!("../data/secrets_params.json");
    static INPUT_SECRETS_BODY: [u8; 1159] = *include_bytes!("../data/secrets_body.json");
    static INPUT_CAPABILITY_PARAMS: [u8; 267] = *include_bytes!("../data/capability_params.json");
    static INPUT_CAPABILITY_BODY: [u8; 1547] = *include_bytes!("../data/capability_body.json");

    const fn hex32(s: &str) -> [u8; 32] {
        const fn nibble(c: u8) -> u8 {
            match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                _ => panic!("not lowercase hex"),
            }
        }
        let s = s.as_bytes();
        assert!(s.len() == 64);
        let mut out = [0u8; 32];
        let mut i = 0;
        while i < 32 {
            out[i] = nibble(s[2 * i]) << 4 | nibble(s[2 * i + 1]);
            i += 1;
        }
        out
    }

    pub fn verify_once() {
        // Configuration, once at start-up.
        let keys: &[[u8; 32]] = black_box(&INPUT_KEYS[..]);
        let f: usize = black_box(1);
        let signers = match SignerSet::new(keys) {
            Ok(s) => s,
            Err(e) => return reject_config(e),
        };
        let config = match Config::new(signers, f) {
            Ok(c) => c,
            Err(e) => return reject_config(e),
        };
        let verifier = Verifier::new(config);

        // Per request: either method, unknown to the optimiser.
        let (method, params_json, body): (Method, &[u8], &[u8]) = if black_box(true) {
            (
                Method::SecretsGet,
                &INPUT_SECRETS_PARAMS,
                &INPUT_SECRETS_BODY,
            )
        } else {
            (
                Method::CapabilityExecute,
                &INPUT_CAPABILITY_PARAMS,
                &INPUT_CAPABILITY_BODY,
            )
        };
        let method = black_box(method);
        let params_json = black_box(params_json);
        let body = black_box(body);

        let params = match RequestParams::from_json(method, params_json) {
            Ok(p) => p,
            Err(e) => {
                black_box(&e);
                return;
            }
        };

        let verdict = verifier.verify(&params, body);
        black_box(verdict.is_accept());
        match verdict {
            Verdict::Accept(verified) => {
                black_box(verified.hash());
                black_box(verified.signer_count());
                black_box(verified.index());
                for signer in verified.signers() {
                    black_box(signer);
                }
                if let Some(answer) = verified.capability() {
                    black_box(answer.payload.raw());
                    black_box(answer.error.raw());
                }
                if let Some(checked) = verified.secrets() {
                    match checked {
                        Ok(ordered) => {
                            let mut buf = [0u8; 256];
                            for s in ordered.iter() {
                                black_box(s.id.key.raw());
                                if let Some(entry) = s.entry {
                                    black_box(entry.ciphertext.decode_into(&mut buf));
                                    for share in entry.encrypted_shares() {
                                        black_box(share.decode_into(&mut buf));
                                    }
                                }
                            }
                        }
                        Err(e) => {
                            black_box(e.name());
                        }
                    }
                }
            }
            Verdict::Reject(error) => {
                black_box(error.reason());
                #[cfg(feature = "display")]
                display::render(&error);
                black_box(&error);
            }
        }
    }

    #[inline(never)]
    fn reject_config(e: relay_verifier::ConfigError) {
        black_box(&e);
    }

    #[cfg(feature = "display")]
    mod display {
        use core::fmt::Write;
        use core::hint::black_box;

        /// A fixed buffer that truncates, as a log line on a device would.
        struct Line {
            buf: [u8; 256],
            len: usize,
        }

        impl Write for Line {
            fn write_str(&mut self, s: &str) -> core::fmt::Result {
                for &b in s.as_bytes() {
                    if let Some(slot) = self.buf.get_mut(self.len) {
                        *slot = b;
                        self.len += 1;
                    }
                }
                Ok(())
            }
        }

        pub fn render(error: &relay_verifier::Error) {
            let mut line = Line {
                buf: [0; 256],
                len: 0,
            };
            let _ = write!(line, "{error}");
            black_box(line.buf.get(..line.len));
        }
    }
}
