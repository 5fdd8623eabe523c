# The Alopex server: every listener (pgwire 5432, REST 8080, gRPC 9090, admin 8081) on a data
# directory in the /data volume.
#
#   docker build -t alopex .
#   docker run -p 5432:5432 -p 8080:8080 -p 9090:9090 -p 8081:8081 -v alopex-data:/data \
#     -e ALOPEX_PASSWORD=change-me alopex
#
# Without ALOPEX_PASSWORD the server trusts every client (it logs a warning, since in a
# container it listens on all interfaces).
FROM node:20-slim

WORKDIR /app
# pnpm at the version package.json pins (corepack reads the packageManager field).
RUN corepack enable

# Dependencies first, so source changes do not reinstall them. The test package's manifest is
# part of the workspace the lockfile describes.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY server/package.json server/
COPY test/package.json test/
# The command's entry point too, so the install links it.
COPY server/bin server/bin
RUN pnpm install --frozen-lockfile --prod

COPY server/src server/src
COPY tsconfig.base.json ./
COPY server/tsconfig.json server/

RUN mkdir -p /data && chown node:node /data
USER node
ENV NODE_ENV=production \
    ALOPEX_DATA_DIR=/data \
    ALOPEX_LISTEN_HOST=0.0.0.0 \
    ALOPEX_LOG_FORMAT=json
VOLUME /data
EXPOSE 5432 8080 9090 8081

HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8081/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node runs as PID 1 and handles SIGTERM itself: `docker stop` drains and exits 0.
ENTRYPOINT ["node", "server/bin/alopex.js"]
CMD ["server"]
