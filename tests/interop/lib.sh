# Shared by the interop tests and scripts/bench-broker (sourced): free ports, waiting for a listener,
# starting twinbench-edge, and stopping whatever was started when the script exits.
# The sourcing script sets `work` (its scratch folder) first.

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done; }
trap cleanup EXIT

free_port() {  # a port the kernel just handed out and took back (the caller binds it right after)
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
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
