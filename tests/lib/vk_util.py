"""Shared helpers for the Python integration tests: run vaultkeep, restic
and gen-snapshot as real processes with a clean environment (no inherited
RESTIC_* / VAULTKEEP_* variables) and no controlling terminal, so a
password prompt fails fast instead of waiting for a keyboard."""

import os
import shutil
import subprocess

BIN = os.environ.get("VK_BIN")
RESTIC = shutil.which("restic")
PW = "correct horse battery staple"


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RESTIC_", "VAULTKEEP_"))}
    env.update(extra)
    return env


def read(path):
    with open(path, "rb") as f:
        return f.read()


def vk(*args, env=None, timeout=120, stdin=None):
    return subprocess.run([os.path.join(BIN, "vaultkeep"), *args],
                          capture_output=True, timeout=timeout,
                          env=env if env is not None else clean_env(),
                          start_new_session=True, stdin=stdin)


def restic(*args, password=PW, timeout=300):
    cache = os.environ.get("TMPDIR", "/tmp") + "/vk-restic-cache"
    return subprocess.run([RESTIC, *args], capture_output=True,
                          timeout=timeout,
                          env=clean_env(RESTIC_PASSWORD=password,
                                        RESTIC_CACHE_DIR=cache),
                          start_new_session=True)


def gen_snapshot(out, *args):
    r = subprocess.run([os.path.join(BIN, "gen-snapshot"), "-o", out,
                        *[str(a) for a in args]],
                       capture_output=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.decode())
    return out


def require_binaries():
    if not BIN:
        raise SystemExit("VK_BIN is not set (run through ctest)")
    if not RESTIC:
        raise SystemExit("restic is not installed (scripts/test installs it)")
