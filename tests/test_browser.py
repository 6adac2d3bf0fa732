"""The report in a real browser: Debian's headless Chromium, driven over the DevTools pipe.

Chromium's `--remote-debugging-pipe` speaks the DevTools protocol as NUL-separated JSON on file
descriptors 3 and 4, so the test needs no websocket client and no new dependency, yet clicks with
real mouse events and measures layout in the live page instead of trusting a hook in the report.
"""

import base64
import fcntl
import hashlib
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from pipeline.report import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed: apt-get install -y chromium")

WIDTH, HEIGHT = 1440, 1000

DOC = """DeepSeekの衝撃と米国の輸出規制

中国のAI企業DeepSeekが公開した新しいモデルは、米国の最先端モデルに並ぶ性能を示したと主張している。同社によれば、最終的な訓練に使った計算費用は約560万ドルにすぎないという。この数字は大きな話題となり、米国のハイテク株は一時急落した。

しかし、この金額は最終段階の訓練だけを数えたものであり、研究開発全体の費用ではない。過去の試行錯誤や人件費、データの準備を含めれば、実際の投資額ははるかに大きいと見る専門家も多い。

AnthropicのCEOであるダリオ・アモデイ氏は、DeepSeekの成果を「想定されたコスト低下の曲線上にある」と評価した。AIモデルの訓練費用は毎年およそ4分の1に下がっており、DeepSeekの成果は驚くべき例外ではないというのが彼の見方である。

一方で、同氏は半導体の輸出規制の重要性がむしろ高まったと強調する。2026年から2027年にかけて、数百万個のチップを使う訓練が必要になると予測しており、その規模のチップを手に入れられるかどうかが、米中の力関係を決めるからだ。

米国政府は2022年10月に先端半導体の対中輸出規制を導入し、その後も対象を広げてきた。規制がなければ、中国の企業はさらに速く計算資源を増やしていただろう。

筆者は、輸出規制の強化に賛成である。DeepSeekの登場は規制が無意味だという証拠ではなく、規制を緩めれば差がさらに縮まるという警告として受け止めるべきだ。

DeepSeekの手法そのものには見るべき点が多い。同社は専門家混合(MoE)と呼ばれる構造を使い、質問ごとにモデルの一部だけを動かすことで計算量を抑えた。さらに、推論の過程を強化学習で鍛え、数学やプログラミングの問題で高い正答率を示した。こうした工夫は論文として公開されており、米国の研究者も再現を試みている。

市場の反応は過剰だったとも言える。公開の翌週、半導体大手の株価は一日で約17%下落したが、その後の数週間で下落分の多くを取り戻した。投資家が恐れたのは、安いモデルが普及すればチップの需要が減るというシナリオだった。しかし、計算が安くなればその分だけ利用が広がり、需要はむしろ増えるという見方も根強い。

中国国内でも反応は分かれた。政府系のメディアはDeepSeekを技術的自立の象徴として持ち上げたが、開発者の間では、輸出規制の前に確保した高性能チップの在庫がいずれ尽きるという懸念も語られている。ある業界関係者は、同社が保有するチップはおよそ5万個と推定している。

もっとも、規制だけでは十分ではない。米国は研究者の育成や電力網の整備にも投資しなければならない。さもなければ、規制で稼いだ時間は無駄になってしまう。
"""


def _ev(quote):
    start = DOC.index(quote)
    return {"quote": quote, "start": start, "end": start + len(quote)}


def _fig(text, value, unit, description, **extra):
    start = DOC.index(text)
    return dict(text=text, value=value, unit=unit, description=description, start=start,
                end=start + len(text), **extra)


