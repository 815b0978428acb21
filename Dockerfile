# One image for every service; the SERVICE environment variable picks which one runs (gateway,
# tenant-admin, ingest-cdc, presence-service, ratelimiter), so docker-compose.yml and k8s/ build
# and pull a single image. Node 24 runs the TypeScript sources directly (type stripping), so there
# is no build stage.
FROM node:24-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs ./libs
COPY services ./services
COPY schemas ./schemas
COPY test-e2e/package.json ./test-e2e/package.json
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
ENV NODE_ENV=production
# uid 1000 is the image's `node` user; numeric, so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
CMD ["sh", "-c", "exec node \"services/${SERVICE:?set SERVICE to gateway, tenant-admin, ingest-cdc, presence-service or ratelimiter}/src/main.ts\""]
