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

failures=0
expect_error() {  # MANIFEST PATTERN [COMMAND]
  local manifest=$1 pattern=$2 cmd=${3:-build}
  local out="$work/out-${manifest%.toml}"
  set +e
  if [[ $cmd == build ]]; then "$tailor" build "$manifest" -o "$out" > stdout.txt 2> stderr.txt
  elif [[ $cmd == run ]]; then "$tailor" run "$manifest" -o "$out" --timeout 5 > stdout.txt 2> stderr.txt
  else "$tailor" image ls "$manifest" > stdout.txt 2> stderr.txt; fi
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

if [[ $failures -ne 0 ]]; then echo "$failures failure(s)"; exit 1; fi
echo "PASS"
