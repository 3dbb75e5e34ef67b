# One image for every Backstop process; the command picks the role:
#   backstop api | backstop worker --no-healthchecks --port 3000 | backstop worker --healthchecks-only --port 3000
# The build stage compiles the TypeScript; the runtime stage has production dependencies only
# and runs the compiled dist/ (bin/backstop.mjs does, where there are no sources), so
# BACKSTOP_DEFINITIONS modules mounted into it must be JavaScript (.js / .mjs).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
COPY scripts ./scripts
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    BACKSTOP_API_HOST=0.0.0.0 \
    BACKSTOP_API_PORT=3000 \
    BACKSTOP_DATA_DIR=/app/.data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
RUN ln -s /app/bin/backstop.mjs /usr/local/bin/backstop \
    && mkdir -p /app/.data \
    && chown node:node /app/.data
# The node image's unprivileged user: nothing here needs root.
USER node
EXPOSE 3000
# GET /healthz on port 3000 (BACKSTOP_API_PORT): the API's liveness route, or a worker's, which
# `backstop worker --port 3000` serves.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["node", "bin/healthcheck.mjs"]
CMD ["backstop", "api"]
