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
# The files the image runs, readable by everyone and writable by root alone, whatever the checkout's
# umask made them: the last stage copies them as root's, so the node user cannot change them.
COPY scenarios ./scenarios
COPY public ./public
COPY scripts/docker-entrypoint.sh ./scripts/
RUN chmod -R u=rwX,go=rX dist/src scenarios public package.json && chmod 755 scripts/docker-entrypoint.sh

# The production dependencies alone: no dev packages, and no optional ones (pino-pretty only formats logs
# for a terminal; the image logs JSON).
FROM node:24-bookworm-slim AS deps
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
# Only what the image changes from the built-in defaults: HOST (0.0.0.0, to be reached from outside the
# container) and the scenarios volume. They are environment variables, so they win over a config file
# (flags > environment > file > defaults); `-e HOST=` or `-e CINT_MOCK_SCENARIOS_DIR=` (empty) unsets
# one, and the config file's then applies. PORT and LOG_LEVEL are not set: their built-in defaults are
# the same (8080, info), and a config file can set them.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    CINT_MOCK_SCENARIOS_DIR=/scenarios \
    CINT_MOCK_LISTENING_FILE=/tmp/cint-mock.listening
WORKDIR /app
# Root's files, not the node user's: the server cannot rewrite its own code. Nothing under /app is
# written at run time (a made certificate and the listening file go to /tmp).
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/package.json ./
COPY --from=build /app/scenarios ./scenarios
COPY --from=build /app/public ./public
COPY --from=build /app/scripts/docker-entrypoint.sh /usr/local/bin/cint-mock-entrypoint
# Mount your own scenario files here: they are added on top of the built-in ones and hot-reloaded. The
# server only reads them: the folder is root's, and a mounted one must be readable by uid 1000.
RUN mkdir -p /scenarios
VOLUME ["/scenarios"]
USER node
EXPOSE 8080
# Checked every second from the start until the first success (--start-interval, Docker 25 and later),
# so a fresh container reports healthy within about a second of being ready; then every 30 s. The check
# asks the address and port the server wrote to CINT_MOCK_LISTENING_FILE when it listened, whatever gave
# them (PORT, --port, a config file's port).
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s --start-interval=1s --retries=3 \
  CMD ["node", "dist/src/healthcheck.js"]
# Flags and `validate` after the image name are cint-mock's (docker run IMAGE --port 9618); any other
# command runs as given. The entrypoint execs it: node runs as PID 1 and handles SIGTERM itself, so
# in-flight requests drain, then it exits.
ENTRYPOINT ["cint-mock-entrypoint"]
CMD ["node", "dist/src/cli.js"]
