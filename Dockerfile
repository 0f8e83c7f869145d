# The OMS API. Configure with OMS_DATABASE_URL (PostgreSQL), OMS_REDIS_URL and
# OMS_JWT_SECRET; run as many containers as you like behind a load balancer.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    OMS_HOST=0.0.0.0 OMS_PORT=8000 OMS_DATA_DIR=/var/lib/oms

WORKDIR /app
COPY pyproject.toml README.md ./
COPY oms ./oms
COPY migrations ./migrations
RUN pip install --no-cache-dir . \
    && useradd --system --home /var/lib/oms oms \
    && mkdir -p /var/lib/oms && chown oms /var/lib/oms

USER oms
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"OMS_PORT\"]}/healthz')"
# `oms serve` brings the schema up to date, then listens.
CMD ["oms", "serve"]