def make_results_folder(tmp_path: Path) -> Path:
    """The results folder the browser opens; one function so a real tiny-model run can replace it."""
    seeds, out = tmp_path / "seeds", tmp_path / "results"
    seeds.mkdir()
    out.mkdir()
    src = seeds / "000_deepseek.txt"
    src.write_text(DOC, encoding="utf-8")
    result = {
        "schema_version": 1,
        "document": {"id": "000_deepseek", "path": str(src), "chars": len(DOC),
                     "sha256": hashlib.sha256(DOC.encode("utf-8")).hexdigest()},
        "status": "ok", "language": "ja",
        "summary": "DeepSeekの低コストなAIモデルは米国の優位を揺るがしたように見えるが、筆者は訓練費用の低下は想定内であり、"
                   "半導体の輸出規制をむしろ強化すべきだと論じる。",
        "claims": [
            {"text": "輸出規制を強化すべきだ", "evidence": [_ev("筆者は、輸出規制の強化に賛成である。"),
                                                   _ev("規制を緩めれば差がさらに縮まるという警告として受け止めるべきだ。")]},
            {"text": "560万ドルは訓練全体の費用ではない", "evidence": [_ev("しかし、この金額は最終段階の訓練だけを数えたものであり、研究開発全体の費用ではない。")]},
            {"text": "訓練費用の低下は想定内である", "evidence": [_ev("AIモデルの訓練費用は毎年およそ4分の1に下がっており、DeepSeekの成果は驚くべき例外ではないというのが彼の見方である。")]},
            {"text": "規制だけでは不十分で、人材と電力への投資が要る", "evidence": [_ev("米国は研究者の育成や電力網の整備にも投資しなければならない。")]},
        ],
        "stance": [
            {"target": "DeepSeek", "position": "mixed", "confidence": 0.64,
             "evidence": [_ev("DeepSeekの登場は規制が無意味だという証拠ではなく")]},
            {"target": "輸出規制", "position": "favor", "confidence": 0.91,
             "evidence": [_ev("筆者は、輸出規制の強化に賛成である。")]},
        ],
        "key_figures": [
            _fig("約560万ドル", 5600000, "USD", "DeepSeekの最終訓練の計算費用", approximate=True),
            _fig("4分の1", 0.25, "ratio", "訓練費用の年あたりの低下"),
            _fig("2026年から2027年", 2026, "year", "数百万個のチップが必要になる時期", value_max=2027),
            _fig("2022年10月", 2022, "year", "対中輸出規制の導入"),
        ],
        "provenance": {"tool_version": "0.1.0", "model": {"name": "qwen2.5-coder-1.5b-instruct", "sha256": "c" * 64},
                       "prompts": {}, "schemas": {}, "params": {}, "cache_key": "0" * 64,
                       "summary_evidence": [], "tasks": []},
    }
    (out / "000_deepseek.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    docs = [{"id": "000_deepseek", "path": str(src), "status": "written", "reason": None,
             "result": "000_deepseek.json", "prompt_tokens": 1812, "generated_tokens": 342,
             "think_tokens": 0, "seconds": 21.4},
            {"id": "001_scan", "path": "seeds/001_scan.pdf", "status": "skipped",
             "reason": "not a text document (binary)", "result": None},
            {"id": "002_long", "path": "seeds/002_long.txt", "status": "failed",
             "reason": "model gave no valid answer after 2 retries", "result": None, "seconds": 95.0}]
    manifest = {"tool": "brief", "version": "0.1.0", "run_id": "20261123T232514Z-1a2b",
                "started": "2026-11-23T23:25:14Z", "finished": "2026-11-23T23:27:10Z", "seconds": 116.4,
                "model": {"name": "qwen2.5-coder-1.5b-instruct", "sha256": "c" * 64,
                          "source": "package-index", "path": "models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"},
                "prompts": {"claims": "a" * 64, "stance": "b" * 64}, "schemas": {"result": "d" * 64},
                "params": {"temperature": 0, "seed": 42, "targets": ["DeepSeek", "輸出規制"], "lang": None},
                "documents": docs, "counts": {"written": 1, "skipped": 1, "failed": 1}}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return out


