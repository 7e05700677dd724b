"""`make embeddings` on a fresh clone: the database is brought up to date before the index is built."""
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


BIN = Path(sys.executable).parent  # the virtualenv running these tests


def _embeddings_recipe():
    """The target's commands as make would run them with this virtualenv (-n prints them; -o takes the virtualenv
    as installed, so nothing of it is reinstalled)."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    printed = subprocess.run([make, "--no-print-directory", "-n", "-o", f"{BIN}/activate", "embeddings", f"BIN={BIN}"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [line for line in printed.splitlines() if line.strip()]


def test_make_embeddings_as_the_first_command_migrates_then_builds_an_empty_index(tmp_path):
    recipe = _embeddings_recipe()
    installs = [line for line in recipe if "pip install" in line and "requirements-embeddings.txt" in line]
    assert len(installs) == 1, recipe
    # Only flask commands and messages are run here: anything else would touch the machine, not a temporary dir.
    assert all(line in installs or line.startswith((f"{BIN}/flask ", "echo ")) for line in recipe), recipe
    instance = tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SEARCH_INDEX_DIR", "FLASK_APP")}
    # What the Makefile exports for its development targets (wsgi.py alone would run production).
    env.update(INSTANCE_PATH=str(instance), SEARCH_INDEXER_IN_PROCESS="0", TUMMLER_CONFIG="development")

    output = []
    for line in recipe:
        if line in installs:
            continue  # the optional packages themselves are not what this proves
        done = subprocess.run(line, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
        output.append(done.stdout)

    with sqlite3.connect(instance / "community.db") as database:
        assert database.execute("SELECT count(*) FROM posts").fetchone() == (0,)
    assert (instance / "search-index").is_dir()
    said = " ".join(" ".join(output).split())
    assert "The database has no posts yet: the search index" in said and "is ready and empty" in said


def test_rebuilding_a_community_without_posts_says_what_it_did(runner):
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "The database has no posts yet" in result.output and "Indexed" not in result.output
