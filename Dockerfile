# cint-mock: a mock of the Cint Exchange Demand API. Multi-stage: compile TypeScript and bundle the
# command line, install the production dependencies alone, then a slim image that runs as the non-root
# node user.
FROM node:24-bookworm-slim AS build
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/finish-build.mjs ./scripts/
RUN npm run build

# The production dependencies alone: no dev packages, and no optional ones (pino-pretty only formats logs
# for a terminal; the image logs JSON).
FROM node:24-bookworm-slim AS deps
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    CINT_MOCK_SCENARIOS_DIR=/scenarios \
    LOG_LEVEL=info \
    CINT_MOCK_LISTENING_FILE=/tmp/cint-mock.listening
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist/src ./dist/src
COPY --chown=node:node package.json ./
COPY --chown=node:node scenarios ./scenarios
COPY --chown=node:node public ./public
# Mount your own scenario files here: they are added on top of the built-in ones and hot-reloaded.
RUN mkdir -p /scenarios && chown node:node /scenarios
VOLUME ["/scenarios"]
USER node
EXPOSE 8080
# Checked every second from the start until the first success (--start-interval, Docker 25 and later),
# so a fresh container reports healthy within about a second of being ready; then every 30 s. The check
# asks the address and port the server wrote to CINT_MOCK_LISTENING_FILE when it listened, whatever gave
# them (PORT, --port, a config file's port).
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s --start-interval=1s --retries=3 \
  CMD ["node", "dist/src/healthcheck.js"]
# node runs as PID 1 and handles SIGTERM itself: in-flight requests drain, then it exits.
CMD ["node", "dist/src/cli.js"]
