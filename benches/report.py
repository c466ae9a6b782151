#!/usr/bin/env python3
"""Prints the ratios of one interleaved run of `benches/verify.rs` and judges the goals.

Usage: cargo bench --all-features --bench verify && python3 benches/report.py
Reads $CARGO_TARGET_DIR/relay-bench.json (written by the bench). Every ratio
was taken per round from its two sides timed back to back; the table gives
the median and the minimum over the rounds. Exit status: 0 when every goal
is met by the median, 1 when one is missed (the last line says which), 2
when the results are missing.
"""
import json
import os
import sys

target = os.environ.get("CARGO_TARGET_DIR", "target")
path = os.path.join(target, "relay-bench.json")
try:
    with open(path) as f:
        run = json.load(f)
except OSError as e:
    print(f"no results: {e}", file=sys.stderr)
    sys.exit(2)

rows = run["rows"]
rounds = rows[0]["rounds"] if rows else 0
print(f"{rounds} rounds of interleaved A/B batches of ~{run['sample_ms']} ms; "
      f"load average at the end: {run['loadavg']}\n")
print("| row | A (median) | against | B (median) | ratio median | ratio min | goal |")
print("|---|---|---|---|---|---|---|")
missed = []
for r in rows:
    goal = ""
    if "goal" in r:
        ok = r["median"] <= r["goal"] if r["at_most"] else r["median"] >= r["goal"]
        goal = ("≤ " if r["at_most"] else "≥ ") + f"{r['goal']:g}" + (": met" if ok else ": **missed**")
        if not ok:
            missed.append(f"{r['name']} {r['median']:.3f} (goal {goal.split(':')[0]})")
    scale = "" if r["scale"] == 1 else f"{r['scale']:g} × "
    extra = ""
    if "bytes" in r and r["name"].startswith("junk"):
        extra = f" ({r['bytes'] / r['a_us']:.0f} MB/s)"
    print(f"| {r['name']} | {r['a_us']:.1f} µs{extra} | {r['against']} | {scale}{r['b_us']:.1f} µs | "
          f"**{r['median']:.3f}** | {r['min']:.3f} | {goal} |")

counted = [r for r in rows if "verifications" in r]
if counted:
    print("\n| row | body bytes | verifications | counted | candidates naming a configured signer |")
    print("|---|---|---|---|---|")
    for r in counted:
        bounded = r["verifications"] <= max(r["named"], 0)
        if not bounded:
            missed.append(f"{r['name']}: {r['verifications']} verifications > {r['named']} named")
        print(f"| {r['name']} | {r.get('bytes', '')} | {r['verifications']} | {r['counted']} | {r['named']} |")

print()
if missed:
    print("goals NOT all met: " + "; ".join(missed))
    sys.exit(1)
print("goals: all met (medians), and no body verified more signatures than it named configured signers")
