"""Content-Security-Policy on every response (Django 5.2 has none built in).

The back-office, the admin and the API docs load scripts, styles, images and fonts from the site
only: no inline script, no inline event handler (`onclick`, `onsubmit`: see web/static/web/
magasin.js), no `eval` (htmx runs with `allowEval: false`, see the htmx-config meta tag in
base.html), no inline style, no plugin, no framing, forms posting to the site only. A page
that injected markup could then neither run script nor send data elsewhere.

The same policy holds for the admin and for Swagger UI on /api/docs (served from django-ninja's
own static files, never a CDN): both work under it, as the browser tests check (no violation in
the console). `data:` images are allowed for the icons their style sheets embed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

ENTETE = "Content-Security-Policy"

DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
POLITIQUE = "; ".join(f"{nom} {valeur}" for nom, valeur in DIRECTIVES.items())


class PolitiqueSecuriteContenu:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if ENTETE not in response:
            response[ENTETE] = POLITIQUE
        return response
