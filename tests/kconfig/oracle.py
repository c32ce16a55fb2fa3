"""The kernel's own conf as a test oracle.

For a kernel tree, conf is built once with kbuild (make O=<objdir>) in a cache
directory, and the exact environment make passes to it is recorded (by briefly
wrapping the binary). Each oracle run then executes that conf binary with that
environment in a scratch directory, as `make <target>` would, and results are
cached by (tree, toolchain, mode, input). Named targets (tinyconfig, defconfig,
...) can also run through make itself.

Nothing is written into the source tree.
"""

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ARCH = "x86_64"

# Variables of make's own that conf does not need (and that would tie the
# recorded environment to one make invocation).
_DROP = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "OLDPWD", "PWD", "_", "SHLVL"}


def cache_root():
    base = os.environ.get("TAILOR_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "tailor")
    return Path(base) / "kconfig-oracle"


def _sha(*parts):
    h = hashlib.sha256()
    for p in parts:
        b = p if isinstance(p, bytes) else str(p).encode()
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def _toolchain_id():
    out = subprocess.run(["sh", "-c", "gcc --version | head -n1; ld --version | head -n1"],
                         capture_output=True, text=True).stdout
    return out.strip()


class Oracle:
    def __init__(self, srctree, log=print):
        self.srctree = Path(srctree).resolve()
        self.log = log
        makefile = (self.srctree / "Makefile").read_text(errors="replace")
        head = "\n".join(makefile.splitlines()[:8])
        conf_src = b"".join((self.srctree / "scripts/kconfig" / f).read_bytes()
                            for f in sorted(os.listdir(self.srctree / "scripts/kconfig"))
                            if f.endswith((".c", ".h", ".l", ".y")))
        self.tree_id = _sha(str(self.srctree), head, conf_src, _toolchain_id(), ARCH)[:16]
        self.dir = cache_root() / self.tree_id
        self.objdir = self.dir / "objdir"
        self.results = self.dir / "results"
        self.results.mkdir(parents=True, exist_ok=True)
        self._env = None

    # -- setup -----------------------------------------------------------

    def _make(self, *targets, env=None, cwd=None):
        cmd = ["nice", "-n", "10", "make", "-s", "-C", str(self.srctree), f"O={self.objdir}", f"ARCH={ARCH}"]
        cmd += list(targets)
        r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"oracle: {' '.join(cmd)} failed:\n{r.stdout}{r.stderr}")
        return r

    def conf(self):
        return self.objdir / "scripts/kconfig/conf"

    def env(self):
        """The environment kbuild runs conf with, recorded once per tree."""
        if self._env is not None:
            return self._env
        env_file = self.dir / "conf-env.json"
        if env_file.exists() and self.conf().exists():
            self._env = json.loads(env_file.read_text())
            return self._env
        self.log(f"oracle: building conf for {self.srctree} in {self.objdir}")
        self.objdir.mkdir(parents=True, exist_ok=True)
        self._make("allnoconfig")
        real = self.conf().with_name("conf.real")
        shutil.copy2(self.conf(), real)
        dump = self.dir / "env.dump"
        wrapper = self.conf().with_name("conf.wrap")
        wrapper.write_text(f"#!/bin/sh\nenv -0 > '{dump}'\nexec '{real}' \"$@\"\n")
        wrapper.chmod(0o755)
        os.replace(wrapper, self.conf())
        try:
            self._make("olddefconfig")
        finally:
            os.replace(real, self.conf())
        env = {}
        for item in dump.read_bytes().split(b"\0"):
            if b"=" in item:
                k, v = item.decode(errors="surrogateescape").split("=", 1)
                if k not in _DROP:
                    env[k] = v
        env_file.write_text(json.dumps(env, indent=1, sort_keys=True))
        self._env = env
        return env

    # -- runs ------------------------------------------------------------

    def _cached(self, key, compute):
        path = self.results / key
        if path.exists():
            return path.read_bytes()
        data = compute()
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return data

    def run(self, mode, config=None, allconfig=None, seed=None, defconfig_path=None):
        """conf --<mode>; returns the .config (or the savedefconfig output) as bytes.

        config: bytes of the .config to start from (olddefconfig, savedefconfig)
        allconfig: bytes of a KCONFIG_ALLCONFIG fragment (all*config)
        seed: KCONFIG_SEED (randconfig)
        defconfig_path: the defconfig file, relative to the tree (defconfig)
        """
        key = _sha(mode, config or b"", allconfig or b"", seed or "", defconfig_path or "")
        return self._cached(key, lambda: self._run(mode, config, allconfig, seed, defconfig_path))

    def _run(self, mode, config, allconfig, seed, defconfig_path):
        env = dict(self.env())
        with tempfile.TemporaryDirectory(prefix="kc-oracle-") as tmp:
            tmp = Path(tmp)
            env["PWD"] = str(tmp)
            args = [str(self.conf()), "-s"]
            if config is not None:
                (tmp / ".config").write_bytes(config)
            if allconfig is not None:
                (tmp / "allconfig").write_bytes(allconfig)
                env["KCONFIG_ALLCONFIG"] = str(tmp / "allconfig")
            if seed is not None:
                env["KCONFIG_SEED"] = str(seed)
            out = tmp / ".config"
            if mode == "savedefconfig":
                args.append(f"--savedefconfig={tmp / 'defconfig'}")
                out = tmp / "defconfig"
            elif mode == "defconfig":
                args.append(f"--defconfig={defconfig_path}")
            else:
                args.append(f"--{mode}")
            args.append("Kconfig")
            r = subprocess.run(["nice", "-n", "10"] + args, env=env, cwd=tmp, capture_output=True)
            if r.returncode != 0:
                raise RuntimeError(f"oracle conf {mode} failed: {r.stderr.decode(errors='replace')}")
            return out.read_bytes()

    def make_target(self, target):
        """`make <target>` itself (tinyconfig, defconfig, ...), in the oracle's objdir."""
        def compute():
            self.env()
            cfg = self.objdir / ".config"
            if cfg.exists():
                cfg.unlink()
            self._make(target)
            return cfg.read_bytes()
        return self._cached(_sha("make", target), compute)
