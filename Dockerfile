# Briefbot in a container: the bot on an embedded SQLite file kept on a volume, or on PostgreSQL
# with DATABASE_URL (compose.yaml). Build: docker build -t briefbot .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_URL=sqlite:////data/briefbot.db \
    BRIEFBOT_FEEDS=/app/feeds.yaml \
    BRIEFBOT_METRICS_HOST=0.0.0.0 \
    BRIEFBOT_METRICS_PORT=9108

WORKDIR /app
COPY pyproject.toml README.md feeds.yaml alembic.ini ./
COPY bot ./bot
COPY handlers ./handlers
COPY db ./db
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /data briefbot \
    && mkdir -p /data && chown briefbot /data

USER briefbot
VOLUME ["/data"]
EXPOSE 9108
HEALTHCHECK --interval=60s --timeout=5s --start-period=120s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:9108/healthz', timeout=4).status == 200 else 1)"

CMD ["briefbot", "run"]
