"""`brief bench`: brief against raw llama.cpp rates and a hand-written llama-cpp-python baseline.

Each measured phase runs in its own process (`python -m pipeline.bench --phase ...`) so that it
reports its own peak RSS and inherits no other phase's model, caches or warmed-up pages.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from . import models, registry
from . import baseline, results
from .baseline import BASELINE_MAX_TOKENS, DEFAULT_TARGETS, model_id
from .documents import load_document
from .errors import BriefError, ModelError, UsageError
from .loading import build_info
from .settings import DEFAULT_SEED, RunSettings

SEEDS = registry.PROJECT_ROOT / "seeds"
RAW_MIN_PROMPT = 512  # tokens evaluated for the prompt rate, at least
RAW_GEN = 64  # tokens generated for the generation rate
RAW_SLACK = 64  # context tokens beyond the prompt and the generation
GOALS = {  # name: (limit, operator); the issue's targets
    "brief_vs_baseline_wall": (0.5, "<="),
    "brief_vs_lower_bound": (1.25, "<="),
    "prompt_tokens_vs_input": (1.1, "<="),
    "brief_peak_rss_bytes": (2.0e9, "<="),
    "warm_rerun_seconds": (3.0, "<"),
}


@dataclass
class BenchOptions:
    """What `brief bench` measures."""

    model: Optional[str] = None
    docs: list[str] = field(default_factory=list)
    json_path: Optional[Path] = None
    targets: list[str] = field(default_factory=list)
    skip_baseline: bool = False
    threads: Optional[int] = None
    keep_results: Optional[Path] = None  # where to copy brief's results of the measured run


def select_documents(items: list[str], root: Path = SEEDS) -> list[Path]:
    """Files named, *.txt of folders named, or seeds whose name starts with an id (default: all)."""
    seeds = sorted(root.glob("*.txt"))
    if not items:
        if not seeds:
            raise UsageError(f"{root}: no .txt documents to benchmark; pass --docs")
        return seeds
    out: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted(path.glob("*.txt"))
            if not found:
                raise UsageError(f"{item}: folder has no .txt documents to benchmark; add some or "
                                 "pass other --docs")
        elif path.is_file():
            found = [path]
        else:  # "003" or "003,004": ids, matched as file-name prefixes
            found = [f for part in item.split(",") for f in seeds if part and f.stem.startswith(part)]
        if not found:
            raise UsageError(f"{item}: no such document (give a path, a folder or a prefix of a "
                             f"file name in {root})")
        out += [f for f in found if f.resolve() not in {o.resolve() for o in out}]
    return out


def _count_tokens(ref: models.ModelRef, texts: list[str]) -> tuple[list[int], int, str]:
    """Each text's token count and the fixed instructions' count, with the model's own vocabulary."""
    from .engine import Engine
    from .prompts import NAMES, Prompts

    try:
        engine, how = Engine(ref, 512, 1, DEFAULT_SEED, vocab_only=True), "vocab_only"
    except ModelError:  # a build whose context refuses a vocabulary-only model: a small real load
        engine, how = Engine(ref, 512, 1, DEFAULT_SEED), "n_ctx=512"
    # The target "prompt tokens ≤ 1.1 × input" is measured against what a reader must see at least:
    # each document's plain text once, plus the fixed instructions once per document: the system
    # prompt, the document's fence and the instructions of every task that each document runs,
    # their data left out. Not counted: stance_evidence (only when no sentence names a target),
    # claims_pick (only with --more-claims) and summary (written only in another language or from
    # fewer than three claims; the seeds' summaries are picked).
    prompts = Prompts.load()
    fixed = sum(len(engine.tokenize([(prompts.skeleton(n), False)]))
                for n in NAMES if n not in ("stance_evidence", "claims_pick", "summary"))
    counts = [len(engine.tokenize([(t, False)])) for t in texts]
    del engine
    return counts, fixed, how


def env_model() -> Optional[str]:
    """BRIEF_MODEL, None when unset, empty or blank (as `brief run` reads it)."""
    return (os.environ.get("BRIEF_MODEL") or "").strip() or None


