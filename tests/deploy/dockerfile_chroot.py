#!/usr/bin/python3
"""Runs deploy/docker/Dockerfile's build steps without a Docker engine, in Debian 12
chroots made with debootstrap: each stage starts from a copy of one minbase bookworm tree
(standing in for the debian:12 image), RUN lines run under /bin/sh -c inside it, COPY
copies from the build context (filtered by Dockerfile.dockerignore) or from an earlier
stage. Then the final stage is checked as its USER: --version and --check-config.

    sudo tests/deploy/dockerfile_chroot.py [--workdir DIR] [--keep]

Differences from a real `docker build`, on purpose or by necessity: no layers or cache,
the host's network namespace and kernel, a debootstrap tree instead of the published
image (same suite and mirror), and HEALTHCHECK/ENTRYPOINT/EXPOSE/VOLUME are only parsed,
not exercised. Downloads about 200 MB; takes 10-20 minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import fnmatch
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"


def log(msg: str):
    print(f"[dockerfile-chroot {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def mirror() -> str:
    """The Debian mirror apt uses here (deb822 sources first, then sources.list)."""
    if os.environ.get("JUNCTION_DEBIAN_MIRROR"):
        return os.environ["JUNCTION_DEBIAN_MIRROR"]
    for path in [Path("/etc/apt/sources.list.d/debian.sources"), Path("/etc/apt/sources.list")]:
        if path.exists():
            for m in re.finditer(r"^(?:URIs:\s*|deb\s+(?:\[[^]]*\]\s+)?)(\S+)", path.read_text(), re.M):
                if "security" not in m.group(1):
                    return m.group(1)
    return "http://deb.debian.org/debian"


def parse(dockerfile: Path) -> list[dict]:
    """Stages: {'name', 'base', 'steps': [(instruction, argument)]}; continuation lines joined."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    stages: list[dict] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        instr, _, arg = line.partition(" ")
        instr = instr.upper()
        arg = arg.strip()
        if instr == "FROM":
            parts = arg.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else str(len(stages))
            stages.append({"name": name, "base": parts[0], "steps": []})
        else:
            stages[-1]["steps"].append((instr, arg))
    return stages


def ignored(rel: str, patterns: list[str]) -> bool:
    first = rel.split("/", 1)[0]
    for p in patterns:
        if fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(first, p):
            return True
        if p.startswith("**/") and fnmatch.fnmatch(Path(rel).name, p[3:]):
            return True
    return False


def copy_context(src: Path, dest: Path, patterns: list[str]):
    dest.mkdir(parents=True, exist_ok=True)
    for root, dirs, files in os.walk(src):
        rel_root = os.path.relpath(root, src)
        rel_root = "" if rel_root == "." else rel_root
        dirs[:] = [d for d in dirs if not ignored(os.path.join(rel_root, d) if rel_root else d, patterns)]
        for f in files:
            rel = os.path.join(rel_root, f) if rel_root else f
            if ignored(rel, patterns):
                continue
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(os.path.join(root, f), target, follow_symlinks=False)


