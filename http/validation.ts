// The parsed request body; checking it against a schema is services/validation.ts.

/** The parsed request body (set by koa-body), whatever the router's context type says. */
export const bodyOf = (ctx: { request: object }) => (ctx.request as { body?: unknown }).body;
