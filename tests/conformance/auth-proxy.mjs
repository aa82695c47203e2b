// A header-injecting reverse proxy for clients that cannot send an
// Authorization header (the conformance suite has no auth option). It
// forwards every request to the gateway as received (method, path and query,
// headers including Host and Origin, body) and adds exactly one header,
// `Authorization: Bearer <token>`; responses (status, headers, body) stream
// back unchanged, SSE included. No dependencies (Node >= 20).
//
//   ACCESS_TOKEN=... node auth-proxy.mjs http://127.0.0.1:GATEWAY_PORT
//
// Listens on a free 127.0.0.1 port and prints `listening <port>` once ready.
import http from 'node:http';

// Connection-scoped headers (RFC 9110, 7.6.1): each hop sets its own.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function forwardedHeaders(rawHeaders, extra) {
    const headers = [];
    for (let i = 0; i < rawHeaders.length; i += 2) {
        const name = rawHeaders[i];
        const lower = name.toLowerCase();
        if (HOP_BY_HOP.has(lower) || lower === 'authorization') continue;
        headers.push(name, rawHeaders[i + 1]);
    }
    for (const [name, value] of Object.entries(extra)) headers.push(name, value);
    return headers;
}

const [target] = process.argv.slice(2);
const token = process.env.ACCESS_TOKEN;
if (!target || !token) {
    console.error('usage: ACCESS_TOKEN=<token> node auth-proxy.mjs <gateway origin>');
    process.exit(2);
}
const upstream = new URL(target);
const agent = new http.Agent({ keepAlive: true });

const server = http.createServer((req, res) => {
    const forward = http.request({
        agent,
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        // An array keeps the client's header order, case and repeated headers.
        headers: forwardedHeaders(req.rawHeaders, { Authorization: `Bearer ${token}` }),
        setHost: false,
    });
    forward.on('response', (answer) => {
        const headers = [];
        for (let i = 0; i < answer.rawHeaders.length; i += 2) {
            if (!HOP_BY_HOP.has(answer.rawHeaders[i].toLowerCase())) headers.push(answer.rawHeaders[i], answer.rawHeaders[i + 1]);
        }
        res.writeHead(answer.statusCode, answer.statusMessage, headers);
        res.flushHeaders();
        answer.pipe(res);
        answer.on('error', () => res.destroy());
    });
    forward.on('error', (error) => {
        if (res.headersSent) {
            res.destroy();
        } else {
            res.writeHead(502, { 'content-type': 'text/plain' });
            res.end(`auth-proxy: gateway unreachable: ${error.message}\n`);
        }
    });
    // The client went away (for example, it closed an SSE stream): close upstream too.
    res.on('close', () => {
        if (!res.writableFinished) forward.destroy();
    });
    req.pipe(forward);
});
server.keepAliveTimeout = 65_000;

server.listen(0, '127.0.0.1', () => {
    console.log(`listening ${server.address().port}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
        server.close();
        server.closeAllConnections();
        agent.destroy();
        process.exit(0);
    });
}
