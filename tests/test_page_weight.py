"""`/` with the demo data stays light: under 50 KB over the wire (gzip), all it loads."""

import gzip

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage

from incidents.demo import load_demo

pytestmark = pytest.mark.django_db
BUDGET = 50_000


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))  # a web server's usual level


def test_the_demo_status_page_is_under_50_kb_gzipped_with_its_css_and_script(client, capsys):
    load_demo()
    sizes = {"HTML": gzipped(client.get("/").content)}
    for name in ["statuspage.css", "localtime.js"]:
        with staticfiles_storage.open(staticfiles_storage.stored_name(name)) as file:
            sizes[name] = gzipped(file.read())
    total = sum(sizes.values())
    with capsys.disabled():
        figures = ", ".join(f"{name} {size / 1000:.1f} KB" for name, size in sizes.items())
        print(f"\n/ with the demo data, gzipped: {figures}; total {total / 1000:.1f} KB")
    assert sizes["HTML"] > 2_000  # the page really rendered, bars and all
    assert total < BUDGET
