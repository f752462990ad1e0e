# The motion_assets code location, for the Helm chart's user deployment, its run and step pods
# (MOTION_ASSETS_EXECUTOR=k8s) and Celery workers (MOTION_ASSETS_EXECUTOR=celery).
#   docker build -t motion-assets:0.1.0 .
# torch==2.13.0 from PyPI carries CUDA: the same image trains on a GPU node and runs on CPU.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    NUMBA_CACHE_DIR=/opt/dagster/numba_cache

WORKDIR /opt/motion_assets
COPY pyproject.toml README.md ./
COPY motion_assets ./motion_assets
RUN pip install --no-cache-dir '.[deploy]' && mkdir -p "$DAGSTER_HOME"
COPY configs ./configs
COPY workspace.yaml ./
COPY deploy/dagster.yaml deploy/celery.yaml ./deploy/

ENV MOTION_ASSETS_CONFIGS=/opt/motion_assets/configs
EXPOSE 3030
# The chart overrides the command with `dagster api grpc` and its own arguments.
CMD ["dagster", "api", "grpc", "-h", "0.0.0.0", "-p", "3030", "-m", "motion_assets.definitions"]
