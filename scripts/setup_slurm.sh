#!/usr/bin/env bash
# Install and start a single-node Slurm cluster on this host (munged, slurmctld, slurmd), idempotently.
#
# Used by CI (scripts/test.sh) and by tests/sweep/test_slurm_integration.py. Fast when already running:
# it only checks that `sinfo` answers and the node is idle. Needs root and Debian's packages.
# Sandbox-friendly choices: proctrack/linuxproc + task/none and no cgroup.conf (no cgroup access here).
set -euo pipefail

log() { echo "setup_slurm: $*" >&2; }

node_ready() {
    # The node answers and is usable (idle/mixed/allocated), not down or drained.
    local state
    state=$(sinfo -h -N -o '%t' 2>/dev/null | head -n1) || return 1
    [[ "$state" =~ ^(idle|mix|alloc|comp)$ ]]
}

if command -v sinfo >/dev/null 2>&1 && node_ready; then
    log "already running ($(sinfo -h -N -o '%N %t %c'))"
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    log "needs root to install and start Slurm"; exit 1
fi

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    log "installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq slurm-wlm munge >/dev/null
fi

host=$(hostname -s)
cpus=$(nproc)
# Leave headroom for the OS; Slurm rejects a node whose RealMemory is above what it finds.
mem_mb=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)

mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge /var/lib/munge /var/log/munge
conf=/etc/slurm/slurm.conf
new_conf=$(mktemp)
cat >"$new_conf" <<EOF
# Written by astrasim-py scripts/setup_slurm.sh: a single-node cluster on this host.
ClusterName=astrasim
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SlurmdTimeout=300
MaxArraySize=10001
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${mem_mb} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
restart=0
if ! cmp -s "$new_conf" "$conf"; then
    install -m 0644 "$new_conf" "$conf"
    restart=1
fi
rm -f "$new_conf"

# munge: the package makes the key; make one if it is missing.
if [[ ! -s /etc/munge/munge.key ]]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
chmod 0700 /etc/munge
chmod 0400 /etc/munge/munge.key
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    log "starting munged"
    runuser -u munge -- /usr/sbin/munged --force
    for _ in $(seq 50); do munge -n </dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
fi

stop_daemon() {
    local pidfile=$1
    if [[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        kill "$(cat "$pidfile")" || true
        for _ in $(seq 50); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.1; done
    fi
}
if [[ $restart -eq 1 ]]; then
    stop_daemon /run/slurmd.pid
    stop_daemon /run/slurmctld.pid
fi

daemon_running() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
if ! daemon_running /run/slurmctld.pid; then
    log "starting slurmctld"
    # -c: start clean (no stale state from an earlier configuration on this host).
    /usr/sbin/slurmctld -c
fi
if ! daemon_running /run/slurmd.pid; then
    log "starting slurmd"
    /usr/sbin/slurmd
fi

for _ in $(seq 100); do
    if node_ready; then
        log "ready ($(sinfo -h -N -o '%N %t %c'))"
        exit 0
    fi
    # A node that came back after a restart may be down until told otherwise.
    state=$(sinfo -h -N -o '%t' 2>/dev/null | head -n1 || true)
    if [[ "$state" =~ ^(down|drain|drng) ]]; then
        scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true
    fi
    sleep 0.2
done
log "Slurm did not become ready; see /var/log/slurm/slurmctld.log and /var/log/slurm/slurmd.log"
sinfo -N -l >&2 || true
exit 1
