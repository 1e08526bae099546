#!/usr/bin/env python3
"""End to end: generated Annex A lists through `bandwatch import` and examples/extracts.bw give the
answers the generator knows (tools/gen_annex_a.py): every bad row reported at its line, the
rows read, imported, filtered and rejected per list, and the measures worked out from the
samples (caseload per worker with a child counted once per worker across lists 6-9, unallocated
children, plans open two years or more, visits and reviews out of timescale, care leavers in
suitable accommodation and EET, vacant and agency FTE). Also --strict: nothing written.

Usage: generated_lists_test.py BANDWATCH REPO_ROOT [--children N] [--seed S]
Prints "N passed, M failed" and exits non-zero on any failure.
"""

import argparse
import calendar
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile

SAMPLE = re.compile(r'^(\w+)(?:\{(.*)\})? (\S+) (\d{4}-\d\d-\d\d)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
SUMMARY = re.compile(r'^(.*): rows read (\d+), imported (\d+), filtered (\d+), rejected (\d+)')


def add_months(date, months):
    total = date.year * 12 + date.month - 1 + months
    year, month = divmod(total, 12)
    return dt.date(year, month + 1, min(date.day, calendar.monthrange(year, month + 1)[1]))


def read_samples(path):
    samples = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = SAMPLE.match(line.rstrip("\n"))
            assert m, f"not a sample line: {line!r}"
            labels = {k: v.replace('\\"', '"').replace("\\\\", "\\") for k, v in LABEL.findall(m.group(2) or "")}
            samples.append((m.group(1), labels, float(m.group(3)), m.group(4)))
    return samples


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def equal(self, what, got, want):
        if got == want:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {what}: got {got!r}, want {want!r}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bandwatch")
    parser.add_argument("root")
    parser.add_argument("--children", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    checks = Checks()
    as_of = "2020-02-04"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(args.root, "tools", "gen_annex_a.py"), "--children",
                        str(args.children), "--seed", str(args.seed), "--as-of", as_of, "--out", tmp],
                       check=True, stderr=subprocess.DEVNULL)
        with open(os.path.join(tmp, "expected.json"), encoding="utf-8") as f:
            expected = json.load(f)

        samples = {}
        for extract, info in expected["lists"].items():
            csv_path = os.path.join(tmp, info["file"])
            out = os.path.join(tmp, extract + ".samples")
            run = subprocess.run([args.bandwatch, "import", "--rules", os.path.join(args.root, "examples"),
                                  "--extract", extract, "--as-of", as_of, "--out", out, csv_path],
                                 capture_output=True, text=True)
            checks.equal(f"{extract}: exit status", run.returncode, 4 if info["rejected"] else 0)
            bad_lines = sorted({int(m.group(1)) for m in re.finditer(
                re.escape(csv_path) + r":(\d+): ", run.stderr)})
            checks.equal(f"{extract}: lines reported", bad_lines, info["bad_lines"])
            summary = [SUMMARY.match(line) for line in run.stderr.splitlines()]
            summary = [m for m in summary if m]
            if len(summary) != 1:
                checks.equal(f"{extract}: one summary line", run.stderr, "")
                continue
            m = summary[0]
            checks.equal(f"{extract}: rows read/imported/filtered/rejected",
                         tuple(int(m.group(i)) for i in range(2, 6)),
                         (info["rows_read"], info["imported"], info["filtered"], info["rejected"]))
            samples[extract] = read_samples(out)

        measures = expected["measures"]
        date = dt.date.fromisoformat(as_of)
        other_dates = sorted({day for rows in samples.values() for _, _, _, day in rows} - {as_of})
        checks.equal("every sample dated the as-of date", other_dates, [])
        pairs, unallocated = set(), {}
        for extract in ("annex_a_list6", "annex_a_list7", "annex_a_list8", "annex_a_list9"):
            for metric, labels, value, day in samples.get(extract, []):
                if metric == "open_case" and labels["worker"]:
                    pairs.add((labels["worker"], labels["child"]))
                if metric == "unallocated_case" and value == 1:
                    unallocated.setdefault(labels["team"], set()).add(labels["child"])
        caseload = {}
        for worker, _child in pairs:
            caseload[worker] = caseload.get(worker, 0) + 1
        checks.equal("caseload per worker", dict(sorted(caseload.items())), measures["caseload"])
        checks.equal("unallocated children per team", {t: len(c) for t, c in sorted(unallocated.items())},
                     measures["unallocated_children"])

        def total(extract, metric):
            return sum(v for m, _, v, _ in samples.get(extract, []) if m == metric)

        def count(extract, metric):
            return sum(1 for m, _, _, _ in samples.get(extract, []) if m == metric)

        two_years = sum(1 for m, _, v, _ in samples.get("annex_a_list7", [])
                        if m == "cp_plan_age" and add_months(date - dt.timedelta(days=int(v)), 24) <= date)
        checks.equal("plans open two years or more", two_years, measures["cp_plans_two_years_or_more"])
        checks.equal("visits out of timescale", total("annex_a_list8", "cic_visit_overdue"),
                     measures["cic_visits_out_of_timescale"])
        checks.equal("reviews out of timescale", total("annex_a_list8", "cic_review_overdue"),
                     measures["cic_reviews_out_of_timescale"])
        checks.equal("care leavers", count("annex_a_list9", "care_leaver_in_eet"), measures["care_leavers"])
        checks.equal("care leavers suitably accommodated",
                     total("annex_a_list9", "care_leaver_suitably_accommodated"),
                     measures["care_leavers_suitably_accommodated"])
        checks.equal("care leavers in EET", total("annex_a_list9", "care_leaver_in_eet"),
                     measures["care_leavers_in_eet"])
        for status, key in (("vacant", "vacant_fte"), ("agency", "agency_fte")):
            fte = sum(v for m, l, v, _ in samples.get("workforce", [])
                      if m == "social_work_post_fte" and l["post_status"] == status)
            checks.equal(f"{status} FTE", round(fte, 6), measures[key])

        # --strict: a bad row means nothing is written, and the exit status says so.
        out = os.path.join(tmp, "strict.samples")
        run = subprocess.run([args.bandwatch, "import", "--rules", os.path.join(args.root, "examples"),
                              "--extract", "annex_a_list7", "--as-of", as_of, "--strict", "--out", out,
                              os.path.join(tmp, "list7.csv")], capture_output=True, text=True)
        checks.equal("--strict exit status", run.returncode, 1)
        checks.equal("--strict writes nothing", os.path.exists(out), False)
        checks.equal("--strict says so", "nothing imported" in run.stderr, True)

    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
