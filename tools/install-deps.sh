#!/usr/bin/env bash
# Installs everything bandwatch needs to build, test and demo, from Debian 12 packages only.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
  g++ cmake make pkg-config ccache git python3         # toolchain; python3 runs the generators
  libboost-dev libboost-program-options-dev             # Spirit X3 grammar; command-line and config options
  libzmq3-dev cppzmq-dev                                # the daemon's sockets (CURVE included)
  libsodium-dev                                         # the live board's password hashes (libsodium is under ZeroMQ's CURVE)
  libssl-dev                                            # SHA-256 of content batch ids (with the CPU's SHA instructions)
  libspdlog-dev                                         # the daemon's logs
  libsqlite3-dev                                        # the daemon's durable state
  libcurl4-openssl-dev                                  # the daemon's notifications: SMTP(S) to the mail relay, Teams webhooks over HTTPS
  nlohmann-json3-dev                                    # JSON on the wire and in reports
  libcsv-dev                                            # RFC 4180 / Excel CSV extracts
  libxml2-dev                                           # the CIN census XML, validated against the year's XSD
  libxlsxwriter-dev unzip                               # the meeting pack as an Excel workbook; its test unzips it
  libgtest-dev libgmock-dev libbenchmark-dev            # tests and benchmarks
  clang-14 libclang-rt-14-dev                           # libFuzzer for the parser fuzz target
  chromium                                              # renders the meeting pack in tests, prints PDFs
  chromium-driver python3-selenium                      # the live board's browser test (Selenium drives Chromium)
  fonts-liberation                                      # the pack's typeface (only recommended by chromium)
  libpng-dev                                            # the browser test reads Chromium's screenshots
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
