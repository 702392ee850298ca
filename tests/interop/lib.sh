# Shared by the interop tests and scripts/bench-broker (sourced): free ports, waiting for a listener,
# starting mosquitto and twinbench-edge, and stopping whatever was started when the script exits.
# The sourcing script sets `work` (its scratch folder) first.

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done; }
trap cleanup EXIT

free_port() {  # a port the kernel just handed out and took back: whoever binds it must cope with losing it meanwhile
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_mosquitto <binary> <config> <n>: mosquitto with the config, whose PORT1..PORTn become free ports (in
# mports). mosquitto cannot bind port 0 and report it; if a port was taken before it bound it, it exits,
# and it is started again on other ports. Sets mosq_pid.
start_mosquitto() {
  local bin=$1 template=$2 n=$3 conf p alive
  for _ in 1 2 3 4 5; do
    mports=()
    conf=$template
    for i in $(seq "$n"); do p=$(free_port); mports+=("$p"); conf=${conf//PORT$i/$p}; done
    printf '%s\n' "$conf" > "$work/mosquitto.conf"
    "$bin" -c "$work/mosquitto.conf" >> "$work/mosquitto.log" 2>&1 &
    mosq_pid=$!
    for _ in $(seq 200); do
      kill -0 "$mosq_pid" 2> /dev/null || break  # it exited: a port was taken
      alive=1
      for p in "${mports[@]}"; do (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null || alive=0; done
      if [ "$alive" -eq 1 ] && kill -0 "$mosq_pid" 2> /dev/null; then pids+=("$mosq_pid"); return 0; fi
      sleep 0.05
    done
    { kill "$mosq_pid" && wait "$mosq_pid"; } 2> /dev/null || true
  done
  echo "FAIL: mosquitto did not listen"; cat "$work/mosquitto.log"; exit 1
}

wait_for_port() {
  for _ in $(seq 100); do
    (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return 0
    sleep 0.05
  done
  echo "FAIL: nothing listens on port $1"; exit 1
}

# start_edge <twinbench-edge> <config JSON>: runs it in the background (config in $work/edge.json,
# output in $work/edge.out and .err) and sets edge_pid and eport (the port it printed it listens on).
start_edge() {
  printf '%s\n' "$2" > "$work/edge.json"
  "$1" --config "$work/edge.json" > "$work/edge.out" 2> "$work/edge.err" &
  edge_pid=$!
  pids+=($edge_pid)
  for _ in $(seq 100); do grep -q "listening on" "$work/edge.out" 2> /dev/null && break; sleep 0.05; done
  eport=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/edge.out")
  [ -n "$eport" ] || { echo "FAIL: twinbench-edge did not start"; cat "$work/edge.err"; exit 1; }
}

# start_lab_gateway <twinbench-edge> <config JSON, with HOST where the listen address goes> <source dir>:
# the gateway under test in a lab in a box (scripts/lab-in-a-box: a network namespace behind a veth pair),
# or on loopback where namespaces cannot be made (or TWINBENCH_NO_NETNS is set). Sets gw_host, eport,
# edge_pid and where (a phrase for messages); the namespace goes when the script exits.
start_lab_gateway() {
  local run_in=() lab="tbl$$"
  if [ -z "${TWINBENCH_NO_NETNS:-}" ] && "$3/scripts/lab-in-a-box" check > "$work/check.txt" 2>&1 &&
     "$3/scripts/lab-in-a-box" up "$lab" > "$work/up.txt" 2>&1; then
    gw_host=$("$3/scripts/lab-in-a-box" address "$lab")
    run_in=("$3/scripts/lab-in-a-box" exec "$lab")
    where="in network namespace $lab ($gw_host, over a veth pair)"
    lab_box=$lab lab_script="$3/scripts/lab-in-a-box"
    cleanup() { for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done; "$lab_script" down "$lab_box"; }
  else
    gw_host=127.0.0.1
    where="on loopback (${TWINBENCH_NO_NETNS:+TWINBENCH_NO_NETNS is set}$(cat "$work/check.txt" "$work/up.txt" 2> /dev/null | tail -1 || true))"
    echo "NOTE: no lab in a box here, the gateway runs $where"
  fi
  printf '%s\n' "${2//HOST/$gw_host}" > "$work/edge.json"
  "${run_in[@]}" "$1" --config "$work/edge.json" > "$work/edge.out" 2> "$work/edge.err" &
  edge_pid=$!
  pids+=($edge_pid)
  for _ in $(seq 200); do grep -q "listening on" "$work/edge.out" 2> /dev/null && break; sleep 0.05; done
  eport=$(sed -n "s/.*listening on $gw_host:\([0-9]*\)$/\1/p" "$work/edge.out")
  [ -n "$eport" ] || { echo "FAIL: the gateway did not start $where"; cat "$work/edge.err"; exit 1; }
}
