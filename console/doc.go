// Package console is the platform's web console: the admin console and the
// developer portal, served as HTML pages by the admin listener of the one
// binary, with no separate web server and no script framework.
//
// Why server-rendered pages: the people who run a provincial platform
// need to see it and act on it in a browser, and the platform's promise
// is one binary and one engineer. Pages rendered by Go templates need no
// front-end build step, no Node.js at run time and no second copy of the
// API's rules in a script: every page reads, and every form acts, through
// the same admin REST API that the CLI uses, called in process with the
// signed-in user's session (Ctx.Call). The API's authorisation decides;
// the console only hides what a role may not do.
//
// Sessions are the registry's. Signing in calls POST /admin/v1/auth/login
// and keeps the session token in an HttpOnly, SameSite=Strict cookie
// (Secure over TLS) that ends with the session. Every form carries a
// double-submit token matching the lgsp_csrf cookie, and every answer a
// strict Content-Security-Policy: no inline script, no script from
// elsewhere.
//
// Pages register themselves (Register) with the roles that see them, so a
// service adds its own pages in a file of its own; messages are in
// Vietnamese by default and in English by a switch (messages.go).
package console
