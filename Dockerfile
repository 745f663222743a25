# The zonescale image: one Bun process per container, `bun server/main.ts <role> [flags]`.
# Its base is a local import, since no image can be pulled here: scripts/docker-base.sh builds
# zonescale/bun-base:local from this machine's Bun binary (no shell inside, so RUN uses exec form).
# Build with host networking (the engine runs without a bridge; bun install reaches the registry):
#   bash scripts/services.sh up docker && bun run build:ui && docker build --network host -t zonescale:local .
FROM zonescale/bun-base:local
WORKDIR /app
ENV NODE_ENV=production
COPY package.json bun.lock ./
COPY patches ./patches
RUN ["/usr/local/bin/bun", "install", "--production", "--frozen-lockfile", "--ignore-scripts"]
COPY tsconfig.json bunfig.toml ./
COPY server ./server
COPY dashboard/dist ./dashboard/dist
COPY app-ui/dist ./app-ui/dist
ENTRYPOINT ["/usr/local/bin/bun", "server/main.ts"]
CMD ["monitor"]