def bench(opts: BenchOptions) -> dict:
    """Run every phase, each in its own process, and return (and optionally write) the report."""
    # The phases take an hour with the real model: find an unwritable output before, not after.
    if opts.json_path:
        results.check_writable(Path(opts.json_path), "--json", folder=False)
    if opts.keep_results:
        results.check_writable(Path(opts.keep_results), "--keep-results", folder=True)
    paths = select_documents(opts.docs)  # a mistyped --docs is named even without the model
    spec = opts.model or env_model()
    ref = models.resolve(spec)
    docs = [load_document(p) for p in paths]
    threads = opts.threads or RunSettings().threads
    targets = list(opts.targets) or list(DEFAULT_TARGETS)
    counts, fixed, how = _count_tokens(ref, [d.text for d in docs])
    max_tokens = int(os.environ.get("BRIEF_BENCH_MAX_TOKENS") or BASELINE_MAX_TOKENS)
    # The baseline reads each whole document in one context: size it for the longest one.
    n_ctx = 256 * math.ceil((max(counts) + 512 + max_tokens) / 256)
    if ref.context_length:
        n_ctx = min(n_ctx, ref.context_length)
    meta = {"model": {"name": ref.name, "sha256": ref.sha256}, "threads": threads,
            "stance_targets": targets, "baseline_max_tokens": max_tokens, "baseline_n_ctx": n_ctx,
            "documents": [{"id": d.id, "path": str(d.path), "tokens": n, "fixed_tokens": fixed}
                          for d, n in zip(docs, counts)],
            "document_tokens": sum(counts), "fixed_tokens": fixed * len(docs), "tokenizer_load": how,
            "engine": build_info(),  # AVX2 and AVX-512 builds read at different rates
            # Attention makes every token dearer as the context fills (measured here: prompt
            # 20.4 tok/s at depth 0, 13.7 at 4,096; generation 9.5 at 512, 6.2 at 4,557), so the
            # raw rates are taken at the documents' mean length: like with like.
            "raw_prompt_tokens": max(RAW_MIN_PROMPT, round(sum(counts) / len(counts)))}
    phases: dict[str, Optional[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="brief-bench-") as tmp:
        common = ["--threads", str(threads), "--n-ctx", str(n_ctx), "--out", str(Path(tmp) / "out"),
                  "--docs", *[str(p.resolve()) for p in paths]]
        common += [a for t in targets for a in ("--target", t)]
        common += ["--raw-tokens", str(meta["raw_prompt_tokens"])]
        if opts.model:  # otherwise each phase resolves BRIEF_MODEL / the default itself
            common += ["--model", opts.model]
        for phase in ("raw", "baseline", "brief", "warm"):
            if phase == "baseline" and opts.skip_baseline:
                phases[phase] = None
                continue
            print(f"bench: {phase} ...", file=sys.stderr, flush=True)
            phases[phase] = _spawn(phase, common, Path(tmp) / f"{phase}.json")
            if phases[phase].pop("model") != meta["model"]:
                raise BriefError(f"bench phase {phase} loaded a different model than {ref.name}; "
                                 f"pass --model explicitly")
        report = assemble(meta, phases)
        _save(report, opts, Path(tmp) / "out")
    return report


def _save(report: dict, opts: BenchOptions, out: Path) -> None:
    """Copy brief's results and write the JSON; if either fails, print the table first: the
    measurements took long and the caller never gets to print them."""
    try:
        if opts.keep_results:
            try:
                shutil.copytree(out, opts.keep_results, dirs_exist_ok=True)
            except OSError as exc:
                reason = exc.strerror or exc  # shutil.Error: the list of files that failed
                raise UsageError(f"{opts.keep_results}: cannot copy the results ({reason}); "
                                 f"free disk space or choose another --keep-results") from None
        if opts.json_path:
            with suppress(OSError):  # a failure to create it shows as the write's own error
                Path(opts.json_path).parent.mkdir(parents=True, exist_ok=True)
            results.write_json(Path(opts.json_path), report, option="--json")
    except BriefError:
        print(format_report(report), flush=True)
        raise


def _spawn(phase: str, common: list[str], json_out: Path) -> dict:
    """One phase in a fresh interpreter; the environment (BRIEF_MODELS_DIR, BRIEF_MODEL...) passes on."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(registry.PROJECT_ROOT), env.get("PYTHONPATH")]))
    cmd = [sys.executable, "-m", "pipeline.bench", "--phase", phase, "--json-out", str(json_out), *common]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0 or not json_out.is_file():
        last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        cls = {2: UsageError, 3: ModelError}.get(proc.returncode, BriefError)
        raise cls(f"bench phase {phase} failed: {last}")
    return {**json.loads(json_out.read_text(encoding="utf-8")), "process_seconds": seconds}


def assemble(meta: dict, phases: dict) -> dict:
    """Rates, the lower bound, the ratios and the goals, computed from the phases' raw numbers."""
    raw, base, brief, warm = (phases.get(k) for k in ("raw", "baseline", "brief", "warm"))
    rates = {"prompt_tokens_per_second": raw["prompt_tokens"] / raw["prompt_seconds"],
             "generation_tokens_per_second": raw["generated_tokens"] / raw["generation_seconds"]}
    for name, run in (raw.get("grammar") or {}).items():
        if isinstance(run, dict) and run["tokens"]:
            rates[f"grammar_{name}_tokens_per_second"] = run["tokens"] / run["seconds"]
    # Think tokens are generated like answer tokens, so they count towards generation time.
    lower = (brief["prompt_tokens"] / rates["prompt_tokens_per_second"]
             + (brief["generated_tokens"] + brief["think_tokens"]) / rates["generation_tokens_per_second"])
    ratios = {
        "brief_vs_baseline_wall": brief["wall_seconds"] / base["wall_seconds"] if base else None,
        "brief_vs_lower_bound": brief["wall_seconds"] / lower if lower else None,
        "prompt_tokens_vs_input": brief["prompt_tokens"] / (meta["document_tokens"]
                                                            + meta["fixed_tokens"]),
    }
    # The warm rerun is judged on what its user waits for: interpreter start included.
    values = {**ratios, "brief_peak_rss_bytes": brief["peak_rss_bytes"],
              "warm_rerun_seconds": warm["process_seconds"]}
    goals = {}
    for name, (limit, op) in GOALS.items():
        v = values[name]
        met = None if v is None else (v <= limit if op == "<=" else v < limit)
        goals[name] = {"value": v, "limit": limit, "op": op, "met": met}
    return {**meta, "phases": phases, "rates": rates, "lower_bound_seconds": lower,
            "ratios": ratios, "goals": goals}


def format_report(report: dict) -> str:
    """The report as a table and one line per goal."""
    lines = [f"brief bench: model {report['model']['name']}, {len(report['documents'])} document(s), "
             f"{report['document_tokens']} document tokens, {report['threads']} thread(s)"
             + (f"; llama-cpp-python {e['llama_cpp_python']} built for {' '.join(e['cpu_features'])}"
                if (e := report.get("engine")) else ""),
             f"{'phase':<10} {'wall s':>9} {'prompt tok':>11} {'gen tok':>9} {'peak RSS MB':>12}"]
    for name, p in report["phases"].items():
        if p is None:
            lines.append(f"{name:<10} {'skipped':>9}")
            continue
        lines.append(f"{name:<10} {p['wall_seconds']:>9.2f} {p['prompt_tokens']:>11} "
                     f"{p['generated_tokens']:>9} {p['peak_rss_bytes'] / 1e6:>12.0f}")
    r, brief = report["rates"], report["phases"]["brief"]
    lines.append(f"raw rates at {report['raw_prompt_tokens']} tokens of context: prompt "
                 f"{r['prompt_tokens_per_second']:.1f} tok/s, generation "
                 f"{r['generation_tokens_per_second']:.1f} tok/s; brief's lower bound "
                 f"{report['lower_bound_seconds']:.2f} s")
    grammar = report["phases"]["raw"].get("grammar")
    if grammar and "grammar_full_mask_tokens_per_second" in r:
        best = grammar["best_first"]
        lines.append(f"generation under the claims grammar: best token checked first "
                     f"{r['grammar_best_first_tokens_per_second']:.1f} tok/s (best token rejected "
                     f"{best['fallbacks']} of {best['tokens']} times, vocabulary masked "
                     f"{best['full_masks']}), whole vocabulary masked every token "
                     f"{r['grammar_full_mask_tokens_per_second']:.1f} tok/s; same tokens: "
                     + ("yes" if grammar["same_output"] else "NO"))
    if brief.get("guessed_tokens"):
        lines.append(f"brief's tokens guessed from the prompt: {brief['guessed_tokens']}, of which "
                     f"{brief['guessed_kept']} were kept (decoded with the token before them)")
    if brief["think_tokens"]:
        lines.append(f"brief think tokens: {brief['think_tokens']} (in the lower bound as generation)")
    base = report["phases"].get("baseline")
    if base:
        lines.append(f"baseline answers that parsed as JSON: {base['parsed']}/{base['calls']}"
                     + (f", {base['errors']} failed" if base["errors"] else ""))
    warm = report["phases"]["warm"]
    lines.append(f"warm rerun: {warm['skipped']} skipped, {warm['written']} rewritten, "
                 f"{warm['process_seconds']:.2f} s with interpreter start")
    labels = {"brief_vs_baseline_wall": "brief / baseline wall",
              "brief_vs_lower_bound": "brief / lower bound",
              "prompt_tokens_vs_input": "prompt tokens / input",
              "brief_peak_rss_bytes": "brief peak RSS",
              "warm_rerun_seconds": "warm rerun"}
    for name, g in report["goals"].items():
        if name == "brief_peak_rss_bytes":
            value, limit = f"{g['value'] / 1e9:.2f} GB", f"{g['limit'] / 1e9:.1f} GB"
        elif name == "warm_rerun_seconds":
            value, limit = f"{g['value']:.2f} s", f"{g['limit']:g} s"
        else:
            value = "-" if g["value"] is None else f"{g['value']:.2f}"
            limit = f"{g['limit']:g}" + ("" if name == "prompt_tokens_vs_input" else " ×")
        verdict = {True: "met", False: "NOT met", None: "not measured"}[g["met"]]
        op = "≤" if g["op"] == "<=" else "<"
        lines.append(f"{labels[name]:<24} {value:>10}   target {op} {limit:<8} {verdict}")
    return "\n".join(lines)


# ---- the phases, each run in its own process -------------------------------------------------

def _phase_raw(args) -> dict:
    """Prompt and unconstrained greedy generation rates straight through llama-cpp-python."""
    import numpy as np

    start = time.perf_counter()
    from .engine import Engine

    size = min(args.raw_tokens, args.n_ctx - RAW_GEN - RAW_SLACK)
    engine = Engine(models.resolve(args.model), size + RAW_GEN + RAW_SLACK, args.threads, DEFAULT_SEED)
    llm = engine.llm
    ids = [t for d in args.docs
           for t in llm.tokenize(load_document(d).text.encode("utf-8"), add_bos=False, special=False)]
    ids = ids or llm.tokenize(b"brief", add_bos=False, special=False)
    prompt = (ids * (size // len(ids) + 1))[:size]
    # The first decode allocates compute buffers, a one-off cost that is not a rate; leaving it out
    # makes the rates (and so the lower bound) stricter.
    llm.eval(prompt[:8])
    llm.reset()
    t = time.perf_counter()
    engine.feed(prompt)  # llm.eval's batches, with the engine's record of what the cache holds
    prompt_seconds = time.perf_counter() - t
    t = time.perf_counter()
    for _ in range(RAW_GEN):  # 0.3.36 leaves llm.scores unfilled: logits come from llama.cpp itself
        token = int(np.argmax(engine.logits()))  # end-of-generation is not special: this is a rate
        llm.eval([token])
    generation_seconds = time.perf_counter() - t
    grammar = _grammar_cost(engine, prompt)
    return {"wall_seconds": time.perf_counter() - start, "prompt_tokens": len(prompt),
            "generated_tokens": RAW_GEN, "think_tokens": 0, "prompt_seconds": prompt_seconds,
            "generation_seconds": generation_seconds, "grammar": grammar,
            "model": model_id(engine.ref)}


def _grammar_cost(engine, prompt: list[int]) -> dict:
    """Greedy generation after the raw prompt under the claims task's grammar, twice: brief's way
    (the grammar checks the best token, then the next best; the vocabulary is masked only when
    none of them is allowed) and llama-cpp-python's (masked before every token), one token per
    decode (no guessed tokens: this measures the grammar alone). Each run re-reads at most the
    prompt's last tile of four tokens (engine.TILE)."""
    from . import schemas

    gbnf = engine.gbnf(schemas.fill("claims", COUNT=3, SENTENCE_IDS=list(range(1, 21))))
    runs = {}
    drafting, engine.drafting = engine.drafting, False
    try:
        for name, every in (("best_first", False), ("full_mask", True)):
            engine.mask_every_token = every
            gen = engine.generate(prompt, gbnf, RAW_GEN)
            runs[name] = {"tokens": len(gen.ids), "seconds": gen.seconds, "fallbacks": gen.fallbacks,
                          "full_masks": gen.full_masks, "ids": gen.ids}
    finally:
        engine.mask_every_token = False
        engine.drafting = drafting
    same = runs["best_first"].pop("ids") == runs["full_mask"].pop("ids")
    return {**runs, "same_output": same}


def _phase_brief(args, force: bool) -> dict:
    """`brief run` on the documents: cold (force, fresh folder) or warm (same folder, nothing changed)."""
    from .run import run

    settings = RunSettings(model=args.model, out=Path(args.out), force=force,
                           targets=list(args.target or DEFAULT_TARGETS), threads=args.threads)
    start = time.perf_counter()
    report = run([Path(p) for p in args.docs], settings)
    wall = time.perf_counter() - start
    manifest = json.loads((Path(args.out) / results.MANIFEST).read_text(encoding="utf-8"))
    docs = manifest["documents"]
    return {"wall_seconds": wall,
            **{k: sum(d[k] for d in docs) for k in ("prompt_tokens", "generated_tokens", "think_tokens")},
            **{s: report.count(s) for s in ("written", "skipped", "failed")},
            "guessed_tokens": report.guessed, "guessed_kept": report.guessed_kept,
            "model": {"name": manifest["model"]["name"], "sha256": manifest["model"]["sha256"]}}


def _peak_rss() -> int:
    """This process image's peak resident set size in bytes."""
    # Not ru_maxrss: Linux carries the parent's high-water mark across fork and exec, so every
    # phase would report at least the size of the process that spawned it. VmHWM is the image's own.
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def main(argv: Optional[list[str]] = None) -> None:
    """Phase entry point: run one phase and write its numbers and peak RSS as JSON."""
    ap = argparse.ArgumentParser(prog="python -m pipeline.bench")
    ap.add_argument("--phase", required=True, choices=["raw", "baseline", "brief", "warm"])
    ap.add_argument("--model", default=env_model())
    ap.add_argument("--docs", nargs="+", required=True)
    ap.add_argument("--target", action="append")
    ap.add_argument("--threads", type=int, default=RunSettings().threads)
    ap.add_argument("--n-ctx", type=int, default=RunSettings().max_context)
    ap.add_argument("--raw-tokens", type=int, default=RAW_MIN_PROMPT)
    ap.add_argument("--out", required=True)
    ap.add_argument("--json-out", required=True)
    args = ap.parse_args(argv)
    phases = {"raw": _phase_raw, "baseline": baseline.measure,
              "brief": lambda a: _phase_brief(a, force=True),
              "warm": lambda a: _phase_brief(a, force=False)}
    try:
        result = phases[args.phase](args)
    except BriefError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    result["peak_rss_bytes"] = _peak_rss()
    Path(args.json_out).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
