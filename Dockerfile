FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY geo ./geo
RUN pip install --no-cache-dir .
COPY app.py ./
# The server settings only: a .streamlit/secrets.toml (the desk's sign-in secrets) stays out.
COPY .streamlit/config.toml ./.streamlit/
# The shipped events (EVENT_ATLAS_EVENTS's default); mount your own data (README, Hosting).
COPY data/events.yaml ./data/
# Unpack Leaflet and the offline basemap at build time, not on the first visitor's request.
RUN python -c "from pathlib import Path; from geo.map.assets import install_assets; install_assets(Path('static'))"
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status == 200 else 1)"
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501"]
