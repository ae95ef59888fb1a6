#!/usr/bin/env bash
# Install a headless Chromium so tests/report can load the sweep report in a real browser and
# check it for console errors. Best-effort and idempotent: a no-op when Chromium is on PATH, and it
# never fails its caller (without Chromium those tests skip with the reason). Needs root and apt-get.
log() { echo "setup_chromium: $*" >&2; }

for name in chromium chromium-browser google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then
        log "already installed ($("$name" --version 2>/dev/null | head -n1))"
        exit 0
    fi
done
if [[ ${EUID:-0} -ne 0 ]]; then
    log "not installed: needs root to run apt-get (browser tests will skip)"; exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    log "not installed: no apt-get on this host (browser tests will skip)"; exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists first: a fresh container has none, and stale ones name removed versions.
apt-get update -qq >/dev/null 2>&1 || log "apt-get update failed; trying the lists already present"
if ! apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; then
    log "not installed: apt-get install chromium failed (browser tests will skip)"; exit 0
fi
if command -v chromium >/dev/null 2>&1; then
    log "installed ($(chromium --version 2>/dev/null | head -n1))"
else
    log "not installed: apt-get succeeded but chromium is not on PATH (browser tests will skip)"
fi
exit 0
