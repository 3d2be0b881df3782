# Mesa de Partes Virtual: the application image. The web server, the Temporal worker and the
# one-shot migrations all run from it; each one uses a different command.
#
# The whole stack (PostgreSQL, Temporal, Temporal UI, SMTP catcher, web x2, worker):
#   APP_SECRET=$(openssl rand -hex 32) docker compose up --build
# This image alone (it needs PostgreSQL, Temporal and SMTP reachable through the env vars):
#   docker build -t mesa-de-partes .
#   docker run --rm -e APP_SECRET=... -e DATABASE_URL=... -e TEMPORAL_ADDRESS=... mesa-de-partes              # web
#   docker run --rm -e APP_SECRET=... -e DATABASE_URL=... -e TEMPORAL_ADDRESS=... mesa-de-partes npm run worker
#   docker run --rm -e APP_SECRET=... -e DATABASE_URL=... mesa-de-partes npm run migrate
FROM node:20-bookworm-slim

LABEL org.opencontainers.image.title="Mesa de Partes Virtual" \
      org.opencontainers.image.description="Mesa de partes virtual y casilla electrónica para entidades públicas del Perú" \
      org.opencontainers.image.licenses="AGPL-3.0-or-later"

# Chromium renders the PDFs (cargo, constancias, exports). puppeteer-core never downloads a browser,
# so we use Debian's package of Chromium's old headless shell: the image needs no full browser, and
# the shell prints an A4 page about four times faster. DejaVu and Liberation provide the fonts the
# templates use (with accents and ñ). Docker's default seccomp profile blocks the user namespaces
# that Chromium's sandbox needs, so lib/pdf.ts starts it with --no-sandbox; it only loads the
# project's own templates.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      chromium-headless-shell \
      fonts-dejavu-core \
      fonts-liberation \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    PUPPETEER_SKIP_DOWNLOAD=1 \
    PDF_CHROMIUM_PATH=/usr/lib/chromium/chromium-headless-shell \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/var/lib/mpv \
    STORAGE_DIR=/var/lib/mpv/files

WORKDIR /app

# Dependencies first, so that this layer stays cached when only the source changes. tsx is a
# runtime dependency, so `npm run web|worker|migrate` works without the dev dependencies.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev \
 && npm cache clean --force

# Source. root owns it, so the `node` user can read it but not change it.
COPY . .

# The storage directory belongs to `node`. When an empty named volume is first mounted on it,
# Docker copies this ownership to the volume, so web and worker can write the shared files.
RUN mkdir -p /var/lib/mpv/files \
 && chown -R node:node /var/lib/mpv

USER node
EXPOSE 3000
CMD ["npm", "run", "web"]
