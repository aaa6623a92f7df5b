#!/bin/sh
# Run a libFuzzer target without touching the source tree:
#   run-fuzz.sh FUZZER WORKDIR SEEDS [libFuzzer options...]
# libFuzzer writes the new inputs it finds into the FIRST corpus directory
# it is given, so that is WORKDIR/corpus (in the build directory); SEEDS
# (tests/fuzz/corpus/<target>, checked in) comes second and is only read.
# Crash, leak, timeout and OOM reproducers go to WORKDIR/artifacts/.
set -eu
fuzzer=$1
work=$2
seeds=$3
shift 3
mkdir -p "$work/corpus" "$work/artifacts"
exec "$fuzzer" -artifact_prefix="$work/artifacts/" "$@" "$work/corpus" "$seeds"
