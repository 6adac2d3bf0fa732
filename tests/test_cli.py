"""Option values that would silently mean something else are usage errors before any model loads:
an empty --out (the current folder), --timeout nan or inf (no limit), an empty --model (the
default preset); an empty BRIEF_MODEL is unset."""

import os

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.language import NAMES


def brief(*args, **env):
    return CliRunner(env=env or None).invoke(cli, [str(a) for a in args])


def last_line(r) -> str:
    return r.output.splitlines()[-1]


@pytest.mark.parametrize("args, option, what", [
    (["run", "in1", "--out", ""], "'--out' / '-o'", "a folder (. for the current one)"),
    (["run", "in1", "-o", ""], "'--out' / '-o'", "a folder (. for the current one)"),
    (["diff", "--out", ""], "'--out' / '-o'", "a folder (. for the current one)"),
    (["runs", "--out", ""], "'--out' / '-o'", "a folder (. for the current one)"),
    (["bench", "--json", ""], "'--json'", "a file"),
    (["bench", "--keep-results", ""], "'--keep-results'", "a folder (. for the current one)"),
])
def test_an_empty_output_path_is_a_usage_error(tmp_path, monkeypatch, args, option, what):
    monkeypatch.chdir(tmp_path)
    r = brief(*args)
    assert r.exit_code == 2
    assert last_line(r) == f"Error: Invalid value for {option}: cannot be empty; name {what}"
    assert list(tmp_path.iterdir()) == []  # nothing written into the current folder


def test_an_empty_out_under_log_json_is_an_error_event(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = brief("run", "in1", "--out", "", "--log-json")
    assert r.exit_code == 2
    assert '"event": "error"' in r.output and "cannot be empty" in r.output


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "Infinity"])
def test_a_timeout_that_is_not_a_finite_number_is_a_usage_error(tmp_path, monkeypatch, value):
    monkeypatch.chdir(tmp_path)
    r = brief("run", "in1", "--timeout", value)
    assert r.exit_code == 2
    shown = float(value)
    assert last_line(r) == (f"Error: Invalid value for '--timeout': {shown} is not a number of seconds; "
                            "give a finite limit, e.g. 600")


@pytest.mark.parametrize("args", [["run", "in1"], ["bench", "--skip-baseline"]])
@pytest.mark.parametrize("model", ["", "  "])
def test_an_empty_model_is_a_usage_error_even_over_brief_model(tmp_path, monkeypatch, args, model):
    monkeypatch.chdir(tmp_path)
    r = brief(*args, "--model", model, BRIEF_MODEL="tiny")
    assert r.exit_code == 2
    assert last_line(r) == ("Error: Invalid value for '--model' / '-m': cannot be empty; name a preset "
                            "(brief models list) or a .gguf file")


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_brief_model_is_unset(models_home, tmp_path, monkeypatch, value):
    # The default preset is not in the test models/: the run reaching it shows BRIEF_MODEL was unset.
    from pipeline.models import load_registry

    monkeypatch.chdir(tmp_path)
    (tmp_path / "in1").mkdir()
    (tmp_path / "in1" / "a.txt").write_text("DeepSeek released a model in 2025.", encoding="utf-8")
    default, _ = load_registry()
    r = brief("run", "in1", "--quiet", BRIEF_MODEL=value)
    assert r.exit_code == 3
    assert last_line(r) == f"Error: model {default} is not present: run `brief models pull {default}`"


def test_the_help_says_an_empty_brief_model_is_unset():
    r = brief("run", "--help")
    assert "env BRIEF_MODEL, unset when empty" in " ".join(r.output.split())


def _console(args, stdout, cwd):
    """The console script's entry point in a child process, its stdout given."""
    import subprocess
    import sys

    code = "import sys; from pipeline.cli import main; sys.argv[0] = 'brief'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], stdout=stdout,
                          stderr=subprocess.PIPE, cwd=cwd, text=True, timeout=60)


