"""The desk's Jinja2 templates (autoescaped), shared by the pages and the live fragments."""

from __future__ import annotations

from pathlib import Path

from starlette.templating import Jinja2Templates

from bot.web.charts import svg

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.globals["chart_svg"] = svg
