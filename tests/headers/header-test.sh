#!/bin/sh
# Compile one public header alone: as C99 -pedantic -Werror, and as C++
# when a C++ compiler is given. Usage: header-test.sh HEADER SRC_INC BUILD_INC CC [CXX]
set -eu
header=$1 src_inc=$2 build_inc=$3 cc=$4 cxx=${5:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include <%s>\nint gdpr_header_test_dummy;\n' "$header" > "$tmp/t.c"
"$cc" -std=c99 -pedantic -Wall -Wextra -Werror -I"$src_inc" -I"$build_inc" -c "$tmp/t.c" -o "$tmp/t.o"
if [ -n "$cxx" ] && [ "$cxx" != "none" ]; then
    cp "$tmp/t.c" "$tmp/t.cpp"
    "$cxx" -std=c++11 -pedantic -Wall -Wextra -Werror -I"$src_inc" -I"$build_inc" -c "$tmp/t.cpp" -o "$tmp/tpp.o"
fi
echo "ok: $header"
