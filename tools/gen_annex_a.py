#!/usr/bin/env python3
"""Seeded generator of realistic Annex A lists 6-9 and a workforce list, with the expected answers.

For a council of N children in need it writes, into --out:

  list6.csv      children in need (every open and recently closed case)
  list7.csv      children subject to a child protection plan
  list8.csv      children in care
  list9.csv      care leavers
  workforce.csv  social work posts
  expected.json  what `bandwatch import` with examples/extracts.bw must make of them

The files are as messy as real exports: a UTF-8 byte order mark, CRLF line ends, quoted fields
holding commas, quotes and line breaks, header names that drift from the mapping (case, a
"(dd/mm/yyyy)" suffix, curly apostrophes), Excel's trailing empty columns, dates written four
ways (dd/mm/yyyy, yyyy-mm-dd, Excel serial numbers, "dd/mm/yyyy 00:00"), curly apostrophes in
team names, blank lines at the end, and a few bad rows: unreadable dates, blank keys, a missing
visit date, a comma and a line break outside quotes. expected.json lists every bad row's line,
the rows read, imported, filtered and rejected per list, and the measures worked out from the
rows that import: caseload per worker (a child counted once per worker across lists 6-9),
unallocated children per team (flagged on lists 6 and 9), child protection plans open two years or more, children in care
whose visit or review is out of timescale, care leavers in suitable accommodation and in EET,
and vacant and agency FTE.

The same seed always gives the same files. Usage:

  tools/gen_annex_a.py --children 3000 --seed 7 --as-of 2020-02-04 --out /tmp/annex_a
  tools/gen_annex_a.py --lists 8 --list8-rows 1000000 --out /tmp/bench   # the benchmark's list
"""

import argparse
import calendar
import datetime as dt
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
HOLIDAYS = os.path.join(HERE, "..", "data", "bank_holidays_england_wales.txt")

TEAMS = {
    "assessment": ["Assessment Team Cambridge", "Assessment Team Fenland", "Assessment Team Huntingdon"],
    "children": ["Hunts Children's Team 1", "Hunts Children's Team 2", "Fenland Children's Team 1",
                 "Cambridge Children's Team 1", "Disability Social Work Hunts",
                 "Unaccompanied Children and Young People"],
    "cic": ["North Child in Care Team 1", "South Child in Care Team 1"],
    "care_leavers": ["North Care Leaver Team", "South Care Leaver Team"],
}
CIN_TEAMS = TEAMS["assessment"] + TEAMS["children"]
LEGAL = ["C2 - Full care order", "C1: Interim care order", "E1: Placement order granted",
         "V2 - Single period of accommodation under section 20", "J2: Remanded to local authority"]
SHORT_BREAKS = ["V3 - Accommodated under an agreed series of short-term breaks",
                "V4: Short breaks, when agreements are recorded"]
PLACEMENTS = ["U1 - Foster placement with relative or friend", "U4 - Foster placement with other foster carer",
              "K2 - Children's Homes", "P1: Placed with own parents", "H5 - Semi-independent living"]
PROVIDERS = ["Own provision (by the LA)", "Private provision", "Other LA provision", "Voluntary/third sector"]
NEED = ["N1 - Abuse or neglect", "N2 - Child's disability", "N3 - Parental illness or disability",
        "N4 - Family in acute stress", "N5 - Family dysfunction", "N8 - Absent parenting"]
ABUSE = ["Neglect", "Emotional abuse", "Physical abuse", "Sexual abuse", "Multiple"]
ACTIVITY_EET = ["F1 - Full time higher education", "P1 - Part time higher education",
                "F2 - Full time education other than higher", "P2: Part time education other than higher",
                "F3 - Full time training or employment", "P3 - Part time training or employment"]
ACTIVITY_NEET = ["G4 - NEET: illness or disability", "G5 - NEET: other circumstances",
                 "G6 - NEET: pregnancy or parenting", "0 - Not in touch"]
ACCOMMODATION = ["B - Parents or relatives", "C - Community home", "D - Semi-independent, transitional",
                 "S - Supported lodgings", "T - Foyers", "U - Independent living", "B2 - Bed and breakfast"]
NOTES = ["Visited at home, all well", "Mother says \"no more meetings\"", "School report: attendance 87%, improving",
         "Strategy meeting held; police, health and school attended", "Two lines\nof case notes",
         "Moved placement, see chronology", ""]
EPOCH_EXCEL = dt.date(1899, 12, 30)


# ---- calendar, exactly as bandwatch counts ------------------------------------------------------

