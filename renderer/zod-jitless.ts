import { config } from 'zod';

// The page's CSP allows no eval. zod probes for it with new Function("") when a schema is built
// (the contract's schemas are built as the page loads), and the browser reports each probe as a
// CSP violation. Imported first by main.tsx, so it runs before any schema exists.
config({ jitless: true });
