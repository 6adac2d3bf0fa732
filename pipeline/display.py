"""How values read for people in the reports: a confidence as a percentage, a figure's value
with thousands separators, its range and whether it is approximate; text fitted to terminal columns."""

from __future__ import annotations

import unicodedata


def width(s: str) -> int:
    """Terminal columns s takes: East Asian wide and fullwidth characters take two."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in s)


def fit(s: str, columns: int) -> str:
    """s cut to at most `columns` terminal columns and padded to exactly that many."""
    out, used = [], 0
    for ch in s:
        w = width(ch)
        if used + w > columns:
            break
        out.append(ch)
        used += w
    return "".join(out) + " " * (columns - used)


def clip(s: str, columns: int) -> str:
    """s cut to at most `columns` terminal columns, ending in "…" where it was cut."""
    if width(s) <= columns:
        return s
    return fit(s, columns - 1).rstrip() + "…"


def pct(x) -> str:
    """A confidence as a whole percentage, "?" when it is not a number."""
    try:
        return f"{float(x):.0%}"
    except (TypeError, ValueError):
        return "?"


def fmt_number(v, unit: str = "") -> str:
    """A normalised value for people: thousands separators, calendar years and dates as written."""
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return "—"
    if float(v).is_integer():
        if unit == "year":
            return str(int(v))
        if unit == "date" and 10_000_000 <= v < 100_000_000:  # YYYYMMDD, 00 for an unknown part
            d = f"{int(v)}"
            return "-".join(p for p in (d[:4], d[4:6], d[6:]) if p != "00")
        return f"{int(v):,}"
    return f"{v:,.6f}".rstrip("0").rstrip(".")


def figure_value(fig: dict) -> str:
    """Value, range and approximation of a key figure as one string."""
    unit = fig.get("unit") or ""
    out = fmt_number(fig.get("value"), unit)
    if isinstance(fig.get("value_max"), (int, float)):
        out += f" – {fmt_number(fig['value_max'], unit)}"
    return ("≈ " if fig.get("approximate") else "") + out
