#!/usr/bin/env bash
# Side-by-side benchmarks: hichat, ngIRCd, InspIRCd and the zero-logic relay
# under the same load from hichat-bench, alternating servers, several rounds,
# then a markdown table of medians (min-max) and hichat/anchor ratios.
#
#   bench/run.sh                 full run (about half an hour on 2 cores)
#   bench/run.sh --smoke         tiny sizes against the relay and hichat (CI)
#   bench/run.sh --rounds 5 --only fanout
#
# Environment:
#   SHARED        directory holding bench-anchors/ (default /work/shared,
#                 else ../shared next to the repository)
#   OUT           directory for results (default target/bench-results/<time>)
#   STORM_CLIENTS clients in the storm scenario (default 2000)
#   IDLE_CLIENTS  clients in the idle scenario (default 19000)
#   SWEEP         channel sizes for the fanout/latency sweep that the charts
#                 plot (default "50 200 1000")
#   SIM_CLIENTS   simulated in-memory clients in the sim scenario (default
#                 1000000, about 6 GiB of RAM); SIM_MEMBERS in its channel
#                 (default 100000)
#
# Each server is started fresh, from its own directory under a private temp
# directory, for every run, and stopped by the PID this script started.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=3
SMOKE=0
ONLY=""
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) SMOKE=1; ROUNDS=1 ;;
        --rounds) ROUNDS=$2; shift ;;
        --only) ONLY=$2; shift ;;
        -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done

if [ -z "${SHARED:-}" ]; then
    if [ -d /work/shared/bench-anchors ]; then SHARED=/work/shared; else SHARED=$ROOT/../shared; fi
fi
ANCHORS=$SHARED/bench-anchors
OUT=${OUT:-$ROOT/target/bench-results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
LOG=$OUT/run.log
: > "$RESULTS"
WORK=$(mktemp -d /tmp/hichat-bench.XXXXXX)
SERVER_PID=""
FAILURES=0

log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$LOG" >&2; }

cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT

# Thousands of sockets: raise the open-file limit for us and the servers.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# --- tools -----------------------------------------------------------------

install_anchors() {
    if command -v ngircd >/dev/null && command -v inspircd >/dev/null; then return; fi
    log "installing ngircd and inspircd"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq ngircd inspircd >/dev/null
}

# A smoke run only checks that the harness works: the debug build, which
# CI has already made, is enough and saves a release build.
if [ "$SMOKE" -eq 1 ]; then PROFILE_FLAG=""; PROFILE_DIR=debug; else PROFILE_FLAG="--release"; PROFILE_DIR=release; fi
log "building hichat-bench ($PROFILE_DIR)"
(cd "$ROOT" && cargo build $PROFILE_FLAG -p hichat-bench) 2>>"$LOG"
BENCH=$ROOT/target/$PROFILE_DIR/hichat-bench
HICHAT=$ROOT/target/$PROFILE_DIR/hichat
log "building hichat ($PROFILE_DIR)"
if ! (cd "$ROOT" && cargo build $PROFILE_FLAG -p hichat) 2>>"$LOG"; then
    log "hichat does not build; it will be skipped"
fi
if [ "$SMOKE" -eq 0 ]; then
    install_anchors
    [ -d "$ANCHORS" ] || { echo "no anchor configs in $ANCHORS (set SHARED)" >&2; exit 1; }
fi

# --- servers -----------------------------------------------------------------

# Waits until something accepts connections on 127.0.0.1:$1.
wait_port() {
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# Starts server $1 fresh; sets SERVER_PID, PORT and EXTRA (hichat-bench
# options for this server). Fails if it does not come up.
start_server() {
    local name=$1 dir=$WORK/$1
    rm -rf "$dir"; mkdir -p "$dir"
    case "$name" in
        hichat)
            PORT=36667; EXTRA="--connect-parallel 64"
            [ -x "$HICHAT" ] || return 1
            cat > "$dir/hichat.toml" <<EOF
# Benchmark settings: flood control and per-IP limits off, large queues.
[server]
name = "hichat.bench.local"
listen = ["127.0.0.1:$PORT"]
data_dir = "$dir/data"
motd = "bench"

[limits]
sendq_bytes = 67108864
recvq_bytes = 16777216
connections_per_ip = 100000
connections_exempt = ["127.0.0.0/8", "::1/128"]
channels_per_user = 100
ping_interval_secs = 600
registration_timeout_secs = 120

[flood]
enabled = false
exempt = ["127.0.0.0/8", "::1/128"]

[history]
# Senders pipeline far more than one user's history budget a minute.
user_bytes_per_minute = 0
EOF
            # Per-connection INFO logs would cost CPU the anchors (which log
            # little in these configs) do not spend.
            (cd "$dir" && RUST_LOG=warn exec "$HICHAT" serve --listen "127.0.0.1:$PORT" --web off --config "$dir/hichat.toml") \
                >"$dir/out.log" 2>&1 &
            ;;
        ngircd)
            PORT=26667; EXTRA="--connect-parallel 8"
            cp "$ANCHORS/ngircd.conf" "$dir/"
            (cd "$dir" && exec ngircd -n -f "$dir/ngircd.conf") >"$dir/out.log" 2>&1 &
            ;;
        inspircd)
            # InspIRCd registers clients once a second: many in flight.
            PORT=16667; EXTRA="--connect-parallel 1000"
            cp "$ANCHORS/inspircd.conf" "$ANCHORS/inspircd.motd" "$dir/"
            sed -i "s|@DIR@|$dir|g" "$dir/inspircd.conf"
            (cd "$dir" && exec inspircd --runasroot --nofork --config="$dir/inspircd.conf") >"$dir/out.log" 2>&1 &
            ;;
        relay)
            PORT=6699; EXTRA="--raw --connect-parallel 64"
            (cd "$dir" && exec "$BENCH" relay --listen "127.0.0.1:$PORT" --timeout 86400) >"$dir/out.log" 2>&1 &
            ;;
    esac
    SERVER_PID=$!
    if ! wait_port "$PORT"; then
        log "$name did not start: $(tail -n 3 "$dir/out.log" 2>/dev/null | tr '\n' ' ')"
        stop_server
        return 1
    fi
}

