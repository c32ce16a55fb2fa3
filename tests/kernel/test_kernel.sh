# Sourced by the kernel, runner and KML tests (needs $root, the repository
# root). The kernel configuration they all boot: tinyconfig + small.config +
# apps.config, the same final .config as the image tests' fixed-config kernel
# (`tailor build --fixed-config`), so that a cold-cache CI run compiles it
# once instead of a separate small kernel.
TEST_KERNEL=(--base tinyconfig
             --config "$root/image-builder/configs/small.config"
             --config "$root/image-builder/configs/apps.config")
