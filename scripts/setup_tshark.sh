#!/usr/bin/env bash
# Install tshark (Wireshark's CLI) so tests/ns3/test_ns3_pcap.py can decode the fabric's pcap
# captures as RoCEv2. Best-effort and idempotent: a no-op when tshark is on PATH, and it never
# fails its caller (without tshark those tests skip with the reason). Needs root and Debian's packages.
log() { echo "setup_tshark: $*" >&2; }

if command -v tshark >/dev/null 2>&1; then
    log "already installed ($(tshark --version 2>/dev/null | head -n1))"
    exit 0
fi
if [[ ${EUID:-0} -ne 0 ]]; then
    log "not installed: needs root to run apt-get (tshark tests will skip)"; exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    log "not installed: no apt-get on this host (tshark tests will skip)"; exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# Preseed the one question wireshark-common asks, so the install never waits for input.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
if ! apt-get install -y -qq --no-install-recommends tshark >/dev/null 2>&1; then
    # The package lists may be missing or stale: refresh once and retry.
    if ! { apt-get update -qq >/dev/null 2>&1 &&
           apt-get install -y -qq --no-install-recommends tshark >/dev/null 2>&1; }; then
        log "not installed: apt-get install tshark failed (tshark tests will skip)"; exit 0
    fi
fi
if command -v tshark >/dev/null 2>&1; then
    log "installed ($(tshark --version 2>/dev/null | head -n1))"
else
    log "not installed: apt-get succeeded but tshark is not on PATH (tshark tests will skip)"
fi
exit 0
