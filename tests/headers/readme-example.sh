#!/bin/sh
# The C example in README.md must compile and link against the library as
# written. Usage: readme-example.sh README CC SRC_INC BUILD_INC LIBGDPR_SO
set -eu
readme=$1 cc=$2 src_inc=$3 build_inc=$4 lib=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk '/^```c$/{on=1; next} /^```$/{if (on) exit} on' "$readme" > "$tmp/example.c"
[ -s "$tmp/example.c" ] || { echo "no C example found in $readme"; exit 1; }
"$cc" -std=c11 -Wall -Wextra -Werror -I"$src_inc" -I"$build_inc" "$tmp/example.c" "$lib" -o "$tmp/example"
echo "ok: README example compiles and links ($(wc -l < "$tmp/example.c") lines)"