# --- scenarios ---------------------------------------------------------------

# run_case NAME "SERVERS" ARGS...: every round, every server in turn (the
# order rotates each round), one fresh server start per run.
run_case() {
    local name=$1 servers=$2; shift 2
    if [ -n "$ONLY" ] && [ "$ONLY" != "$name" ]; then return; fi
    local list=($servers) n=${#list[@]}
    for round in $(seq 1 "$ROUNDS"); do
        for k in $(seq 0 $((n - 1))); do
            local server=${list[$(( (k + round - 1) % n ))]}
            if [ "$server" = hichat ] && [ ! -x "$HICHAT" ]; then
                [ "$round" -eq 1 ] && log "skipping hichat: $HICHAT does not exist yet"
                continue
            fi
            if ! start_server "$server"; then
                [ "$server" = hichat ] || FAILURES=$((FAILURES + 1))
                continue
            fi
            log "round $round: $name $* against $server"
            # shellcheck disable=SC2086
            if "$BENCH" --target "127.0.0.1:$PORT" --label "$server" --server-pid "$SERVER_PID" \
                --timeout "$TIMEOUT" --json $EXTRA "$@" >>"$RESULTS" 2>>"$LOG"; then
                tail -n 1 "$RESULTS" >>"$LOG"
            else
                log "FAILED: $name $* against $server (see $LOG)"
                FAILURES=$((FAILURES + 1))
            fi
            stop_server
        done
    done
}

# run_sim ARGS...: the in-process simulation (hichat only, no server to
# start: the tool runs hichat's session code over in-memory transports).
run_sim() {
    if [ -n "$ONLY" ] && [ "$ONLY" != sim ]; then return; fi
    for round in $(seq 1 "$ROUNDS"); do
        log "round $round: sim $*"
        if "$BENCH" --label hichat --timeout "$TIMEOUT" --json sim "$@" >>"$RESULTS" 2>>"$LOG"; then
            tail -n 1 "$RESULTS" >>"$LOG"
        else
            log "FAILED: sim $* (see $LOG)"
            FAILURES=$((FAILURES + 1))
        fi
    done
}

ALL="hichat ngircd inspircd relay"
IRC="hichat ngircd inspircd"
if [ "$SMOKE" -eq 1 ]; then
    TIMEOUT=60
    run_case fanout "hichat relay" fanout --clients 20 --senders 5 --messages 50
    run_case latency "hichat relay" latency --clients 10 --rate 100 --duration 1
    run_case connect "hichat" connect --total 200 --in-flight 20
    run_case idle "hichat" idle --clients 100 --settle-ms 200
    run_case storm "hichat" storm --clients 50
    run_case history "hichat" history --senders 2 --messages 200 --channels 2 --requesters 2 --requests 50 \
        --search-messages 1000 --searches 10
    run_sim --clients 2000 --members 500 --messages 3 --settle-ms 100
else
    TIMEOUT=600
    run_case fanout "$ALL" fanout --clients 500 --senders 100 --messages 200
    # Channel-size sweep for the charts: only C varies along a line.
    for c in ${SWEEP:-50 200 1000}; do
        run_case fanout "$ALL" fanout --clients "$c" --senders 10 --messages 1000
        run_case latency "$ALL" latency --clients "$c" --rate 500 --duration 10
    done
    run_case connect "$IRC" connect --total 5000 --in-flight 1000
    run_case idle "$IRC" idle --clients "${IDLE_CLIENTS:-19000}"
    run_case storm "$IRC" storm --clients "${STORM_CLIENTS:-2000}"
    run_case history "hichat" history
    run_sim --clients "${SIM_CLIENTS:-1000000}" --members "${SIM_MEMBERS:-100000}" --messages 5
fi

# --- summary -----------------------------------------------------------------

{
    echo "# hichat-bench results $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
        "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), Linux $(uname -r)"
    echo "- hichat: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$([ -x "$HICHAT" ] || echo ' (not built: skipped)')"
    if [ "$SMOKE" -eq 0 ]; then
        echo "- ngIRCd: $(ngircd --version 2>/dev/null | head -n 1 | cut -d- -f1)"
        echo "- InspIRCd: $(inspircd --version 2>/dev/null | head -n 1)"
    fi
    echo "- rounds: $ROUNDS, servers alternating, each started fresh per run; cells are median (min–max)"
    echo
    "$BENCH" summarize --subject hichat "$RESULTS"
    if [ "$FAILURES" -gt 0 ]; then
        echo
        echo "$FAILURES runs failed; see run.log."
    fi
} > "$OUT/results.md"
log "results: $OUT/results.md"
# Charts of the sweep (the smoke run's fanout has 5 senders and its latency
# run 100 msg/s). Copy them to docs/bench/ when they go into BENCHMARKS.md.
if [ "$SMOKE" -eq 1 ]; then CHART_LOAD="--senders 5 --rate 100"; else CHART_LOAD="--senders 10 --rate 500"; fi
# shellcheck disable=SC2086
if [ -z "$ONLY" ] && ! "$BENCH" chart $CHART_LOAD --out-dir "$OUT/charts" "$RESULTS" >>"$LOG" 2>&1; then
    log "FAILED: charts (see $LOG)"
    FAILURES=$((FAILURES + 1))
fi
cat "$OUT/results.md"
[ "$FAILURES" -eq 0 ]
