#!/usr/bin/env python3
"""Seeded generator of realistic, messy statutory returns, with the answers they must give.

  tools/gen_returns.py ssda903 --children 2000 --year 2024 --seed 7 --out /tmp/903
  tools/gen_returns.py cin --children 3000 --year 2024 --seed 7 --out /tmp/cin

`ssda903` writes the return's CSV tables (header, episodes, reviews, oc3, missing and, from 2024,
social_worker) for N children: children looked after on 31 March with a history of placements,
children who left care during the year, a few on short breaks, and care leavers. `cin` writes a
census XML (cin_census.xml) for N children in need with referrals, assessments, section 47
enquiries and child protection plans.

Both are as messy as real exports: a byte order mark and CRLF line ends, codes in lower case,
dates written dd/mm/yyyy and yyyy-mm-dd (SSDA903), padding spaces, comments and ragged indentation
(XML), blank lines; and about 3% of children carry a fault the data-quality gate must catch
(overlapping episodes or plans, a code not in the year's list, an episode ending before it began,
a missing header row, a review whose date of birth disagrees, an impossible date, a closed case
without its reason). expected.json gives what `bandwatch import --return ...` must make of them:
the children read and held back, each table's rows read and held back, and the measures worked
out here from the children that pass: children looked after by legal status, those with 3 or
more placements, care leavers in EET by age group (SSDA903); referrals in the year and those
within 12 months of an earlier one, assessments authorised in the year and those within 45
working days, plans ended in the year and those that lasted 2 years (CIN). The same seed always
gives the same files.
"""

import argparse
import calendar
import datetime as dt
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
HOLIDAYS = os.path.join(HERE, "..", "data", "bank_holidays_england_wales.txt")

LEGAL = ["C2", "C2", "C2", "C1", "E1", "V2", "V2", "J2"]
PLACEMENTS = ["U1", "U3", "U4", "U5", "U6", "R1", "K2", "P1", "S1"]
REC_LEFT = ["E11", "E12", "E13", "E41", "E8", "E7"]
ETHNIC = ["WBRI", "WBRI", "WBRI", "WOTH", "MWBC", "AIND", "BAFR", "APKN", "OOTH"]
EET_2021 = ["F1", "P1", "F2", "P2", "F3", "P3"]
EET_2022 = ["F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5"]
NOT_EET = ["G4", "G5", "G6"]


# ---- calendar, exactly as bandwatch counts ------------------------------------------------------

def add_calendar(date, months):
    """The day `months` calendar months after `date` completes them: the same day of the month,
    or the first of the month after when that month is too short (rules/calendar.hpp's add)."""
    total = date.year * 12 + date.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    if date.day > calendar.monthrange(year, month)[1]:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return dt.date(year, month, 1)
    return dt.date(year, month, date.day)


def age_on(born, on):
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class Holidays:
    def __init__(self, path):
        self.days = set()
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    self.days.add(dt.date.fromisoformat(line[:10]))

    def working_days_between(self, start, end):
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if day.weekday() < 5 and day not in self.days:
                count += 1
        return count

    def add_working_days(self, start, count):
        day = start
        while count > 0:
            day += dt.timedelta(days=1)
            if day.weekday() < 5 and day not in self.days:
                count -= 1
        return day


def uk(date):
    return date.strftime("%d/%m/%Y")


# ---- SSDA903 ------------------------------------------------------------------------------------

class Table:
    """One CSV table as a council's system writes it: CRLF, a byte order mark on some."""

    def __init__(self, path, header, bom=False):
        self.file = open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="")
        self.file.write(",".join(header) + "\r\n")
        self.rows = 0
        self.held_back = 0
        self.children_of_rows = []

    def row(self, child, fields):
        self.file.write(",".join(fields) + "\r\n")
        self.rows += 1
        self.children_of_rows.append(child)

    def close(self, held_back_children):
        self.file.write("\r\n")  # a blank line at the end, skipped
        self.file.close()
        self.held_back = sum(1 for c in self.children_of_rows if c in held_back_children)


