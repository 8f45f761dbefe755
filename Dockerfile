# The web client is built with Node in a stage of its own; the site image needs only Python.
FROM node:20-slim AS frontend
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=frontend /frontend/dist ./frontend/dist
RUN pip install --no-cache-dir --no-deps -e .
RUN useradd --create-home mail && mkdir -p /data && chown mail /data
USER mail
# BIND_ADDRESS applies to the web site and to the SMTP server (SMTP_PORT).
ENV DATA_DIR=/data BIND_ADDRESS=0.0.0.0 PORT=8000 SMTP_PORT=2525
EXPOSE 8000 2525
CMD ["python", "manage.py", "runsite"]
