#!/usr/bin/env python3
"""Generated SSDA903 returns and CIN censuses (tools/gen_returns.py) through `bandwatch import
--return`: the children and rows held back, each table's counts, and the measures the samples
give must be what the generator worked out itself, for several seeds and years.

usage: generated_returns_test.py BANDWATCH SOURCE_DIR
"""

import collections
import json
import os
import re
import subprocess
import sys
import tempfile

BANDWATCH, SOURCE = sys.argv[1], sys.argv[2]
GENERATOR = os.path.join(SOURCE, "tools", "gen_returns.py")
failures = []


def check(what, got, want):
    if got != want:
        failures.append(f"{what}: got {got!r}, want {want!r}")


def samples_of(text):
    """metric -> list of (labels dict, value)."""
    out = collections.defaultdict(list)
    for line in text.splitlines():
        m = re.match(r'([a-z0-9_]+)\{(.*)\} (\S+) \S+$', line)
        labels = dict(re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"', m.group(2)))
        out[m.group(1)].append((labels, float(m.group(3))))
    return out


def run(kind, year, seed, children, extra):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, GENERATOR, kind, "--children", str(children), "--year", str(year),
                        "--seed", str(seed), "--out", tmp], check=True)
        expected = json.load(open(os.path.join(tmp, "expected.json")))
        target = os.path.join(tmp, "cin_census.xml") if kind == "cin" else tmp
        result = subprocess.run([BANDWATCH, "import", "--return", kind, "--year", str(year), "--out",
                                 os.path.join(tmp, "out.samples"), *extra, target], capture_output=True, text=True)
        samples = open(os.path.join(tmp, "out.samples")).read() if os.path.exists(os.path.join(tmp, "out.samples")) else ""
        return expected, result, samples


def ssda903(year, seed, children):
    expected, result, text = run("ssda903", year, seed, children, [])
    tag = f"ssda903 {year} seed {seed}"
    check(f"{tag}: exit status", result.returncode, 4 if expected["children_held_back"] else 0)
    s = samples_of(text)
    quality = {l["table"]: v for l, v in s["return_rows_read"]}
    held = {l["table"]: v for l, v in s["return_rows_held_back"]}
    for table, counts in expected["tables"].items():
        check(f"{tag}: {table} rows read", quality.get(table), counts["rows_read"])
        check(f"{tag}: {table} rows held back", held.get(table), counts["rows_held_back"])
    check(f"{tag}: children held back", s["return_children_held_back"][0][1], expected["children_held_back"])
    # Every held-back child's fault is reported with a file:line (at least one line each), and
    # a held-back child gives no sample.
    reported = set(re.findall(r"^(\S+\.csv):(\d+): ", result.stderr, re.M))
    check(f"{tag}: problems reported with file:line, at least one per child held back",
          len(reported) >= expected["children_held_back"], True)
    for child in expected["held_back"]:
        if f'child="{child}"' in text:
            failures.append(f"{tag}: held-back child {child} has samples")
    by_status = collections.Counter(l["legal_status"] for l, _ in s["ssda903_looked_after"])
    check(f"{tag}: looked after by legal status", dict(sorted(by_status.items())), expected["looked_after_by_legal_status"])
    check(f"{tag}: 3 or more placements", sum(1 for _, v in s["ssda903_placements"] if v >= 3),
          expected["three_or_more_placements"])
    for group, counts in expected["care_leavers_in_eet"].items():
        rows = [v for l, v in s["ssda903_care_leaver_in_eet"] if l["age_group"] == group]
        check(f"{tag}: care leavers {group}", {"in_eet": int(sum(rows)), "of": len(rows)}, counts)


def cin(year, seed, children):
    expected, result, text = run("cin", year, seed, children, [])
    tag = f"cin {year} seed {seed}"
    check(f"{tag}: exit status", result.returncode, 4 if expected["children_held_back"] else 0)
    s = samples_of(text)
    check(f"{tag}: children held back", s["return_children_held_back"][0][1], expected["children_held_back"])
    check(f"{tag}: children read", {l["table"]: v for l, v in s["return_rows_read"]}, {"children": expected["children"]})
    pairs = [("referrals", "repeat_referrals", "cin_referral_repeat"),
             ("assessments", "assessments_within_45", "cin_assessment_within_45_days"),
             ("icpcs", "icpcs_within_15", "cin_icpc_within_15_days"),
             ("plans_ended", "plans_two_years", "cin_cp_plan_lasted_two_years")]
    for total, ones, metric in pairs:
        check(f"{tag}: {total}", len(s[metric]), expected[total])
        check(f"{tag}: {ones}", int(sum(v for _, v in s[metric])), expected[ones])
    check(f"{tag}: open on 31 March", len(s["cin_open_at_year_end"]), expected["open_at_year_end"])
    check(f"{tag}: problems reported with file:line", len(re.findall(r"\.xml:\d+: ", result.stderr)) >=
          expected["children_held_back"], True)
    for child in expected["held_back"]:
        if f'child="{child}"' in text:
            failures.append(f"{tag}: held-back child {child} has samples")


for year, seed in [(2024, 1), (2021, 2), (2025, 3)]:
    ssda903(year, seed, 400)
for year, seed in [(2024, 1), (2023, 5)]:
    cin(year, seed, 400)

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("generated returns: every count and measure as the generator worked them out")
