#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz with clang, each together
# with the fcgi/ sources it needs (compiled here, so they get coverage
# instrumentation and the sanitizers), into tests/fuzz/out/fuzz_<name>.
#
# Usage: tests/fuzz/build.sh [name...]   (default: every target)
# Environment: FUZZ_CC (default clang), BUILDDIR (where ./configure wrote
# config.h; default the top source directory), OUT (default
# tests/fuzz/out), FUZZ_CFLAGS (added last, e.g. -O2).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${BUILDDIR:-$top}
out=${OUT:-$top/tests/fuzz/out}
cc=${FUZZ_CC:-clang}

if [ ! -f "$builddir/config.h" ]; then
	echo "build.sh: no config.h in $builddir: run ./configure first," \
	    "or set BUILDDIR to the build directory" >&2
	exit 1
fi

# UBSan must stop at the first report, or libFuzzer never sees a crash.
cflags="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-g -O1 -Wall -Wextra -Wno-unused-parameter
	-Wno-missing-field-initializers
	-I$top/fcgi -I$builddir ${FUZZ_CFLAGS:-}"

# The core sources and libraries each target needs.
sources() {
	case $1 in
	query)	echo fcgi/query.c fcgi/arena.c ;;
	cookie)	echo fcgi/cookie.c fcgi/arena.c ;;
	field)	echo fcgi/field.c fcgi/email.c fcgi/query.c fcgi/arena.c ;;
	robots)	echo fcgi/robots.c ;;
	csv)	echo fcgi/csvin.c fcgi/prospect.c fcgi/pnorm.c fcgi/email.c \
		    fcgi/query.c fcgi/arena.c ;;
	form)	echo fcgi/form.c fcgi/query.c fcgi/arena.c ;;
	html)	echo fcgi/htmlmail.c fcgi/pnorm.c fcgi/email.c fcgi/query.c \
		    fcgi/arena.c ;;
	tmpl)	echo fcgi/tmpl.c fcgi/query.c fcgi/arena.c ;;
	inbound) echo fcgi/inbound.c fcgi/email.c fcgi/query.c fcgi/arena.c ;;
	stripe_sig) echo fcgi/stripe_sig.c ;;
	*)	echo "build.sh: no target named $1" >&2; return 1 ;;
	esac
}
libs() {
	case $1 in
	field)	pkg-config --cflags --libs jansson ;;
	csv)	pkg-config --cflags --libs jansson libcurl libidn2; echo -lcsv ;;
	html)	pkg-config --cflags --libs gumbo libcurl libidn2 ;;
	tmpl)	pkg-config --cflags --libs jansson ;;
	inbound) pkg-config --cflags --libs libidn2 ;;
	stripe_sig) pkg-config --cflags --libs libsodium ;;
	esac
}

targets=${*:-query cookie field csv html robots tmpl inbound form stripe_sig}
mkdir -p "$out"
for name in $targets; do
	srcs=$(sources "$name")
	# The sources as arguments, safe from spaces in $top.
	set --
	for s in $srcs; do
		set -- "$@" "$top/$s"
	done
	echo "  CC  $out/fuzz_$name"
	# $cflags and the library flags are word lists: split on purpose.
	# shellcheck disable=SC2046,SC2086
	"$cc" $cflags -o "$out/fuzz_$name" "$top/tests/fuzz/fuzz_$name.c" \
	    "$@" $(libs "$name")
done
