#!/usr/bin/env bash
# Fuzz the sweep's config parser with libFuzzer (clang -fsanitize=fuzzer,
# with ASan and UBSan). Builds the harness from the sources, then runs it on
# a copy of the committed seed corpus.
#   tests/adversarial/fuzz.sh [--seconds S] [--jobs J] [--max-len BYTES] [--work DIR] [--keep-corpus]
# Default 60 s (the ctest run). Crashes, timeouts (> 10 s per input) and
# memory blow-ups (> 2 GB) are written to DIR/artifacts/ and fail the run.
# Exit 77 (skipped) when clang or its libFuzzer runtime is missing.
# A long run: tests/adversarial/fuzz.sh --seconds 3600 --jobs 2 --max-len 65536 --keep-corpus
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
seconds=60 jobs=1 maxlen=4096 work=${TMPDIR:-/tmp}/qthermo-fuzz keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --max-len) maxlen=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --keep-corpus) keep=1; shift ;;
    *) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
cc=$(command -v clang || true)
if [ -z "$cc" ]; then echo "fuzz.sh: clang not installed; skipped"; exit 77; fi
mkdir -p "$work/artifacts" "$work/corpus"
probe="$work/probe.c"
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }' >"$probe"
if ! "$cc" -fsanitize=fuzzer "$probe" -o "$work/probe" 2>/dev/null; then
  echo "fuzz.sh: clang has no libFuzzer runtime (libclang-rt-dev); skipped"; exit 77
fi

# the harness: config.c and what it calls (outputs table, core parameter checks)
bin="$work/fuzz_config"
flags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$src/include" -I"$src/src/sweep" -I"$src/src/core")
"$cc" "${flags[@]}" "$here/fuzz_config.c" "$src/src/sweep/config.c" "$src/src/sweep/outputs.c" \
  "$src"/src/core/*.c $(pkg-config --cflags --libs yaml-0.1 libcrypto lapacke openblas) -lm \
  -o "$bin"

# seeds: the shipped configs and the committed variants
cp "$here"/corpus/* "$work/corpus/"
for f in "$src"/configs/*.yaml; do cp "$f" "$work/corpus/current_$(basename "$f")"; done
args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$maxlen"
      -artifact_prefix="$work/artifacts/" -print_final_stats=1)
if [ "$jobs" -gt 1 ]; then args+=(-fork="$jobs" -ignore_crashes=0); fi
export ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1
status=0
"$bin" "${args[@]}" "$work/corpus" || status=$?
if [ "$keep" = 1 ]; then echo "fuzz.sh: corpus kept in $work/corpus"; fi
if [ $status -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
  echo "fuzz.sh: FAILED: reproduce with $bin $work/artifacts/<file>" >&2
  ls -l "$work/artifacts" >&2
  exit 1
fi
echo "fuzz.sh: no crash, hang or leak in $seconds s"