def ssda903(args):
    rng = random.Random(args.seed)
    year = args.year
    start, end = dt.date(year - 1, 4, 1), dt.date(year, 3, 31)
    os.makedirs(args.out, exist_ok=True)
    eet_codes = EET_2021 if year < 2022 else EET_2022
    sexes = ["1", "2"] if year < 2025 else ["M", "F"]

    def day_between(a, b):
        return a + dt.timedelta(days=rng.randint(0, max(0, (b - a).days)))

    def date_text(date):
        return date.isoformat() if rng.random() < 0.05 else uk(date)

    def code_text(code):
        return code.lower() if rng.random() < 0.03 else code

    header = Table(os.path.join(args.out, "header.csv"), ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"], bom=True)
    episodes = Table(os.path.join(args.out, "episodes.csv"),
                     ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                      "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"])
    reviews = Table(os.path.join(args.out, "reviews.csv"), ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"])
    oc3 = Table(os.path.join(args.out, "oc3.csv"), ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"])
    missing = Table(os.path.join(args.out, "missing.csv"), ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"])
    workers = Table(os.path.join(args.out, "social_worker.csv"),
                    ["CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"]) if year >= 2024 else None

    faulty = set()
    looked_after = {}      # legal status -> children on 31 March (clean children)
    three_or_more = 0
    eet = {"17-18": [0, 0], "19-21": [0, 0]}  # in EET, of

    for i in range(args.children):
        child = f"C{i + 1:06d}"
        kind = rng.random()
        fault = rng.random() < 0.03 and kind < 0.85
        fault_kind = rng.choice(["overlap", "code", "order", "no_header", "dob"]) if fault else None
        if fault:
            faulty.add(child)

        if kind >= 0.85:  # a care leaver: header and OC3 only
            age = rng.randint(17, 21)
            dob = day_between(dt.date(year - age - 1, 4, 1), dt.date(year - age, 3, 31))
            if age_on(dob, end) != age:
                dob = dt.date(year - age, 1, 15)
            header.row(child, [child, rng.choice(sexes), date_text(dob), rng.choice(ETHNIC), "UN1", "", ""])
            touch = rng.choices(["YES", "NO", "REFU"], [85, 10, 5])[0]
            activity = rng.choice(eet_codes) if touch == "YES" and rng.random() < 0.55 else (
                rng.choice(NOT_EET) if touch == "YES" else "0")
            accom = rng.choice(["U1", "C1", "D1", "S1", "B2", "T2"]) if touch == "YES" else "0"
            oc3.row(child, [child, uk(dob), touch, code_text(activity), accom])
            group = "17-18" if age <= 18 else "19-21"
            eet[group][1] += 1
            eet[group][0] += activity in eet_codes
            continue

        dob = day_between(end - dt.timedelta(days=17 * 365), end - dt.timedelta(days=200))
        period = day_between(max(dob + dt.timedelta(days=1), end - dt.timedelta(days=6 * 365)), end - dt.timedelta(days=30))
        left = kind >= 0.70          # left care during the year
        short_breaks = kind >= 0.67 and not left
        # The episodes: a start, then changes of carer (P) and of legal status only (L).
        changes = sorted({day_between(period + dt.timedelta(days=1), end - dt.timedelta(days=5))
                          for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 4]))})
        days = [period] + changes
        legal = rng.choice(LEGAL) if not short_breaks else "V3"
        place = rng.choice(PLACEMENTS)
        rows = []
        for n, decom in enumerate(days):
            rne = "S" if n == 0 else rng.choices(["P", "L", "B"], [70, 20, 10])[0]
            if rne == "L":
                legal = rng.choice([ls for ls in LEGAL if ls != legal]) if not short_breaks else legal
            elif rne in ("P", "B"):
                place = rng.choice([p for p in PLACEMENTS if p != place])
            dec = days[n + 1] if n + 1 < len(days) else None
            rec = "X1" if dec else None
            if dec is None and left:
                dec = day_between(max(decom + dt.timedelta(days=1), start), end - dt.timedelta(days=1))
                rec = rng.choice(REC_LEFT)
            rows.append([decom, rne, legal, place, dec, rec])
        placements = 0
        if not left:
            # A placement counts when it was in force in the year: it began by 31 March and had
            # not ended by 1 April. A new one begins with the period (S) or a change of carer (P);
            # a change of legal status (L) or of placement with the same carer (B) does not.
            run_starts = [n for n, r in enumerate(rows) if r[1] in ("S", "P", "T")]
            for k, first in enumerate(run_starts):
                last = (run_starts[k + 1] - 1) if k + 1 < len(run_starts) else len(rows) - 1
                run_end = rows[last][4]
                if rows[first][0] <= end and (run_end is None or run_end > start):
                    placements += 1

        if fault_kind == "overlap":
            if len(rows) >= 2:
                rows[1][0] = max(rows[0][0], rows[0][4] - dt.timedelta(days=1))  # begins before the first ends
            else:
                fault_kind = "code"

        if fault_kind != "no_header":
            header.row(child, [child, rng.choice(sexes), date_text(dob), rng.choice(ETHNIC),
                               "UN" + str(rng.randint(1, 4)), "", ""])
        for n, (decom, rne, ls, pl, dec, rec) in enumerate(rows):
            ls_text = "C9" if fault_kind == "code" and n == 0 else code_text(ls)
            dec_value = dec
            if fault_kind == "order" and n == len(rows) - 1:
                dec_value, rec = decom - dt.timedelta(days=3), rec or "E11"
            home = f"TS{rng.randint(1, 29)} {rng.randint(1, 9)}AB"
            episodes.row(child, [child, date_text(decom), rne, ls_text, "N" + str(rng.randint(1, 8)), code_text(pl),
                                 "PR" + str(rng.randint(0, 5)), uk(dec_value) if dec_value else "", rec or "",
                                 "CARPL" if rne == "P" else "", home, f"DL{rng.randint(1, 17)} 2CD", ""])
        for r in range(rng.randint(0, 3)):
            review = day_between(period, end)
            dob_text = uk(dob + dt.timedelta(days=1)) if fault_kind == "dob" and r == 0 else uk(dob)
            reviews.row(child, [child, dob_text, uk(review), "PN" + str(rng.randint(0, 7))])
        if fault_kind == "dob" and not any(c == child for c in reviews.children_of_rows[-3:]):
            reviews.row(child, [child, uk(dob + dt.timedelta(days=1)), uk(day_between(period, end)), "PN1"])
        if rng.random() < 0.1:
            miss = day_between(start, end - dt.timedelta(days=2))
            missing.row(child, [child, uk(dob), rng.choice(["M", "A"]), uk(miss), uk(miss + dt.timedelta(days=1))])
        if workers and not left:
            if rng.random() < 0.93:
                workers.row(child, [child, uk(dob), f"SW{rng.randint(1, max(2, args.children // 15)):04d}",
                                    uk(period), "", ""])

        if child not in faulty and not left and not short_breaks:
            looked_after[legal] = looked_after.get(legal, 0) + 1
            three_or_more += placements >= 3

    tables = [t for t in (episodes, header, missing, oc3, reviews, workers) if t]
    for t in tables:
        t.close(faulty)
    names = {id(episodes): "episodes", id(header): "header", id(missing): "missing", id(oc3): "oc3",
             id(reviews): "reviews", id(workers): "social_worker"}
    expected = {
        "return": "ssda903", "year": year, "seed": args.seed,
        "children": args.children, "children_held_back": len(faulty),
        "held_back": sorted(faulty),
        "tables": {names[id(t)]: {"rows_read": t.rows, "rows_held_back": t.held_back} for t in tables},
        "looked_after_by_legal_status": dict(sorted(looked_after.items())),
        "looked_after": sum(looked_after.values()),
        "three_or_more_placements": three_or_more,
        "care_leavers_in_eet": {g: {"in_eet": v[0], "of": v[1]} for g, v in eet.items()},
    }
    with open(os.path.join(args.out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


# ---- CIN census ---------------------------------------------------------------------------------

def cin(args):
    rng = random.Random(args.seed)
    year = args.year
    start, end = dt.date(year - 1, 4, 1), dt.date(year, 3, 31)
    holidays = Holidays(HOLIDAYS)
    os.makedirs(args.out, exist_ok=True)

    def day_between(a, b):
        return a + dt.timedelta(days=rng.randint(0, max(0, (b - a).days)))

    out = open(os.path.join(args.out, "cin_census.xml"), "w", encoding="utf-8", newline="")
    w = out.write
    w('<?xml version="1.0" encoding="UTF-8"?>\r\n<Message>\r\n  <Header>\r\n    <CollectionDetails>\r\n'
      f'      <Collection>CIN</Collection>\r\n      <Year>{year}</Year>\r\n'
      f'      <ReferenceDate>{end.isoformat()}</ReferenceDate>\r\n    </CollectionDetails>\r\n  </Header>\r\n'
      '  <Children>\r\n')
    faulty = set()
    counts = {"referrals": 0, "repeat_referrals": 0, "assessments": 0, "assessments_within_45": 0,
              "icpcs": 0, "icpcs_within_15": 0, "plans_ended": 0, "plans_two_years": 0, "open_at_year_end": 0}

    def element(indent, name, value):
        pad = " " * indent
        padded = f" {value} " if rng.random() < 0.02 else value
        w(f"{pad}<{name}>{padded}</{name}>\r\n")

    for i in range(args.children):
        child = f"N{i + 1:06d}"
        fault = rng.choice(["plan_order", "bad_date", "no_reason", "overlap"]) if rng.random() < 0.03 else None
        if fault:
            faulty.add(child)
        dob = day_between(end - dt.timedelta(days=17 * 365), end - dt.timedelta(days=100))
        w("    <Child>\r\n      <ChildIdentifiers>\r\n")
        element(8, "LAchildID", child)
        element(8, "PersonBirthDate", dob.isoformat())
        element(8, "GenderCurrent", rng.choice(["1", "2"]))
        w("      </ChildIdentifiers>\r\n      <ChildCharacteristics>\r\n")
        element(8, "Ethnicity", rng.choice(ETHNIC))
        w("      </ChildCharacteristics>\r\n")
        if rng.random() < 0.05:
            w("      <!-- re-sent after correction -->\r\n")
        referrals = sorted({day_between(max(dob, start - dt.timedelta(days=500)), end - dt.timedelta(days=3))
                            for _ in range(rng.choice([1, 1, 1, 2, 2, 3]))})
        child_counts = dict.fromkeys(counts, 0)
        plans_of_child = []
        planted = fault == "bad_date"  # the other faults need something to plant them in
        for n, referral in enumerate(referrals):
            later = referrals[n + 1] if n + 1 < len(referrals) else None
            closed = rng.random() < 0.5 or later is not None
            closure = day_between(referral, (later - dt.timedelta(days=1)) if later else end) if closed else None
            w("      <CINdetails>\r\n")
            bad_date = fault == "bad_date" and n == 0
            element(8, "CINreferralDate", f"{referral.year}-13-01" if bad_date else referral.isoformat())
            element(8, "ReferralSource", rng.choice(["1A", "2A", "3A", "5A", "6"]))
            element(8, "PrimaryNeedCode", "N" + str(rng.randint(1, 9)))
            if closure:
                element(8, "CINclosureDate", closure.isoformat())
                if fault == "no_reason" and not planted:
                    planted = True
                else:
                    element(8, "ReasonForClosure", "RC" + str(rng.randint(1, 8)))
            if year - 1 <= referral.year and start <= referral <= end:
                child_counts["referrals"] += 1
                if any(e < referral and add_calendar(e, 12) > referral for e in referrals):
                    child_counts["repeat_referrals"] += 1
            if (closure is None or closure > end) and referral <= end:
                child_counts["open_at_year_end"] = 1
            # An assessment for most referrals.
            if rng.random() < 0.8:
                a_start = referral + dt.timedelta(days=rng.randint(0, 3))
                a_end = holidays.add_working_days(a_start, rng.randint(10, 70))
                if closure and a_end > closure:
                    a_end = closure
                if a_start > end or (closure and a_start > closure):
                    a_start = referral
                authorised = a_end <= end and a_end >= a_start
                w("        <Assessments>\r\n")
                element(10, "AssessmentActualStartDate", a_start.isoformat())
                if authorised:
                    element(10, "AssessmentAuthorisationDate", a_end.isoformat())
                w("        </Assessments>\r\n")
                if authorised and start <= a_end <= end:
                    child_counts["assessments"] += 1
                    child_counts["assessments_within_45"] += holidays.working_days_between(a_start, a_end) <= 45
            # A section 47 enquiry and conference for some, then a plan.
            if rng.random() < 0.25:
                s_start = min(end, referral + dt.timedelta(days=rng.randint(0, 5)))
                icpc = holidays.add_working_days(s_start, rng.randint(5, 25))
                if (closure and icpc > closure) or icpc > end:
                    icpc = None
                w("        <Section47>\r\n")
                element(10, "S47ActualStartDate", s_start.isoformat())
                if icpc:
                    element(10, "DateOfInitialCPC", icpc.isoformat())
                element(10, "ICPCnotRequired", "0")
                w("        </Section47>\r\n")
                if icpc and start <= icpc <= end:
                    child_counts["icpcs"] += 1
                    child_counts["icpcs_within_15"] += holidays.working_days_between(s_start, icpc) <= 15
            element(8, "ReferralNFA", "0")
            if rng.random() < 0.2 and (closure is None or closure > referral + dt.timedelta(days=40)):
                p_start = referral + dt.timedelta(days=rng.randint(10, 30))
                if plans_of_child and (plans_of_child[-1][1] is None or p_start < plans_of_child[-1][1]):
                    p_start = None
                if p_start and p_start <= end:
                    length = rng.choice([60, 200, 400, 700, 731, 800, 1100])
                    p_end = p_start + dt.timedelta(days=length)
                    if closure and p_end > closure:
                        p_end = closure
                    if p_end > end:
                        p_end = None
                    if fault == "overlap" and plans_of_child and not planted:
                        p_start = plans_of_child[-1][0] + dt.timedelta(days=1)
                        planted = True
                    plans_of_child.append((p_start, p_end))
                    w("        <ChildProtectionPlans>\r\n")
                    element(10, "CPPstartDate", p_start.isoformat())
                    if p_end:
                        shown = p_end
                        if fault == "plan_order" and not planted:
                            shown, planted = p_start - dt.timedelta(days=10), True
                        element(10, "CPPendDate", shown.isoformat())
                    element(10, "InitialCategoryOfAbuse", rng.choice(["NEG", "EMO", "PHY", "SAB", "MUL"]))
                    element(10, "LatestCategoryOfAbuse", rng.choice(["NEG", "EMO"]))
                    element(10, "NumberOfPreviousCPP", str(len(plans_of_child) - 1))
                    w("        </ChildProtectionPlans>\r\n")
                    if p_end and start <= p_end <= end:
                        child_counts["plans_ended"] += 1
                        child_counts["plans_two_years"] += add_calendar(p_start, 24) <= p_end
            w("      </CINdetails>\r\n")
        w("    </Child>\r\n")
        if fault and not planted:  # nowhere to plant it (no closed case, no plan): a clean child
            faulty.discard(child)
        if child not in faulty:
            for key in counts:
                counts[key] += child_counts[key]
    w("  </Children>\r\n</Message>\r\n")
    out.close()
    expected = {"return": "cin", "year": year, "seed": args.seed, "children": args.children,
                "children_held_back": len(faulty), "held_back": sorted(faulty), **counts}
    with open(os.path.join(args.out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["ssda903", "cin"])
    parser.add_argument("--children", type=int, default=1000)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    (ssda903 if args.kind == "ssda903" else cin)(args)


if __name__ == "__main__":
    main()
