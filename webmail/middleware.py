"""A strict Content Security Policy on every HTML page (API responses are JSON, never rendered).

The web client is served from this origin and talks only to it; mail HTML is
rendered in a sandboxed frame by the client, so no page needs inline scripts.
"""

from django.http import HttpRequest, HttpResponse

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        # Remote images in mail load only once the reader allows them for a message; the
        # frame that shows the mail narrows this further with its own policy.
        "img-src 'self' data: blob: https:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-src 'self' blob:",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "worker-src 'self'",
        "manifest-src 'self'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.setdefault("Content-Security-Policy", POLICY)
        return response


class ScriptAuthChallengeMiddleware:
    """A 401 answered to a script in a page (fetch, EventSource) names only Bearer.

    Browsers answer a ``Basic`` challenge to a page's own requests with a native password
    dialog (a headless browser just waits), while the web client's answer to a 401 is its
    login page. Requests without ``Sec-Fetch-Mode`` (other clients) or with ``navigate``
    (someone opening the URL) keep the full challenge.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 401
            and "HTTP_AUTHORIZATION" not in request.META
            and request.META.get("HTTP_SEC_FETCH_MODE", "navigate") != "navigate"
        ):
            response["WWW-Authenticate"] = 'Bearer realm="JMAP"'
        return response
