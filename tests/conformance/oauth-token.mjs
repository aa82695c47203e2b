// Signs in through the gateway's OAuth 2.1 flow, as an MCP client does, and
// prints the token response as JSON on stdout. No dependencies (Node >= 20).
//
//   node oauth-token.mjs http://localhost:PORT
//
// Dynamic client registration with a loopback redirect URI, PKCE S256,
// /oauth/authorize with `resource` and `state`; the redirects (through the
// demo's fake Google and the gateway's /oauth/callback) are followed one by
// one until the loopback redirect URI, where the code is read and `state`
// and `iss` (RFC 9207) are checked; then /oauth/token. Nothing listens on the
// redirect URI. Meant for `mcp-gateway demo --auto-approve alice@example.com`.
import { createHash, randomBytes } from 'node:crypto';

const REDIRECT_URI = 'http://127.0.0.1:53682/callback';
const MAX_REDIRECTS = 10;

const base64url = (buffer) => buffer.toString('base64url');

async function json(response, what) {
    const text = await response.text();
    if (!response.ok) throw new Error(`${what} answered ${response.status}: ${text}`);
    return JSON.parse(text);
}

/** GETs `url` and each Location in turn until one points at `redirectUri`; returns its query. */
export async function followToRedirectUri(url, redirectUri) {
    for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
        const response = await fetch(url, { redirect: 'manual' });
        const location = response.headers.get('location');
        if (![302, 303].includes(response.status) || !location) {
            throw new Error(`expected a redirect from ${url.split('?')[0]}, got ${response.status}: ${(await response.text()).slice(0, 500)}`);
        }
        const next = new URL(location, url);
        if (`${next.origin}${next.pathname}` === redirectUri) return Object.fromEntries(next.searchParams);
        url = next.href;
    }
    throw new Error(`no redirect to ${redirectUri} after ${MAX_REDIRECTS} hops`);
}

export async function signIn(baseUrl, { redirectUri = REDIRECT_URI } = {}) {
    const issuer = baseUrl.replace(/\/+$/, '');
    const resource = `${issuer}/mcp`;
    const metadata = await json(await fetch(`${issuer}/.well-known/oauth-authorization-server`), 'authorization server metadata');
    if (metadata.issuer !== issuer) throw new Error(`metadata issuer ${metadata.issuer} is not ${issuer}`);

    const client = await json(
        await fetch(metadata.registration_endpoint, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
                client_name: 'gateway-conformance-proxy',
                redirect_uris: [redirectUri],
                grant_types: ['authorization_code', 'refresh_token'],
                response_types: ['code'],
                token_endpoint_auth_method: 'none',
            }),
        }),
        'client registration',
    );

    const verifier = base64url(randomBytes(48));
    const challenge = base64url(createHash('sha256').update(verifier).digest());
    const state = base64url(randomBytes(16));
    const authorize = new URL(metadata.authorization_endpoint);
    for (const [name, value] of Object.entries({
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: redirectUri,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state,
        scope: 'mcp',
        resource,
    })) {
        authorize.searchParams.set(name, value);
    }

    const params = await followToRedirectUri(authorize.href, redirectUri);
    if (params.state !== state) throw new Error(`state mismatch: ${JSON.stringify(params)}`);
    if (params.iss !== issuer) throw new Error(`iss mismatch: ${JSON.stringify(params)}`);
    if (params.error) throw new Error(`authorization failed: ${params.error}: ${params.error_description ?? ''}`);

    return json(
        await fetch(metadata.token_endpoint, {
            method: 'POST',
            body: new URLSearchParams({
                grant_type: 'authorization_code',
                code: params.code,
                redirect_uri: redirectUri,
                code_verifier: verifier,
                client_id: client.client_id,
                resource,
            }),
        }),
        'token endpoint',
    );
}

if (import.meta.url === `file://${process.argv[1]}`) {
    const [baseUrl] = process.argv.slice(2);
    if (!baseUrl) {
        console.error('usage: node oauth-token.mjs <gateway base URL>');
        process.exit(2);
    }
    try {
        process.stdout.write(`${JSON.stringify(await signIn(baseUrl))}\n`);
    } catch (error) {
        console.error(`sign-in failed: ${error.message}`);
        process.exit(1);
    }
}
