"""A tiny fake Hugging Face Hub on 127.0.0.1, for testing the Hub code path without internet.

It emulates just what huggingface_hub (checked against 2.4.0) uses for

* ``hf_hub_download(repo_id, filename, revision=..., cache_dir=... | local_dir=...)``:
  ``HEAD`` (metadata) then ``GET`` on ``{endpoint}/{repo_id}/resolve/{revision}/{filename}``;
* ``HfApi(endpoint=...).get_paths_info(repo_id, [filename], revision=...)``:
  ``POST {endpoint}/api/models/{repo_id}/paths-info/{revision}`` (form body ``paths=..&expand=..``);
* ``HfApi(endpoint=...).model_info(repo_id, revision=..., files_metadata=True)``:
  ``GET {endpoint}/api/models/{repo_id}/revision/{revision}?blobs=True`` (or ``/api/models/{repo_id}``).

Like the real Hub, every file is an LFS file by default: ``HEAD /resolve`` answers ``302`` with
``X-Repo-Commit``, ``X-Linked-Etag: "<sha256>"``, ``X-Linked-Size`` and a ``Location`` on a second
listener (a different port, i.e. a different origin: the "CDN"), which serves the bytes and honours
``Range``. huggingface_hub does not follow a redirect to another origin on HEAD; it reads the metadata
off the 302 and then GETs the CDN url directly -- exactly as against huggingface.co.

``corrupt`` keys are served with their last byte flipped (same length, so the client's size check
passes) while every piece of metadata (``X-Linked-Etag``, paths-info ``lfs.oid``, model_info
``lfs.sha256``) still advertises the sha256 of the *true* content. huggingface_hub does not hash
plain-HTTP downloads, so the corrupt file lands in the cache under the true sha256's name: the caller
has to hash it itself to notice.

Errors mirror the Hub's ``X-Error-Code`` header, which huggingface_hub maps to exception classes:
unknown repo -> ``RepoNotFound``, unknown revision -> ``RevisionNotFound``, unknown file ->
``EntryNotFound``. Revisions accepted: ``"main"`` and the 40-hex ``revision_sha`` (case-insensitive);
``branches`` can add more names.

Usage::

    with FakeHub({("org/repo", "m.gguf"): data}) as hub:
        hf_hub_download("org/repo", "m.gguf", endpoint=hub.url, cache_dir=tmp)
        HfApi(endpoint=hub.url).get_paths_info("org/repo", ["m.gguf"], revision="main")
        # or, in a child process: env HF_ENDPOINT=hub.url (read once, when huggingface_hub is imported)
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterable
from urllib.parse import parse_qs, quote, unquote, urlsplit

__all__ = ["FakeHub", "sha256_hex", "git_blob_oid", "lfs_pointer"]

_SERVER_SOCKET_TIMEOUT = 10.0  # seconds a handler waits on a silent client before dropping it


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def git_blob_oid(data: bytes) -> str:
    """The git object id of a blob (what the Hub calls ``oid`` / ``blobId``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(data: bytes) -> bytes:
    """The git-lfs pointer file that git stores instead of an LFS file's content."""
    return (
        "version https://git-lfs.github.com/spec/v1\n"
        f"oid sha256:{sha256_hex(data)}\n"
        f"size {len(data)}\n"
    ).encode()


def _corrupted(data: bytes) -> bytes:
    """Same length, different bytes (last byte flipped), so only a hash check notices."""
    if not data:
        return b"\x00"  # cannot keep the length of an empty file; the client's size check will trip
    return data[:-1] + bytes([data[-1] ^ 0xFF])


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    hub: "FakeHub"


class FakeHub:
    """Context manager running the fake Hub (and its fake CDN) on 127.0.0.1 ephemeral ports.

    Args:
        files: ``{(repo_id, filename): content}``; ``filename`` may contain ``/`` (sub-folders).
        revision_sha: the single commit every repo is at; ``"main"`` resolves to it.
        corrupt: keys whose *served* bytes differ from the advertised sha256.
        non_lfs: keys served as plain git files (``ETag`` = git blob oid, no ``lfs`` in the API,
            answered directly with 200, no redirect) -- like small text files on the real Hub.
        redirect_lfs: if False, LFS files are served directly by ``/resolve`` (200 + ``X-Linked-*``
            headers) instead of a 302 to the CDN listener.
        branches: extra revision names (besides ``"main"``) that resolve to ``revision_sha``.

    Attributes:
        url: ``http://127.0.0.1:PORT`` -- pass as ``endpoint=`` / ``HF_ENDPOINT``.
        cdn_url: the CDN listener's base url.
        requests: ``[(method, path), ...]`` seen by both listeners, in order; ``path`` excludes the
            query string and is still percent-encoded as sent.
        request_headers: ``[{header-lowercased: value}, ...]`` parallel to ``requests`` (e.g. ``"range"``).
    """

    def __init__(
        self,
        files: dict[tuple[str, str], bytes],
        revision_sha: str = "0" * 40,
        corrupt: set | None = None,
        *,
        non_lfs: set | None = None,
        redirect_lfs: bool = True,
        branches: Iterable[str] = (),
    ) -> None:
        if len(revision_sha) != 40 or any(c not in "0123456789abcdefABCDEF" for c in revision_sha):
            raise ValueError(f"revision_sha must be 40 hex digits, got {revision_sha!r}")
        self.files = {tuple(k): bytes(v) for k, v in files.items()}
        self.revision_sha = revision_sha.lower()
        self.corrupt = set(corrupt or ())
        self.non_lfs = set(non_lfs or ())
        for key in self.corrupt | self.non_lfs:
            if key not in self.files:
                raise KeyError(f"{key!r} is not in files")
        self.redirect_lfs = redirect_lfs
        self.branches = {"main", *branches}
        self.repos = {repo for repo, _ in self.files}
        self.requests: list[tuple[str, str]] = []
        self.request_headers: list[dict[str, str]] = []
        self._log_lock = threading.Lock()
        # opaque CDN tokens -> file key (a real CDN url is opaque too)
        self._cdn_tokens = {
            hashlib.sha256(f"{repo}\0{name}".encode()).hexdigest()[:24]: (repo, name) for repo, name in self.files
        }
        self._token_of = {key: tok for tok, key in self._cdn_tokens.items()}
        self._hub: _Server | None = None
        self._cdn: _Server | None = None
        self._threads: list[threading.Thread] = []
        self.url = ""
        self.cdn_url = ""

    # ------------------------------------------------------------------ facts about the content

    def true_bytes(self, repo_id: str, filename: str) -> bytes:
        return self.files[(repo_id, filename)]

    def served_bytes(self, repo_id: str, filename: str) -> bytes:
        data = self.files[(repo_id, filename)]
        return _corrupted(data) if (repo_id, filename) in self.corrupt else data

    def sha256(self, repo_id: str, filename: str) -> str:
        """The advertised (true) sha256, as in ``lfs.oid`` / ``X-Linked-Etag``."""
        return sha256_hex(self.files[(repo_id, filename)])

    def is_lfs(self, repo_id: str, filename: str) -> bool:
        return (repo_id, filename) not in self.non_lfs

    def etag(self, repo_id: str, filename: str) -> str:
        """The etag huggingface_hub keys its cache blob on (sha256 for LFS, git oid otherwise)."""
        data = self.files[(repo_id, filename)]
        return sha256_hex(data) if self.is_lfs(repo_id, filename) else git_blob_oid(data)

    def resolve_revision(self, revision: str) -> str | None:
        """The commit a revision names, or None if this hub does not know it."""
        if revision in self.branches or revision.lower() == self.revision_sha:
            return self.revision_sha
        return None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "FakeHub":
        if self._hub is not None:
            raise RuntimeError("FakeHub already started")
        self._hub = _Server(("127.0.0.1", 0), _HubHandler)
        self._cdn = _Server(("127.0.0.1", 0), _CdnHandler)
        for server in (self._hub, self._cdn):
            server.hub = self
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeHub", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        self.url = f"http://127.0.0.1:{self._hub.server_address[1]}"
        self.cdn_url = f"http://127.0.0.1:{self._cdn.server_address[1]}"
        return self

    def stop(self) -> None:
        """Stop both listeners and close their sockets: later connections are refused.

        ``url`` keeps its value, so a test can check what a client does when the Hub is gone.
        """
        for server in (self._hub, self._cdn):
            if server is not None:
                server.shutdown()
                server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._hub = self._cdn = None
        self._threads = []

    def __enter__(self) -> "FakeHub":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ internals used by handlers

    def _log(self, method: str, path: str, headers) -> None:
        with self._log_lock:
            self.requests.append((method, path))
            self.request_headers.append({k.lower(): v for k, v in headers.items()})

    def _cdn_location(self, repo_id: str, filename: str) -> str:
        token = self._token_of[(repo_id, filename)]
        base = quote(filename.rsplit("/", 1)[-1])
        return f"{self.cdn_url}/cdn/{token}/{base}?sig=fake&sha256={self.sha256(repo_id, filename)}"

    def _paths_info_entry(self, repo_id: str, path: str) -> dict | None:
        key = (repo_id, path)
        if key in self.files:
            data = self.files[key]
            if not self.is_lfs(repo_id, path):
                return {"type": "file", "oid": git_blob_oid(data), "size": len(data), "path": path}
            pointer = lfs_pointer(data)
            return {
                "type": "file",
                "oid": git_blob_oid(pointer),
                "size": len(data),
                "lfs": {"oid": sha256_hex(data), "size": len(data), "pointerSize": len(pointer)},
                "path": path,
            }
        prefix = path.rstrip("/") + "/"
        if path and any(r == repo_id and f.startswith(prefix) for r, f in self.files):
            return {"type": "directory", "oid": hashlib.sha1(prefix.encode()).hexdigest(), "size": 0, "path": path}
        return None

    def _sibling(self, repo_id: str, filename: str, blobs: bool) -> dict:
        entry: dict = {"rfilename": filename}
        if blobs:
            data = self.files[(repo_id, filename)]
            if self.is_lfs(repo_id, filename):
                pointer = lfs_pointer(data)
                entry["blobId"] = git_blob_oid(pointer)
                entry["size"] = len(data)
                entry["lfs"] = {"sha256": sha256_hex(data), "size": len(data), "pointerSize": len(pointer)}
            else:
                entry["blobId"] = git_blob_oid(data)
                entry["size"] = len(data)
        return entry


class _BaseHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: nothing pooled, clean shutdown
    timeout = _SERVER_SOCKET_TIMEOUT
    server: _Server

    @property
    def hub(self) -> FakeHub:
        return self.server.hub

    def log_message(self, format, *args) -> None:  # keep test output clean
        pass

    def _split(self) -> tuple[str, dict[str, list[str]]]:
        parts = urlsplit(self.path)
        return parts.path, parse_qs(parts.query)

    def _send(self, status: int, body: bytes = b"", headers: dict | None = None, content_type: str | None = None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _send_json(self, status: int, obj, headers: dict | None = None):
        self._send(status, json.dumps(obj).encode(), headers, "application/json; charset=utf-8")

    def _send_error(self, status: int, code: str | None, message: str, headers: dict | None = None):
        h = dict(headers or {})
        if code:
            h["X-Error-Code"] = code
        h["X-Error-Message"] = message
        self._send_json(status, {"error": message}, h)

    def _send_bytes(self, data: bytes, headers: dict):
        """200 with the whole content, or 206/416 when a Range header asks for part of it."""
        headers = {"Accept-Ranges": "bytes", **headers}
        total = len(data)
        rng = self.headers.get("Range")
        if rng:
            span = _parse_range(rng, total)
            if span is None:
                self._send(416, b"", {**headers, "Content-Range": f"bytes */{total}"})
                return
            start, end = span
            self._send(
                206,
                data[start : end + 1],
                {**headers, "Content-Range": f"bytes {start}-{end}/{total}"},
                "application/octet-stream",
            )
            return
        self._send(200, data, headers, "application/octet-stream")

    def _dispatch(self):
        path, _ = self._split()
        self.hub._log(self.command, path, self.headers)
        try:
            self.route()
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_HEAD = do_POST = _dispatch

    def route(self):  # pragma: no cover - overridden
        raise NotImplementedError


class _HubHandler(_BaseHandler):
    def route(self):
        path, query = self._split()
        if path.startswith("/api/models/"):
            return self._api(path[len("/api/models/") :], query)
        if "/resolve/" in path and self.command in ("GET", "HEAD"):
            return self._resolve(path)
        self._send_error(404, None, "Sorry, we can't find the page you are looking for.")

    # --- /{repo_id}/resolve/{revision}/{filename}
    def _resolve(self, path: str):
        repo_part, _, rest = path.lstrip("/").partition("/resolve/")
        repo_id = unquote(repo_part)
        revision_q, _, filename_q = rest.partition("/")
        revision, filename = unquote(revision_q), unquote(filename_q)
        hub = self.hub
        if repo_id not in hub.repos:
            return self._send_error(404, "RepoNotFound", "Repository not found")
        commit = hub.resolve_revision(revision)
        if commit is None:
            return self._send_error(404, "RevisionNotFound", "Invalid rev id: " + revision)
        key = (repo_id, filename)
        if key not in hub.files:
            return self._send_error(
                404, "EntryNotFound", f"{filename} does not exist on \"{revision}\"", {"X-Repo-Commit": commit}
            )
        data = hub.files[key]
        served = hub.served_bytes(repo_id, filename)
        headers = {"X-Repo-Commit": commit}
        if not hub.is_lfs(repo_id, filename):
            headers["ETag"] = f'"{git_blob_oid(data)}"'
            return self._send_bytes(served, headers)
        headers["ETag"] = f'"{git_blob_oid(lfs_pointer(data))}"'
        headers["X-Linked-Etag"] = f'"{sha256_hex(data)}"'
        headers["X-Linked-Size"] = str(len(data))
        if hub.redirect_lfs:
            headers["Location"] = hub._cdn_location(repo_id, filename)
            return self._send(302, b"", headers)
        return self._send_bytes(served, headers)

    # --- /api/models/{repo_id}[/revision/{rev}] and /api/models/{repo_id}/paths-info/{rev}
    def _api(self, rest: str, query: dict[str, list[str]]):
        hub = self.hub
        if "/paths-info/" in rest:
            if self.command != "POST":
                return self._send_error(405, None, "Method not allowed")
            repo_part, _, rev_q = rest.partition("/paths-info/")
            kind = "paths-info"
        elif "/revision/" in rest:
            repo_part, _, rev_q = rest.partition("/revision/")
            kind = "info"
        else:
            repo_part, rev_q, kind = rest, "main", "info"
        repo_id, revision = unquote(repo_part.rstrip("/")), unquote(rev_q.rstrip("/"))
        if repo_id not in hub.repos:
            return self._send_error(404, "RepoNotFound", "Repository not found")
        commit = hub.resolve_revision(revision)
        if commit is None:
            return self._send_error(404, "RevisionNotFound", "Invalid rev id: " + revision)

        if kind == "paths-info":
            paths = self._read_paths()
            out = [e for e in (hub._paths_info_entry(repo_id, p) for p in paths) if e is not None]
            return self._send_json(200, out)

        if self.command != "GET":
            return self._send_error(405, None, "Method not allowed")
        blobs = any(v.lower() in ("1", "true") for v in query.get("blobs", []))
        names = sorted(f for r, f in hub.files if r == repo_id)
        author = repo_id.split("/")[0] if "/" in repo_id else None
        return self._send_json(
            200,
            {
                "_id": hashlib.sha1(repo_id.encode()).hexdigest()[:24],
                "id": repo_id,
                "modelId": repo_id,
                "author": author,
                "sha": commit,
                "lastModified": "2024-01-01T00:00:00.000Z",
                "createdAt": "2024-01-01T00:00:00.000Z",
                "private": False,
                "gated": False,
                "disabled": False,
                "downloads": 0,
                "likes": 0,
                "tags": ["gguf"],
                "library_name": "gguf",
                "siblings": [hub._sibling(repo_id, f, blobs) for f in names],
            },
        )

    def _read_paths(self) -> list[str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        ctype = (self.headers.get("Content-Type") or "").lower()
        if "json" in ctype:
            body = json.loads(raw or b"{}")
            paths = body.get("paths", [])
            return [paths] if isinstance(paths, str) else list(paths)
        return parse_qs(raw.decode(), keep_blank_values=True).get("paths", [])


class _CdnHandler(_BaseHandler):
    def route(self):
        path, _ = self._split()
        parts = path.strip("/").split("/")
        if self.command in ("GET", "HEAD") and len(parts) >= 2 and parts[0] == "cdn":
            key = self.hub._cdn_tokens.get(parts[1])
            if key is not None:
                return self._send_bytes(
                    self.hub.served_bytes(*key),
                    {"ETag": f'"{self.hub.sha256(*key)}"', "Content-Disposition": f'inline; filename="{parts[-1]}";'},
                )
        self._send(403, b"<Error><Code>AccessDenied</Code></Error>", {}, "application/xml")


def _parse_range(header: str, total: int) -> tuple[int, int] | None:
    """One ``bytes=`` range -> inclusive (start, end), or None when unsatisfiable/unsupported."""
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, _, last = spec.strip().partition("-")
    try:
        if first == "":
            n = int(last)
            if n <= 0 or total == 0:
                return None
            return max(total - n, 0), total - 1
        start = int(first)
        end = int(last) if last else total - 1
    except ValueError:
        return None
    if start >= total or end < start:
        return None
    return start, min(end, total - 1)
