#!/usr/bin/env bash
# CI's bounded fuzzing run: builds every cargo-fuzz target, then runs each
# for FUZZ_SECS seconds (20) from a small seed corpus, and fails if any
# target found a crash, naming the saved input. Installs cargo-fuzz when it
# is missing.
#
# Built unoptimised (--dev, with overflow checks) and without a sanitizer,
# to leave CI's few minutes for fuzzing: measured on this 2-core machine,
# the release build took 8 CPU-minutes, --dev with AddressSanitizer 2.8 and
# --dev without 1.9. The targets are safe Rust and reach none of the C
# (SQLite, ring) that ASan would guard; FUZZ_SANITIZER=address turns it on.
set -euo pipefail
cd "$(dirname "$0")"
secs=${FUZZ_SECS:-20}
sanitizer=${FUZZ_SANITIZER:-none}
# cargo-fuzz passes nightly-only flags (-Zsanitizer); this lets a stable
# toolchain accept them.
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install --locked cargo-fuzz
fi

# Seeds: a few real lines for the IRC targets, the commented default
# configuration for the config loader.
seed() { mkdir -p "corpus/$1"; printf '%b' "$3" >"corpus/$1/$2"; }
seed decoder welcome 'CAP LS 302\r\nNICK ann\r\nUSER ann 0 * :Ann\r\n'
seed decoder tagged '@label=a;+draft/reply=x :n!u@h PRIVMSG #c :hi\r\n'
seed parser privmsg '@time=2026-01-01T00:00:00.000Z :n!u@h PRIVMSG #c :hello there'
seed parser mode 'MODE #c +bkl-o *!*@h key 10 ann'
seed search_query words 'hello "big cat" -dog from:ann in:#c after:2026-01-01'
seed search_query attributes 'text=hello\\sworld;in=#c;limit=10'
seed ws_frame join 'JOIN #c'
seed ws_frame tagged '@+typing=active TAGMSG #c\r\n'
mkdir -p corpus/config
cp ../crates/hichat-server/src/default_config.toml corpus/config/default.toml

echo "== cargo fuzz build (sanitizer: $sanitizer)"
cargo fuzz build --dev --sanitizer "$sanitizer"

failed=()
for target in $(cargo fuzz list); do
  log="target/fuzz-$target.log"
  # Whole configuration files are longer than libFuzzer's default limit.
  max_len=4096
  [ "$target" = config ] && max_len=16384
  if cargo fuzz run --dev --sanitizer "$sanitizer" "$target" "corpus/$target" -- \
    -max_total_time="$secs" -max_len="$max_len" -timeout=10 >"$log" 2>&1; then
    echo "== $target: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$log" || echo done)"
  else
    echo "== $target: FAILED; the end of its log:"
    tail -n 30 "$log"
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz targets that failed: ${failed[*]} (inputs under fuzz/artifacts/<target>/)"
  exit 1
fi
