"""The README's picture of the admin form (docs/posting.png), made the way a person
sees it: the demo's "Database down" template used in "Open an incident" at 1280 px.

Not a check: it runs only when asked, through scripts/screenshot-admin.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from incidents.demo import load_demo
from incidents.models import IncidentTemplate

from .conftest import DESKTOP
from .test_admin_look import logged_in  # noqa: F401 (a fixture)

TARGET = os.environ.get("README_SCREENSHOT")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not TARGET, reason="run by scripts/screenshot-admin"),
]


def test_the_open_form_filled_in_from_a_template(logged_in):  # noqa: F811
    load_demo()
    page = logged_in(DESKTOP)
    # The navigation sidebar folded, as Django's admin remembers it: room for the form.
    page.add_init_script("localStorage.setItem('django.admin.navSidebarIsOpen', 'false')")
    template = IncidentTemplate.objects.get(name="Database down")
    page.goto(f"{reverse('admin:incidents_incident_add')}?template={template.pk}")
    path = Path(settings.BASE_DIR) / TARGET
    path.parent.mkdir(exist_ok=True)
    page.screenshot(path=path, full_page=True)
