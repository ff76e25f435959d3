#!/usr/bin/env bash
# The Dockerfile's steps without a container engine (CI runs this): in a clean directory, from the build
# context .dockerignore leaves (scripts/dockerContext.mjs), the build stage (npm ci, npm run build,
# npm prune --omit=dev), then the image's files alone, started as the
# image starts them (plain node on dist/cli.js, NODE_ENV=production). Fails unless the result answers
# over HTTP, serves the page's prebuilt scripts, and carries no tsx, esbuild or TypeScript.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
server=""
trap '[ -z "$server" ] || kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
context="$work/context"
build="$work/build"
image="$work/image"
mkdir -p "$context" "$build/scripts" "$image/web" "$image/data"
# What `docker build` would be sent: the repository's files less those .dockerignore names.
node "$root/scripts/dockerContext.mjs" "$context"

# The build stage, its COPY lines in order.
cp "$context/package.json" "$context/package-lock.json" "$build/"
(cd "$build" && npm ci --no-audit --no-fund --loglevel=error)
cp "$context/tsconfig.json" "$context/tsconfig.build.json" "$build/"
cp -r "$context/src" "$context/web" "$build/"
cp "$context/scripts/buildWeb.ts" "$build/scripts/"
(cd "$build" && npm run build --silent && npm prune --omit=dev --no-audit --no-fund --loglevel=error)

# The image: what the Dockerfile copies into it, and nothing else.
cp -r "$build/node_modules" "$build/dist" "$image/"
cp "$context/package.json" "$image/"
cp -r "$context/bin" "$image/"
cp "$context/web/index.html" "$context/web/styles.css" "$context/web/graphiql.html" "$image/web/"
for package in tsx esbuild typescript; do
  if [ -e "$image/node_modules/$package" ]; then echo "imageSteps: the image would carry $package" >&2; exit 1; fi
done
if find "$image/dist" -name '*.ts' | grep -q .; then echo "imageSteps: TypeScript sources in dist/" >&2; exit 1; fi

cd "$image"
export NODE_ENV=production ORDERSTREAM_DB="$image/data/orderstream.db" HOST=127.0.0.1
export ORDERSTREAM_JWT_SECRET=image-steps-secret-0123456789abcdef0123
export ORDERSTREAM_MASTER_KEY="$(node -e "console.log(require('crypto').randomBytes(32).toString('base64'))")"
PORT="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
export PORT
# The installed command, without tsx, runs the compiled code too.
node bin/orderstream.js --version
token="$(node dist/cli.js token --role staff --sub image-steps)"
node dist/cli.js serve > "$work/server.log" 2>&1 &
server=$!
TOKEN="$token" node --input-type=module -e '
  const base = `http://127.0.0.1:${process.env.PORT}`;
  for (let attempt = 0; ; attempt++) {
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch {}
    if (attempt > 300) throw new Error("the server did not answer /healthz within 30 s");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const expectOk = async (path, type, init) => {
    const response = await fetch(`${base}${path}`, init);
    const body = await response.text();
    if (!response.ok || !(response.headers.get("content-type") ?? "").includes(type)) {
      throw new Error(`${path}: ${response.status} ${response.headers.get("content-type")}\n${body.slice(0, 500)}`);
    }
    return body;
  };
  await expectOk("/", "text/html");
  await expectOk("/app.js", "javascript");
  await expectOk("/graphiql/app.js", "javascript");
  const answer = JSON.parse(await expectOk("/graphql", "application/json", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${process.env.TOKEN}` },
    body: JSON.stringify({ query: "{ products(first: 1) { totalCount } }" }),
  }));
  if (answer.errors || answer.data?.products?.totalCount !== 0) throw new Error(`/graphql: ${JSON.stringify(answer)}`);
  console.log("imageSteps: the built image answers /healthz, the page, its prebuilt scripts and /graphql");
' || { cat "$work/server.log" >&2; exit 1; }
