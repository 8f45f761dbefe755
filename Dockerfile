FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN pip install --no-cache-dir --no-deps -e .
RUN useradd --create-home mail && mkdir -p /data && chown mail /data
USER mail
ENV DATA_DIR=/data BIND_ADDRESS=0.0.0.0 PORT=8000
EXPOSE 8000
CMD ["python", "manage.py", "runsite"]
