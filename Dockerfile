# overstap: the API with the embedded Dutch default ontology.
#   docker build -t overstap .
#   docker run -p 8000:8000 -v overstap-data:/data overstap
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    OVERSTAP_DATA_DIR=/data \
    OVERSTAP_HOST=0.0.0.0 \
    OVERSTAP_PORT=8000

RUN groupadd --system --gid 10001 overstap \
 && useradd --system --uid 10001 --gid overstap --home-dir /app --shell /usr/sbin/nologin overstap

WORKDIR /app
# Extras to install: `--build-arg EXTRAS=postgres,ray` for batch work on Ray (deploy/).
ARG EXTRAS=postgres
# Dependencies first (cached while only the code changes), then the code.
COPY pyproject.toml README.md ./
COPY models/ models/
COPY ontology/ ontology/
COPY indexes/ indexes/
COPY service/ service/
RUN pip install ".[${EXTRAS}]" \
 && mkdir -p /data \
 && chown overstap:overstap /data

USER overstap
VOLUME ["/data"]
EXPOSE 8000

# Ready means: store open and the default ontology loaded (first start loads it).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status == 200 else 1)"]

CMD ["overstap", "serve"]
