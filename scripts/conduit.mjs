// `npm start` and `npm run conduit -- …`: bring the build up to date, then run the compiled `conduit`
// in this same process (no shell in between, so npm's signals — Ctrl+C, SIGTERM — reach it).
import { build } from './build.mjs';

build();
await import('../packages/cli/dist/main.js');
