"""The Hub code path of `brief models pull`, against a local fake Hub on 127.0.0.1."""

import pytest
from click.testing import CliRunner

from conftest import add_preset
from hubserver import FakeHub
from pipeline import models
from pipeline.cli import cli
from pipeline.errors import ModelError

REPO, FILE = "org/tiny-GGUF", "tiny-q4_k_m.gguf"


@pytest.fixture
def hub_preset(models_home, tiny_gguf):
    add_preset(models_home, "hubby", source="huggingface", repo=REPO, revision="main", file=FILE,
               size=None, sha256=None, chat_format="chatml", context_length=8192, reasoning=False)
    return tiny_gguf.read_bytes()


def test_good_file_is_downloaded_verified_pinned_and_used(hub_preset, models_home, monkeypatch, tmp_path):
    with FakeHub({(REPO, FILE): hub_preset}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        ref = models.pull("hubby")
        assert ref.path == models_home / FILE and ref.path.read_bytes() == hub_preset
        assert ref.sha256 == hub.sha256(REPO, FILE)
        assert any("paths-info" in path for _, path in hub.requests)  # sha256 from LFS metadata
    rec = models.Verified().by_preset("hubby")
    assert rec["expected"] == ref.sha256 and len(rec["revision"]) == 40  # pinned to the commit
    assert models.resolve("hubby").sha256 == ref.sha256  # offline now: found and verified locally
    doc = tmp_path / "a.txt"
    doc.write_text("DeepSeekは安い。\n", encoding="utf-8")
    monkeypatch.setenv("BRIEF_THREADS", "1")
    r = CliRunner().invoke(cli, ["run", str(doc), "--model", "hubby", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output


def test_corrupted_download_is_refused_and_deleted(hub_preset, models_home, monkeypatch):
    with FakeHub({(REPO, FILE): hub_preset}, corrupt={(REPO, FILE)}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        with pytest.raises(ModelError, match="refused and deleted"):
            models.pull("hubby")
    assert not (models_home / FILE).exists()
    with pytest.raises(ModelError, match="is not present"):
        models.resolve("hubby")


def test_offline_gives_one_line_and_exit_3(hub_preset, models_home, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    r = CliRunner().invoke(cli, ["models", "pull", "hubby"])
    assert r.exit_code == 3
    assert r.output == ("Error: model hubby is not present and cannot be downloaded (HF_HUB_OFFLINE "
                        "is set): run `brief models pull hubby` where the Hugging Face Hub is "
                        f"reachable, or put {FILE} in models/\n")


def test_unreachable_hub_gives_one_line_and_exit_3(hub_preset, models_home, monkeypatch):
    hub = FakeHub({(REPO, FILE): hub_preset}).start()
    hub.stop()  # connection refused from now on
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    r = CliRunner().invoke(cli, ["models", "pull", "hubby"])
    assert r.exit_code == 3
    assert r.output.startswith("Error: model hubby is not present and cannot be downloaded (")
    assert len(r.output.strip().splitlines()) == 1


def test_missing_file_on_the_hub_is_refused(hub_preset, models_home, monkeypatch):
    with FakeHub({(REPO, "other.gguf"): hub_preset}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        with pytest.raises(ModelError, match="gives no sha256"):
            models.pull("hubby")