@pytest.mark.parametrize("args", [["models", "list"], ["--version"], ["validate", "nosuch"]])
def test_a_closed_stdout_loses_only_the_output(models_home, tmp_path, args):
    # `brief ... >&-`: Python starts with no sys.stdout at all.
    import subprocess
    import sys

    code = "import sys; from pipeline.cli import main; sys.argv[0] = 'brief'; main()"
    p = subprocess.run([sys.executable, "-c", code, *args], stderr=subprocess.PIPE, cwd=tmp_path,
                       text=True, timeout=60, preexec_fn=lambda: os.close(1))
    assert "Traceback" not in p.stderr
    assert p.returncode == (0 if args[0] != "validate" else 2), p.stderr


def test_output_read_by_head_keeps_the_commands_exit_code(models_home, tmp_path):
    read, write = os.pipe()
    os.close(read)  # the reader left at once, as `| head -1` does after its line
    try:
        p = _console(["models", "list"], write, tmp_path)
    finally:
        os.close(write)
    assert p.returncode == 0, p.stderr  # click alone exits 1, which cron reads as failed documents
    assert "Traceback" not in p.stderr


def test_output_to_a_full_disk_is_one_error_line(models_home, tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        p = _console(["models", "list"], full, tmp_path)
    assert p.returncode == 2
    assert p.stderr.splitlines() == [
        "Error: standard output: cannot write (No space left on device); free disk space or send it elsewhere"]


def test_an_option_error_is_one_line_with_where_to_look(models_home, tmp_path):
    import subprocess

    p = _console(["run", "--timeout", "0", "a.txt"], subprocess.PIPE, tmp_path)
    assert p.returncode == 2
    assert p.stderr.splitlines() == [
        "Error: Invalid value for '--timeout': 0.0 is not in the range x>=1; see `brief run --help`"]
    p = _console(["nosuch"], subprocess.PIPE, tmp_path)
    assert (p.returncode, p.stderr) == (2, "Error: No such command 'nosuch'; see `brief --help`\n")
    p = _console(["models", "verify", "--bogus"], subprocess.PIPE, tmp_path)
    assert p.stderr == "Error: No such option '--bogus'; see `brief models verify --help`\n"
    p = _console(["run", "--lang"], subprocess.PIPE, tmp_path)
    assert p.stderr == "Error: Option '--lang' requires an argument; see `brief run --help`\n"
    p = _console(["run", "--lang", "xx", "a.txt"], subprocess.PIPE, tmp_path)
    assert (p.returncode, p.stderr) == (2, "Error: Invalid value for '--lang': 'xx' is not one of "
                                        + ", ".join(f"'{c}'" for c in NAMES) + "; see `brief run --help`\n")
    p = _console(["run", "--bogus"], subprocess.PIPE, tmp_path)
    assert p.stderr == "Error: No such option '--bogus'. Did you mean '--out'? See `brief run --help`\n"


@pytest.mark.parametrize("args, message", [
    (["run", ""], "Error: Invalid value for '[PATHS]...': cannot be empty; name a file or folder "
                  "(. for the current one); see `brief run --help`"),
    (["run", "a.txt", "--target", "x" * 101], "Error: Invalid value for '--target' / '-t': a target of "
     "101 characters; name what the stance is about in at most 100 (a name or a short phrase); "
     "see `brief run --help`"),
    (["models", "verify", ""], "Error: Invalid value for '[NAME]': cannot be empty; name a preset "
     "(brief models list) or a .gguf file, or leave it out for the default; see `brief models verify --help`"),
    (["models", "pull", " "], "Error: Invalid value for '[NAME]': cannot be empty; name a preset "
     "(brief models list) or a .gguf file, or leave it out for the default; see `brief models pull --help`"),
])
def test_an_empty_path_or_name_and_a_long_target_are_usage_errors(models_home, tmp_path, args, message):
    import subprocess

    p = _console(args, subprocess.PIPE, tmp_path)
    assert (p.returncode, p.stderr) == (2, message + "\n")
