#!/usr/bin/env bash
# System packages the test suite needs that pip cannot provide: Chromium, for the docs site test
# (tests/test_docs.py loads the pages in headless Chromium). Run by bin/test before pytest. Quiet and
# idempotent: does nothing when `chromium` is already on PATH. Installs with apt-get when run as root
# (as CI does, on a fresh machine); otherwise, or if the install fails, it warns and returns 0 so the
# other tests still run (the docs test then fails, saying what is missing).
set -uo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "[hybridrec] chromium not found and cannot install it here (needs root and apt-get):" \
       "the docs test will fail; install it with: apt-get install chromium" >&2
  exit 0
fi
echo "[hybridrec] installing chromium for the docs test (apt-get, once; about a minute)" >&2
log="$(mktemp)"
if { apt-get update -qq &&
     DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation; } >"$log" 2>&1 &&
   command -v chromium >/dev/null 2>&1; then
  rm -f "$log"
else
  tail -20 "$log" >&2
  echo "[hybridrec] chromium install failed (log: $log); the docs test will fail" >&2
fi
exit 0
