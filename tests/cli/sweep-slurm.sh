#!/usr/bin/env bash
# A sweep through Slurm: a single-node cluster on this machine (munged, slurmctld and slurmd on localhost,
# their configuration in a temporary folder) runs a 4-cell sweep as a job array; its aggregate must be
# byte-identical to the local engine's. Needs root (slurmd runs jobs as their user) and Debian's slurmd,
# slurmctld, slurm-client and munge, which scripts/install-deps installs; skipped (77) without them.
# usage: sweep-slurm.sh <twinbench> <scenario> <work dir>
set -euo pipefail
tb=$1 scenario=$2 work=$3
for cmd in munged mungekey slurmctld slurmd sbatch scontrol sinfo; do
  command -v "$cmd" > /dev/null || { echo "SKIP: $cmd is not installed (scripts/install-deps installs Slurm and munge)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: a Slurm node runs as root"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
cluster=$(mktemp -d "${TMPDIR:-/tmp}/twinbench-slurm.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2> /dev/null || true; done  # test daemons: no grace needed
  for p in "${pids[@]}"; do wait "$p" 2> /dev/null || true; done
  rm -rf "$cluster"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# munge: a fresh key, its own socket.
mkdir -m 700 "$cluster/munge"
mungekey --create --keyfile="$cluster/munge/munge.key"
munged --foreground --force --key-file="$cluster/munge/munge.key" --socket="$cluster/munge/munge.sock" \
  --pid-file="$cluster/munge/munged.pid" --log-file="$cluster/munge/munged.log" --seed-file="$cluster/munge/seed" \
  > "$cluster/munge/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$cluster/munge/munge.sock" ] && break; sleep 0.1; done
[ -S "$cluster/munge/munge.sock" ] || fail "munged did not listen: $(cat "$cluster/munge/munged.out")"

# Slurm: ports chosen at random below the kernel's ephemeral range (32768 and up, where outgoing
# connections take theirs); a daemon that cannot bind its port (taken meanwhile) starts again on another.
export SLURM_CONF="$cluster/slurm.conf"
mkdir -p "$cluster/state" "$cluster/spool"
write_conf() {
  cat > "$SLURM_CONF" <<EOF
ClusterName=twinbench-test
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$cluster/munge/munge.sock
CredType=cred/munge
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
StateSaveLocation=$cluster/state
SlurmdSpoolDir=$cluster/spool
SlurmctldPidFile=$cluster/slurmctld.pid
SlurmdPidFile=$cluster/slurmd.pid
SlurmctldLogFile=$cluster/slurmctld.log
SlurmdLogFile=$cluster/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}
# start <name> <ready condition...>: the daemon (command in $daemon) in the foreground of a background job;
# 0 once the condition holds, 1 if it exited first (its port was taken); started_pid is its pid.
start() {
  local name=$1
  shift
  "${daemon[@]}" > "$cluster/$name.out" 2>&1 &
  started_pid=$!
  for _ in $(seq 300); do
    "$@" > /dev/null 2>&1 && return 0
    kill -0 "$started_pid" 2> /dev/null || return 1
    sleep 0.1
  done
  fail "$name was not ready within 30 s: $(tail -n 20 "$cluster/$name.out")"
}
port_taken() { grep -q "Address already in use" "$cluster/$1.out" "$cluster/$1.log" 2> /dev/null; }
node_idle() { [ "$(sinfo -h -o %t 2> /dev/null)" = idle ]; }
ctld_port=$((10000 + RANDOM % 11000)) slurmd_port=$((21000 + RANDOM % 11000))
daemon=(slurmctld -D -f "$SLURM_CONF")
for attempt in 1 2 3 4 5; do
  write_conf
  start slurmctld scontrol ping && break
  port_taken slurmctld || fail "slurmctld exited: $(tail -n 20 "$cluster/slurmctld.out")"
  [ "$attempt" -lt 5 ] || fail "no free port for slurmctld in 5 attempts"
  ctld_port=$((10000 + RANDOM % 11000))
  rm -f "$cluster/slurmctld.log"
done
pids+=("$started_pid")
daemon=(slurmd -D -f "$SLURM_CONF" -N localhost)
for attempt in 1 2 3 4 5; do
  start slurmd node_idle && break
  port_taken slurmd || fail "slurmd exited: $(tail -n 20 "$cluster/slurmd.out" "$cluster/slurmd.log")"
  [ "$attempt" -lt 5 ] || fail "no free port for slurmd in 5 attempts"
  slurmd_port=$((21000 + RANDOM % 11000))
  rm -f "$cluster/slurmd.log"
  write_conf
  scontrol reconfigure > /dev/null 2>&1 || true
done
pids+=("$started_pid")

grid=(--seeds 1..2 --grid /sites/0/link/loss_probability=0.01,0.02)
set +e
"$tb" sweep "$scenario" "${grid[@]}" --engine slurm --wait --out "$work/slurm" --quiet > "$work/slurm.stdout" 2> "$work/slurm.stderr"
code=$?
set -e
[ "$code" -eq 0 ] || fail "the Slurm sweep exited $code: $(cat "$work/slurm.stderr"; tail -n 20 "$cluster"/slurm*.log)"
grep -q '^#SBATCH --array=0-3$' "$work/slurm/sweep.sbatch" || fail "not a 4-task job array: $(cat "$work/slurm/sweep.sbatch")"
ls "$work/slurm/logs"/slurm-*_3.out > /dev/null 2>&1 || fail "array task 3 left no Slurm output: $(ls "$work/slurm/logs")"
"$tb" sweep "$scenario" "${grid[@]}" --jobs 2 --out "$work/local" --quiet > "$work/local.stdout"
for f in aggregate.json cells.csv; do
  cmp "$work/slurm/$f" "$work/local/$f" || fail "$f differs between the Slurm and the local engine"
done
# --collect adds up the same cells to the same bytes.
cp "$work/slurm/aggregate.json" "$work/aggregate.first.json"
"$tb" sweep --collect "$work/slurm" --quiet > /dev/null
cmp "$work/slurm/aggregate.json" "$work/aggregate.first.json" || fail "--collect changed the aggregate"
echo "ok: 4 cells as a Slurm job array; aggregate.json and cells.csv identical to the local engine's"
