# koc: the KOC membership and referral service.
#
#   docker build -t koc .
#   docker run -d --name koc -p 8000:8000 -v koc-data:/var/lib/koc \
#     -e KOC_JWT_SECRET="$(openssl rand -hex 32)" koc
#   docker exec -it koc koc create-staff admin          # the first admin
#   docker exec koc koc seed-demo                       # or: a demo brand to explore
#
# The default database is SQLite in the volume /var/lib/koc. For PostgreSQL set
# KOC_DATABASE_URL=postgres://user:pass@host:5432/koc. With several replicas, run
# `koc migrate` once per release (e.g. `docker run --rm ... koc koc migrate`) and override the
# command with `koc serve --host 0.0.0.0 --port 8000 --no-migrate --workers N`.

# The base image is pinned by digest (a tag can be re-pushed, a digest cannot): the
# multi-architecture index of python:3.11.14-slim-bookworm. To move to a newer one, read its
# digest with `docker buildx imagetools inspect python:3.11-slim-bookworm` and change both FROMs.
#
# Dependencies come from the lock (requirements/serve.txt: every version and hash pinned), so a
# rebuild installs exactly what was tested. Build with tracing (KOC_TRACING=true) by adding
# --build-arg KOC_REQUIREMENTS=tracing.

# --- build: a virtualenv with the locked dependencies and koc ---------------------------------
FROM python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d AS build
ARG KOC_REQUIREMENTS=serve
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/koc
WORKDIR /src
COPY requirements ./requirements
RUN /opt/koc/bin/pip install --require-hashes -r "requirements/${KOC_REQUIREMENTS}.txt"
COPY pyproject.toml README.md ./
COPY koc ./koc
RUN /opt/koc/bin/pip install --no-deps .

# --- runtime: the virtualenv alone (no wheels, no sources, no build tools) ---------------------
FROM python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/koc/bin:$PATH

RUN groupadd --system --gid 10001 koc \
    && useradd --system --uid 10001 --gid koc --home-dir /var/lib/koc --no-create-home \
        --shell /usr/sbin/nologin koc \
    && install -d -o koc -g koc -m 0750 /var/lib/koc

COPY --from=build /opt/koc /opt/koc

# Production by default: koc refuses to start without a real KOC_JWT_SECRET (>= 32 chars).
# Use -e KOC_ENV=development to try it out with the built-in development secret.
ENV KOC_ENV=production \
    KOC_DATABASE_URL=sqlite:///var/lib/koc/koc.sqlite3

WORKDIR /var/lib/koc
VOLUME ["/var/lib/koc"]
USER 10001:10001
EXPOSE 8000

# slim has no curl: ask /healthz with the Python that is there (non-2xx or no answer fails).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# Migrate, then serve. `koc serve` would migrate by itself; doing it as its own step makes a
# failed migration stop the container before uvicorn starts. exec: uvicorn gets the signals.
CMD ["sh", "-c", "koc migrate && exec koc serve --host 0.0.0.0 --port 8000 --no-migrate"]
