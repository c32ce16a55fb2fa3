#!/usr/bin/env bash
# Builds the KML-aware musl: Debian's musl source package (1.2.3-1, checked
# against pinned SHA-256 sums) plus kml-patches/libc/musl-1.2.3-kml.patch,
# installed into the tailor cache and printed:
#
#   build-musl.sh            -> <cache>/kml-musl/<key>   (bin/musl-gcc, lib/libc.a, lib/libc.so, ...)
#
# <key> covers the sources, the patch, this script and the compiler, so a
# changed input builds a new copy and an unchanged one is answered at once.
# The source comes from the cache, or from $KML_MUSL_SOURCE_DIR (a folder with
# the two tarballs), or is fetched with `apt-get source --download-only` using
# a private sources list (the system's apt configuration is not touched).
# Builds run under a lock, in a temporary folder that is renamed when complete.
set -euo pipefail

VERSION=1.2.3
DEBREV=1
ORIG=musl_${VERSION}.orig.tar.gz
DEBIAN=musl_${VERSION}-${DEBREV}.debian.tar.xz
ORIG_SHA=7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4
DEBIAN_SHA=8f12cc808dbec030179a25ce2645a4c0b622ee8011c2afcec53b87ec5867a8cc

here=$(cd "$(dirname "$0")" && pwd)
patch_file=$here/musl-${VERSION}-kml.patch
cache=${TAILOR_CACHE:-$HOME/.cache/tailor}/kml-musl
say() { echo "build-musl: $*" >&2; }
die() { say "$*"; exit 1; }

[[ -f $patch_file ]] || die "$patch_file: missing"
mkdir -p "$cache/src"

sha_ok() { [[ -f $1 ]] && [[ $(sha256sum "$1" | cut -d' ' -f1) == "$2" ]]; }

fetch_sources() {
  local dir=$cache/src
  if sha_ok "$dir/$ORIG" $ORIG_SHA && sha_ok "$dir/$DEBIAN" $DEBIAN_SHA; then return; fi
  if [[ -n ${KML_MUSL_SOURCE_DIR:-} ]]; then
    cp "$KML_MUSL_SOURCE_DIR/$ORIG" "$KML_MUSL_SOURCE_DIR/$DEBIAN" "$dir/" ||
      die "KML_MUSL_SOURCE_DIR=$KML_MUSL_SOURCE_DIR lacks $ORIG or $DEBIAN"
  else
    command -v apt-get >/dev/null || die "no apt-get to fetch Debian's musl source; set KML_MUSL_SOURCE_DIR"
    local apt=$cache/apt
    mkdir -p "$apt/lists/partial" "$apt/archives/partial"
    echo "deb-src http://deb.debian.org/debian bookworm main" > "$apt/sources.list"
    local opts=(-o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
                -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt" -o APT::Sandbox::User=root -q)
    say "fetching Debian's musl ${VERSION}-${DEBREV} source (apt-get source)"
    apt-get "${opts[@]}" update >&2 || die "apt-get update (deb-src) failed"
    (cd "$dir" && apt-get "${opts[@]}" source --download-only "musl=${VERSION}-${DEBREV}" >&2) ||
      die "apt-get source musl=${VERSION}-${DEBREV} failed"
  fi
  sha_ok "$dir/$ORIG" $ORIG_SHA || die "$dir/$ORIG: SHA-256 mismatch"
  sha_ok "$dir/$DEBIAN" $DEBIAN_SHA || die "$dir/$DEBIAN: SHA-256 mismatch"
}

cc_version=$(gcc --version | head -1)
key=$( { echo "kml-musl-v1 $ORIG_SHA $DEBIAN_SHA $cc_version"; cat "$patch_file" "$0"; } | sha256sum | cut -c1-16)
prefix=$cache/$key

exec 9>"$cache/.lock"
flock 9
if [[ -f $prefix/.complete ]]; then
  echo "$prefix"
  exit 0
fi

fetch_sources
tmp=$(mktemp -d "$cache/tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
say "building musl ${VERSION} + KML patch in $tmp"
tar -xzf "$cache/src/$ORIG" -C "$tmp"
tar -xJf "$cache/src/$DEBIAN" -C "$tmp/musl-$VERSION"
src=$tmp/musl-$VERSION
if [[ -f $src/debian/patches/series ]]; then
  while read -r p _; do
    [[ -z $p || $p == \#* ]] && continue
    patch -d "$src" -p1 -s < "$src/debian/patches/$p" || die "Debian patch $p does not apply"
  done < "$src/debian/patches/series"
fi
patch -d "$src" -p1 -s < "$patch_file" || die "$patch_file does not apply to musl $VERSION"
(cd "$src" && ./configure --prefix="$prefix" --syslibdir="$prefix/lib" CFLAGS="-O2" >"$tmp/configure.log" 2>&1) ||
  { tail -20 "$tmp/configure.log" >&2; die "configure failed"; }
(cd "$src" && nice -n 10 make -j"$(nproc)" >"$tmp/make.log" 2>&1) ||
  { tail -30 "$tmp/make.log" >&2; die "make failed (log above)"; }
(cd "$src" && make install DESTDIR="$tmp/dest" >"$tmp/install.log" 2>&1) ||
  { tail -20 "$tmp/install.log" >&2; die "make install failed"; }
touch "$tmp/dest$prefix/.complete"
rm -rf "$prefix"
mv "$tmp/dest$prefix" "$prefix"
say "installed in $prefix"
echo "$prefix"
