FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN useradd --create-home --uid 1000 hive
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs settings that load; a throwaway key is enough to hash the files.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-key python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown -R hive /app/media
USER hive

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
