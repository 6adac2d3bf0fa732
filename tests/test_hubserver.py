"""Proves the real huggingface_hub works against tests/hubserver.py (no mocks of huggingface_hub).

Facts pinned here (huggingface_hub 2.4.x) that brief's code relies on:

* Pointing at the server: pass ``endpoint=hub.url`` to ``hf_hub_download`` and ``HfApi(endpoint=hub.url)``
  (per call, no global state), or, for a child process, set ``HF_ENDPOINT`` in its environment:
  ``huggingface_hub.constants.ENDPOINT`` is read once, at import.
* ``HF_HUB_OFFLINE`` is also read once at import (``constants.HF_HUB_OFFLINE``; ``is_offline_mode()`` just
  returns it). In-process, monkeypatch ``huggingface_hub.constants.HF_HUB_OFFLINE``; setting the env var
  after import does nothing.
* Offline + not cached -> ``huggingface_hub.errors.LocalEntryNotFoundError`` (``__cause__`` is
  ``OfflineModeIsEnabled``); offline + cached -> the cached path, no request made.
* Hub unreachable (connection refused) -> ``hf_hub_download`` raises ``LocalEntryNotFoundError`` (``__cause__``
  ``httpx2.ConnectError``) after its own retries (about 23 s of sleeps: 1+2+4+8+8), or returns the cached
  path if it has one; ``HfApi`` calls raise the raw ``httpx2.ConnectError`` at once (not an ``OSError``!).
* 404s: unknown file -> ``RemoteEntryNotFoundError``, unknown repo -> ``RepositoryNotFoundError``, unknown
  revision -> ``RevisionNotFoundError`` (all ``huggingface_hub.errors``, all ``HfHubHTTPError``);
  ``get_paths_info`` silently omits paths that do not exist (returns ``[]``).
* huggingface_hub does not hash plain-HTTP downloads: a corrupt file lands in the cache (even under the blob
  name of the true sha256), so brief must hash it itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubserver import FakeHub, git_blob_oid, sha256_hex  # noqa: E402

import httpx2  # noqa: E402  (huggingface_hub's HTTP client, installed with it)
import huggingface_hub  # noqa: E402
from huggingface_hub import HfApi, hf_hub_download  # noqa: E402
from huggingface_hub import constants as hf_constants  # noqa: E402
from huggingface_hub.errors import (  # noqa: E402
    HfHubHTTPError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

REPO = "brief-test/tiny-GGUF"
GGUF = "tiny.Q4_K_M.gguf"
README = "README.md"
SHA = "1234567890abcdef1234567890abcdef12345678"
CONTENT = b"GGUF" + bytes([3, 0, 0, 0]) + bytes(range(256)) * 64  # 16 KiB + 8, not a real model
OTHER = b"GGUF" + b"\x00" * 1000
TEST_TIMEOUT_S = 60  # hard bound per test (SIGALRM); each client call also has its own timeout
ETAG_TIMEOUT = 5


@pytest.fixture(autouse=True)
def _bounded(monkeypatch, tmp_path):
    """Bound every test in time, and keep huggingface_hub away from the real home/token/cache."""
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hf_constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    monkeypatch.setattr(hf_constants, "HF_STORED_TOKENS_PATH", str(tmp_path / "no-stored-tokens"))

    def _alarm(signum, frame):
        raise TimeoutError(f"test exceeded {TEST_TIMEOUT_S}s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TEST_TIMEOUT_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture
def files():
    return {(REPO, GGUF): CONTENT, (REPO, README): b"# tiny\n", ("other/repo", "x.gguf"): OTHER}


@pytest.fixture
def hub(files):
    with FakeHub(files, revision_sha=SHA, non_lfs={(REPO, README)}) as h:
        yield h


def _sha_file(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _download(hub, tmp_path, filename=GGUF, repo=REPO, **kw):
    kw.setdefault("cache_dir", tmp_path / "cache")
    return hf_hub_download(repo, filename, endpoint=hub.url, etag_timeout=ETAG_TIMEOUT, **kw)


# ----------------------------------------------------------------------------- downloads


def test_download_into_cache_main_branch(hub, tmp_path):
    path = _download(hub, tmp_path, revision="main")
    assert Path(path).read_bytes() == CONTENT
    assert _sha_file(path) == hub.sha256(REPO, GGUF)
    # standard cache layout: refs/main -> commit, snapshot symlink -> blob named by the sha256 (X-Linked-Etag)
    storage = tmp_path / "cache" / "models--brief-test--tiny-GGUF"
    assert (storage / "refs" / "main").read_text() == SHA
    assert Path(path) == storage / "snapshots" / SHA / GGUF
    assert (storage / "blobs" / sha256_hex(CONTENT)).is_file()
    # HEAD on /resolve (302 to the CDN origin, not followed), then GET straight to the CDN
    assert hub.requests[0] == ("HEAD", f"/{REPO}/resolve/main/{GGUF}")
    assert hub.requests[1][0] == "GET" and hub.requests[1][1].startswith("/cdn/")
    assert len(hub.requests) == 2
    assert len(hub.request_headers) == 2
    assert hub.request_headers[0]["accept-encoding"] == "identity"  # the HEAD asks for the uncompressed size


def test_second_download_same_branch_only_heads(hub, tmp_path):
    _download(hub, tmp_path)
    n = len(hub.requests)
    path = _download(hub, tmp_path)
    assert Path(path).read_bytes() == CONTENT
    assert hub.requests[n:] == [("HEAD", f"/{REPO}/resolve/main/{GGUF}")]


def test_download_pinned_commit_is_served_and_then_needs_no_network(hub, tmp_path):
    path = _download(hub, tmp_path, revision=SHA)
    assert Path(path).read_bytes() == CONTENT
    assert hub.requests[0] == ("HEAD", f"/{REPO}/resolve/{SHA}/{GGUF}")
    n = len(hub.requests)
    assert _download(hub, tmp_path, revision=SHA) == path
    assert len(hub.requests) == n  # pinned commit already in snapshots/: no request at all


def test_download_to_local_dir(hub, tmp_path):
    local = tmp_path / "models"
    path = _download(hub, tmp_path, revision="main", local_dir=local)
    assert Path(path) == (local / GGUF).resolve()
    assert Path(path).read_bytes() == CONTENT
    assert not Path(path).is_symlink()
    # and once more: the metadata under local_dir/.cache/huggingface makes it a HEAD only
    n = len(hub.requests)
    assert _download(hub, tmp_path, revision="main", local_dir=local) == path
    assert [m for m, _ in hub.requests[n:]] == ["HEAD"]


def test_direct_serving_without_redirect(files, tmp_path):
    with FakeHub(files, revision_sha=SHA, redirect_lfs=False) as hub:
        path = _download(hub, tmp_path)
        assert Path(path).read_bytes() == CONTENT
        assert [m for m, _ in hub.requests] == ["HEAD", "GET"]
        assert all("/resolve/main/" in p for _, p in hub.requests)


def test_non_lfs_file_uses_git_oid_as_etag(hub, tmp_path):
    path = _download(hub, tmp_path, filename=README)
    assert Path(path).read_bytes() == b"# tiny\n"
    blob = Path(os.path.realpath(path))
    assert blob.name == git_blob_oid(b"# tiny\n")


def test_default_revision_is_main_and_unknown_revision_raises(hub, tmp_path):
    assert Path(_download(hub, tmp_path)).read_bytes() == CONTENT  # revision=None -> "main"
    with pytest.raises(RevisionNotFoundError):
        _download(hub, tmp_path, revision="no-such-branch")
    with pytest.raises(RevisionNotFoundError):
        _download(hub, tmp_path, revision="f" * 40)


def test_404_exceptions(hub, tmp_path):
    with pytest.raises(RemoteEntryNotFoundError) as e:
        _download(hub, tmp_path, filename="missing.gguf")
    assert isinstance(e.value, HfHubHTTPError) and e.value.response.status_code == 404
    with pytest.raises(RepositoryNotFoundError):
        _download(hub, tmp_path, repo="nobody/nothing")
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=hub.url).get_paths_info("nobody/nothing", [GGUF], revision="main")
    with pytest.raises(RevisionNotFoundError):
        HfApi(endpoint=hub.url).get_paths_info(REPO, [GGUF], revision="nope")
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=hub.url).model_info("nobody/nothing", timeout=ETAG_TIMEOUT)


def test_range_requests_are_honoured(hub):
    # what http_get sends when it resumes after a dropped connection
    _, cdn_path = hub._cdn_location(REPO, GGUF).split(hub.cdn_url, 1)
    req = urllib.request.Request(hub.cdn_url + cdn_path, headers={"Range": "bytes=10-"})
    with urllib.request.urlopen(req, timeout=5) as r:
        assert r.status == 206
        assert r.headers["Content-Range"] == f"bytes 10-{len(CONTENT) - 1}/{len(CONTENT)}"
        assert r.read() == CONTENT[10:]
    req = urllib.request.Request(hub.cdn_url + cdn_path, headers={"Range": f"bytes={len(CONTENT)}-"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=5)
    assert e.value.code == 416


# ----------------------------------------------------------------------------- expected sha256


def test_get_paths_info_returns_sha256(hub):
    api = HfApi(endpoint=hub.url)
    for revision in ("main", SHA):
        infos = api.get_paths_info(REPO, [GGUF], revision=revision)
        assert len(infos) == 1
        info = infos[0]
        assert info.path == GGUF and info.size == len(CONTENT)
        assert info.lfs is not None
        assert info.lfs.sha256 == sha256_hex(CONTENT) == hub.sha256(REPO, GGUF)
        assert info.lfs.size == len(CONTENT)
        assert info.lfs["sha256"] == info.lfs.sha256  # BlobLfsInfo is also a dict
    # a path that does not exist is silently left out, no exception
    assert api.get_paths_info(REPO, ["missing.gguf"], revision="main") == []
    # a non-LFS file has lfs=None: there is no sha256 to check it against
    (readme,) = api.get_paths_info(REPO, [README], revision="main")
    assert readme.lfs is None and readme.blob_id == git_blob_oid(b"# tiny\n")
    assert hub.requests[0] == ("POST", f"/api/models/{REPO}/paths-info/main")


def test_paths_info_raw_json_shape(hub):
    """The wire format, for whoever parses it without HfApi."""
    body = urllib.parse.urlencode({"paths": [GGUF, README, "missing"], "expand": "false"}, doseq=True).encode()
    req = urllib.request.Request(
        f"{hub.url}/api/models/{REPO}/paths-info/main",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=5) as r:
        data = json.loads(r.read())
    assert data == [
        {
            "type": "file",
            "oid": data[0]["oid"],  # git oid of the LFS pointer file
            "size": len(CONTENT),
            "lfs": {"oid": sha256_hex(CONTENT), "size": len(CONTENT), "pointerSize": data[0]["lfs"]["pointerSize"]},
            "path": GGUF,
        },
        {"type": "file", "oid": git_blob_oid(b"# tiny\n"), "size": 7, "path": README},
    ]


def test_model_info_files_metadata_returns_sha256(hub):
    api = HfApi(endpoint=hub.url)
    info = api.model_info(REPO, revision="main", files_metadata=True, timeout=ETAG_TIMEOUT)
    assert info.id == REPO and info.sha == SHA
    siblings = {s.rfilename: s for s in info.siblings}
    assert set(siblings) == {GGUF, README}
    assert siblings[GGUF].lfs.sha256 == sha256_hex(CONTENT)
    assert siblings[GGUF].size == len(CONTENT)
    assert siblings[README].lfs is None
    assert hub.requests[-1] == ("GET", f"/api/models/{REPO}/revision/main")
    # without files_metadata the Hub gives names only
    bare = api.model_info(REPO, revision=SHA, timeout=ETAG_TIMEOUT)
    assert bare.sha == SHA and all(s.lfs is None and s.size is None for s in bare.siblings)


# ----------------------------------------------------------------------------- corruption


def test_corrupt_file_downloads_but_hash_differs(files, tmp_path):
    with FakeHub(files, revision_sha=SHA, corrupt={(REPO, GGUF)}) as hub:
        advertised = HfApi(endpoint=hub.url).get_paths_info(REPO, [GGUF], revision="main")[0].lfs.sha256
        path = _download(hub, tmp_path)  # huggingface_hub accepts it: no error
        got = Path(path).read_bytes()
    assert advertised == sha256_hex(CONTENT)
    assert len(got) == len(CONTENT) and got != CONTENT
    assert got[:4] == b"GGUF"  # still looks like a GGUF: only a hash check catches it
    assert _sha_file(path) != advertised
    # the cache even files it under the advertised (true) sha256 name
    assert Path(os.path.realpath(path)).name == advertised


def test_corrupt_file_in_local_dir_also_accepted(files, tmp_path):
    with FakeHub(files, revision_sha=SHA, corrupt={(REPO, GGUF)}) as hub:
        path = _download(hub, tmp_path, local_dir=tmp_path / "models")
    assert _sha_file(path) != sha256_hex(CONTENT)


# ----------------------------------------------------------------------------- offline mode


def test_offline_is_read_at_import_not_per_call(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert huggingface_hub.is_offline_mode() is False  # env changed after import: ignored
    code = "import huggingface_hub as h; print(h.is_offline_mode(), h.constants.HF_HUB_OFFLINE)"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True"]


def test_offline_not_cached_raises_local_entry_not_found(hub, tmp_path, monkeypatch):
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(LocalEntryNotFoundError) as e:
        _download(hub, tmp_path)
    assert isinstance(e.value.__cause__, OfflineModeIsEnabled)
    assert isinstance(e.value, FileNotFoundError)
    with pytest.raises(OfflineModeIsEnabled):
        HfApi(endpoint=hub.url).get_paths_info(REPO, [GGUF], revision="main")
    assert hub.requests == []


def test_offline_cached_returns_path(hub, tmp_path, monkeypatch):
    by_branch = _download(hub, tmp_path, revision="main")
    by_commit = _download(hub, tmp_path, filename=README, revision=SHA)
    local = _download(hub, tmp_path, local_dir=tmp_path / "models")
    n = len(hub.requests)
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    assert _download(hub, tmp_path, revision="main") == by_branch  # via refs/main
    assert _download(hub, tmp_path) == by_branch  # revision=None -> main
    assert _download(hub, tmp_path, filename=README, revision=SHA) == by_commit
    assert _download(hub, tmp_path, local_dir=tmp_path / "models") == local
    # the same file by commit, although it was fetched by branch
    assert _download(hub, tmp_path, revision=SHA) == by_branch
    assert len(hub.requests) == n
    # local_files_only=True behaves the same without touching the global flag
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)
    assert _download(hub, tmp_path, local_files_only=True) == by_branch
    with pytest.raises(LocalEntryNotFoundError):
        _download(hub, tmp_path, repo="other/repo", filename="x.gguf", local_files_only=True)
    assert len(hub.requests) == n


def test_offline_env_in_subprocess(hub, tmp_path):
    cache = tmp_path / "cache"
    _download(hub, tmp_path, cache_dir=cache)
    code = textwrap.dedent(
        f"""
        import sys
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import LocalEntryNotFoundError
        print(hf_hub_download({REPO!r}, {GGUF!r}, cache_dir={str(cache)!r}))
        try:
            hf_hub_download("other/repo", "x.gguf", cache_dir={str(cache)!r})
        except LocalEntryNotFoundError as e:
            print(type(e).__name__, type(e.__cause__).__name__)
        """
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": hub.url, "HF_HUB_DISABLE_TELEMETRY": "1"}
    n = len(hub.requests)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert Path(lines[0]).read_bytes() == CONTENT
    assert lines[1] == "LocalEntryNotFoundError OfflineModeIsEnabled"
    assert len(hub.requests) == n


# ----------------------------------------------------------------------------- HF_ENDPOINT in a child process


def test_hf_endpoint_env_in_subprocess(hub, tmp_path):
    """The way a CLI run as a subprocess is pointed at the fake Hub: no endpoint= anywhere."""
    code = textwrap.dedent(
        f"""
        import hashlib
        from huggingface_hub import HfApi, hf_hub_download, constants
        p = hf_hub_download({REPO!r}, {GGUF!r}, revision="main", cache_dir={str(tmp_path / "c")!r})
        (info,) = HfApi().get_paths_info({REPO!r}, [{GGUF!r}], revision="main")
        print(constants.ENDPOINT)
        print(hashlib.sha256(open(p, "rb").read()).hexdigest())
        print(info.lfs.sha256)
        """
    )
    env = {**os.environ, "HF_ENDPOINT": hub.url + "/", "HF_HUB_DISABLE_TELEMETRY": "1"}
    env.pop("HF_HUB_OFFLINE", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    endpoint, got, advertised = out.stdout.split()
    assert endpoint == hub.url  # trailing slash stripped
    assert got == advertised == sha256_hex(CONTENT)
    assert ("HEAD", f"/{REPO}/resolve/main/{GGUF}") in hub.requests


def test_monkeypatched_constants_in_process(hub, tmp_path, monkeypatch):
    """Works too, but both constants must be patched together; prefer endpoint=."""
    monkeypatch.setattr(hf_constants, "ENDPOINT", hub.url)
    template = hub.url + "/{repo_id}/resolve/{revision}/{filename}"
    monkeypatch.setattr(hf_constants, "HUGGINGFACE_CO_URL_TEMPLATE", template)
    path = hf_hub_download(REPO, GGUF, cache_dir=tmp_path / "cache", etag_timeout=ETAG_TIMEOUT)
    assert Path(path).read_bytes() == CONTENT
    assert HfApi().get_paths_info(REPO, [GGUF])[0].lfs.sha256 == sha256_hex(CONTENT)


# ----------------------------------------------------------------------------- unreachable hub


class _NoSleepTime:
    """Stands in for the `time` module inside huggingface_hub.utils._http: records back-off sleeps."""

    def __init__(self):
        self.slept: list[float] = []

    def sleep(self, s):
        self.slept.append(s)

    def __getattr__(self, name):
        return getattr(time, name)


def test_unreachable_hub_not_cached(files, tmp_path, monkeypatch):
    fake_time = _NoSleepTime()
    monkeypatch.setattr("huggingface_hub.utils._http.time", fake_time)
    hub = FakeHub(files, revision_sha=SHA).start()
    url = hub.url
    hub.stop()
    with pytest.raises(httpx2.ConnectError):  # sanity: really refused
        httpx2.get(url, timeout=2)

    t0 = time.monotonic()
    with pytest.raises(LocalEntryNotFoundError) as e:
        hf_hub_download(REPO, GGUF, endpoint=url, cache_dir=tmp_path / "cache", etag_timeout=ETAG_TIMEOUT)
    assert isinstance(e.value.__cause__, httpx2.ConnectError)
    assert time.monotonic() - t0 < 20
    # without the patch, the back-off would have slept this long before giving up
    assert sum(fake_time.slept) == 1 + 2 + 4 + 8 + 8

    # HfApi calls do not retry and raise httpx2's own error, which is NOT an OSError
    with pytest.raises(httpx2.ConnectError) as e2:
        HfApi(endpoint=url).get_paths_info(REPO, [GGUF], revision="main")
    assert not isinstance(e2.value, OSError)
    with pytest.raises(httpx2.ConnectError):
        HfApi(endpoint=url).model_info(REPO, files_metadata=True, timeout=ETAG_TIMEOUT)


def test_unreachable_hub_cached_returns_path(files, tmp_path, monkeypatch):
    fake_time = _NoSleepTime()
    monkeypatch.setattr("huggingface_hub.utils._http.time", fake_time)
    with FakeHub(files, revision_sha=SHA) as hub:
        path = _download(hub, tmp_path, revision="main")
        local = _download(hub, tmp_path, local_dir=tmp_path / "models")
        url = hub.url
    assert hf_hub_download(REPO, GGUF, endpoint=url, cache_dir=tmp_path / "cache", etag_timeout=ETAG_TIMEOUT) == path
    assert (
        hf_hub_download(REPO, GGUF, endpoint=url, local_dir=tmp_path / "models", etag_timeout=ETAG_TIMEOUT) == local
    )
    assert fake_time.slept == []  # cache hit: the failed HEAD is not retried


def test_server_binds_loopback_only_and_restarts_cleanly(files):
    for _ in range(2):
        with FakeHub(files) as hub:
            assert hub.url.startswith("http://127.0.0.1:") and hub.cdn_url.startswith("http://127.0.0.1:")
            assert hub._hub.server_address[0] == "127.0.0.1"
            assert hub._cdn.server_address[0] == "127.0.0.1"
