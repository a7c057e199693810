"""Status badges: small SVG images for READMEs, dashboards and intranet pages.

The colours and words are the page's: the roll-up for /badge.svg, the component's
status for /components/<id>/badge.svg.
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string

from public_store.http import public_resource

from . import selectors
from .models import Component, ComponentStatus

# Dark enough for white text (WCAG AA), like the page's banner.
INDICATOR_COLOURS = {
    "none": "#1a7f37",
    "minor": "#9a6700",
    "major": "#bc4c00",
    "critical": "#cf222e",
    "maintenance": "#0969da",
}
STATUS_COLOURS = {
    ComponentStatus.OPERATIONAL: INDICATOR_COLOURS["none"],
    ComponentStatus.DEGRADED_PERFORMANCE: INDICATOR_COLOURS["minor"],
    ComponentStatus.PARTIAL_OUTAGE: INDICATOR_COLOURS["major"],
    ComponentStatus.MAJOR_OUTAGE: INDICATOR_COLOURS["critical"],
    ComponentStatus.UNDER_MAINTENANCE: INDICATOR_COLOURS["maintenance"],
}
# Verdana 11px averages about 7px a character; textLength makes any font fit the box.
CHAR_WIDTH, PADDING = 7, 10


@public_resource
def page_badge(request):
    status = selectors.page_status()
    return _badge("status", status.description, INDICATOR_COLOURS[status.indicator])


@public_resource
def component_badge(request, public_id):
    component = get_object_or_404(Component.objects.public(), public_id=public_id)
    colour = STATUS_COLOURS[component.status]
    return _badge(component.name, component.get_status_display(), colour)


def _badge(label: str, message: str, colour: str) -> HttpResponse:
    label_width, message_width = (len(text) * CHAR_WIDTH + PADDING for text in (label, message))
    context = {
        "label": label,
        "message": message,
        "colour": colour,
        "label_width": label_width,
        "message_width": message_width,
        "width": label_width + message_width,
        "label_x": label_width / 2,
        "message_x": label_width + message_width / 2,
        "label_text_width": label_width - PADDING,
        "message_text_width": message_width - PADDING,
    }
    svg = render_to_string("incidents/badge.svg", context)
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
