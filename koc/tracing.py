"""OpenTelemetry traces, on with ``KOC_TRACING=true`` (needs the ``tracing`` extra).

A request becomes one trace: the ASGI server span, strawberry's spans for parsing, validation
and each resolver, and a span per SQL statement (asyncpg or sqlite3). Spans go to an OTLP/HTTP
collector configured the standard way (``OTEL_EXPORTER_OTLP_ENDPOINT``,
``OTEL_SERVICE_NAME``, ``OTEL_TRACES_SAMPLER``, ...; README "Traces").
"""

from __future__ import annotations

from typing import Any

from starlette.middleware import Middleware

from koc.graphql.schema import schema
from koc.logs import request_id

EXTRA_MISSING = (
    "KOC_TRACING=true needs the tracing extra: pip install -r requirements/tracing.txt "
    "(or pip install 'koc[tracing]')"
)


def start_tracing() -> Middleware:
    """Send traces to the configured collector; returns the ASGI middleware (inside
    koc.access.RequestContext, so the server span knows the request id).

    Once per process: the tracer provider and the driver instrumentations are global."""
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
        from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
        from opentelemetry.instrumentation.sqlite3 import SQLite3Instrumentor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from strawberry.extensions.tracing import OpenTelemetryExtension
    except ImportError as exc:
        raise RuntimeError(EXTRA_MISSING) from exc

    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        resource = Resource.create()  # from OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
        if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
            resource = resource.merge(Resource({"service.name": "koc"}))
        provider = TracerProvider(resource=resource)
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
        AsyncPGInstrumentor().instrument()
        SQLite3Instrumentor().instrument()
    if OpenTelemetryExtension not in schema.extensions:
        # The schema is one per process and strawberry instantiates its extensions per request.
        schema.extensions = (*schema.extensions, OpenTelemetryExtension)
    return Middleware(OpenTelemetryMiddleware, server_request_hook=_tag_request_id)


def _tag_request_id(span: Any, scope: dict[str, Any]) -> None:
    if span is not None and span.is_recording() and (rid := request_id.get()):
        span.set_attribute("koc.request_id", rid)
