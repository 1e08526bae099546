#!/usr/bin/env python3
"""End to end: `bandwatch import --to` sends an Annex A list to a real bandwatchd on loopback
(wildcard ports, read back from the daemon's endpoints.json) as one acknowledged batch; the same
list again is answered "already applied"; the alerts it raises are in the daemon's snapshot.

Usage: import_to_daemon_test.py BANDWATCH BANDWATCHD REPO_ROOT. Prints "N passed, M failed".
"""

import json
import os
import subprocess
import sys
import tempfile
import time


def main():
    bandwatch, bandwatchd, root = sys.argv[1:4]
    passed = failed = 0

    def check(what, ok, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {what}: {detail}", file=sys.stderr)

    with tempfile.TemporaryDirectory() as state:
        daemon = subprocess.Popen([bandwatchd, "--rules", os.path.join(root, "examples"), "--state-dir", state,
                                   "--ingest", "tcp://127.0.0.1:*", "--publish", "tcp://127.0.0.1:*",
                                   "--control", "tcp://127.0.0.1:*", "--log-level", "warn"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            endpoints_file = os.path.join(state, "endpoints.json")
            deadline = time.monotonic() + 20
            endpoints = None
            while time.monotonic() < deadline and daemon.poll() is None:
                try:
                    with open(endpoints_file, encoding="utf-8") as f:
                        endpoints = json.load(f)
                    break
                except (OSError, ValueError):
                    time.sleep(0.05)
            check("daemon started", endpoints is not None, "no endpoints.json")
            if endpoints:
                command = [bandwatch, "import", "--rules", os.path.join(root, "examples"), "--extract",
                           "annex_a_list7", "--as-of", "2020-02-04", "--to", endpoints["ingest"],
                           os.path.join(root, "examples", "extracts", "list7.csv")]
                first = subprocess.run(command, capture_output=True, text=True, timeout=60)
                check("first import: exit 3 (one bad row, the rest sent)", first.returncode == 3,
                      f"{first.returncode}: {first.stderr}")
                check("first import: acknowledged", "ok, 22 sample(s)" in first.stdout, first.stdout)
                again = subprocess.run(command, capture_output=True, text=True, timeout=60)
                check("second import: not applied twice", "already applied" in again.stdout, again.stdout)
                snapshot = subprocess.run([bandwatch, "snapshot", "--control", endpoints["control"]],
                                          capture_output=True, text=True, timeout=60)
                check("the plans open two years are alerts", "cp_plan_over_two_years" in snapshot.stdout,
                      snapshot.stdout + snapshot.stderr)
                strict = subprocess.run(command[:-1] + ["--strict", command[-1]], capture_output=True, text=True,
                                        timeout=60)
                check("--strict with a bad row sends nothing", strict.returncode == 3 and "ok" not in strict.stdout,
                      strict.stdout + strict.stderr)
        finally:
            daemon.terminate()
            try:
                daemon.wait(timeout=20)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
