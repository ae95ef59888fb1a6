#!/usr/bin/env bash
# Tutorial demo: 8-NPU 1 MiB ring all-reduce on the analytical model, on RoCEv2 (ns-3) and on
# InfiniBand (ns-3, once the IB fabric exists), printed side by side.
#   bash scripts/demo.sh            # sets up .venv first (bash scripts/setup.sh)
#   DEMO_SKIP_SETUP=1 bash scripts/demo.sh   # reuse an existing environment
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DEMO_SKIP_SETUP:-}" ]; then
  bash scripts/setup.sh
fi
. .venv/bin/activate
if [ -n "${DEMO_SKIP_SETUP:-}" ]; then
  export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$WORK/trace"
python -m astrasim_py chakra generate --collective all_reduce --npus 8 --size 1MiB \
  --output "$WORK/trace/all_reduce" > /dev/null

# ASTRA-sim's tutorial inputs: Ring_8npus.yml and Ring_4chunks.json with local-mem-bw 50.
cat > "$WORK/system.json" <<'JSON'
{"scheduling-policy": "LIFO", "endpoint-delay": 10, "active-chunks-per-dimension": 1,
 "preferred-dataset-splits": 4, "all-reduce-implementation": ["ring"],
 "all-gather-implementation": ["ring"], "reduce-scatter-implementation": ["ring"],
 "all-to-all-implementation": ["ring"], "collective-optimization": "localBWAware",
 "local-mem-bw": 50, "boost-mode": 0}
JSON
cat > "$WORK/memory.json" <<'JSON'
{"memory-type": "NO_MEMORY_EXPANSION"}
JSON
cat > "$WORK/analytical.yml" <<'YAML'
topology: [ Ring ]
npus_count: [ 8 ]
bandwidth: [ 50.0 ]  # GB/s
latency: [ 500.0 ]  # ns
YAML
# The same NPUs on a physical fabric: 8 hosts on one switch at 400 Gb/s, 500 ns links.
for transport in roce ib; do
  cat > "$WORK/$transport.yml" <<YAML
fabric:
  transport: $transport
  topology: {builder: star, num_hosts: 8, link_gbps: 400, latency_ns: 500}
  mtu_bytes: 4096
YAML
done

run() {  # run <name> <backend> <network>
  if python -m astrasim_py run --workload-configuration "$WORK/trace/all_reduce" \
      --system-configuration "$WORK/system.json" --remote-memory-configuration "$WORK/memory.json" \
      --network-configuration "$2" --backend "$1" --output-json "$WORK/$3.json" --quiet \
      2> "$WORK/$3.err"; then
    :
  else
    echo "{\"error\": $(python -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read().strip().splitlines()[-1] if open(sys.argv[1]).read().strip() else "failed"))' "$WORK/$3.err")}" > "$WORK/$3.json"
  fi
}
run analytical "$WORK/analytical.yml" analytical
run ns3 "$WORK/roce.yml" roce
run ns3 "$WORK/ib.yml" ib

python - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
cols = {"analytical (Ring 50 GB/s)": "analytical", "ns-3 RoCEv2": "roce", "ns-3 InfiniBand": "ib"}
docs = {name: json.load(open(f"{work}/{key}.json")) for name, key in cols.items()}
def fab(d, key):
    if "error" in d:
        return "-"
    f = d.get("fabric", {})
    # policy counters (IB credits, FECN/BECN) sit in the fabric's *_control_stats sections
    for section in ("flow_control_stats", "congestion_control_stats"):
        f = {**f, **{k: v for k, v in f.get(section, {}).items() if k not in f}}
    return f.get(key, "-")
rows = [
    ("finish (ns)", lambda d: d.get("max_finish_ns", "n/a")),
    ("wall (s)", lambda d: d.get("wall_s", "-")),
    ("preset", lambda d: d.get("fabric", {}).get("config", {}).get("preset", "-")),
    ("data packets", lambda d: fab(d, "data_packets")),
    ("PFC pause frames", lambda d: fab(d, "pfc_pause_frames")),
    ("ECN marks / CNPs", lambda d: f'{fab(d, "ecn_marks")} / {fab(d, "cnps")}'),
    ("drops", lambda d: fab(d, "drops")),
    ("max queue (bytes)", lambda d: fab(d, "max_queue_bytes")),
]
# Transport-specific counters (e.g. IB credit stalls, FECN/BECN) that either fabric reports.
extra = sorted({k for d in docs.values()
                for sec in (d.get("fabric", {}), d.get("fabric", {}).get("flow_control_stats", {}),
                            d.get("fabric", {}).get("congestion_control_stats", {}))
                for k, v in sec.items()
                if isinstance(v, (int, float)) and any(w in k for w in ("credit", "fecn", "becn"))
                and "block_bytes" not in k})
rows += [(k, (lambda key: lambda d: fab(d, key))(k)) for k in extra]
width = 26
print("8-NPU ring all-reduce of 1 MiB (ASTRA-sim tutorial workload)")
print("".ljust(20) + "".join(n.ljust(width) for n in cols))
for label, get in rows:
    print(label[:19].ljust(20) + "".join(str(get(docs[n])).ljust(width) for n in cols))
for name, d in docs.items():
    if "error" in d:
        print(f"{name}: not available: {d['error']}")
PY
