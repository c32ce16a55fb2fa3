# Sourced by the image tests. They all share ONE kernel, built from the fixed
# built-in config (tinyconfig + small.config + apps.config). When the analyzer
# is tailor's default config source, `--fixed-config` asks for the fixed one;
# before that, the fixed one is the default and the flag does not exist.
# Sets FIXED to the flag to pass to `tailor build` and `tailor run` (or nothing).
FIXED=""
if "$tailor" build --help 2>/dev/null | grep -q -- '--fixed-config'; then FIXED="--fixed-config"; fi
