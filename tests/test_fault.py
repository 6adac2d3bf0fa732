"""A run killed with SIGKILL mid-batch loses nothing already written, and the rerun finishes."""

import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from conftest import validate_dir

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "seeds" / "003_f037c5791dda5790.txt").read_text(encoding="utf-8")


def _env(models_home):
    env = dict(os.environ, BRIEF_MODELS_DIR=str(models_home), BRIEF_MODEL="tiny", BRIEF_THREADS="1")
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_sigkill_mid_batch_then_rerun(tiny_model, models_home, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(6):
        (docs / f"d{i}.txt").write_text(f"{i}番目の文書。\n" + SEED[: 1500], encoding="utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "pipeline", "run", str(docs), "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, env=_env(models_home), cwd=tmp_path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name != "manifest.json" for p in out.glob("d*.json")):
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed; make the documents longer"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    written = sorted(p.name for p in out.glob("d*.json"))
    assert 1 <= len(written) < 6
    # No partial result: a kill between writing and renaming can leave only the hidden scratch
    # file of that write (named for the killed process), never a half-written result.
    # (pathlib's "*" also matches names that start with a dot, so this sees the scratch files too.)
    leftovers = [p.name for p in out.glob("*.tmp")]
    assert all(n.startswith(".") and n.endswith(f".{proc.pid}.tmp") for n in leftovers), leftovers
    assert validate_dir(out) == []  # every earlier result is intact
    again = subprocess.run(cmd, env=_env(models_home), cwd=tmp_path, timeout=300)
    assert again.returncode == 0  # the killed run's lock died with it
    manifest = json.loads((out / "manifest.json").read_text())
    status = {d["id"]: d["status"] for d in manifest["documents"]}
    assert len(status) == 6 and set(status.values()) <= {"written", "skipped"}
    assert sum(1 for s in status.values() if s == "skipped") >= len(written)
    assert validate_dir(out) == []
    assert not list(out.glob("*.tmp"))  # the rerun cleaned up


def test_two_megabyte_document_is_read_segmented_and_sectioned_with_bounded_memory(tmp_path):
    from pipeline.documents import load_document
    from pipeline.figures import extract_figures
    from pipeline.prompts import numbered
    from pipeline.segment import segment
    from pipeline.sections import SECTION_CHARS, sections

    big = tmp_path / "big.txt"
    line = "DeepSeekの訓練費用は約560万ドルで、価格は3%下がったと筆者は述べる。\n"
    big.write_text(line * (2_000_000 // len(line.encode())), encoding="utf-8")
    assert big.stat().st_size > 1_900_000
    tracemalloc.start()
    doc = load_document(big)
    sents = segment(doc.text)
    cands = extract_figures(doc.text)
    pieces = sections(sents)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(pieces) > 100 and sum(len(p) for p in pieces) == len(sents)
    # What the model is shown at a time is one section, whatever the document's length.
    assert max(len(numbered(doc.text, p)) for p in pieces) < SECTION_CHARS * 1.2
    assert len(cands) >= 2 * len(sents) - 10
    # Python-side memory stays a small multiple of the text (about 3.7 MB as str), not per token.
    print(f"2 MB document: {len(sents)} sentences, {len(cands)} figures, {len(pieces)} sections, "
          f"peak traced memory {peak / 1e6:.0f} MB")
    assert peak < 400e6
