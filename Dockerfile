# orderstream: the GraphQL server (HTTP and WebSocket on port 4000) over an SQLite file in /data.
#   docker build -t orderstream .
#   docker run -p 4000:4000 -v orderstream-data:/data -e ORDERSTREAM_JWT_SECRET=<32+ characters> \
#     -e ORDERSTREAM_MASTER_KEY=<openssl rand -base64 32> orderstream
#   (it refuses to start without ORDERSTREAM_JWT_SECRET or ORDERSTREAM_JWT_PUBLIC_KEY, or without ORDERSTREAM_MASTER_KEY;
#   development mode is refused here, NODE_ENV=production)
# compose.yaml does the same with a named volume; see docs/operations.md, "Container".
# scripts/imageSteps.sh runs this file's steps without a container engine (CI runs it).

# One build stage: every package, the compiled server and the page's bundles, then the dev packages dropped.
FROM node:24-slim AS build
WORKDIR /app
# better-sqlite3 downloads a prebuilt binary when one fits this Node and platform; these build it otherwise.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
COPY scripts/buildWeb.ts ./scripts/
RUN npm run build && npm prune --omit=dev && npm cache clean --force

# The image: plain node on the compiled output; no TypeScript, tsx or esbuild in it.
FROM node:24-slim
ENV NODE_ENV=production \
    ORDERSTREAM_DB=/data/orderstream.db \
    PORT=4000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# The page's HTML and styles (its scripts are in dist/web).
COPY web/index.html web/styles.css web/graphiql.html ./web/
# The event log lives in the volume, owned by the unprivileged user the server runs as.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4000
# The slim image has no curl: Node's fetch asks /healthz.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1, with no npm process in between, so SIGTERM (docker stop) reaches the server's
# graceful shutdown; a second signal forces exit.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["serve"]
