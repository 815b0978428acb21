# One image for every service; SERVICE picks which one runs. Node 24 runs the TypeScript sources
# directly (type stripping), so there is no build stage.
FROM node:24-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs ./libs
COPY services ./services
COPY schemas ./schemas
COPY test-e2e/package.json ./test-e2e/package.json
RUN npm ci --omit=dev --no-audit --no-fund
ARG SERVICE=gateway
ENV SERVICE=${SERVICE} NODE_ENV=production
USER node
CMD ["sh", "-c", "exec node services/${SERVICE}/src/main.ts"]
