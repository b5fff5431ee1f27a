# The sync worker (Celery worker and beat). Odoo runs from the official odoo:19.0 image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY sync_worker ./sync_worker
RUN pip install . \
    && useradd --system --uid 10001 --create-home --home-dir /var/lib/customer-sync customer-sync
USER customer-sync
ENTRYPOINT ["customer-sync"]
CMD ["worker"]