def add_months(date, months):
    """`date` moved by calendar months, clamped to the month's last day (31 May + 3 months...)."""
    total = date.year * 12 + date.month - 1 + months
    year, month = divmod(total, 12)
    day = min(date.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day)


def at_least_months(start, as_of, months):
    """True when `months` calendar months separate start and as_of: age(start) >= months."""
    return add_months(start, months) <= as_of


class Holidays:
    def __init__(self, path):
        self.days = set()
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    self.days.add(dt.date.fromisoformat(line[:10]))

    def working_days_between(self, start, end):
        """Working days after `start` up to and including `end`."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if day.weekday() < 5 and day not in self.days:
                count += 1
        return count


# ---- writing CSV the way Excel does -------------------------------------------------------------

def quote(field):
    if field == "" or not any(c in field for c in ',"\r\n') and field.strip() == field:
        return field
    return '"' + field.replace('"', '""') + '"'


class ListWriter:
    """Writes one list, counting physical lines so bad rows can be named by line."""

    def __init__(self, path, header, trailing_empty=2):
        self.path = path
        self.parts = ["\ufeff"]
        self.width = len(header)
        self.trailing = trailing_empty
        self.line = 1            # the line the next record starts on
        self.records = 0         # records after the header
        self.bad_lines = []
        self.imported = 0
        self.filtered = 0
        self._write(header, count=False)

    def _write(self, fields, count=True):
        text = ",".join(quote(f) for f in fields) + "," * self.trailing
        self.parts.append(text + "\r\n")
        breaks = text.replace("\r\n", "\n").count("\n")
        self.line += 1 + breaks
        if count:
            self.records += 1

    def row(self, fields, outcome):
        """outcome: 'imported', 'filtered' or 'bad'."""
        assert len(fields) == self.width, (self.path, fields)
        if outcome == "bad":
            self.bad_lines.append(self.line)
        elif outcome == "imported":
            self.imported += 1
        else:
            self.filtered += 1
        self._write(fields)

    def raw_bad(self, text, records):
        """A row broken by hand (an unquoted comma or line break): `records` records, all bad."""
        for k in range(records):
            self.bad_lines.append(self.line + k)
        self.parts.append(text + "\r\n")
        self.line += text.count("\n") + 1
        self.records += records

    def close(self):
        self.parts.append("\r\n\r\n")  # blank trailing lines, as Excel leaves them
        with open(self.path, "w", encoding="utf-8", newline="") as f:
            f.write("".join(self.parts))
        return {"file": os.path.basename(self.path), "rows_read": self.records,
                "imported": self.imported, "filtered": self.filtered,
                "rejected": len(self.bad_lines), "bad_lines": self.bad_lines}


# ---- the council ---------------------------------------------------------------------------------

class Council:
    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.as_of = dt.date.fromisoformat(args.as_of)
        self.args = args
        self.holidays = Holidays(HOLIDAYS)
        per_team = max(2, args.children // 120)
        self.workers = {}
        n = 0
        for kind, names in TEAMS.items():
            for team in names:
                self.workers[team] = []
                for _ in range(per_team if kind != "care_leavers" else max(2, per_team // 2)):
                    n += 1
                    self.workers[team].append(f"W{n:04d}")
        self.open_pairs = set()       # (worker, child) of every imported open case
        self.unallocated = {}         # team -> set of children
        self.measures = {"cp_plans_two_years_or_more": 0, "cic_visits_out_of_timescale": 0,
                         "cic_reviews_out_of_timescale": 0, "care_leavers": 0,
                         "care_leavers_suitably_accommodated": 0, "care_leavers_in_eet": 0,
                         "vacant_fte": 0.0, "agency_fte": 0.0}

    # Dates are written four ways, as exports mix them.
    def fmt_date(self, date):
        r = self.rng.random()
        if r < 0.85:
            return date.strftime("%d/%m/%Y")
        if r < 0.90:
            return date.isoformat()
        if r < 0.95:
            return str((date - EPOCH_EXCEL).days)
        return date.strftime("%d/%m/%Y") + " 00:00"

    def days_ago(self, low, high):
        return self.as_of - dt.timedelta(days=self.rng.randint(low, high))

    def team_text(self, team):
        # Some rows come from a system that types curly apostrophes.
        return team.replace("'", "\u2019") if self.rng.random() < 0.2 else team

    def note_open(self, worker, child, team, flags_unallocated=False):
        """An imported open case; lists 6 and 9 also flag unallocated children (unallocated_case)."""
        if worker:
            self.open_pairs.add((worker, child))
        elif flags_unallocated:
            self.unallocated.setdefault(team, set()).add(child)

    def bad_count(self, rows):
        return max(1, rows // 200)

    def dob(self, low_years, high_years):
        return self.days_ago(low_years * 365, high_years * 365)


def generate(args):
    c = Council(args)
    rng = c.rng
    out = args.out
    os.makedirs(out, exist_ok=True)
    lists = set(args.lists.split(","))
    expected = {"as_of": args.as_of, "seed": args.seed, "children": args.children, "lists": {}}

    # The children in need, with what the other lists need to know about them.
    children = []
    for i in range(args.children):
        team = rng.choice(CIN_TEAMS)
        worker = "" if rng.random() < 0.02 else rng.choice(c.workers[team])
        children.append({"id": f"C{i + 1:06d}", "team": team, "worker": worker,
                         "closed": rng.random() < 0.18, "dob": c.dob(0, 17)})

    # ---- list 6 ----------------------------------------------------------------------------------
    if "6" in lists:
        w = ListWriter(os.path.join(out, "list6.csv"),
                       ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
                        "Disability", "Case Status", "Category of Need", "Allocated Team", "ALLOCATED WORKER",
                        "Referral Date", "Case Closure Date", "Case Summary"])
        bad = set(rng.sample(range(len(children)), min(len(children), c.bad_count(len(children)))))
        for k, ch in enumerate(children):
            closure = c.fmt_date(c.days_ago(1, 300)) if ch["closed"] else ""
            fields = [ch["id"], rng.choice(["a) Male", "b) Female", "c) Not known"]),
                      rng.choice(["WBRI", "WOTH", "MWBC", "ASIN", "BAFR"]), c.fmt_date(ch["dob"]),
                      str((c.as_of - ch["dob"]).days // 365), rng.choice(["Yes", "No"]),
                      "b) Closed" if ch["closed"] else "a) Open", rng.choice(NEED), c.team_text(ch["team"]),
                      ch["worker"], c.fmt_date(c.days_ago(30, 900)), closure, rng.choice(NOTES)]
            if k in bad and not ch["closed"]:
                if k % 2 == 0:
                    fields[0] = ""  # blank key
                    w.row(fields, "bad")
                else:
                    # A line break outside quotes splits the row in two short records.
                    text = ",".join(quote(f) for f in fields[:5]) + "\r\n" + ",".join(quote(f) for f in fields[5:]) + ",,"
                    w.raw_bad(text, 2)
                ch["list6_bad"] = True
                continue
            if ch["closed"]:
                w.row(fields, "filtered")
            else:
                w.row(fields, "imported")
                c.note_open(ch["worker"], ch["id"], ch["team"], flags_unallocated=True)
        expected["lists"]["annex_a_list6"] = w.close()

    open_children = [ch for ch in children if not ch["closed"]]

    # ---- list 7 ----------------------------------------------------------------------------------
    if "7" in lists:
        w = ListWriter(os.path.join(out, "list7.csv"),
                       ["Child Unique ID", "Gender", "Date of Birth", "Allocated Team", "Allocated Worker",
                        "Child protection plan start date", "Initial Category of Abuse", "Latest Category of Abuse",
                        "Date of last CP visit", "Child Protection Plan End Date",
                        "Number of Previous Child Protection Plans"])
        cp = [ch for ch in open_children if rng.random() < 0.12]
        bad = set(rng.sample(range(len(cp)), min(len(cp), c.bad_count(len(cp))))) if cp else set()
        for k, ch in enumerate(cp):
            start = c.days_ago(0, 1100)
            ended = rng.random() < 0.10
            fields = [ch["id"], rng.choice(["a) Male", "b) Female"]), c.fmt_date(ch["dob"]), c.team_text(ch["team"]),
                      ch["worker"], c.fmt_date(start), rng.choice(ABUSE), rng.choice(ABUSE),
                      c.fmt_date(c.days_ago(0, 20)), c.fmt_date(c.days_ago(1, 60)) if ended else "",
                      str(rng.choice([0, 0, 0, 1, 2]))]
            if ended:
                w.row(fields, "filtered")
                continue
            if k in bad:
                fields[5] = rng.choice(["31/02/2019", "not known", "2019-13-01", "04/02/19"])
                w.row(fields, "bad")
                continue
            w.row(fields, "imported")
            c.note_open(ch["worker"], ch["id"], ch["team"])
            if at_least_months(start, c.as_of, 24):
                c.measures["cp_plans_two_years_or_more"] += 1
        expected["lists"]["annex_a_list7"] = w.close()

    # ---- list 8 ----------------------------------------------------------------------------------
    if "8" in lists:
        w = ListWriter(os.path.join(out, "list8.csv"),
                       ["Child Unique ID", "Gender", "Date of Birth", "Age of Child (Years)", "UASC",
                        "Date Started to be Looked After", "Child\u2019s Category of Need", "Legal Status",
                        "Date of Latest Statutory Review", "Date of last statutory visit (dd/mm/yyyy)",
                        "Placement Start Date", "Placement Type", "Placement Provider",
                        "Date Ceased to be Looked After", "Allocated Team", "Allocated Worker"])
        if args.list8_rows:
            cic = []
            for i in range(args.list8_rows):
                team = rng.choice(CIN_TEAMS)
                cic.append({"id": f"L{i + 1:07d}", "team": team, "worker": rng.choice(c.workers[team]),
                            "dob": c.dob(0, 17)})
        else:
            cic = [ch for ch in open_children if rng.random() < 0.15]
        bad = set(rng.sample(range(len(cic)), min(len(cic), c.bad_count(len(cic))))) if cic else set()
        cic_workers = [wk for team in TEAMS["cic"] for wk in c.workers[team]]
        for k, ch in enumerate(cic):
            team, worker = ch["team"], ch["worker"]
            if worker and rng.random() < 0.15:  # a child in care worker as well as the family's
                worker = rng.choice(cic_workers)
                team = next(t for t in TEAMS["cic"] if worker in c.workers[t])
            new_entrant = rng.random() < 0.05
            started = c.days_ago(1, 45) if new_entrant else c.days_ago(60, 3000)
            started = max(started, dt.date(2010, 1, 4))
            placement = started + dt.timedelta(days=rng.randint(0, (c.as_of - started).days))
            visit = c.days_ago(0, 140 if rng.random() < 0.1 else 40)
            visit = max(visit, placement)
            if new_entrant and rng.random() < 0.7:
                review = None
            else:
                review = c.days_ago(0, 250 if rng.random() < 0.1 else 170)
                review = max(review, started + dt.timedelta(days=rng.randint(5, 40)))
                if review > c.as_of:
                    review = c.as_of
            r = rng.random()
            ceased = ""
            outcome = "imported"
            legal = rng.choice(LEGAL)
            if r < 0.08:
                ceased = c.fmt_date(c.days_ago(0, 30))  # left care (0: today, still filtered)
                outcome = "filtered"
            elif r < 0.09:
                ceased = c.fmt_date(c.as_of + dt.timedelta(days=rng.randint(1, 5)))  # exported late
            elif r < 0.12:
                legal = rng.choice(SHORT_BREAKS)
                outcome = "filtered"
            fields = [ch["id"], rng.choice(["a) Male", "b) Female"]), c.fmt_date(ch["dob"]),
                      str((c.as_of - ch["dob"]).days // 365), rng.choice(["Yes", "No", "No", "No"]),
                      c.fmt_date(started), rng.choice(NEED), legal, c.fmt_date(review) if review else "",
                      c.fmt_date(visit), c.fmt_date(placement), rng.choice(PLACEMENTS), rng.choice(PROVIDERS),
                      ceased, c.team_text(team), worker]
            if outcome == "imported" and k in bad and worker:
                kind = k % 3
                if kind == 0:
                    fields[9] = ""  # no visit recorded: the mapping reports it
                elif kind == 1:
                    fields[10] = rng.choice(["30/02/2019", "unknown", "00/00/0000"])
                else:
                    # An unquoted comma: every later field moves one column right.
                    fields[12] = "Private provision, Ltd"
                    w.raw_bad(",".join(quote(f) if i != 12 else f for i, f in enumerate(fields)) + ",", 1)
                    continue
                w.row(fields, "bad")
                continue
            w.row(fields, outcome)
            if outcome != "imported":
                continue
            c.note_open(worker, ch["id"], team)
            # age(visit) > 6 weeks and not (age(placement) >= 1 year and age(visit) <= 3 months)
            visit_overdue = visit + dt.timedelta(weeks=6) < c.as_of and not (
                at_least_months(placement, c.as_of, 12) and add_months(visit, 3) >= c.as_of)
            if review is None:
                review_overdue = c.holidays.working_days_between(started, c.as_of) > 20
            else:
                review_overdue = (add_months(review, 6) < c.as_of or
                                  (add_months(review, 3) < c.as_of and
                                   (review - started).days <= 42))
            c.measures["cic_visits_out_of_timescale"] += int(visit_overdue)
            c.measures["cic_reviews_out_of_timescale"] += int(review_overdue)
        expected["lists"]["annex_a_list8"] = w.close()

    # ---- list 9 ----------------------------------------------------------------------------------
    if "9" in lists:
        w = ListWriter(os.path.join(out, "list9.csv"),
                       ["Child Unique ID", "Gender", "Date of Birth", "Age", "Allocated Team", "Allocated Worker",
                        "In Touch", "Activity", "Accommodation Type", "Accommodation Suitability",
                        "Pathway Plan Review Date"])
        leavers = max(3, args.children * 6 // 100)
        bad = set(rng.sample(range(leavers), c.bad_count(leavers)))
        for k in range(leavers):
            team = rng.choice(TEAMS["care_leavers"])
            worker = "" if rng.random() < 0.03 else rng.choice(c.workers[team])
            in_touch = rng.random() < 0.9
            eet = in_touch and rng.random() < 0.52
            activity = rng.choice(ACTIVITY_EET) if eet else (rng.choice(ACTIVITY_NEET[:3]) if in_touch else ACTIVITY_NEET[3])
            suitable = in_touch and rng.random() < 0.9
            suitability = ("1 - Suitable" if suitable else "2 - Not suitable") if in_touch else ""
            fields = [f"Y{k + 1:05d}", rng.choice(["a) Male", "b) Female"]), c.fmt_date(c.dob(17, 21)),
                      str(rng.randint(17, 21)), c.team_text(team), worker, "Yes" if in_touch else "No",
                      activity, rng.choice(ACCOMMODATION) if in_touch else "", suitability,
                      c.fmt_date(c.days_ago(0, 200))]
            if k in bad:
                fields[0] = ""
                w.row(fields, "bad")
                continue
            w.row(fields, "imported")
            c.note_open(worker, fields[0], team, flags_unallocated=True)
            c.measures["care_leavers"] += 1
            c.measures["care_leavers_suitably_accommodated"] += int(suitable)
            c.measures["care_leavers_in_eet"] += int(eet)
        expected["lists"]["annex_a_list9"] = w.close()

    # ---- workforce -------------------------------------------------------------------------------
    if "workforce" in lists:
        w = ListWriter(os.path.join(out, "workforce.csv"),
                       ["Post Number", "Team", "Job Title", "Post Holder Type", "Qualified Social Work Post",
                        "FTE", "Start Date", "Post Deleted Date"])
        posts = []
        for team, workers in c.workers.items():
            posts += [(team, wk) for wk in workers]
            posts += [(team, None)] * rng.randint(0, 2)  # vacancies
        bad = set(rng.sample(range(len(posts)), c.bad_count(len(posts))))
        for k, (team, worker) in enumerate(posts):
            qualified = rng.random() < 0.9
            deleted = rng.random() < 0.03
            fte = rng.choice([1.0, 1.0, 1.0, 0.8, 0.6, 0.5])
            holder = "Vacant" if worker is None else ("Agency worker" if rng.random() < 0.15 else "Permanent")
            fields = [f"P{k + 1:05d}", c.team_text(team),
                      "Social Worker" if qualified else "Family Support Worker", holder,
                      "Yes" if qualified else "No", f"{fte:.1f}", c.fmt_date(c.days_ago(30, 4000)),
                      c.fmt_date(c.days_ago(1, 100)) if deleted else ""]
            if not qualified or deleted:
                w.row(fields, "filtered")
                continue
            if k in bad:
                fields[5] = rng.choice(["n/a", "0,5", "full time"])
                w.row(fields, "bad")
                continue
            w.row(fields, "imported")
            if holder == "Vacant":
                c.measures["vacant_fte"] += fte
            elif holder == "Agency worker":
                c.measures["agency_fte"] += fte
        expected["lists"]["workforce"] = w.close()

    caseload = {}
    for worker, _child in c.open_pairs:
        caseload[worker] = caseload.get(worker, 0) + 1
    c.measures["vacant_fte"] = round(c.measures["vacant_fte"], 6)
    c.measures["agency_fte"] = round(c.measures["agency_fte"], 6)
    expected["measures"] = dict(c.measures)
    expected["measures"]["caseload"] = dict(sorted(caseload.items()))
    expected["measures"]["unallocated_children"] = {t: len(s) for t, s in sorted(c.unallocated.items())}
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    return expected


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=1000, help="children in need (default 1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", default="2020-02-04", help="the export date (default 2020-02-04)")
    parser.add_argument("--out", required=True, help="directory to write into")
    parser.add_argument("--lists", default="6,7,8,9,workforce", help="which lists (default all)")
    parser.add_argument("--list8-rows", type=int, default=0,
                        help="write this many list 8 rows regardless of --children (benchmarks)")
    args = parser.parse_args()
    expected = generate(args)
    for name, info in expected["lists"].items():
        print(f"{info['file']}: {info['rows_read']} rows, {info['rejected']} bad", file=sys.stderr)


if __name__ == "__main__":
    main()
