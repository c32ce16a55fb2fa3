#!/usr/bin/env bash
# Every kind of bad input to `tailor build` gives one clear error that names
# the item (and the manifest line where there is one), exit status 1, and
# leaves no output directory behind. No kernel is needed: all of these are
# caught before the kernel stage.
#
#   bad_inputs.sh TAILOR_BINARY ELF_FIXTURES_DIR
set -euo pipefail
tailor=${1:?usage: bad_inputs.sh TAILOR_BINARY ELF_FIXTURES_DIR}
fixtures=${2:?usage: bad_inputs.sh TAILOR_BINARY ELF_FIXTURES_DIR}
tailor=$(realpath "$tailor")
fixtures=$(realpath "$fixtures")
work=$(mktemp -d /tmp/tailor-image-bad.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

printf 'not a package\n' > broken.deb
printf 'garbage, not an image\n' > broken.tar
printf 'hello\n' > data.txt && chmod +x data.txt
cp "$fixtures/bin/app_runpath" app_runpath
cp "$fixtures/bin/bad_interp" bad_interp
# A docker-save archive cut in half.
mkdir -p img/layer && printf 'x' > img/layer/file && tar -C img/layer -cf img/layer.tar file
printf '[{"RepoTags":["t:1"],"Layers":["layer.tar"]}]' > img/manifest.json
tar -C img -cf whole.tar manifest.json layer.tar && head -c 1500 whole.tar > truncated.tar

write() { cat > "$1"; }
write missing_host.toml <<'T'
name = "bad"
[app]
argv = ["/usr/bin/tailor-nope"]
[[payload]]
host = ["/usr/bin/tailor-nope"]
T
write missing_file.toml <<'T'
name = "bad"
[app]
argv = ["/run.sh"]
[[payload]]
files = { "/run.sh" = "scripts/run.sh" }
T
write unknown_pkg.toml <<'T'
name = "bad"
[app]
argv = ["/bin/busybox"]
[[payload]]
deb = ["busybox-static",
       "tailor-no-such-package"]
T
write corrupt_deb.toml <<'T'
name = "bad"
[app]
argv = ["/bin/x"]
[[payload]]
deb = ["broken.deb"]
T
write corrupt_oci.toml <<'T'
name = "bad"
[app]
argv = ["/bin/x"]
[[payload]]
oci = "broken.tar"
T
write truncated_oci.toml <<'T'
name = "bad"
[app]
argv = ["/file"]
[[payload]]
oci = "truncated.tar"
T
write non_elf.toml <<'T'
name = "bad"
[app]
argv = ["/data.txt"]
[[payload]]
files = { "/data.txt" = "data.txt" }
T
write not_in_image.toml <<'T'
name = "bad"
[app]
argv = ["/usr/bin/missing"]
[[payload]]
files = { "/data.txt" = "data.txt" }
T
write missing_library.toml <<'T'
name = "bad"
[app]
argv = ["/opt/app/bin/app"]
[[payload]]
files = { "/opt/app/bin/app" = "app_runpath" }
T
write missing_interpreter.toml <<'T'
name = "bad"
[app]
argv = ["/bin/app"]
[[payload]]
files = { "/bin/app" = "bad_interp" }
T
write syntax.toml <<'T'
name = "bad"
[app]
argv = ["/bin/x",
T
write wrong_type.toml <<'T'
name = "bad"
[app]
argv = ["/bin/x"]
[[payload]]
host = "/bin/true"
T
write unknown_key.toml <<'T'
name = "bad"
[app]
argv = ["/bin/true"]
[[payload]]
host = ["/bin/true"]
[run]
memory = 64
T

# Hostile inputs (issue 13), each made here.
# 1. apt options as package names: apt runs Dir::Bin::dpkg with
#    DPkg::Options when it starts, so before the fix these ran
#    `sh -c "touch PWNED"` during `tailor image ls` (the marker proves they
#    did not run).
write apt_option.toml <<'T'
name = "bad"
[app]
argv = ["/bin/busybox"]
[[payload]]
deb = ["busybox-static",
       "-oDir::Bin::dpkg=sh", "-oDPkg::Options::=-c", "-oDPkg::Options::=touch PWNED"]
T
# ... and one in a package's Depends (dpkg-deb --nocheck builds what a hostile author would).
mkdir -p evil-deb/DEBIAN evil-deb/bin && cp "$fixtures/bin/hello_musl_static" evil-deb/bin/hello
printf 'Package: tailor-evil\nVersion: 1.0\nArchitecture: amd64\nMaintainer: t <t@example.com>\nDepends: libc6, -oDir::Bin::dpkg=sh\nDescription: hostile\n x\n' > evil-deb/DEBIAN/control
dpkg-deb --nocheck --root-owner-group -b evil-deb evil.deb > /dev/null
# A package whose dependency no archive has, and one that asks for a version
# that does not exist: apt cannot resolve either.
mkdir -p unsat-deb/DEBIAN unsat-deb/bin && cp "$fixtures/bin/hello_musl_static" unsat-deb/bin/hello
printf 'Package: tailor-unsat\nVersion: 1.0\nArchitecture: amd64\nMaintainer: t <t@example.com>\nDepends: tailor-no-such-dependency\nDescription: unsatisfiable\n x\n' > unsat-deb/DEBIAN/control
dpkg-deb --nocheck --root-owner-group -b unsat-deb unsat.deb > /dev/null
printf 'name = "bad"\n[app]\nargv = ["/bin/hello"]\n[[payload]]\ndeb = ["unsat.deb"]\n' > unsat_dep.toml
printf 'name = "bad"\n[app]\nargv = ["/usr/bin/sqlite3"]\n[[payload]]\ndeb = ["sqlite3=0.0.1-1"]\n' > no_version.toml
# Two mail transport agents: Debian's packages conflict with each other.
printf 'name = "bad"\n[app]\nargv = ["/usr/sbin/postfix"]\n[[payload]]\ndeb = ["postfix", "exim4-daemon-light"]\n' > conflict.toml
# deb_exclude/deb_include name packages of the install set; a typo is an error.
printf 'name = "bad"\n[app]\nargv = ["/usr/bin/sqlite3"]\n[[payload]]\ndeb = ["sqlite3"]\ndeb_exclude = ["libreadline9"]\n' > exclude_typo.toml
printf 'name = "bad"\n[app]\nargv = ["/usr/bin/sqlite3"]\n[[payload]]\ndeb = ["sqlite3"]\ndeb_include = ["Dpkg"]\n' > include_name.toml
# Services (issue 14): each stops `tailor run` before anything is built or made.
# A forwarded port another program holds; a volume that would be made too.
# The holder must end with the test: it shares the test's output, and ctest
# waits for every writer of that to close it.
exec {holder}< <(exec python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(600)' 2>/dev/null)
holder_pid=$!
trap 'kill $holder_pid 2>/dev/null || true; rm -rf "$work"' EXIT
read -r taken_port <&$holder
printf 'name = "bad"\n[app]\nargv = ["/bin/hello"]\n[[payload]]\nfiles = { "/bin/hello" = "%s" }\n[net]\nports = ["127.0.0.1:%s:80"]\n[[volume]]\npath = "/data"\nimage = "port-volume.img"\n' \
  "$fixtures/bin/hello_musl_static" "$taken_port" > port_taken.toml
svc() {  # NAME VOLUME-LINES: a hello manifest with one [[volume]]
  printf 'name = "bad"\n[app]\nargv = ["/bin/hello"]\n[[payload]]\nfiles = { "/bin/hello" = "%s", "/data/x" = "data.txt" }\n[[volume]]\n%b\n' \
    "$fixtures/bin/hello_musl_static" "$2" > "$1.toml"
}
head -c 4096 /dev/urandom > garbage.img
svc not_ext4 'path = "/vol"\nimage = "garbage.img"'
mke2fs -q -F -t ext4 damaged.img 8M && printf '\xff%.0s' $(seq 1 2048) | dd of=damaged.img bs=1 seek=4096 conv=notrunc status=none
svc damaged 'path = "/vol"\nimage = "damaged.img"'
svc ro_missing 'path = "/vol"\nimage = "nothing-here.img"\nread_only = true'
svc no_dir 'path = "/vol"\nimage = "no/such/dir/v.img"'
svc collides 'path = "/data"\nimage = "collide.img"'
svc system_path 'path = "/proc"\nimage = "proc.img"'
printf 'CONFIG_64BIT=y\nCONFIG_BLK_DEV_INITRD=y\n' > noinet.config
printf 'name = "bad"\n[app]\nargv = ["/bin/hello"]\n[[payload]]\nfiles = { "/bin/hello" = "%s" }\n[net]\nports = ["8080:80"]\n[kernel]\nconfig = "noinet.config"\n' \
  "$fixtures/bin/hello_musl_static" > noinet.toml
printf 'name = "bad"\n[app]\nargv = ["/bin/hello"]\n[[payload]]\nfiles = { "/bin/hello" = "%s" }\n[net]\nports = ["8080:0"]\n' \
  "$fixtures/bin/hello_musl_static" > port_zero.toml
write evil_depends.toml <<'T'
name = "bad"
[app]
argv = ["/bin/hello"]
[[payload]]
deb = ["evil.deb"]
T
# 2. Layers and manifest.json linked to host files (a secret must not leak).
mkdir -p host && printf 'TOPSECRET\n' > host/secret && mkdir -p host/l && printf 'x' > host/l/stolen && tar -C host/l -cf host/layer.tar stolen
/usr/bin/python3 - "$work" <<'PY'
import io, sys, tarfile
work = sys.argv[1]
def archive(name, members):
    with tarfile.open(f"{work}/{name}", "w") as t:
        for m in members:
            info = tarfile.TarInfo(m[0])
            if m[1] == "link":
                info.type, info.linkname = tarfile.SYMTYPE, m[2]
                t.addfile(info)
            else:
                info.size = len(m[2]); t.addfile(info, io.BytesIO(m[2]))
manifest = b'[{"RepoTags":["x:1"],"Layers":["l0/layer.tar"]}]'
archive("abs_layer.tar", [("manifest.json", "file", manifest), ("l0/layer.tar", "link", f"{work}/host/layer.tar")])
archive("abs_manifest.tar", [("manifest.json", "link", f"{work}/host/secret")])
archive("climb_layer.tar", [("manifest.json", "file", manifest), ("l0/layer.tar", "link", "../../../../../../../.." + f"{work}/host/layer.tar")])
archive("json_field.tar", [("manifest.json", "file", b'[{"RepoTags":[7],"Layers":["l0/layer.tar"]}]')])
PY
for kind in abs_layer abs_manifest climb_layer json_field; do
  printf 'name = "bad"\n[app]\nargv = ["/stolen"]\n[[payload]]\noci = "%s.tar"\n' "$kind" > "$kind.toml"
done
# 3. A NUL byte in an image path: "/init\0" would be a second /init.
write nul_path.toml <<'T'
name = "bad"
[app]
argv = ["/data.txt"]
[[payload]]
files = { "/data.txt" = "data.txt", "/init\u0000" = "data.txt" }
T
# 4. A name that makes out/<name> the working directory.
printf 'name = ".."\n[app]\nargv = ["/data.txt"]\n[[payload]]\nfiles = { "/data.txt" = "data.txt" }\n' > dotdot_name.toml
# 5. Bombs: a 4 GiB sparse file in a few KiB, 64 MiB of zeros in 64 KiB of gzip.
mkdir -p sparse && truncate -s 4G sparse/big && tar --sparse -C sparse -cf sparse-layer.tar big
mkdir -p zeros && cp "$(command -v busybox)" zeros/busybox && head -c 64M /dev/zero > zeros/zeros && tar -C zeros -czf zeros-layer.tar.gz busybox zeros
for kind in sparse zeros; do
  mkdir -p "img-$kind/l" && cp "$kind"-layer.tar* "img-$kind/l/layer.tar"
  printf '[{"RepoTags":["x:1"],"Layers":["l/layer.tar"]}]' > "img-$kind/manifest.json"
  tar -C "img-$kind" -cf "$kind-bomb.tar" manifest.json l
  printf 'name = "bad"\n[app]\nargv = ["/busybox", "true"]\n[[payload]]\noci = "%s-bomb.tar"\n' "$kind" > "${kind}_bomb.toml"
done
# 6. One image path of 100,000 components.
printf 'name = "bad"\n[app]\nargv = ["/data.txt"]\n[[payload]]\nfiles = { "/data.txt" = "data.txt", "%s/f" = "data.txt" }\n' \
  "$(printf '/a%.0s' $(seq 100000))" > deep_path.toml
# 7. Two data.tar members: dpkg installs the first, so the package means two things.
mkdir -p two/c two/d1 two/d2 && printf '2.0\n' > two/debian-binary
printf 'Package: tailor-two\nVersion: 1\nArchitecture: amd64\n' > two/c/control
cp data.txt two/d1/first && cp data.txt two/d2/second
tar -C two/c -czf two/control.tar.gz ./control && tar -C two/d1 -czf two/data.tar.gz ./first && tar -C two/d2 -cJf two/data.tar.xz ./second
(cd two && ar rc ../two_data.deb debian-binary control.tar.gz data.tar.gz data.tar.xz)
printf 'name = "bad"\n[app]\nargv = ["/first"]\n[[payload]]\ndeb = ["two_data.deb"]\n' > two_data.toml

failures=0
expect_error() {  # MANIFEST PATTERN [COMMAND]
  local manifest=$1 pattern=$2 cmd=${3:-build}
  local out="$work/out-${manifest%.toml}"
  set +e
  if [[ $cmd == build ]]; then "$tailor" build "$manifest" -o "$out" > stdout.txt 2> stderr.txt
  elif [[ $cmd == run ]]; then "$tailor" run "$manifest" -o "$out" --timeout 5 > stdout.txt 2> stderr.txt
  else "$tailor" image $cmd "$manifest" > stdout.txt 2> stderr.txt; fi  # "ls [OPTIONS]"
  local rc=$?
  set -e
  local err; err=$(cat stderr.txt)
  if [[ $rc -ne 1 ]]; then echo "FAIL: $cmd $manifest: exit $rc, expected 1 ($err)"; failures=$((failures + 1)); return; fi
  if ! grep -qE -- "$pattern" stderr.txt; then
    echo "FAIL: $cmd $manifest: error does not match /$pattern/: $err"; failures=$((failures + 1)); return
  fi
  if [[ -e "$out" ]] || compgen -G "$work/out-*" > /dev/null || compgen -G "$work/.*tmp*" > /dev/null; then
    echo "FAIL: $cmd $manifest left output behind"; ls -la "$work"; failures=$((failures + 1)); return
  fi
  echo "ok: $cmd $manifest: $err"
}

expect_error missing_host.toml 'missing_host.toml:4:1: \[\[payload\]\] #1 host: /usr/bin/tailor-nope does not exist on this host'
expect_error missing_file.toml 'missing_file.toml:4:1: \[\[payload\]\] #1 files: .*/scripts/run.sh does not exist on this host'
expect_error unknown_pkg.toml "unknown_pkg.toml:6:8: unknown Debian package 'tailor-no-such-package'"
expect_error corrupt_deb.toml 'corrupt_deb.toml:5:8: .*/broken.deb: not a Debian package'
expect_error corrupt_oci.toml 'corrupt_oci.toml:4:1: \[\[payload\]\] #1 oci: .*/broken.tar: cannot open archive'
expect_error truncated_oci.toml 'truncated_oci.toml:4:1: \[\[payload\]\] #1 oci: .*/truncated.tar: (corrupt or truncated|.*missing|.*truncated)'
expect_error non_elf.toml 'non_elf.toml:3:9: argv\[0\] /data.txt is neither an ELF executable nor a #! script'
expect_error not_in_image.toml 'not_in_image.toml:3:9: argv\[0\] /usr/bin/missing is not in the image'
expect_error missing_library.toml '/opt/app/bin/app needs libtailor_a.so.1 \(DT_NEEDED\), which is in neither'
expect_error missing_interpreter.toml '/bin/app needs its program interpreter /lib/ld-tailor-missing.so.1 \(PT_INTERP\)'
expect_error syntax.toml 'syntax.toml:3:19: TOML syntax error'
expect_error wrong_type.toml 'wrong_type.toml:5:8: \[\[payload\]\] #1: host must be an array of strings, not a string'
expect_error unknown_key.toml "unknown_key.toml:7:1: unknown key 'memory' in \[run\]"
expect_error no_such_manifest.toml 'no_such_manifest.toml: no such manifest file'
# `tailor run` and `tailor image ls` stop at the same errors (and boot nothing).
expect_error missing_library.toml 'needs libtailor_a.so.1' run
expect_error non_elf.toml 'is neither an ELF executable' ls

# Issue 13's hostile inputs. Unpacks go to a cache of this test's own, which
# must hold no leftovers of an aborted unpack afterwards.
export TAILOR_CACHE="$work/cache"
expect_error apt_option.toml "apt_option.toml:6:8: \[\[payload\]\] deb: '-oDir::Bin::dpkg=sh' is not a Debian package name" ls
expect_error apt_option.toml "is not a Debian package name"
[[ -e "$work/PWNED" ]] && { echo "FAIL: apt ran the injected command"; failures=$((failures + 1)); }
expect_error evil_depends.toml "package tailor-evil: its Depends/Pre-Depends names '-oDir', which is not a Debian package name" ls
[[ -e "$work/PWNED" ]] && { echo "FAIL: apt ran the injected command"; failures=$((failures + 1)); }
expect_error unsat_dep.toml "unsat_dep.toml:5:8: unsatisfiable dependency in deb = \[.*unsat.deb\]: tailor-unsat Depends: tailor-no-such-dependency but it is not installable"
expect_error no_version.toml "no_version.toml:5:8: Debian package 'sqlite3' has no version '0.0.1-1' in the archives"
expect_error conflict.toml "conflict.toml:4:1: \[\[payload\]\] #1 deb: conflicting packages in deb = \[postfix, exim4-daemon-light\]: .*Conflicts"
expect_error exclude_typo.toml "exclude_typo.toml:4:1: \[\[payload\]\] #1: deb_exclude names 'libreadline9', which is not in the packages apt resolved"
expect_error include_name.toml "include_name.toml:6:[0-9]+: \[\[payload\]\] deb_include: 'Dpkg' is not a Debian package name"
downloads=$(find "$work/cache" -maxdepth 2 -name 'download-*' 2>/dev/null)
[[ -z "$downloads" ]] || { echo "FAIL: half-done downloads left: $downloads"; failures=$((failures + 1)); }
expect_error port_taken.toml "port_taken.toml:6:1: \[net\] ports: host port $taken_port is already in use" run
[[ -e port-volume.img ]] && { echo "FAIL: a taken port still made the volume"; failures=$((failures + 1)); }
exec {holder}<&-
kill $holder_pid 2>/dev/null || true
expect_error not_ext4.toml 'not_ext4.toml:6:1: \[\[volume\]\] #1 \(/vol, .*garbage.img\): not an ext4 image' run
expect_error damaged.toml 'damaged.toml:6:1: \[\[volume\]\] #1 \(/vol, .*damaged.img\): e2fsck finds the file system damaged' run
expect_error ro_missing.toml 'ro_missing.toml:6:1: .*a read-only volume cannot start empty' run
expect_error no_dir.toml 'no_dir.toml:6:1: .*directory .*no/such/dir does not exist' run
expect_error collides.toml 'collides.toml:6:1: \[\[volume\]\] #1: path /data collides with the payload.s /data/x' run
[[ -e collide.img ]] && { echo "FAIL: the failed run left the volume it made"; failures=$((failures + 1)); }
expect_error system_path.toml 'system_path.toml:7:8: \[\[volume\]\] #1: path /proc is where the guest.s own files are'
expect_error noinet.toml 'noinet.toml: \[net\]/\[\[volume\]\] need CONFIG_INET, .*CONFIG_VIRTIO_NET, which the kernel config .* lacks'
expect_error port_zero.toml "port_zero.toml:7:[0-9]+: \[net\] ports: port forward '8080:0': guest port '0' is not a port number"
expect_error abs_layer.toml 'abs_layer.tar: refusing l0/layer.tar: it is a symbolic link to the absolute path'
expect_error abs_manifest.toml 'abs_manifest.tar: refusing manifest.json: it is a symbolic link to the absolute path'
grep -q TOPSECRET stderr.txt && { echo "FAIL: the host file leaked into the error"; failures=$((failures + 1)); }
expect_error climb_layer.toml 'climb_layer.tar: refusing l0/layer.tar: it leads outside the image'
expect_error json_field.toml 'json_field.tar: manifest.json: \[0\].RepoTags\[0\] must be a string, not number'
expect_error nul_path.toml "nul_path.toml:5:[0-9]+: \[\[payload\]\] files: image path '/init\\\\0' holds a NUL byte"
expect_error dotdot_name.toml "dotdot_name.toml:1:8: name '..' must be 1-64 characters"
mkdir -p named && (cd named && set +e; "$tailor" build ../dotdot_name.toml > /dev/null 2>&1; true)
[[ -z "$(ls -A named)" ]] || { echo "FAIL: name = \"..\" wrote into the working directory: $(ls -A named)"; failures=$((failures + 1)); }
expect_error sparse_bomb.toml 'sparse-bomb.tar: layer l/layer.tar \(/big\): unpacking needs more than the limit of 1 GiB'
expect_error zeros_bomb.toml 'unpacking needs more than the limit of 16 MiB' "ls --max-unpacked-size 16M"
start=$(date +%s)
expect_error deep_path.toml 'deep_path.toml:5:[0-9]+: \[\[payload\]\] files: image path .*\(200002 bytes\) is longer than 4096 bytes'
(( $(date +%s) - start < 20 )) || { echo "FAIL: the deep path took $(( $(date +%s) - start )) s"; failures=$((failures + 1)); }
expect_error two_data.toml "two_data.deb: two data.tar members \('data.tar.gz' and 'data.tar.xz'\)"
leftovers=$(find "$work/cache" -name '*.tmp-*' 2>/dev/null)
[[ -z "$leftovers" ]] || { echo "FAIL: aborted unpacks left: $leftovers"; failures=$((failures + 1)); }
# Raising the limit lets the 64 MiB image through (the bound is a limit, not a ban).
if "$tailor" image ls zeros_bomb.toml --max-unpacked-size 256M > stdout.txt 2> stderr.txt && grep -q '^/zeros .*64.0 MiB' stdout.txt; then
  echo "ok: --max-unpacked-size 256M lets the 64 MiB layer through"
else
  echo "FAIL: --max-unpacked-size 256M: $(cat stderr.txt)"; failures=$((failures + 1))
fi

if [[ $failures -ne 0 ]]; then echo "$failures failure(s)"; exit 1; fi
echo "PASS"
