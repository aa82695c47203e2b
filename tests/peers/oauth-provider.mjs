// An OAuthClientProvider for the official TypeScript SDK that keeps
// everything in memory and plays the browser itself: redirectToAuthorization
// follows the redirect chain (the gateway's /oauth/authorize, the demo's fake
// Google, the gateway's /oauth/callback) with fetch, one redirect at a time,
// until the loopback redirect URI, and keeps what arrived there. Nothing
// listens on the redirect URI. Meant for `mcp-gateway demo --auto-approve`.
import { randomBytes } from 'node:crypto';

const MAX_REDIRECTS = 10;

/** GETs `url` and each Location in turn until one points at `redirectUri`; returns its query. */
export async function followToRedirectUri(url, redirectUri) {
    for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
        const response = await fetch(url, { redirect: 'manual' });
        const location = response.headers.get('location');
        if (![302, 303].includes(response.status) || !location) {
            const body = (await response.text()).slice(0, 500);
            throw new Error(`expected a redirect from ${url.split('?')[0]}, got ${response.status}: ${body}`);
        }
        const next = new URL(location, url);
        if (`${next.origin}${next.pathname}` === redirectUri) return Object.fromEntries(next.searchParams);
        url = next.href;
    }
    throw new Error(`no redirect to ${redirectUri} after ${MAX_REDIRECTS} hops`);
}

/** The authorization server sent the user back with `error=...`. */
export class AuthorizationDeniedError extends Error {
    constructor(params) {
        super(`${params.error}: ${params.error_description ?? ''}`);
        this.name = 'AuthorizationDeniedError';
        this.params = params;
    }
}

export class LoopbackOAuthProvider {
    /**
     * @param {object} [saved] client information and tokens from an earlier run
     *   (as saveClientInformation / saveTokens received them)
     */
    constructor({ redirectUrl = 'http://127.0.0.1:53683/callback', clientInformation, tokens } = {}) {
        this._redirectUrl = redirectUrl;
        this._clientInformation = clientInformation;
        this._tokens = tokens;
        this._codeVerifier = undefined;
        this._state = undefined;
        /** The URLs passed to redirectToAuthorization. */
        this.authorizationUrls = [];
        /** The query the last redirect chain ended with (code, state, iss). */
        this.authorizationResponse = undefined;
    }

    get redirectUrl() {
        return this._redirectUrl;
    }

    get clientMetadata() {
        return {
            client_name: 'gateway-peers-typescript-sdk',
            redirect_uris: [this._redirectUrl],
            grant_types: ['authorization_code', 'refresh_token'],
            response_types: ['code'],
            token_endpoint_auth_method: 'none',
        };
    }

    state() {
        this._state = randomBytes(16).toString('base64url');
        return this._state;
    }

    clientInformation() {
        return this._clientInformation;
    }

    saveClientInformation(clientInformation) {
        this._clientInformation = clientInformation;
    }

    tokens() {
        return this._tokens;
    }

    saveTokens(tokens) {
        this._tokens = tokens;
    }

    saveCodeVerifier(codeVerifier) {
        this._codeVerifier = codeVerifier;
    }

    codeVerifier() {
        if (!this._codeVerifier) throw new Error('no code verifier saved');
        return this._codeVerifier;
    }

    invalidateCredentials(scope) {
        if (scope === 'all' || scope === 'client') this._clientInformation = undefined;
        if (scope === 'all' || scope === 'tokens') this._tokens = undefined;
        if (scope === 'all' || scope === 'verifier') this._codeVerifier = undefined;
    }

    /** The browser step: follow the redirects, check `state` and `iss`, keep the code. */
    async redirectToAuthorization(authorizationUrl) {
        this.authorizationUrls.push(new URL(authorizationUrl));
        const params = await followToRedirectUri(authorizationUrl.href, this._redirectUrl);
        if (params.state !== this._state) throw new Error(`state mismatch: sent ${this._state}, got ${params.state}`);
        const issuer = authorizationUrl.origin;
        if (params.iss !== issuer) throw new Error(`iss mismatch (RFC 9207): expected ${issuer}, got ${params.iss}`);
        if (params.error) throw new AuthorizationDeniedError(params);
        this.authorizationResponse = params;
    }
}
