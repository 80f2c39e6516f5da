"""An encrypted PDF ingested with its password: the password opens the file inside the flow
but is never stored in the clear by Prefect (settings carry it as a SecretStr)."""
from __future__ import annotations

import asyncio
import subprocess

import pytest

from flows.ingest import ingest
from pipeline.settings import PdfSettings, Settings
from synth.pdf import render_pdf
from synth.truth import random_forms

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_password_opens_the_pdf_and_is_not_stored(tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    plain = tmp_path / "plain.pdf"
    render_pdf(list(random_forms(21, 2)), plain)
    subprocess.run(["qpdf", "--encrypt", "s3cret-pw", "owner", "256", "--", str(plain), str(inbox / "enc.pdf")],
                   check=True)
    summary = ingest([str(inbox)], out=str(out), db_url=f"sqlite:///{tmp_path / 'j.db'}",
                     settings=Settings(pdf=PdfSettings(password="s3cret-pw")))
    assert summary.by_status() == {"ok": 1} and summary.forms() == 2

    from prefect.client.orchestration import get_client

    async def stored_parameters() -> str:
        async with get_client() as client:
            runs = await client.read_flow_runs()
            return " ".join(str(r.parameters) for r in runs)

    stored = asyncio.run(stored_parameters())
    assert "s3cret-pw" not in stored
