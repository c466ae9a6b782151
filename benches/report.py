#!/usr/bin/env python3
"""Turns one criterion run of `benches/verify.rs` into the ratios of BENCHMARKS.md.

Usage: cargo bench --features signing --bench verify && python3 benches/report.py
Reads target/criterion/*/new/estimates.json (point estimate of the mean) and
target/criterion/relay-counts.json (verifications per case, written by the bench).
"""
import json
import os
import sys

target = os.environ.get("CARGO_TARGET_DIR", "target")
root = os.path.join(target, "criterion")


def mean_ns(group, case):
    path = os.path.join(root, group, case, "new", "estimates.json")
    with open(path) as f:
        return json.load(f)["mean"]["point_estimate"]


with open(os.path.join(root, "relay-counts.json")) as f:
    counts = json.load(f)

raw = mean_ns("raw", "ed25519_verify_174")
print(f"raw ed25519-compact verification of 174 bytes: {raw / 1000:.1f} µs\n")
print("| case | time | verifications | counted | named a configured signer | time ÷ (verifications × raw) | time ÷ (counted × raw) |")
print("|---|---|---|---|---|---|---|")
worst = {}
for name, c in sorted(counts.items(), key=lambda kv: (kv[0].split("/")[0], len(kv[0]), kv[0])):
    group, case = name.split("/", 1)
    t = mean_ns(group, case)
    v, n, named = c["verifications"], c["counted"], c["naming_configured"]
    by_v = t / (v * raw) if v else float("nan")
    by_c = t / (n * raw) if n else float("nan")
    worst[name] = (by_v, by_c, v <= named)
    print(f"| {name} | {t / 1000:.1f} µs | {v} | {n} | {named} | {by_v:.3f} | {by_c:.3f} |")

batched = []
for n in (4, 7, 16, 31):
    if os.path.exists(os.path.join(root, "honest", "batched", str(n), "new", "estimates.json")):
        t = mean_ns("honest", os.path.join("batched", str(n)))
        v = counts[f"honest/{n}"]["verifications"]
        batched.append(f"| honest/{n}, batched | {t / 1000:.1f} µs | {v} | {t / (v * raw):.3f} |")
if batched:
    print("\nBatch backend (feature `batch`), same bodies:\n")
    print("| case | time | signatures | time ÷ (signatures × raw single) |")
    print("|---|---|---|---|")
    print("\n".join(batched))
print()
cap = mean_ns("hash", "capability_1mib") / mean_ns("hash", "raw_sha256_1mib")
sec = mean_ns("hash", "secrets_256") / mean_ns("hash", "raw_sha256_secrets_256")
print()
print(f"canonical hash, 1 MiB capability payload ÷ raw SHA-256 of the same bytes: {cap:.3f}")
print(f"canonical hash, 256-entry secrets result ÷ raw SHA-256 of the same bytes: {sec:.3f}")

ok = True
honest31 = worst["honest/31"][1]
ok &= honest31 <= 1.10
for name, (by_v, _, bounded) in worst.items():
    if name.startswith("adversarial/"):
        ok &= by_v <= 1.10 and bounded
ok &= cap <= 1.15
print()
print(f"goals: honest N=31 {honest31:.3f} ≤ 1.10; adversarial ≤ 1.10 of verifications × raw and "
      f"verifications ≤ candidates naming a configured signer; 1 MiB hash {cap:.3f} ≤ 1.15 → "
      + ("all met" if ok else "NOT all met"))
sys.exit(0 if ok else 1)
