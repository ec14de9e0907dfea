"""Do the lock files still say what pyproject.toml asks for? Exit 1, naming each
difference, when they do not; `make lock` is then the fix.

Checked without the network, on this machine's platform, from the metadata of the
installed packages (`make install` put in exactly the locked versions):

- every requirement of pyproject.toml, and every requirement of those, down to the
  leaves, is pinned in the lock at a version its range allows;
- every pin that applies here is needed by something (no leftovers of a removed
  dependency);
- run.txt pins the same version as dev.txt for each of its packages, so `make run`
  runs what the suite passed with.

run.txt answers for `[project] dependencies`; dev.txt for those plus every extra.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Pin:
    name: NormalizedName
    version: Version
    marker: Marker | None

    def applies(self) -> bool:
        return self.marker is None or self.marker.evaluate()


def read_lock(path: Path) -> dict[NormalizedName, Pin]:
    """The pins of a requirements file written by `uv pip compile` that apply here."""
    pins: dict[NormalizedName, Pin] = {}
    for line in _logical_lines(path.read_text()):
        requirement = Requirement(line)
        (specifier,) = requirement.specifier  # uv writes exactly one `==` per line
        pin = Pin(
            canonicalize_name(requirement.name), Version(specifier.version), requirement.marker
        )
        if pin.applies():
            pins[pin.name] = pin
    return pins


def _logical_lines(text: str) -> Iterator[str]:
    """Requirement lines without their `--hash` options, comments and continuations."""
    for line in text.replace("\\\n", " ").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            yield line.split(" --hash", 1)[0].strip()


def _applies(requirement: Requirement, extras: Iterable[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in {"", *extras})


def check(roots: list[Requirement], lock: dict[NormalizedName, Pin], label: str) -> list[str]:
    """Walk from pyproject.toml's requirements through installed metadata; every step
    must land on a pin of `lock` that satisfies it."""
    problems: list[str] = []
    seen: dict[NormalizedName, set[str]] = {}  # package -> extras already walked
    queue = [(root, "pyproject.toml") for root in roots if _applies(root, ())]
    while queue:
        requirement, wanted_by = queue.pop()
        name = canonicalize_name(requirement.name)
        pin = lock.get(name)
        if pin is None:
            problems.append(f"{label}: {requirement} (wanted by {wanted_by}) is not pinned")
            continue
        if not requirement.specifier.contains(pin.version, prereleases=True):
            problems.append(
                f"{label}: {name}=={pin.version} is outside {requirement} (wanted by {wanted_by})"
            )
        new_extras = set(requirement.extras) - seen.get(name, set())
        if name in seen and not new_extras:
            continue
        seen.setdefault(name, set()).update(new_extras)
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{label}: {name}=={pin.version} is not installed (make install)")
            continue
        if Version(distribution.version) != pin.version:
            problems.append(
                f"{label}: {name} {distribution.version} is installed, the lock says "
                f"{pin.version} (make install)"
            )
            continue
        for line in distribution.requires or []:
            child = Requirement(line)
            if _applies(child, seen[name]):
                queue.append((child, f"{name}=={pin.version}"))
    for name in sorted(set(lock) - set(seen)):
        problems.append(f"{label}: {name}=={lock[name].version} is pinned but nothing needs it")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pyproject", type=Path, default=ROOT / "pyproject.toml")
    parser.add_argument("--run", type=Path, default=ROOT / "requirements" / "run.txt")
    parser.add_argument("--dev", type=Path, default=ROOT / "requirements" / "dev.txt")
    args = parser.parse_args(argv)

    project = tomllib.loads(args.pyproject.read_text())["project"]
    runtime = [Requirement(line) for line in project.get("dependencies", [])]
    extras = [
        Requirement(line)
        for lines in project.get("optional-dependencies", {}).values()
        for line in lines
    ]
    run, dev = read_lock(args.run), read_lock(args.dev)

    problems = check(runtime, run, args.run.name) + check(runtime + extras, dev, args.dev.name)
    for name, pin in sorted(run.items()):
        if name in dev and dev[name].version != pin.version:
            problems.append(
                f"{args.run.name} pins {name}=={pin.version}, {args.dev.name} "
                f"{dev[name].version}: the app would run on a version the suite did not test"
            )
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("pyproject.toml and the locks disagree: run `make lock`", file=sys.stderr)
        return 1
    print(f"locks agree with pyproject.toml ({len(run)} run, {len(dev)} dev pins apply here)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
