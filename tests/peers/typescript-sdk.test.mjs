// The official TypeScript SDK (@modelcontextprotocol/sdk 1.x) as an MCP
// client of `mcp-gateway demo`, running its own OAuth client end to end:
// 401 -> protected-resource metadata -> authorization-server metadata ->
// dynamic registration -> authorization with PKCE and `resource` -> code
// exchange -> tools; then a later run that refreshes.
//
// Environment (scripts/test-peers.sh sets it):
//   GATEWAY_URL      demo gateway started with --auto-approve alice@example.com
//   BOB_GATEWAY_URL  demo gateway started with --auto-approve bob@other.example
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { AuthorizationDeniedError, LoopbackOAuthProvider } from './oauth-provider.mjs';

const GATEWAY_URL = required('GATEWAY_URL');
const BOB_GATEWAY_URL = required('BOB_GATEWAY_URL');

function required(name) {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set (run through scripts/test-peers.sh)`);
    return value.replace(/\/+$/, '');
}

/** A fetch that records every request the SDK makes (transport and OAuth alike). */
function recordingFetch() {
    const requests = [];
    const recorder = async (input, init = {}) => {
        const request = new Request(input, init);
        const entry = {
            method: request.method,
            url: new URL(request.url),
            headers: request.headers,
            form: undefined,
            json: undefined,
            status: undefined,
        };
        const type = request.headers.get('content-type') ?? '';
        if (request.method === 'POST' && type.startsWith('application/x-www-form-urlencoded')) {
            entry.form = new URLSearchParams(await request.clone().text());
        } else if (request.method === 'POST' && type.startsWith('application/json')) {
            entry.json = JSON.parse(await request.clone().text());
        }
        requests.push(entry);
        const response = await fetch(input, init);
        entry.status = response.status;
        return response;
    };
    recorder.requests = requests;
    recorder.find = (method, path) => requests.filter((r) => r.method === method && r.url.pathname === path);
    return recorder;
}

/**
 * Connects as an interactive MCP client does: a first attempt that ends in the
 * browser step (UnauthorizedError), finishAuth with the code, then a new
 * transport. A connection that works at once (valid or refreshed tokens) skips
 * the browser step.
 */
async function connect(baseUrl, provider, fetchFn) {
    const url = new URL(`${baseUrl}/mcp`);
    const newClient = () => new Client({ name: 'gateway-peers-typescript-sdk', version: '1.0.0' });
    let transport = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: fetchFn });
    let client = newClient();
    try {
        await client.connect(transport);
        return client;
    } catch (error) {
        if (!(error instanceof UnauthorizedError) || !provider.authorizationResponse) throw error;
    }
    await transport.finishAuth(provider.authorizationResponse.code);
    transport = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: fetchFn });
    client = newClient();
    await client.connect(transport);
    return client;
}

async function whoami(client) {
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    assert.notEqual(result.isError, true, JSON.stringify(result.content));
    assert.ok(result.structuredContent, 'whoami returned no structured content');
    return result.structuredContent;
}

describe('TypeScript SDK with its OAuth client', () => {
    const provider = new LoopbackOAuthProvider();
    const fetchFn = recordingFetch();
    let client;

    before(async () => {
        client = await connect(GATEWAY_URL, provider, fetchFn);
    });
    after(async () => {
        await client?.close();
    });

    test('discovers the authorization server from the 401', () => {
        const [first] = fetchFn.requests;
        assert.equal(first.url.href, `${GATEWAY_URL}/mcp`);
        assert.equal(first.status, 401);
        const resource = fetchFn.find('GET', '/.well-known/oauth-protected-resource/mcp');
        assert.ok(resource.some((r) => r.status === 200), 'protected-resource metadata (RFC 9728) not fetched');
        const server = [
            ...fetchFn.find('GET', '/.well-known/oauth-authorization-server'),
            ...fetchFn.find('GET', '/.well-known/openid-configuration'),
        ];
        assert.ok(server.some((r) => r.status === 200), 'authorization-server metadata (RFC 8414) not fetched');
    });

    test('registers itself dynamically with its loopback redirect URI', () => {
        const [registration] = fetchFn.find('POST', '/oauth/register');
        assert.ok(registration, 'no dynamic client registration (RFC 7591)');
        assert.equal(registration.status, 201);
        assert.deepEqual(registration.json.redirect_uris, [provider.redirectUrl]);
        assert.match(provider.clientInformation().client_id, /./);
    });

    test('authorizes with PKCE S256, state and resource', () => {
        assert.equal(provider.authorizationUrls.length, 1);
        const [authorize] = provider.authorizationUrls;
        assert.equal(authorize.origin + authorize.pathname, `${GATEWAY_URL}/oauth/authorize`);
        const query = authorize.searchParams;
        assert.equal(query.get('response_type'), 'code');
        assert.equal(query.get('client_id'), provider.clientInformation().client_id);
        assert.equal(query.get('redirect_uri'), provider.redirectUrl);
        assert.equal(query.get('code_challenge_method'), 'S256');
        assert.equal(query.get('resource'), `${GATEWAY_URL}/mcp`);
        assert.ok(query.get('state'));
        assert.equal(provider.authorizationResponse.iss, GATEWAY_URL);

        const [exchange] = fetchFn.find('POST', '/oauth/token');
        assert.ok(exchange, 'no token request');
        assert.equal(exchange.status, 200);
        assert.equal(exchange.form.get('grant_type'), 'authorization_code');
        assert.equal(exchange.form.get('code'), provider.authorizationResponse.code);
        assert.equal(exchange.form.get('resource'), `${GATEWAY_URL}/mcp`);
        const verifier = exchange.form.get('code_verifier');
        assert.ok(verifier, 'no code_verifier in the token request');
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        assert.equal(challenge, query.get('code_challenge'), 'code_verifier does not match the S256 challenge');
    });

    test('sends the access token on every MCP request after sign-in', () => {
        const mcp = fetchFn.requests.filter((r) => r.url.pathname === '/mcp');
        const afterSignIn = mcp.slice(mcp.findIndex((r) => r.status !== 401));
        assert.ok(afterSignIn.length > 0);
        for (const request of afterSignIn) {
            assert.match(request.headers.get('authorization') ?? '', /^Bearer gwa\./, `${request.method} /mcp`);
            assert.notEqual(request.status, 401);
        }
    });

    test('lists the tools and calls whoami as alice', async () => {
        const { tools } = await client.listTools();
        const names = tools.map((t) => t.name);
        assert.ok(names.includes('whoami') && names.includes('server_info'), `tools: ${names}`);
        const me = await whoami(client);
        assert.equal(me.email, 'alice@example.com');
        assert.equal(me.domain, 'example.com');
        assert.equal(me.client_id, provider.clientInformation().client_id);
    });

    test('terminates its session with DELETE', async () => {
        const { transport } = client;
        assert.ok(transport.sessionId, 'the SDK negotiated no Mcp-Session-Id');
        await transport.terminateSession();
        const [deleted] = fetchFn.find('DELETE', '/mcp');
        assert.ok(deleted, 'no DELETE sent');
        assert.ok(deleted.status >= 200 && deleted.status < 300, `DELETE answered ${deleted.status}`);
        assert.equal(transport.sessionId, undefined);
    });

    test('a later run with an invalid access token refreshes and succeeds', async () => {
        const saved = provider.tokens();
        assert.ok(saved.refresh_token, 'no refresh token issued');
        const later = new LoopbackOAuthProvider({
            clientInformation: provider.clientInformation(),
            tokens: { ...saved, access_token: 'gwa.expired-or-invalid' },
        });
        const laterFetch = recordingFetch();
        const laterClient = await connect(GATEWAY_URL, later, laterFetch);
        try {
            assert.equal(later.authorizationUrls.length, 0, 'went through the browser again instead of refreshing');
            const refreshes = laterFetch.find('POST', '/oauth/token');
            assert.equal(refreshes.length, 1);
            assert.equal(refreshes[0].form.get('grant_type'), 'refresh_token');
            assert.equal(refreshes[0].form.get('refresh_token'), saved.refresh_token);
            assert.equal(refreshes[0].form.get('resource'), `${GATEWAY_URL}/mcp`);
            assert.equal(refreshes[0].status, 200);
            assert.notEqual(later.tokens().refresh_token, saved.refresh_token, 'the refresh token was not rotated');
            assert.equal((await whoami(laterClient)).email, 'alice@example.com');
        } finally {
            await laterClient.close();
        }
    });
});

describe('TypeScript SDK signing in as a user outside the allowed domain', () => {
    test('fails to connect with access_denied naming the domain', async () => {
        const provider = new LoopbackOAuthProvider();
        await assert.rejects(connect(BOB_GATEWAY_URL, provider, recordingFetch()), (error) => {
            assert.ok(error instanceof AuthorizationDeniedError, `unexpected error: ${error}`);
            assert.equal(error.params.error, 'access_denied');
            assert.match(error.params.error_description ?? '', /other\.example/);
            return true;
        });
        assert.equal(provider.tokens(), undefined);
    });
});
