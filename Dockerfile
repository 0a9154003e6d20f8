# One image for both processes; the command chooses which:
#   docker run retain server/main.ts   (the API, the default)
#   docker run retain worker/main.ts   (the Temporal worker)
# TypeScript runs through tsx, as in development; the one build step bundles the workflows
# (dist/workflow-bundle.js), so the worker does not run webpack at every start.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, so code changes do not reinstall them. tsx is a runtime dependency.
COPY package.json package-lock.json ./
# npm install when npm ci refuses a lock that lacks other platforms' optional packages.
RUN (npm ci --omit=dev --no-audit --no-fund || npm install --omit=dev --no-audit --no-fund) && npm cache clean --force

COPY . .
RUN node --import tsx scripts/build-workflows.ts

USER node
# In a container the API must listen on every interface, not the dev default 127.0.0.1.
ENV HOST=0.0.0.0 PORT=3000
EXPOSE 3000

ENTRYPOINT ["node", "--import", "tsx"]
CMD ["server/main.ts"]
