from django.http import HttpRequest, HttpResponse
from django.urls import path

from haven.intake.views import quick_exit


def healthz(request: HttpRequest) -> HttpResponse:
    """A trivial answer for load balancers and for benchmarks' baseline."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("exit/", quick_exit, name="quick-exit"),
    path("healthz", healthz, name="healthz"),
]
