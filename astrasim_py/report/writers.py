"""Render a report Document as static HTML (no scripts, no remote resources) and as Markdown."""

from __future__ import annotations

import html

from astrasim_py.report.document import Document, Table

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.8em; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: right; }
th { background: #f0f0f0; }
td:first-child, th:first-child { text-align: left; }
figure { margin: 1em 0; }
figcaption { font-size: 0.9em; color: #555; }
img { max-width: 100%; }
"""


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.headers)
    body = "\n".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table.rows)
    return f'<div class="scroll"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table></div>'


def _inline_code(text: str) -> str:
    # Markdown-style `code` spans become <code> in the HTML twin.
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def render_html(doc: Document, figures_rel: str) -> str:
    """The report as one static HTML page; figures are relative links into `figures_rel`."""
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f"<title>{html.escape(doc.title)}</title>", f"<style>{STYLE}</style>",
           # An inline icon: without one the browser requests /favicon.ico and logs a console error.
           '<link rel="icon" href="data:,">', "</head>", "<body>", f"<h1>{html.escape(doc.title)}</h1>"]
    out += [f"<p>{_inline_code(p)}</p>" for p in doc.intro]
    for section in doc.sections:
        out.append(f"<h2>{html.escape(section.title)}</h2>")
        out += [f"<p>{_inline_code(p)}</p>" for p in section.text]
        out += [_html_table(t) for t in section.tables]
        for name, caption in section.figures:
            src = html.escape(f"{figures_rel}/{name}")
            out.append(f'<figure><img src="{src}" alt="{html.escape(caption)}">'
                       f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table) -> str:
    lines = ["| " + " | ".join(_md_cell(h) for h in table.headers) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(table.headers) - 1)) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines)


def render_markdown(doc: Document, figures_rel: str) -> str:
    """The same report as Markdown (GitHub tables, image links)."""
    out = [f"# {doc.title}", ""]
    for p in doc.intro:
        out += [p, ""]
    for section in doc.sections:
        out += [f"## {section.title}", ""]
        for p in section.text:
            out += [p, ""]
        for t in section.tables:
            out += [_md_table(t), ""]
        for name, caption in section.figures:
            out += [f"![{caption}]({figures_rel}/{name})", ""]
    return "\n".join(out)