class DevTools:
    """A headless Chromium and one page in it, spoken to over --remote-debugging-pipe."""

    def __init__(self, profile: Path):
        to_chrome_r, self._w = os.pipe()
        self._r, from_chrome_w = os.pipe()
        args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}",
                "--remote-debugging-pipe", "about:blank"]
        def onto_3_and_4():
            # Chromium reads commands on fd 3 and writes on fd 4; go via fds >= 10 so that
            # neither pipe end is overwritten before it has been moved.
            r, w = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10), fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.proc = subprocess.Popen(args, preexec_fn=onto_3_and_4, pass_fds=(3, 4),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf, self._next, self.events, self.session = b"", 0, [], None
        page = next(t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)["sessionId"]
        self.call("Page.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)

    def _message(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            # A guard against a hung browser, not a timing assertion.
            ready, _, _ = select.select([self._r], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError("chromium did not answer over the DevTools pipe")
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, **params) -> dict:
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params}
        if self.session:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            reply = self._message(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str) -> dict:
        deadline = time.monotonic() + 60
        while True:
            for i, ev in enumerate(self.events):
                if ev.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self._message(deadline))

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")

    def js(self, expression: str):
        out = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in out:
            raise RuntimeError(out["exceptionDetails"])
        return out["result"].get("value")

    def click(self, selector: str) -> None:
        """Scroll the element into view and click its centre with real mouse events."""
        box = self.js(f"(() => {{ const el = document.querySelector({json.dumps(selector)});"
                      "el.scrollIntoView({block: 'center'}); const r = el.getBoundingClientRect();"
                      "return [r.left + Math.min(r.width / 2, 40), r.top + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))
        return path

    def close(self) -> None:
        self.session = None  # Browser.close is a browser-level command, not the page's
        try:
            self.call("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._r)
        os.close(self._w)


@pytest.fixture
def browser(tmp_path):
    tools = DevTools(tmp_path / "profile")
    yield tools
    tools.close()


# What the page shows for one ref: is it marked, and is its first span visible in window and pane?
PROBE = """(ref => {
  const marks = [...document.querySelectorAll(`mark[data-refs~="${ref}"]`)];
  const first = marks[0], r = first.getBoundingClientRect(), p = first.closest('.source').getBoundingClientRect();
  return {
    item: document.querySelector(`[data-ref="${ref}"]`).classList.contains('active'),
    marks: marks.length, active: marks.filter(m => m.classList.contains('active')).length,
    stray: document.querySelectorAll(`mark.active:not([data-refs~="${ref}"])`).length,
    inWindow: r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth,
    inPane: r.top >= p.top && r.bottom <= p.bottom,
    firstSpan: marks.filter(m => m.dataset.spans.split(' ').includes(ref + '-1')).map(m => m.textContent).join(''),
    hash: location.hash,
  };
})"""


def test_click_claim_marks_and_shows_its_evidence(tmp_path, browser, capsys):
    report = write_report(make_results_folder(tmp_path))
    browser.open(report.as_uri())
    top = browser.screenshot(tmp_path / "report-top.png")
    assert browser.js("document.querySelectorAll('mark.active').length") == 0
    browser.click('[data-ref="d0-c1"]')
    state = browser.js(PROBE + "('d0-c1')")
    assert state["item"] and state["marks"] > 0
    assert state["active"] == state["marks"] and state["stray"] == 0
    assert state["inWindow"] and state["inPane"]
    assert state["firstSpan"] == "筆者は、輸出規制の強化に賛成である。"
    assert state["hash"] == "#d0-c1"
    shot = browser.screenshot(tmp_path / "report.png")
    with capsys.disabled():  # shown even when the test passes, so a reviewer can open the pictures
        print(f"\nscreenshots: {top} (on open), {shot} (claim 1 clicked)")


def test_figure_row_next_span_and_highlight_click(tmp_path, browser):
    report = write_report(make_results_folder(tmp_path))
    browser.open(report.as_uri())
    browser.click('tr[data-ref="d0-f4"]')
    state = browser.js(PROBE + "('d0-f4')")
    assert state["item"] and state["active"] == state["marks"] == 1 and state["inPane"] and state["inWindow"]
    browser.click('[data-ref="d0-c1"]')
    browser.click('[data-ref="d0-c1"]')  # a second click shows the claim's second evidence span
    second = browser.js("(() => { const m = [...document.querySelectorAll('mark[data-spans~=\"d0-c1-2\"]')].pop();"
                        "const r = m.getBoundingClientRect(), p = m.closest('.source').getBoundingClientRect();"
                        "return m.classList.contains('active') && r.top >= p.top && r.bottom <= p.bottom; })()")
    assert second is True
    browser.click('mark[data-refs~="d0-f1"]')  # and back: a highlight marks what it supports
    assert browser.js("document.querySelector('tr[data-ref=\"d0-f1\"]').classList.contains('active')") is True


def test_link_with_ref_opens_selected(tmp_path, browser):
    report = write_report(make_results_folder(tmp_path))
    browser.open(report.as_uri() + "#d0-c3")
    state = browser.js(PROBE + "('d0-c3')")
    assert state["item"] and state["active"] == state["marks"] and state["inPane"]
    assert "4分の1" in state["firstSpan"]


def test_report_of_a_tiny_model_run(tmp_path, browser, tiny_model, capsys):
    """The report of a real run (tiny model through llama.cpp): click a figure, its span is marked."""
    from click.testing import CliRunner

    from pipeline.cli import cli

    doc = tmp_path / "doc.txt"
    doc.write_text("DeepSeekの訓練費用は約560万ドルとされる。\n価格は3%下がった。<script>alert(1)</script>\n"
                   "米国の輸出規制は効果が薄いと筆者は考える。\n", encoding="utf-8")
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["run", str(doc), "--out", str(out)]).exit_code == 0
    report = write_report(out)
    browser.open(report.as_uri())
    assert browser.js("document.querySelectorAll('script:not([nonce])').length") <= 1
    assert browser.js("document.body.innerText.includes('<script>alert(1)</script>')")
    refs = browser.js("[...document.querySelectorAll('tr[data-ref]')].map(e => e.dataset.ref)")
    assert refs, "the tiny run produced no key figure to click"
    browser.click(f'[data-ref="{refs[0]}"]')
    state = browser.js(PROBE + f"('{refs[0]}')")
    assert state["item"] and state["marks"] > 0 and state["active"] == state["marks"]
    assert state["inWindow"] and state["inPane"]
    shot = browser.screenshot(tmp_path / "tiny-report.png")
    with capsys.disabled():
        print(f"\nscreenshot of a tiny-model run's report: {shot}")