class Chroot:
    def __init__(self, root: Path):
        self.root = root
        self.mounts: list[Path] = []

    def __enter__(self):
        shutil.copy("/etc/resolv.conf", self.root / "etc" / "resolv.conf")
        for src, dst, opts in [("proc", "proc", ["-t", "proc"]),
                               ("/dev", "dev", ["--bind"]),
                               ("/dev/pts", "dev/pts", ["--bind"])]:
            target = self.root / dst
            target.mkdir(parents=True, exist_ok=True)
            subprocess.run(["mount", *opts, src, str(target)], check=True)
            self.mounts.append(target)
        return self

    def __exit__(self, *exc):
        for target in reversed(self.mounts):
            subprocess.run(["umount", "-l", str(target)], check=False)
        self.mounts.clear()

    def sh(self, command: str, env: dict, workdir: str, user: str | None = None):
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        script = (f"export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin {exports}; "
                  f"mkdir -p {shlex.quote(workdir)} && cd {shlex.quote(workdir)} && {command}")
        cmd = ["chroot"]
        if user:
            cmd.append(f"--userspec={user}:{user}")
        cmd += [str(self.root), "/bin/sh", "-c", script]
        log(f"RUN {command[:150]}{'...' if len(command) > 150 else ''}")
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise SystemExit(f"step failed with exit status {r.returncode}: {command}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", type=Path, default=Path("/var/tmp/junction-dockerfile-chroot"))
    ap.add_argument("--keep", action="store_true", help="keep the chroots afterwards")
    ap.add_argument("--context", type=Path, default=REPO,
                    help="the build context (default: this checkout)")
    args = ap.parse_args()
    # SIGTERM (a timeout) still unmounts and cleans up through the finally blocks.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    if os.geteuid() != 0:
        print("needs root (debootstrap, chroot, mount)", file=sys.stderr)
        return 2
    if not shutil.which("debootstrap"):
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "debootstrap"],
                       check=True, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))

    stages = parse(DOCKERFILE)
    for s in stages:
        if s["base"] not in ("debian:12", "debian:bookworm"):
            raise SystemExit(f"stage {s['name']}: base {s['base']} is not debian:12")
    patterns = [l.strip() for l in (DOCKERFILE.parent / "Dockerfile.dockerignore").read_text().splitlines()
                if l.strip() and not l.startswith("#")]

    work = args.workdir
    base = work / "base"
    if not (base / "etc" / "debian_version").exists():
        shutil.rmtree(base, ignore_errors=True)
        work.mkdir(parents=True, exist_ok=True)
        log(f"debootstrap bookworm from {mirror()}")
        subprocess.run(["debootstrap", "--variant=minbase", "bookworm", str(base), mirror()],
                       check=True, stdout=subprocess.DEVNULL)
    roots: dict[str, Path] = {}
    start = time.monotonic()
    last_user = None
    try:
        for s in stages:
            root = work / f"stage-{s['name']}"
            if root.exists():
                subprocess.run(["rm", "-rf", "--one-file-system", str(root)], check=True)
            log(f"stage {s['name']}: copying the base tree")
            subprocess.run(["cp", "-a", str(base), str(root)], check=True)
            roots[s["name"]] = root
            env: dict[str, str] = {}
            workdir = "/"
            user = None
            with Chroot(root) as ch:
                for instr, arg in s["steps"]:
                    if instr == "ENV":
                        k, _, v = arg.partition("=")
                        env[k.strip()] = v.strip().strip('"')
                    elif instr == "WORKDIR":
                        workdir = arg
                        (root / arg.lstrip("/")).mkdir(parents=True, exist_ok=True)
                    elif instr == "RUN":
                        ch.sh(arg, env, workdir)
                    elif instr == "COPY":
                        parts = arg.split()
                        from_stage = None
                        if parts[0].startswith("--from="):
                            from_stage = parts.pop(0)[len("--from="):]
                        src, dest = parts[0], parts[1]
                        if not dest.startswith("/"):
                            dest = f"{workdir.rstrip('/')}/{dest}"
                        target = root / dest.lstrip("/")
                        log(f"COPY {arg}")
                        if from_stage:
                            target.parent.mkdir(parents=True, exist_ok=True)
                            shutil.copy2(roots[from_stage] / src.lstrip("/"), target)
                        elif src == ".":
                            copy_context(args.context, target, patterns)
                        else:
                            target.parent.mkdir(parents=True, exist_ok=True)
                            shutil.copy2(args.context / src, target)
                    elif instr == "USER":
                        user = arg
                    else:
                        log(f"{instr} {arg} (not exercised)")
                last_user = user
                if s is stages[-1]:
                    log(f"final stage: checks as user {user}")
                    ch.sh("/usr/bin/junction --version", env, "/", user)
                    ch.sh("/usr/bin/junction --check-config --config /etc/junction/junction.toml",
                          env, "/var/lib/junction", user)
                    ch.sh("test \"$(id -un)\" = junction && test -w /var/lib/junction "
                          "&& ! test -w /etc/junction/junction.toml", env, "/", user)
    finally:
        if not args.keep:
            for root in roots.values():
                subprocess.run(["rm", "-rf", "--one-file-system", str(root)], check=False)
    if last_user in (None, "root", "0"):
        raise SystemExit("the runtime stage must switch to a non-root USER")
    log(f"all Dockerfile steps passed in {time.monotonic() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
