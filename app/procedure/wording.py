"""The wording of the letters this change adds (收件回执, 视为撤回申请通知书, the bureau's 维持决定书 and
责令改正决定书, the notices of termination and resumption to the lawyer and the firm) lives in Jinja
templates under templates/procedure/letters, not in code: `render_text` gives (recipient, paragraphs)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates" / "procedure" / "letters")),
    undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)


def render_text(name: str, **context) -> tuple[str, list[str]]:
    """A letter's wording from its template: the first line is the recipient, the paragraphs are separated
    by blank lines."""
    text = _ENV.get_template(name).render(**context).strip()
    first, _, rest = text.partition("\n")
    paragraphs = [" ".join(p.split("\n")).strip() for p in rest.split("\n\n")]
    return first.strip(), [p for p in paragraphs if p]


def date_cn(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else "—"
