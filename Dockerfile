# The service image: stateless, so more workers or replicas scale it.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 BCG_DATA_DIR=/data
WORKDIR /srv
COPY pyproject.toml README.md ./
COPY app ./app
COPY graph ./graph
COPY ingest ./ingest
COPY migrations ./migrations
RUN pip install --no-cache-dir . && useradd --system --uid 10001 bcg && mkdir -p /data \
    && chown bcg /data
USER bcg
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["bcg", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
