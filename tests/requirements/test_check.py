"""requirements/check.py, the step of `make lint` and of this suite that refuses a
pyproject.toml the lock files no longer match (the fix is `make lock`). Run as
`make lint` runs it, in a process of its own, on edited copies of the real files."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = (ROOT / "pyproject.toml").read_text()
RUN_LOCK = (ROOT / "requirements" / "run.txt").read_text()


def run_check(**paths: Path) -> subprocess.CompletedProcess[str]:
    options = [f"--{option}={path}" for option, path in paths.items()]
    return subprocess.run(
        [sys.executable, str(ROOT / "requirements" / "check.py"), *options],
        capture_output=True,
        text=True,
        check=False,
    )


def edited_pyproject(tmp_path: Path, old: str, new: str) -> Path:
    assert old in PYPROJECT
    path = tmp_path / "pyproject.toml"
    path.write_text(PYPROJECT.replace(old, new, 1))
    return path


def test_the_committed_locks_agree_with_pyproject() -> None:
    result = run_check()

    assert result.returncode == 0, result.stderr
    assert "locks agree with pyproject.toml" in result.stdout


def test_a_dependency_added_without_make_lock_is_refused_in_both_locks(tmp_path: Path) -> None:
    pyproject = edited_pyproject(
        tmp_path, '    "aiosmtplib>=5.1",\n', '    "aiosmtplib>=5.1",\n    "leftpad>=1",\n'
    )

    result = run_check(pyproject=pyproject)

    assert result.returncode == 1
    assert "run.txt: leftpad>=1 (wanted by pyproject.toml) is not pinned" in result.stderr
    assert "dev.txt: leftpad>=1 (wanted by pyproject.toml) is not pinned" in result.stderr
    assert "run `make lock`" in result.stderr


def test_a_test_tool_added_without_make_lock_is_refused_in_the_dev_lock_only(
    tmp_path: Path,
) -> None:
    pyproject = edited_pyproject(
        tmp_path, '    "pytest>=9",\n', '    "pytest>=9",\n    "leftpad>=1",\n'
    )

    result = run_check(pyproject=pyproject)

    assert result.returncode == 1
    assert "dev.txt: leftpad>=1" in result.stderr
    assert "run.txt:" not in result.stderr


def test_a_range_the_locked_version_falls_outside_is_refused(tmp_path: Path) -> None:
    pyproject = edited_pyproject(tmp_path, '"click>=8.1"', '"click>=99"')

    result = run_check(pyproject=pyproject)

    assert result.returncode == 1
    assert re.search(r"run\.txt: click==[\d.]+ is outside click>=99", result.stderr)


def test_a_dependency_removed_without_make_lock_leaves_a_pin_that_is_refused(
    tmp_path: Path,
) -> None:
    # Nothing else needs aiosmtplib, so its pin outlives the declaration.
    pyproject = edited_pyproject(tmp_path, '    "aiosmtplib>=5.1",\n', "")

    result = run_check(pyproject=pyproject)

    assert result.returncode == 1
    assert re.search(r"run\.txt: aiosmtplib==[\d.]+ is pinned but nothing needs it", result.stderr)


def test_the_app_locked_to_a_version_the_suite_did_not_test_is_refused(tmp_path: Path) -> None:
    match = re.search(r"^redis==([\d.]+)", RUN_LOCK, re.MULTILINE)
    assert match is not None
    run_lock = tmp_path / "run.txt"
    run_lock.write_text(RUN_LOCK.replace(match.group(0), "redis==1.0.0", 1))

    result = run_check(run=run_lock)

    assert result.returncode == 1
    assert (
        f"run.txt pins redis==1.0.0, dev.txt {match.group(1)}: the app would run on a "
        "version the suite did not test" in result.stderr
    )
